"""Section-aware splitting of a post's blocks into retrievable passages.

Rules (the guarantees are property-tested):

* A heading starts a section; a passage never spans two sections, except that a tiny section
  (under ``min_words``, one passage) merges into the first passage of its own *subsection* that
  follows it directly, keeping the tiny section's heading path and anchor (where its text starts).
* Blocks (paragraphs, list items…) stay whole and are packed greedily up to ``max_words``; a tiny
  last passage of a section takes whole blocks from the previous one to even them out.
* A block longer than ``max_words`` is cut at sentence boundaries, and a single sentence longer
  than ``max_words`` at word boundaries, so ``max_words`` is a hard bound.
* A post's introduction (the text before its first heading) is never merged into a section,
  however short: the section would be cited without its heading and anchor.
* A section's heading line opens its first passage (in digests the heading *is* the news
  headline, and it is what a reader sees first at the cited anchor); a heading with no text of
  its own before a heading of its subsection leads into that subsection's first passage, and
  before any other heading is a passage of its own (a digest item that is only a linked
  title). Passages cover all block texts in order, nothing lost or duplicated (up to
  whitespace).
* A code block's text is a line of its own marked as code (``CODE_MARK`` at either end, each
  piece of a long one): indexed as any text (a question naming a function finds it), never shown
  as a sentence (``is_code``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import Passage

if TYPE_CHECKING:  # (a type only: answering splits sentences here without markdown-it or ftfy)
    from .cleaning import Block

MIN_WORDS = 40
MAX_WORDS = 250

# Candidate sentence ends: . ! ? … (plus closing quotes/brackets) then space, then a capital,
# digit or opening quote. Abbreviations are filtered out afterwards.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Words whose trailing "." does not end a sentence ("Dr. Smith", "U.S. Army", "e.g. this").
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof sr jr st inc ltd co corp vs etc e.g i.e u.s u.k a.i no fig al approx dept "
    "est gen gov jan feb mar apr jun jul aug sep sept oct nov dec"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


# Marks a passage line as code, at both ends. Cleaned prose rarely holds it (inline code loses
# its backticks), but unpaired backticks stay, and a long paragraph cut at a word boundary can
# start a piece with them ("… ```0"): only a line marked at both ends is code.
CODE_MARK = "```"


def is_code(line: str) -> bool:
    """Whether a line of a passage's text is code (a code block's text, marked at both ends)."""
    return (
        len(line) >= 2 * len(CODE_MARK) and line.startswith(CODE_MARK) and line.endswith(CODE_MARK)
    )


@dataclass(slots=True)
class _Unit:
    text: str
    words: int
    block: int  # index of the source block: pieces of one block are joined with " "


@dataclass(slots=True)
class _Draft:
    path: tuple[str, ...]
    anchor: str | None
    units: list[_Unit] = field(default_factory=list)
    words: int = 0
    sole: bool = False  # the only passage of its section

    def text(self) -> str:
        parts: list[str] = []
        prev = -1
        for unit in self.units:
            if parts:
                same = unit.block == prev and not is_code(unit.text)
                parts.append(" " if same else "\n")
            parts.append(unit.text)
            prev = unit.block
        return "".join(parts)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (whitespace-separated, nothing lost)."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start() + 1].rsplit(None, 1)
        last_word = before[-1].lstrip("([{\"'“‘").rstrip(".").lower() if before else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "Dr. Smith", "U.S. Army", "J. Doe": not a sentence end
        pieces.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces  # (none empty: each piece holds the non-space character that ends it)


def _chunk_words(words: list[str], max_words: int) -> list[str]:
    return [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]


def _units_for_block(text: str, index: int, max_words: int) -> list[_Unit]:
    """A block as one unit, or (if too long) sentence-packed pieces of at most ``max_words``."""
    words = text.split()
    if not words:
        return []
    if len(words) <= max_words:
        return [_Unit(text.strip(), len(words), index)]
    units: list[_Unit] = []
    current: list[str] = []
    current_words = 0
    for sentence in split_sentences(text):
        s_words = sentence.split()
        if len(s_words) > max_words:  # the only case allowed to cut inside a sentence
            if current:
                units.append(_Unit(" ".join(current), current_words, index))
                current, current_words = [], 0
            units.extend(
                _Unit(chunk, len(chunk.split()), index)
                for chunk in _chunk_words(s_words, max_words)
            )
            continue
        if current_words + len(s_words) > max_words:
            units.append(_Unit(" ".join(current), current_words, index))
            current, current_words = [], 0
        current.append(sentence)
        current_words += len(s_words)
    if current:
        units.append(_Unit(" ".join(current), current_words, index))
    return units


def _pack_section(
    path: tuple[str, ...],
    anchor: str | None,
    units: list[_Unit],
    min_words: int,
    max_words: int,
) -> list[_Draft]:
    drafts: list[_Draft] = []
    current = _Draft(path, anchor)
    for unit in units:
        if current.units and current.words + unit.words > max_words:
            drafts.append(current)
            current = _Draft(path, anchor)
        current.units.append(unit)
        current.words += unit.words
    if current.units:
        drafts.append(current)
    # A tiny tail borrows whole blocks from the end of the previous passage (greedy packing never
    # leaves a tail that would fit into it), as long as both stay within bounds.
    if len(drafts) >= 2:
        prev, last = drafts[-2], drafts[-1]
        while last.words < min_words and len(prev.units) > 1:
            unit = prev.units[-1]
            if last.words + unit.words > max_words or prev.words - unit.words < min_words:
                break
            prev.units.pop()
            prev.words -= unit.words
            last.units.insert(0, unit)
            last.words += unit.words
    if len(drafts) == 1:
        drafts[0].sole = True
    return drafts


def _is_subsection(child: tuple[str, ...], parent: tuple[str, ...]) -> bool:
    return len(child) > len(parent) and child[: len(parent)] == parent


def split_passages(
    post_id: str,
    blocks: Sequence[Block],
    *,
    min_words: int = MIN_WORDS,
    max_words: int = MAX_WORDS,
) -> list[Passage]:
    """Split a post's blocks into passages of at most ``max_words`` words, section by section."""
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    min_words = max(0, min(min_words, max_words))

    drafts: list[_Draft] = []
    stack: list[tuple[int, str, str | None]] = []  # (level, text, anchor) of enclosing headings
    section_units: list[_Unit] = []  # the section's heading line(s), then its text
    has_text = False  # the section has text beyond heading lines

    def flush(final: bool = False) -> None:
        nonlocal has_text
        # A heading with no text of its own stays pending and opens its subsection's passage.
        if section_units and (has_text or final):
            path = tuple(text for _, text, _ in stack)
            anchor = stack[-1][2] if stack else None
            drafts.extend(_pack_section(path, anchor, section_units, min_words, max_words))
            section_units.clear()
        has_text = False

    for index, block in enumerate(blocks):
        units = _units_for_block(block.text, index, max_words)
        if block.kind == "code":
            for unit in units:
                unit.text = f"{CODE_MARK}{unit.text}{CODE_MARK}"
        if block.kind == "heading":
            level = block.level if block.level > 0 else 1
            # A pending heading leads only into its own subsections: one followed by a sibling
            # (a digest item that is only a linked title) is a passage of its own, cited at its
            # anchor, not the first line of the next item's passage and link.
            flush(final=bool(stack) and stack[-1][0] >= level)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.text, block.anchor or None))
        elif units:
            has_text = True
        section_units.extend(units)
    flush(final=True)

    # A tiny section directly followed by its own subsection: one passage, cited where it starts.
    merged: list[_Draft] = []
    for draft in drafts:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.path  # a post's introduction stays apart: the first section keeps its anchor
            and prev.sole
            and prev.words < min_words
            and _is_subsection(draft.path, prev.path)
            and prev.words + draft.words <= max_words
        ):
            prev.units.extend(draft.units)
            prev.words += draft.words
            prev.sole = False
            continue
        merged.append(draft)

    return [
        Passage(
            post_id=post_id,
            ordinal=i,
            heading_path=d.path,
            anchor=d.anchor,
            text=d.text(),
        )
        for i, d in enumerate(merged)
    ]
