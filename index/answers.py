"""Small text helpers for answers: a passage's sentences, Markdown escaping, and the shown text.

``extraction`` picks the headline and snippets; it escapes passage text with ``escape_markdown``
so only its own bold marks render, and ``shown_text`` is what a reader sees of such a snippet.
"""

from __future__ import annotations

import re

from .passages import split_sentences

_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]])")


def sentences(text: str) -> list[str]:
    """The sentences of a passage, split as the indexer splits them (lines are always apart)."""
    return [s for line in text.split("\n") for s in split_sentences(line)]


_BOLD = re.compile(r"(?<!\\)((?:\\\\)*)\*\*")
_ESCAPED = re.compile(r"\\(.)")


def shown_text(markdown: str) -> str:
    """What a reader sees of a snippet: its bold marks and backslash escapes rendered away."""
    return _ESCAPED.sub(r"\1", _BOLD.sub(r"\1", markdown))


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)
