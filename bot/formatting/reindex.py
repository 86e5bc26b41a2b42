"""What a reindex changed, or why it failed (the previous index keeps answering)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from index.models import IndexReport

from .text import (
    COLOUR_ERROR,
    COLOUR_INFO,
    FIELD_VALUE_MAX,
    escape,
    fit_embed,
    lines_within,
    plain,
    truncate,
    truncate_plain,
)


def _name_list(names: Sequence[str], limit: int = FIELD_VALUE_MAX) -> str:
    """Bulleted names within ``limit`` characters, with "… and N more" when they do not fit."""
    lines = [f"• {escape(truncate_plain(name, 200))}" for name in names]
    return lines_within(lines, limit) or "none"


def reindex_embed(report: IndexReport, titles: dict[str, str] | None = None) -> discord.Embed:
    """What a reindex changed: posts added/changed/removed (by title), files skipped or recovered.

    ``titles`` maps post ids to titles for posts still in the index (removed ones show their id).
    """
    titles = titles or {}
    changes = len(report.added) + len(report.changed) + len(report.removed)
    summary = (
        f"**{report.posts:,}** posts, **{report.passages:,}** passages · {report.seconds:.1f} s"
    )
    if not changes:
        summary += "\nNothing changed since the last index."
    embed = discord.Embed(title="Reindexed", description=summary, colour=COLOUR_INFO)
    for label, ids in (
        ("Added", report.added),
        ("Changed", report.changed),
        ("Removed", report.removed),
    ):
        if ids:
            embed.add_field(
                name=f"{label} ({len(ids)})",
                value=_name_list([titles.get(i, i) for i in ids]),
                inline=False,
            )
    for kind, label in (("skipped", "Files skipped"), ("recovered", "Files recovered")):
        issues = [i for i in report.issues if i.kind == kind]
        if issues:
            embed.add_field(
                name=f"{label} ({len(issues)})",
                value=_name_list([f"{i.path}: {i.reason}" for i in issues]),
                inline=False,
            )
    return fit_embed(embed)


def reindex_failed_embed(error: str, *, posts: int, built_at: dt.datetime | None) -> discord.Embed:
    """A reindex that failed: the reason, and that the previous index is still answering."""
    if built_at is not None:
        built = built_at if built_at.tzinfo else built_at.replace(tzinfo=dt.UTC)
        serving = f"{posts:,} posts, indexed {discord.utils.format_dt(built, 'R')}"
    else:
        serving = f"{posts:,} posts"
    text = (
        f"**The reindex failed:** {truncate(escape(plain(error)), 1000)}\n\n"
        f"Questions are still answered from the previous index ({serving})."
    )
    return fit_embed(discord.Embed(title="Reindex failed", description=text, colour=COLOUR_ERROR))
