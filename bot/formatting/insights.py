"""What moderators see of the question log: /insights pages, the weekly digest, broken citations.

Built on the formatting layer's rules (``bot.formatting``): logged text is escaped, everything is
cut to Discord's limits, and :func:`fit_embed` is the last step of every embed.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from index.explain import FIELD_NAMES, Explanation, PassageWhy
from index.insights import BrokenCitation, Citation, InsightsReport

from .text import (
    COLOUR_INFO,
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    escape,
    fit_embed,
    lines_within,
    plain,
    truncate,
)

PAGE_CHARS = 3500  # description per page: the title and footer fit in the 6,000 total
LINE_CHARS = 300
DIGEST_ITEMS = 5
ABOUT_LOG_ON = (
    "Questions asked in public are logged for moderators' /insights (text, time, "
    "server, what was cited, the asker's vote; no user names or ids) and kept "
    "{days} days, or until its asker takes it back (Delete, or deleting its message); "
    "private ones never."
)
ABOUT_LOG_OFF = "No question log is kept (insights are turned off)."


def about_line(enabled: bool, days: int) -> str:
    """The one line /about says about what is stored."""
    return ABOUT_LOG_ON.format(days=days) if enabled else ABOUT_LOG_OFF


def _q(text: str, limit: int = LINE_CHARS) -> str:
    return truncate(escape(plain(text)), limit)


def _cite(c: Citation | BrokenCitation) -> str:
    where = f"{c.title} › {c.heading}" if c.heading else c.title
    return escape(plain(where))


def _sections(report: InsightsReport) -> list[tuple[str, list[str]]]:
    r = report
    return [
        (
            "Top unanswered questions",
            [
                f"**{g.count}×** {_q(g.question)}"
                + (f"\n-# also: {_q(' · '.join(g.variants), 200)}" if g.variants else "")
                for g in r.unanswered
            ],
        ),
        (
            "Gaps: asked repeatedly, not covered",
            [
                f"**{escape(g.topic)}** · {g.questions} questions"
                + (" · in no post" if g.in_posts is False else "")
                + f", e.g. “{_q(g.example, 150)}”"
                for g in r.gaps
            ],
        ),
        (
            "Answers voted not helpful",
            [
                f"{_q(u.question, 200)}\n→ "
                + truncate("; ".join(_cite(c) for c in u.citations) or "(nothing cited)", 300)
                for u in r.voted_unhelpful
            ],
        ),
        (
            "Cited sections that no longer exist",
            [
                f"{_cite(b)} (`#{escape(b.anchor) or '—'}`) · {b.reason}, cited {b.times_cited}×"
                for b in r.broken
            ],
        ),
        ("Most cited posts", [f"**{p.count}×** {escape(plain(p.title))}" for p in r.top_posts]),
        (
            "Most cited sections",
            [
                f"**{s.count}×** {escape(plain(s.title))} › "
                f"{escape(plain(s.heading or '(opening)'))}"
                for s in r.top_sections
            ],
        ),
    ]


def summary_line(r: InsightsReport) -> str:
    return (
        f"**{r.questions}** questions in the last {r.days} days: **{r.answered}** answered, "
        f"**{r.declined}** declined · votes: {r.helpful} helpful, {r.unhelpful} not helpful"
    )


def insights_pages(report: InsightsReport, *, site_name: str = "") -> list[discord.Embed]:
    """The report as pages (one embed each) of at most ``PAGE_CHARS`` characters of text."""
    blocks = [summary_line(report)]
    for title, lines in _sections(report):
        blocks.append(f"**{title}**")
        blocks.extend(f"• {line}" for line in lines or ["none"])
    pages: list[str] = []
    text = ""
    for block in blocks:
        block = truncate(block, PAGE_CHARS)
        if text and len(text) + 1 + len(block) > PAGE_CHARS:
            pages.append(text)
            text = ""
        text += ("\n" if text else "") + block
    pages.append(text)
    title = "Insights" + (f" · {site_name}" if site_name else "")
    embeds = []
    for n, description in enumerate(pages, 1):
        embed = discord.Embed(
            title=escape(plain(title)), description=description, colour=COLOUR_INFO
        )
        embed.set_footer(text=f"Page {n} of {len(pages)} · no user names or ids are stored")
        embeds.append(fit_embed(embed))
    return embeds


def digest_embed(report: InsightsReport, *, site_name: str = "") -> discord.Embed:
    """The weekly digest: the summary and the first few entries of the telling lists."""
    parts = [summary_line(report)]
    for title, lines in _sections(report)[:4]:
        if lines:
            parts.append(f"**{title}**\n" + "\n".join(f"• {x}" for x in lines[:DIGEST_ITEMS]))
    embed = discord.Embed(
        title=escape(plain("Weekly insights" + (f" · {site_name}" if site_name else ""))),
        description=truncate("\n\n".join(parts), DESCRIPTION_MAX),
        colour=COLOUR_INFO,
    )
    embed.set_footer(text="Moderators: /insights report for the full report")
    return fit_embed(embed)


def add_broken_field(embed: discord.Embed, broken: Sequence[BrokenCitation]) -> discord.Embed:
    """List, on a /reindex reply, the cited sections the new index no longer has."""
    if not broken:
        return embed
    lines = [f"• {_cite(b)} (`#{escape(b.anchor) or '—'}`): {b.reason}" for b in broken]
    embed.add_field(
        name=f"Cited sections gone ({len(broken)}): shared links now break",
        value=lines_within(lines, FIELD_VALUE_MAX),
        inline=False,
    )
    return fit_embed(embed)


# ---------------------------------------------------------------------------- Explain this answer


def _parts(why: PassageWhy) -> str:
    lines = [
        f"{FIELD_NAMES.get(p.field, p.field)}: {escape(', '.join(p.terms))} → {p.score:.2f}"
        for p in sorted(why.parts, key=lambda p: -p.score)
    ]
    extra = []
    if why.opening_prior > 1.0:
        extra.append(f"opening-passage prior ×{why.opening_prior:.2f} (in the text parts)")
    if why.date_bonus > 1.0:
        extra.append(f"dated when the question says ×{why.date_bonus:.2f}")
    if why.rerank != 1.0:
        extra.append(f"post re-ranked (it holds more of the question) ×{why.rerank:.2f}")
    if why.learned != 1.0:
        extra.append(f"re-scored by the learned passage scorer ×{why.learned:.2f}")
    if extra:
        lines.append("; ".join(extra))
    if why.missing:
        lines.append(f"not matched: {escape(', '.join(why.missing))}")
    return "\n".join(lines) or "no question word matched"


def explain_embed(why: Explanation) -> discord.Embed:
    """What matched where, and how the score is made up (for moderators, private)."""
    lines = [
        f"**Question:** {_q(why.question)}",
        f"**Searched for** (analysed words): {escape(', '.join(why.terms)) or 'nothing'}",
    ]
    if why.typo_fixes:
        fixes = "; ".join(
            f"{escape(k)} → {escape(', '.join(v))}" for k, v in why.typo_fixes.items()
        )
        lines.append(f"**Typo fixes** (weighted down): {fixes}")
    if why.unknown:
        lines.append(f"**Unknown words** (in no post): {escape(', '.join(why.unknown))}")
    if why.periods:
        lines.append("**Dates named:** " + ", ".join(f"{a} – {b}" for a, b in why.periods))
    if why.declined:
        lines.append(
            "The search declined this question: no passage held enough of its telling "
            "words, and no post stood out."
        )
    lines.append(
        "-# Scores are per field (BM25 × the field's weight); a post's best passage "
        "also gets a bonus for its other matching passages."
    )
    embed = discord.Embed(title="Why this answer", description="\n".join(lines), colour=COLOUR_INFO)
    for w in why.cited:
        name = f"[{w.rank}] {w.title}" + (f" › {w.heading}" if w.heading else "")
        value = (
            f"ranking score **{w.shown_score:.2f}** (its fields: {w.parts_total:.2f})\n" + _parts(w)
        )
        embed.add_field(
            name=escape(plain(name)), value=truncate(value, FIELD_VALUE_MAX), inline=False
        )
    best = why.cited[0].shown_score if why.cited else 0.0
    for w in why.next_posts:
        name = f"Ranked lower: [{w.rank}] {w.title}" + (f" › {w.heading}" if w.heading else "")
        value = f"score **{w.shown_score:.2f}** vs {best:.2f} for the first\n" + _parts(w)
        embed.add_field(
            name=escape(plain(name)), value=truncate(value, FIELD_VALUE_MAX), inline=False
        )
    embed.set_footer(text="Ranked by the index being served now")
    return fit_embed(embed)
