"""Presenting a passage: its best-matching sentence and a snippet with matched terms marked.

Output is plain text with Markdown bold (``**term**``) around matched words; any Markdown the
passage itself contains is escaped so only our marks render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from .analyzer import term_for_word
from .passages import split_sentences

_WORD = re.compile(r"\w+(?:[-'’.,]\w+)*")
_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]])")

SNIPPET_CHARS = 320


def sentences(text: str) -> list[str]:
    """The sentences of a passage, split as the indexer splits them (lines are always apart)."""
    return [s for line in text.split("\n") for s in split_sentences(line)]


def _matches(word: str, query_terms: Collection[str]) -> bool:
    return any(t in query_terms for t in term_for_word(word))


def best_sentence(
    text: str, query_terms: Collection[str], weight: Callable[[str], float] | None = None
) -> str:
    """The sentence carrying most of the question's (IDF-weighted) terms; earlier wins ties."""
    best, best_score = "", -1.0
    for sentence in sentences(text):
        found = {t for w in _WORD.findall(sentence) for t in term_for_word(w) if t in query_terms}
        score = sum(weight(t) if weight else 1.0 for t in found)
        if score > best_score:
            best, best_score = sentence, score
    return best


_BOLD = re.compile(r"(?<!\\)((?:\\\\)*)\*\*")
_ESCAPED = re.compile(r"\\(.)")


def shown_text(markdown: str) -> str:
    """What a reader sees of a snippet: its bold marks and backslash escapes rendered away."""
    return _ESCAPED.sub(r"\1", _BOLD.sub(r"\1", markdown))


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def mark_terms(text: str, query_terms: Collection[str]) -> str:
    """Escape Markdown in ``text`` and bold the words that match the question."""
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        if _matches(m.group(), query_terms):
            # Text between marks is escaped in one go: far fewer regex calls than per word.
            out.append(escape_markdown(text[pos : m.start()]))
            out.append(f"**{escape_markdown(m.group())}**")  # "max_flops" is text too
            pos = m.end()
    out.append(escape_markdown(text[pos:]))
    # Neighbouring marked words merge into one bold run.
    return "".join(out).replace("****", "").replace("** **", " ")


def snippet(text: str, focus: str, query_terms: Collection[str], width: int = SNIPPET_CHARS) -> str:
    """A window of about ``width`` characters of ``text`` around ``focus``, terms marked."""
    flat = " ".join(text.split())
    start = flat.find(" ".join(focus.split())) if focus else 0
    start = max(start, 0)
    if len(flat) <= width:
        window, lead, tail = flat, "", ""
    else:
        # Begin at the focus sentence, or a bit before it when the sentence is short.
        begin = max(0, min(start, len(flat) - width))
        if begin > 0 and flat[begin - 1] != " ":
            # Start at a word boundary going forward: going back would push the end of the
            # window back too, cutting off the end of a focus sentence that closes the text.
            space = flat.find(" ", begin)
            begin = space + 1 if space >= 0 else begin
        end = begin + width
        if end < len(flat):
            space = flat.rfind(" ", begin, end + 1)  # a window may end right before a space
            end = space if space > begin else end
        window = flat[begin:end]
        lead = "… " if begin > 0 else ""
        tail = " …" if end < len(flat) else ""
    return lead + mark_terms(window, query_terms) + tail
