"""Posts shown whole or listed: /brief, /latest, and what /about says of the index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from index.models import Passage, Post

from .text import (
    COLOUR_INFO,
    DESCRIPTION_MAX,
    blocks_within,
    day_label,
    escape,
    fit_embed,
    link,
    plain,
    safe_url,
    truncate,
)


def sections(post: Post, passages: Sequence[Passage]) -> list[tuple[tuple[str, ...], str]]:
    """The post's sections in order, as ``(heading_path, url)``, one per heading anchor."""
    from index.search import SearchIndex  # the URL rule lives with the index

    seen: set[str] = set()
    found: list[tuple[tuple[str, ...], str]] = []
    for passage in passages:
        if not passage.anchor or passage.anchor in seen or not passage.heading_path:
            continue
        seen.add(passage.anchor)
        found.append((passage.heading_path, SearchIndex.passage_url(post, passage)))
    return found


def brief_embed(post: Post, passages: Sequence[Passage], *, site_name: str = "") -> discord.Embed:
    """One post: title, date, categories, excerpt and its sections as links."""
    parts: list[str] = []
    if post.excerpt:
        parts.append(truncate(escape(plain(post.excerpt)), 1500))
    section_lines = [
        f"{'  ' * (len(path) - 1)}• {link(path[-1], url)}" for path, url in sections(post, passages)
    ]
    if section_lines:
        listing = "**Sections**"
        for i, line in enumerate(section_lines):
            more = f"\n… and {len(section_lines) - i} more"
            budget = DESCRIPTION_MAX - len("\n\n".join(parts)) - 2 - len(more) - 20
            if len(listing) + 1 + len(line) > budget:
                listing += more
                break
            listing += "\n" + line
        parts.append(listing)
    embed = discord.Embed(
        title=escape(plain(post.title)) or post.id,
        url=safe_url(post.url),
        description="\n\n".join(parts) or None,
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Date", value=day_label(post.date), inline=True)
    if post.categories:
        embed.add_field(name="Categories", value=escape(", ".join(post.categories)), inline=True)
    if post.tags:
        embed.add_field(name="Tags", value=escape(", ".join(post.tags)), inline=True)
    if post.authors:
        embed.set_author(name="By " + ", ".join(post.authors))
    if site_name:
        embed.set_footer(text=site_name)
    return fit_embed(embed)


def latest_embed(
    posts: Sequence[Post], *, category: str | None = None, site_name: str = ""
) -> discord.Embed:
    """The newest posts, each linked, newest first."""
    title = f"Latest in {category}" if category else "Latest posts"
    if site_name:
        title += f" on {site_name}"
    lines = [
        f"**{link(p.title, p.url)}**\n{day_label(p.date)}"
        + (f" · {escape(', '.join(p.categories))}" if p.categories else "")
        for p in posts
    ]
    description = blocks_within("", lines, DESCRIPTION_MAX) if lines else "No posts yet."
    embed = discord.Embed(title=escape(plain(title)), description=description, colour=COLOUR_INFO)
    return fit_embed(embed)


PROBLEM_CHARS = 300  # (a reason from an exception: one line, kept short)


@dataclass(frozen=True, slots=True)
class Ranking:
    """How answers are ranked, as /about says it: by words (BM25) always; by meaning too when
    ``meaning`` is on and the served index has every passage's vector (``ready``); until then
    ``embedded`` of ``passages`` (0: not counted yet), or ``problem`` when it cannot be, or
    why the embedding failed when it is tried again at ``retry_at`` (Unix time). ``skipped``
    passages the model fails on are ranked by words alone, for ``skipped_reason``. Once
    ``ready``, ``sentences_embedded`` of the site's ``sentences`` while they are embedded
    (declining what no post states: on once all are; 0 of 0: done, or not counted yet), and
    ``problem`` / ``retry_at`` when their fill failed and is tried again."""

    meaning: bool
    ready: bool = False
    embedded: int = 0
    passages: int = 0
    problem: str = ""
    retry_at: float | None = None
    skipped: int = 0
    skipped_reason: str = ""
    sentences_embedded: int = 0
    sentences: int = 0


def ranking_line(ranking: Ranking) -> str:
    """The one line /about says of ranking (moderators see whether meaning is used, and when)."""
    if not ranking.meaning:
        return "By words (meaning-based ranking is off)"
    skipped = ""
    if ranking.skipped:  # (a moderator can find and fix the post, or wait for the model)
        n = ranking.skipped
        skipped = (
            f"{n:,} passage{'' if n == 1 else 's'} could not be embedded and"
            f" {'is' if n == 1 else 'are'} ranked by words alone:"
            f" {truncate(escape(plain(ranking.skipped_reason)), PROBLEM_CHARS)}"
        )
    reason = truncate(escape(plain(ranking.problem)), PROBLEM_CHARS)
    if ranking.ready:
        notes = [skipped] if skipped else []
        if ranking.sentences:
            notes.append(
                f"{ranking.sentences_embedded:,} of {ranking.sentences:,} sentences embedded"
            )
            if ranking.problem and ranking.retry_at is not None:  # (their fill failed: retried)
                notes[-1] += f", paused: {reason}; trying again <t:{int(ranking.retry_at)}:R>"
        return "By words and meaning" + (f" ({'; '.join(notes)})" if notes else "")
    if ranking.problem and ranking.retry_at is None:
        return f"By words; meaning-based ranking is unavailable: {reason}"
    if ranking.problem:  # (Discord shows the time in the reader's own words: "in 5 minutes")
        line = f"By words; meaning-based ranking is paused: {reason}; trying again"
        line += f" <t:{int(ranking.retry_at or 0)}:R>"
    else:
        line = "By words; meaning-based ranking is being prepared"
    if ranking.passages:
        line += f" ({ranking.embedded:,} of {ranking.passages:,} passages embedded"
        line += f"; {skipped})" if skipped else ")"
    return line


@dataclass(frozen=True, slots=True)
class AboutStats:
    posts: int
    passages: int
    categories: Sequence[str]
    built_at: dt.datetime | None
    version: str
    site_name: str = ""
    site_url: str = ""
    ranking: Ranking | None = None


def about_embed(stats: AboutStats) -> discord.Embed:
    """What the bot serves and how fresh it is."""
    site = (
        link(stats.site_name or stats.site_url, stats.site_url)
        if stats.site_url
        else escape(stats.site_name or "the configured content")
    )
    embed = discord.Embed(
        title="About briefbot",
        description=(
            f"I answer questions about the posts of {site}, citing the sections I quote.\n"
            "Use `/ask`, or mention me with a question. `/brief` shows one post, "
            "`/latest` the newest."
        ),
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Posts", value=f"{stats.posts:,}", inline=True)
    embed.add_field(name="Passages", value=f"{stats.passages:,}", inline=True)
    embed.add_field(name="Categories", value=f"{len(stats.categories):,}", inline=True)
    if stats.built_at is not None:
        built = stats.built_at if stats.built_at.tzinfo else stats.built_at.replace(tzinfo=dt.UTC)
        indexed = f"{discord.utils.format_dt(built, 'f')} ({discord.utils.format_dt(built, 'R')})"
    else:
        indexed = "not yet"
    embed.add_field(name="Last indexed", value=indexed, inline=False)
    if stats.ranking is not None:
        embed.add_field(name="Ranking", value=ranking_line(stats.ranking), inline=False)
    embed.set_footer(text=f"briefbot {stats.version} · discord.py {discord.__version__}")
    return fit_embed(embed)
