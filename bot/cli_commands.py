"""What each ``briefbot`` command does (its options and ``main``: ``cli``).

The index (numpy, scipy), discord.py, rich's Markdown and the insights report are imported inside
the commands that use them, not here: ``cli`` imports this module for every command, and
`briefbot health`, `--help` and `--version` should answer at once (tests/test_deployment.py
checks what they import).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_output import (
    C1_JSON_ESCAPES,
    answer_json,
    console,
    err,
    print_answer,
    progress_bar,
    safe_markup,
    terminal_text,
)
from .settings import Settings, load_settings, unknown_settings

if TYPE_CHECKING:
    from index.evaluation import Question
    from index.models import Answer, IndexReport, SearchFilters
    from index.search import SearchIndex
    from index.storage.service import IndexService

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)


def settings_from(args: argparse.Namespace) -> Settings:
    return _settings(content_dir=args.content, db_path=args.db)


def _settings(**overrides: object) -> Settings:
    """The settings, with a line on stderr for each ``BRIEFBOT_*`` name that is none."""
    settings = load_settings(**overrides)
    for line in unknown_settings():
        err.print(line, style="yellow", markup=False, soft_wrap=True)
    return settings


async def open_service(settings: Settings, announce: bool = True) -> IndexService:
    """The index service, with the index built first if this database has none for the content.

    With no content folder named (no ``--content``, no ``BRIEFBOT_CONTENT_DIR``), a database that
    holds the index of another site folder answers from that folder: ``briefbot ask --db
    other.sqlite3`` asks that index, rather than rebuilding it from the default ``content/``
    and losing it.
    """
    from index.storage.service import IndexService

    service = await _open(settings)
    try:
        stored = await service.store.content_dir()
        if stored and "content_dir" not in settings.model_fields_set:
            folder = Path(stored)
            if folder.is_dir() and folder != settings.content_dir.resolve():
                settings = settings.model_copy(update={"content_dir": folder})
                service = IndexService(service.store, folder, settings.site_url or "")
        await prepare_index(service, settings, announce)
    except BaseException:
        await service.close()
        raise
    return service


async def prepare_index(service: IndexService, settings: Settings, announce: bool = True) -> None:
    """Load the stored index, building it first (with a progress bar) if there is none."""
    if await service.store.content_dir() != str(settings.content_dir.resolve()):
        if announce:
            err.print(
                f"No index for {settings.content_dir} yet; building it first…", markup=False
            )  # a path may hold "[/]"
        progress, update = progress_bar("Indexing")
        with progress:
            report = await service.reindex(update)
        if announce:
            err.print(_report_line(report))
    index = await service.ensure()
    if not index.data.post_ids:
        _warn_no_posts(settings.content_dir)
    else:
        await _warn_unlinked(service, settings)


async def _open(settings: Settings) -> IndexService:
    from index.storage.service import IndexService

    return await IndexService.open(settings.db_path, settings.content_dir, settings.site_url or "")


async def _warn_unlinked(service: IndexService, settings: Settings) -> None:
    """One line when the stored posts' URLs are no links a reader can open (no ``url`` in
    _config.yml, a plain folder of posts): Discord refuses them, so every citation shows
    without its link, which nobody would otherwise notice until readers ask."""
    from index.ingest.urls import link_problem

    site = await service.store.site()
    problem = link_problem(site) if site is not None else None
    if not problem:
        return
    if settings.site_url:  # set since the index was built: its next refresh follows it
        fix = "Run `briefbot index` to use BRIEFBOT_SITE_URL."
    else:
        fix = "Set BRIEFBOT_SITE_URL to the site's public address (https://…)."
    err.print(
        f"Links: {problem}; answers will cite posts without links. {fix}",
        style="yellow",
        markup=False,
        soft_wrap=True,
    )


def _warn_no_posts(content: Path) -> None:
    """A site mounted at the wrong path is an empty folder: say so, or every answer looks like
    a search that found nothing."""
    err.print(
        f"No posts found in {content}: posts are the .md and .markdown files in a Jekyll site's"
        " _posts/ folder, or in the folder named; check --content or BRIEFBOT_CONTENT_DIR.",
        style="yellow",
        markup=False,
        soft_wrap=True,
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _report_line(report: IndexReport) -> str:
    posts, passages = _count(report.posts, "post"), _count(report.passages, "passage")
    return (
        f"Indexed {posts}, {passages} in {report.seconds:.2f} s "
        f"({len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed)"
    )


async def cmd_index(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    service = await _open(settings)
    embedded = True
    try:
        progress, update = progress_bar("Indexing")
        with progress:
            report = await service.update_stored(update)  # (not loaded: nothing is asked)
        console.print(_report_line(report))
        if not report.posts:
            _warn_no_posts(settings.content_dir)
        else:  # (no posts, no links: the folder is the one thing to fix)
            await _warn_unlinked(service, settings)
            embeds = settings.embeddings and not getattr(args, "no_embed", False)
            if getattr(args, "retry_skipped", False) and not embeds:
                err.print(
                    "--retry-skipped: nothing is embedded (--no-embed, or"
                    " BRIEFBOT_EMBEDDINGS=false), so no skipped text is tried again.",
                    style="yellow",
                    markup=False,
                    soft_wrap=True,
                )
            if embeds:
                from .cli_vectors import embed_stored

                embedded = await embed_stored(
                    service,
                    drop_others=getattr(args, "drop_other_vectors", False),
                    retry_skipped=getattr(args, "retry_skipped", False),
                )
    finally:
        await service.close()
    skipped = [i for i in report.issues if i.kind == "skipped"]
    recovered = [i for i in report.issues if i.kind == "recovered"]
    console.print(f"Files skipped: {len(skipped)}; recovered: {len(recovered)}")
    for issue in skipped + recovered:
        line = " ".join(f"  [{issue.kind}] {issue.path}: {issue.reason}".split("\n"))
        console.print(terminal_text(line), markup=False)  # file names may hold escapes
    return 0 if embedded else 1  # (indexed; the embedding failed, said in its own line)


def _big_frees_returned() -> None:
    """Have glibc's malloc map every block over 128 KiB on its own (its default threshold, kept
    fixed), so that a freed array goes back to the system at once.

    By default glibc raises the threshold to the size of each mapped block freed, then serves
    later arrays of up to that size from its heap, where what is freed stays in the process:
    loading the index (each field's rows, then its arrays) left ~3.5 MB of ``briefbot ask``'s
    peak memory in such holes. Elsewhere than glibc: nothing to do."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, 128 * 1024)


async def cmd_ask(args: argparse.Namespace) -> int:
    from index.models import SearchFilters
    from index.retrieval.questions import clip_question

    _big_frees_returned()  # (a one-shot process: what its load frees is not needed again)

    question, clipped = clip_question(args.question)
    if clipped:
        err.print(
            f"The question is long ({len(args.question):,} characters); searching its "
            f"first {len(question):,}.",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    settings = settings_from(args)
    filters = SearchFilters(
        category=args.category, tag=args.tag, since=args.since, until=args.until
    )
    answer = await _answer(settings, question, args.k, filters, announce=not args.json)
    # The index is gone by now, its memory given back: printing (rich's Markdown and its
    # imports) does not add to the process's peak.
    from index.storage.service import release_memory

    await release_memory()
    if args.json:
        # json escapes C0 controls itself; C1 ones (U+009B is CSI to some terminals) too here.
        text = json.dumps(answer_json(answer), ensure_ascii=False, indent=2)
        print(text.translate(C1_JSON_ESCAPES))
    else:
        print_answer(answer)
    return 0


async def _answer(
    settings: Settings, question: str, k: int, filters: SearchFilters, announce: bool
) -> Answer:
    """The answer to one question, from the stored index (loaded for it, and let go after)."""
    service = await open_service(settings, announce=announce)
    try:
        assert service.current is not None
        if settings.embeddings:
            from .cli_vectors import use_stored

            await use_stored(service)
        answer = service.current.search(question, k=k, filters=filters)
        if not answer.results and (why := _no_post_passes(service.current, filters)):
            answer = answer.model_copy(update={"message": why, "suggestions": ()})
        return answer
    finally:
        await service.close()


def _no_post_passes(index: SearchIndex, filters: SearchFilters) -> str | None:
    """Which filter no post passes, if none does (else None): a misspelt category is named as
    such, rather than answered as a question the content does not cover."""
    from index.models import SearchFilters

    def passing(f: SearchFilters) -> list[int]:
        keep = index.post_mask(f)
        return [i for i in range(len(index.posts)) if keep is None or keep[i]]

    if passing(filters):
        return None
    category, tag = filters.category, filters.tag
    if category and not passing(SearchFilters(category=category)):
        names = ", ".join(index.categories())
        if not names:  # a plain folder of posts: no list to offer
            return f"No post is in the category {category!r}: the posts have no categories."
        return f"No post is in the category {category!r}; the categories are: {names}."
    if tag and not passing(SearchFilters(tag=tag)):
        return f"No post has the tag {tag!r}."
    dates = [index.posts[i].date for i in passing(SearchFilters(category=category, tag=tag))]
    if not dates or not (filters.since or filters.until):
        return None
    which = " and ".join(
        ([f"in the category {category!r}"] if category else [])
        + ([f"with the tag {tag!r}"] if tag else [])
    )
    span = " ".join(
        ([f"from {filters.since.isoformat()}"] if filters.since else [])
        + ([f"until {filters.until.isoformat()}"] if filters.until else [])
    )
    posts, those = (f"No post {which} is", "those posts") if which else ("No post is", "the posts")
    return f"{posts} dated {span}: {those} run from {min(dates)} to {max(dates)}."


def _check_writable(path: Path) -> None:
    """Raise the error writing ``path`` would meet (a folder, a folder that cannot be made, no
    permission), without changing a file already there."""
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: name a file to write the runs to")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise NotADirectoryError(
            f"cannot write {path}: a file stands where its folder should be"
        ) from None
    existed = path.exists()
    with path.open("a", encoding="utf-8"):  # (append: nothing there is lost)
        pass
    if not existed:
        path.unlink()


def _warn_unscorable(questions: list[Question], post_urls: dict[str, str]) -> None:
    """Gold posts the site has no post of (each scored as a miss) and questions no figure
    counts: a first question file names posts as they come to mind, and its figures would
    be wrong without a word."""
    from index.evaluation import unknown_gold, unscored

    unknown = unknown_gold(questions, post_urls)
    if unknown:
        listed = "; ".join(
            f"{qid}: {gold}" + (f" (did you mean {meant}?)" if meant else "")
            for qid, gold, meant in unknown[:10]
        )
        more = f"; and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        err.print(
            f"Gold posts the site has no post of, scored as misses — {listed}{more}. A gold post"
            ' is its file\'s path under _posts/, as `briefbot ask --json` gives it ("post").',
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    left = unscored(questions)
    if left:
        ids = ", ".join(left[:10]) + (", …" if len(left) > 10 else "")
        has, is_ = ("has", "is") if len(left) == 1 else ("have", "are")
        err.print(
            f"{_count(len(left), 'question')} ({ids}) {has} no gold post and {is_} not of kind"
            ' unanswerable: in no figure. Give "gold" (the posts that answer it) or "kind":'
            ' "unanswerable".',
            style="yellow",
            markup=False,
            soft_wrap=True,
        )


async def cmd_eval(args: argparse.Namespace) -> int:
    from rich.table import Table

    from index.evaluation import evaluate, load_questions, write_runs

    try:
        questions = load_questions(args.questions)
    except ValueError as exc:  # a malformed line (named in the message), or not UTF-8
        err.print(f"Cannot read {args.questions}: {exc}", style="red", markup=False, soft_wrap=True)
        return 2
    if args.runs_out:
        _check_writable(args.runs_out)  # now, not after every question was asked
    settings = settings_from(args)
    service = await open_service(settings, announce=not args.json)
    try:
        index = service.current
        assert index is not None
        if settings.embeddings:
            from .cli_vectors import use_stored

            await use_stored(service)
        report, runs = evaluate(questions, lambda q, k: index.search(q, k=k), k=args.k)
        _warn_unscorable(questions, {p.id: p.url for p in index.posts})
    finally:
        await service.close()
    if args.runs_out:
        write_runs(args.runs_out, runs)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    # Two tables, each narrow enough for an 80-column terminal: which posts were found (and
    # declines), then whether what is shown holds the answer span.
    tables = (
        (
            f"Retrieval on {args.questions} ({report.questions} questions)",
            (
                ("answerable", "n"),
                ("hit1", "hit@1"),
                ("hit5", "hit@5"),
                ("mrr10", "MRR@10"),
                ("wrongly_declined", "wrong decl"),
                ("unanswerable", "unans"),
                ("declined_unanswerable", "declined"),
            ),
        ),
        (
            "Answer shown (the answer span in: passage 1, passages 1-5, headline, first page)",
            (
                ("answerable", "n"),
                ("answer1", "ans@1"),
                ("answer5", "ans@5"),
                ("headline", "headline"),
                ("first_page", "1st page"),
            ),
        ),
    )

    def cell(value: float | int | None) -> str:
        return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    for title, columns in tables:
        # (field, short header): short so the table fits an 80-column terminal.
        table = Table(title=safe_markup(title), collapse_padding=True)
        table.add_column("kind")
        for _, header in columns:
            table.add_column(header, justify="right")
        for kind, s in [*report.by_kind.items(), ("ALL", report.overall)]:
            table.add_row(safe_markup(kind), *(cell(getattr(s, c)) for c, _ in columns))
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
        service = await _open(settings)
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
    service = await _open(settings)
    try:
        names = await sync(settings, service, args.guild)
    except StartupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        await service.close()
    where = f"server {args.guild}" if args.guild else "all servers (may take a minute to show)"
    console.print(
        f"Synced {len(names)} commands to {where}: " + ", ".join(names),
        markup=False,
        soft_wrap=True,
    )
    return 0


async def cmd_health(args: argparse.Namespace) -> int:
    """For a container HEALTHCHECK: one line, exit 0 when the heartbeat is fresh, else 1."""
    from .health import check_heartbeat

    settings = _settings(health_file=args.file, health_max_age_seconds=args.max_age)
    healthy, reason = check_heartbeat(settings.health_file, settings.health_max_age_seconds)
    print(f"briefbot: {reason}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


async def cmd_insights(args: argparse.Namespace) -> int:
    from .insights_cli import cmd_insights as insights  # (its report's modules: see the top)

    return await insights(args)
