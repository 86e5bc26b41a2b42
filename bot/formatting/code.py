"""Code in what a reader is shown: a passage's code lines (``index.ingest.passages.is_code``)
are never run into prose. Free of discord.py, so ``briefbot ask`` shares it without loading it.

- ``result_snippet``: a result's snippet, or for a passage of only code (which extraction never
  shows as a sentence, so its snippet is empty) the start of its code as inline code, marked as
  code only: a reader sees what the post holds before opening it. (Nor does it show a snippet
  that only says its citation's heading again: the citation names it already.)
"""

from __future__ import annotations

from index.answers.text import shown_text
from index.ingest.passages import CODE_MARK, is_code
from index.models import SearchResult

CODE_START_CHARS = 80  # the code shown for a post of only code (its lines are joined in the index)


def code_only_start(text: str, heading: str = "") -> str:
    """The start of ``text``'s code when every line of it is code (its heading line aside),
    marks stripped, else ""."""
    lines = [line for line in text.splitlines() if line.strip() and line != heading]
    if not lines or not all(is_code(line) for line in lines):
        return ""
    code = " ".join(line.removeprefix(CODE_MARK).removesuffix(CODE_MARK) for line in lines)
    # (a backtick would end the inline code span early)
    code = " ".join(code.replace("`", "'").split())
    if len(code) > CODE_START_CHARS:
        code = code[: CODE_START_CHARS - 1].rstrip() + "…"
    return code


def repeats_heading(snippet: str, heading: str) -> bool:
    """Whether ``snippet`` (Markdown) shows only its citation's section heading again: a digest
    item with no summary of its own (its heading, then a template's placeholder, which is never
    shown)."""
    shown = " ".join(shown_text(snippet).split()).strip(" …").casefold()
    return bool(heading) and shown == " ".join(heading.split()).casefold()


def result_snippet(result: SearchResult) -> str:
    """What is shown under a result's citation (Markdown): its snippet, nothing when that only
    repeats the heading the citation names, or for a passage of only code, a note and the start
    of its code."""
    if result.snippet:
        return "" if repeats_heading(result.snippet, result.heading) else result.snippet
    code = code_only_start(result.text, result.heading)
    return f"*Code only:* `{code}`" if code else ""
