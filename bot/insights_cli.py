"""``briefbot insights``: the /insights report in the terminal, and the log as evaluation files.

briefbot insights [--days N] [--json]
briefbot insights export FILE [--review FILE2] [--days N]

Its options are declared with the other commands' in ``bot.cli``, which imports this module (and
the report's) only when the command runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from index.insights import InsightsReport, eval_lines

from .insights_store import InsightsStore, utcnow


def review_path(path: Path) -> Path:
    return path.with_name(f"{path.name.removesuffix('.jsonl')}.review.jsonl")


async def export(
    store: InsightsStore, path: Path, review: Path | None, days: int
) -> tuple[int, int, Path]:
    """Write the two files; (helpful questions, questions to review, the review file)."""
    rows = await store.questions(since=utcnow() - _span(days))
    good, to_review = eval_lines(rows)
    review = review or review_path(path)
    for target, lines in ((path, good), (review, to_review)):
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        target.write_text(text, encoding="utf-8")
    return len(good), len(to_review), review


def _span(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


async def report(store: InsightsStore, days: int, index: Any = None) -> InsightsReport:
    """The report over every server's log; with ``index``, cited sections it no longer has."""
    return await store.report(days=days, now=utcnow(), index=index)


def report_lines(r: InsightsReport) -> list[str]:
    """The report as plain text lines (the terminal's version of /insights)."""
    lines = [
        f"Questions in the last {r.days} days: {r.questions} "
        f"({r.answered} answered, {r.declined} declined; "
        f"votes: {r.helpful} helpful, {r.unhelpful} not helpful)",
    ]

    def section(title: str, items: list[str]) -> None:
        lines.append("")
        lines.append(title)
        lines.extend(f"  {item}" for item in items or ["(none)"])

    section("Top unanswered questions:", [f"{g.count}× {g.question}" for g in r.unanswered])
    section(
        "Answers voted not helpful:",
        [
            f"{u.question} → "
            + ", ".join(f"{c.title} › {c.heading}" if c.heading else c.title for c in u.citations)
            for u in r.voted_unhelpful
        ],
    )
    section("Most cited posts:", [f"{p.count}× {p.title} ({p.post_id})" for p in r.top_posts])
    section(
        "Most cited sections:",
        [f"{s.count}× {s.title} › {s.heading or '(opening)'}" for s in r.top_sections],
    )
    section(
        "Gaps (asked repeatedly, not covered):",
        [
            f"{g.topic}: {g.questions} questions"
            + (" (in no post)" if g.in_posts is False else "")
            + f", e.g. {g.example!r}"
            for g in r.gaps
        ],
    )
    section(
        "Cited sections that no longer exist:",
        [
            f"{b.title} › {b.heading or b.anchor} ({b.post_id}#{b.anchor}): {b.reason}, "
            f"cited {b.times_cited}×"
            for b in r.broken
        ],
    )
    return lines


async def cmd_insights(args: argparse.Namespace) -> int:
    from .cli_commands import console, open_service, settings_from

    settings = settings_from(args)
    if not settings.db_path.is_file():  # never create an empty database to report on
        raise FileNotFoundError(f"no database at {settings.db_path}: give the bot's with --db")
    # Questions past retention are deleted by the bot every few minutes; one stopped for a while
    # (or a copy of its file) still holds some, which are shown and exported no more than there.
    days = min(args.days, settings.insights_retention_days)
    if args.insights_action == "export":
        store = await InsightsStore.open(settings.db_path)
        try:
            good, review, review_file = await export(store, args.file, args.review, days)
        finally:
            await store.close()
        console.print(
            f"Wrote {good} questions voted helpful to {args.file} and {review} to "
            f"review to {review_file}",
            markup=False,
            soft_wrap=True,
        )
        return 0
    service = await open_service(settings, announce=not args.json)
    try:
        store = await InsightsStore.open(settings.db_path)
        try:
            result = await report(store, days, service.current)
        finally:
            await store.close()
    finally:
        await service.close()
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        for line in report_lines(result):
            console.print(line, markup=False, soft_wrap=True)
    return 0
