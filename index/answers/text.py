"""Small text helpers for answers: a passage's sentences, Markdown escaping, and the shown text.

``extraction`` picks the headline and snippets; it escapes passage text with ``escape_markdown``
so only its own bold marks render, and ``shown_text`` is what a reader sees of such a snippet.
"""

from __future__ import annotations

import re

from ..ingest.passages import split_sentences

_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]])")


# A space before a sentence's punctuation: what a footnote's marker ("learning [^3].") leaves
# when it is taken out of the text.
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?])(?=[\"'”’)\]]*(?:\s|$))")


def sentences(text: str) -> list[str]:
    """The sentences of a passage, split as the indexer splits them (lines are always apart),
    as they are shown (no space before their punctuation)."""
    return [_SPACE_BEFORE.sub(r"\1", s) for line in text.split("\n") for s in split_sentences(line)]


# A line of a passage that ends without a sentence's end: a heading, a link's title, an item
# of a list. Run into the next sentence it would read as one ("The End of Starsky Robotics
# Second is …"), so the two are shown apart.
_ENDED = re.compile(r"[.!?:;…][\"'”’)\]]*$")
LINE_BREAK = " · "


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends as a sentence does (not a bare line: a heading, a title)."""
    return bool(_ENDED.search(text.rstrip()))


def join_sentences(texts: list[str]) -> str:
    """Sentences as one text, a ``LINE_BREAK`` after each that ends without a sentence's end."""
    out = ""
    for n, text in enumerate(texts):
        if n:
            out += " " if ends_sentence(texts[n - 1]) else LINE_BREAK
        out += text
    return out


_BOLD = re.compile(r"(?<!\\)((?:\\\\)*)\*\*")
_ESCAPED = re.compile(r"\\(.)")


def shown_text(markdown: str) -> str:
    """What a reader sees of a snippet: its bold marks and backslash escapes rendered away."""
    return _ESCAPED.sub(r"\1", _BOLD.sub(r"\1", markdown))


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)
