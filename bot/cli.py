"""The ``briefbot`` command line: index, ask, eval, run, sync, health.

Every command takes ``--content`` and ``--db`` (or ``BRIEFBOT_CONTENT_DIR`` / ``BRIEFBOT_DB_PATH``);
flags override the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sqlite3
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from index.models import Answer, IndexReport, SearchFilters
from index.service import IndexService

from .settings import Settings, load_settings

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2020-06-21, got {text!r}") from exc


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content", type=Path, help="site root or posts folder (default: content/)"
    )
    parser.add_argument("--db", type=Path, help="SQLite file (default: data/briefbot.sqlite3)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot", description="Answer questions about a site's posts, with citations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or refresh the index")
    _common(p)
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("ask", help="answer a question from the terminal")
    _common(p)
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="number of results (default 5)")
    p.add_argument("--category", help="only posts in this category")
    p.add_argument("--tag", help="only posts with this tag")
    p.add_argument("--since", type=_date, help="only posts on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="only posts on or before this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval on a question set (JSON lines)")
    _common(p)
    p.add_argument("questions", type=Path, help="questions file, e.g. ../shared/eval/dev.jsonl")
    p.add_argument("-k", type=int, default=5, help="results per question (at least 10 are run)")
    p.add_argument("--runs-out", type=Path, help="write one JSON line of results per question")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=cmd_eval)

    p = sub.add_parser("run", help="start the Discord bot (token: DISCORD_TOKEN or .env)")
    _common(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("sync", help="publish the slash commands to Discord")
    _common(p)
    p.add_argument("--guild", type=int, metavar="ID",
                   help="only to this server (instant; default: globally)")
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("health", help="exit 0 if the running bot is connected (its heartbeat)")
    p.add_argument("--file", type=Path, help="heartbeat file (default: BRIEFBOT_HEALTH_FILE)")
    p.add_argument("--max-age", type=float, metavar="SECONDS",
                   help="oldest acceptable heartbeat (default: BRIEFBOT_HEALTH_MAX_AGE_SECONDS)")
    p.set_defaults(handler=cmd_health)

    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(content_dir=args.content, db_path=args.db)


def _progress_bar(description: str) -> tuple[Progress, Callable[[int, int], None]]:
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total or None)

    return progress, update


async def open_service(settings: Settings, announce: bool = True) -> IndexService:
    """The index service, with the index built first if this database has none for the content."""
    service = await IndexService.open(settings.db_path, settings.content_dir)
    try:
        await prepare_index(service, settings, announce)
    except BaseException:
        await service.close()
        raise
    return service


async def prepare_index(service: IndexService, settings: Settings, announce: bool = True) -> None:
    """Load the stored index, building it first (with a progress bar) if there is none."""
    if await service.store.content_dir() != str(settings.content_dir.resolve()):
        if announce:
            err.print(f"No index for {settings.content_dir} yet; building it first…")
        progress, update = _progress_bar("Indexing")
        with progress:
            report = await service.reindex(update)
        if announce:
            err.print(_report_line(report))
    await service.ensure()


def _report_line(report: IndexReport) -> str:
    return (
        f"Indexed {report.posts} posts, {report.passages} passages in {report.seconds:.2f} s "
        f"({len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed)"
    )


async def cmd_index(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    service = await IndexService.open(settings.db_path, settings.content_dir)
    try:
        progress, update = _progress_bar("Indexing")
        with progress:
            report = await service.reindex(update)
    finally:
        await service.close()
    console.print(_report_line(report))
    skipped = [i for i in report.issues if i.kind == "skipped"]
    recovered = [i for i in report.issues if i.kind == "recovered"]
    console.print(f"Files skipped: {len(skipped)}; recovered: {len(recovered)}")
    for issue in skipped + recovered:
        console.print(f"  [{issue.kind}] {issue.path}: {issue.reason}", markup=False)
    return 0


async def cmd_ask(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    filters = SearchFilters(
        category=args.category, tag=args.tag, since=args.since, until=args.until
    )
    service = await open_service(settings, announce=not args.json)
    try:
        assert service.current is not None
        answer = service.current.search(args.question, k=args.k, filters=filters)
    finally:
        await service.close()
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return 0


async def cmd_eval(args: argparse.Namespace) -> int:
    from rich.table import Table

    from index.evaluation import evaluate, load_questions, write_runs

    try:
        questions = load_questions(args.questions)
    except ValueError as exc:  # a malformed line (named in the message), or not UTF-8
        err.print(f"Cannot read {args.questions}: {exc}", style="red", markup=False, soft_wrap=True)
        return 2
    service = await open_service(settings_from(args), announce=not args.json)
    try:
        index = service.current
        assert index is not None
        report, runs = evaluate(questions, lambda q, k: index.search(q, k=k), k=args.k)
    finally:
        await service.close()
    if args.runs_out:
        write_runs(args.runs_out, runs)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    table = Table(
        title=f"Retrieval on {args.questions} ({report.questions} questions)",
        collapse_padding=True,  # fits 80 columns without cutting kind names short
    )
    # (field, short header): short so the table fits an 80-column terminal.
    columns = (
        ("answerable", "n"), ("hit1", "hit@1"), ("hit5", "hit@5"), ("mrr10", "MRR@10"),
        ("answer5", "ans@5"), ("wrongly_declined", "wrong decl"),
        ("unanswerable", "unans"), ("declined_unanswerable", "declined"),
    )
    table.add_column("kind")
    for _, header in columns:
        table.add_column(header, justify="right")

    def cell(value: float | int | None) -> str:
        return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    for kind, s in [*report.by_kind.items(), ("ALL", report.overall)]:
        table.add_row(kind, *(cell(getattr(s, c)) for c, _ in columns))
    console.print(table)
    return 0


async def cmd_run(args: argparse.Namespace) -> int:
    from .runner import StartupError, require_token, serve, setup_logging

    settings = settings_from(args)
    try:
        require_token(settings)  # before any work: a missing token is the commonest mistake
        if not settings.content_dir.is_dir():
            raise FileNotFoundError(f"content folder not found: {settings.content_dir}")
        setup_logging(settings.log_level)
        service = await IndexService.open(settings.db_path, settings.content_dir)
        try:
            await serve(settings, service, lambda: prepare_index(service, settings))
        finally:
            await service.close()
    except StartupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)  # one plain line, never wrapped
        return exc.exit_code
    return 0


async def cmd_sync(args: argparse.Namespace) -> int:
    from .runner import StartupError, sync

    settings = settings_from(args)
    service = await IndexService.open(settings.db_path, settings.content_dir)
    try:
        names = await sync(settings, service, args.guild)
    except StartupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        await service.close()
    where = f"server {args.guild}" if args.guild else "all servers (may take a minute to show)"
    console.print(f"Synced {len(names)} commands to {where}: "
                  + ", ".join(f"/{n}" for n in names), markup=False, soft_wrap=True)
    return 0


async def cmd_health(args: argparse.Namespace) -> int:
    """For a container HEALTHCHECK: one line, exit 0 when the heartbeat is fresh, else 1."""
    from .health import check_heartbeat

    settings = load_settings(health_file=args.file, health_max_age_seconds=args.max_age)
    healthy, reason = check_heartbeat(settings.health_file, settings.health_max_age_seconds)
    print(f"briefbot: {reason}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def answer_json(answer: Answer) -> dict[str, Any]:
    return answer.model_dump(mode="json", by_alias=True)


def print_answer(answer: Answer) -> None:
    if answer.declined:
        console.print(f"[bold yellow]{answer.message}[/]")
        if answer.suggestions:
            console.print("Closest posts:")
            for ref in answer.suggestions:
                console.print(f"  • {ref.title} ({ref.date}) {ref.url}", markup=False)
        return
    best = answer.results[0]
    console.print(Markdown(f"> {best.best_sentence}"))
    console.print()
    for n, result in enumerate(answer.results, 1):
        section = f" — {result.heading}" if result.heading else ""
        console.print(f"[bold][{n}] {result.title}{section}[/] [dim]({result.date})[/]")
        console.print(f"    {result.url}", style="cyan", markup=False)
        console.print(Markdown(result.snippet))
        console.print()


def run_async(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_async(args.handler(args))
    except ValidationError as exc:
        err.print(f"[red]Invalid setting:[/] {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
        return 2
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
        err.print(str(exc), style="red", markup=False, soft_wrap=True)  # paths may hold [ ]
        return 2
    except sqlite3.DatabaseError as exc:  # --db names a folder, a damaged file (one line each)
        err.print(f"Database error: {exc}", style="red", markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
