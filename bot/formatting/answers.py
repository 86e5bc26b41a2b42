"""Answers to questions: the headline, numbered citations, pages, and the polite decline."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from index.answers.citations import alike_stories
from index.models import Answer, SearchResult

from .code import code_only_start, result_snippet
from .text import (
    COLOUR_ANSWER,
    COLOUR_DECLINED,
    CONTENT_MAX,
    DESCRIPTION_MAX,
    blocks_within,
    day_label,
    escape,
    fit_embed,
    link,
    plain,
    post_lines,
    truncate,
)

# A post title longer than this leaves out its subtitle, the part after ": ", in the label of a
# citation of one of its sections ("Last Week in AI #187 › Business", not "Last Week in AI #187:
# Tesla's Optimus Bot, Limiting Facial Recognition in the US, DALL-E for video, and more! ›
# Business"): the section names what is cited, and a link wrapping over two or three lines
# reads as prose. Decided by the title alone, so a post's citations on a page look alike. A
# title whose part before the colon has a sentence's end, a quote or a bracket ("1,000,000
# Robotaxis by 2020? Most agree: not happening") is kept whole: cut there it would say
# something else.
TITLE_CHARS = 80
_SUBTITLE = re.compile(r"([^:.?!\"“”'‘’()\[\]]{2,}?):\s+\S")


def _citation_label(result: SearchResult, story: str = "") -> str:
    if not result.heading:
        label = result.title
    else:
        title = result.title
        if len(title) > TITLE_CHARS and (head := _SUBTITLE.match(title)):
            title = head.group(1).strip()
        label = f"{title} › {result.heading}"
        if story:
            label += f" › {story}"
    return f"{label} ({result.part})" if result.part else label


def citation_labels(results: Sequence[SearchResult]) -> list[str]:
    """Each result's citation label (``_citation_label``), naming the story it cites where
    another post's section of the same name is cited too (``citations.alike_stories``): "Last
    Week in AI #191 › Business › OpenAI raises $110B in one of…"."""
    return [
        _citation_label(result, story)
        for result, story in zip(results, alike_stories(results), strict=True)
    ]


def _also_in(result: SearchResult) -> str:
    """ "Also in" links to other posts telling the same story (a digest and a brief)."""
    if not result.also_in:
        return ""
    links = ", ".join(
        f"{link(ref.title, ref.url)} · {day_label(ref.date)}" for ref in result.also_in
    )
    return f"\n-# Also in {links}"


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of an answer's results one message shows."""

    number: int  # from 0
    size: int

    def slice(self, total: int) -> range:
        start = self.number * self.size
        return range(start, min(start + self.size, total))


def page_count(answer: Answer, size: int) -> int:
    return max(1, math.ceil(len(answer.results) / size))


def answer_embed(
    answer: Answer,
    page: Page = Page(0, 3),
    *,
    site_name: str = "",
    note: str = "",
) -> discord.Embed:
    """An answered question: the headline first, then numbered, linked citations.

    Later pages (the "More results" button) list further passages with their global numbers.
    ``note`` is a short remark shown under the citations (e.g. that a long question was shortened).
    """
    if answer.declined or not answer.results:
        return declined_embed(answer, site_name=site_name)
    shown = list(page.slice(len(answer.results)))
    source = min(max(answer.headline_from, 0), len(answer.results) - 1)
    if page.number == 0 and source not in shown:
        shown.append(source)  # the headline's citation is on the page that shows the headline
    blocks = []
    labels = citation_labels(answer.results)
    for n in shown:
        result = answer.results[n]
        cite = f"**[{n + 1}]** {link(labels[n], result.url)} · {day_label(result.date)}"
        snippet = truncate(result_snippet(result), 700)
        block = f"{cite}\n{snippet}" if snippet else cite
        blocks.append(block + _also_in(result))
    header = ""
    if page.number == 0:
        # The headline: the sentence (or two) extraction chose as the answer, cited by the
        # number of the result it was taken from.
        best = answer.results[source]
        # (a passage of only code has no sentence: its citation shows the code's start)
        prose = "" if code_only_start(best.text, best.heading) else best.text
        sentence = truncate(escape(plain(answer.headline or best.best_sentence or prose)), 700)
        header = f"> {sentence} **[{source + 1}]**" if sentence else ""
    if note:
        blocks.append(f"-# {escape(plain(note))}")
    description = blocks_within(header, blocks, DESCRIPTION_MAX)
    pages = page_count(answer, page.size)
    footer = f"Page {page.number + 1} of {pages} · " if pages > 1 else ""
    footer += f"{len(answer.results)} cited passage{'s' if len(answer.results) != 1 else ''}"
    if site_name:
        footer += f" · {site_name}"
    embed = discord.Embed(
        title=escape(plain(answer.question)) or "Your question",
        description=description,
        colour=COLOUR_ANSWER,
    )
    embed.set_footer(text=footer)
    return fit_embed(embed)


def declined_embed(answer: Answer, *, site_name: str = "") -> discord.Embed:
    """A question the content does not cover: say so plainly and offer the closest posts."""
    where = f" on {escape(site_name)}" if site_name else ""
    message = escape(answer.message or "The content doesn't seem to cover that.")
    text = f"**Not covered{where}.** {message}"
    footer = "Try other words, or read a post with /brief"
    if answer.wordless:  # nothing was searched: not a gap in the content
        text = f"**Nothing to search for.** {message}"
        footer = "Ask with a few words, or read a post with /brief"
    if answer.suggestions:
        text = blocks_within(
            text, ["The closest posts:", *post_lines(answer.suggestions)], DESCRIPTION_MAX
        ).replace("\n\n• ", "\n• ")
    embed = discord.Embed(
        title=escape(plain(answer.question)) or "Your question",
        description=text,
        colour=COLOUR_DECLINED,
    )
    embed.set_footer(text=footer)
    return fit_embed(embed)


# Room left in a text answer for what the sender puts before it (a mention of the asker).
_TEXT_PREFIX_ROOM = 40


def answer_text(embed: discord.Embed, note: str) -> str:
    """An answer's embed as message text (its title in bold, its description), then ``note``
    (Markdown) as small print: for a channel where the bot may not post embeds. Within
    Discord's 2,000 characters, with room for the asker's mention before it; the note is
    never cut."""
    small_print = f"-# {note}"  # the bot's own words: Markdown kept
    room = CONTENT_MAX - _TEXT_PREFIX_ROOM - len(small_print) - 1
    text = truncate(f"**{embed.title}**", room) if embed.title else ""
    # Whole blocks (the headline, each citation with its snippet): a citation cut in its
    # link would show only its number.
    for n, block in enumerate((embed.description or "").split("\n\n")):
        sep = ("\n" if n == 0 else "\n\n") if text else ""
        if len(text) + len(sep) + len(block) > room:
            text = text or truncate(block, room)
            break
        text += sep + block
    return f"{text}\n{small_print}"
