"""Small text helpers for answers: a passage's sentences, Markdown escaping, and the shown text.

``extraction`` picks the headline and snippets; it escapes passage text with ``escape_markdown``
so only its own bold marks render, and ``shown_text`` is what a reader sees of such a snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ingest.passages import is_code, split_sentences

_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]])")


# A space before a sentence's punctuation: what a footnote's marker ("learning [^3].") leaves
# when it is taken out of the text.
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?])(?=[\"'”’)\]]*(?:\s|$))")

# A quotation or a bracket this short (a title, a remark, an aside) is one sentence with the
# one that holds it ("a piece titled "AI Is Inventing Languages. Should We Stop It?""): split
# inside, the two halves would read as a sentence cut off and one starting on a closing quote.
# A longer quotation (an excerpt of several sentences) is split as any text.
QUOTE_WORDS = 30
# Marks that open a quotation or a bracket, and the mark closing each. Single quotes are left
# out (they are apostrophes too).
_PAIRS = {"“": "”", '"': '"', "(": ")", "[": "]"}
_CLOSERS = {"”": "“", ")": "(", "]": "["}
_MARKS = re.compile(r'["“”()\[\]]')  # (only these are looked at: a text is walked mark by mark)
_QUOTE_MARKS = re.compile(r'["“”]')
_OPEN_BEFORE = "([{“‘-—–/"  # what a straight quote opening a quotation may follow
_CLOSE_AFTER = ".,;:!?)]}”’…"  # what a straight quote closing one may precede


def _straight(text: str, n: int, inside: bool) -> bool | None:
    """Whether the straight double quote at ``n`` opens a quotation (True) or closes one
    (False): it opens after a space and before a word, and closes after a word and before a
    space or punctuation; otherwise it closes the quotation ``inside`` which it is, if any."""
    before = text[n - 1] if n else " "
    after = text[n + 1] if n + 1 < len(text) else " "
    after_space = before.isspace() or before in _OPEN_BEFORE
    before_space = after.isspace() or after in _CLOSE_AFTER
    if after_space != before_space:
        return after_space
    return False if inside else None


@dataclass(slots=True)
class Quotes:
    """The quotations (and brackets) of a text: those it opens and closes, as (where each opens,
    where it closes), innermost first; where it closes one it never opened (and the opener's
    mark); and where it opens those it never closes (and their marks), outermost first; where
    its marks are, every one."""

    spans: list[tuple[int, int]]
    dangling: list[tuple[int, str]]
    unclosed: list[tuple[int, str]]
    marks: list[int]


def quotes(text: str, brackets: bool = True) -> Quotes:
    """``text``'s quotations, and with ``brackets`` its brackets too. A bracket closing what
    never opened ("1) …") is no dangling mark: it numbers a list as often."""
    stack: list[tuple[str, int]] = []
    out = Quotes([], [], [], [])
    for m in (_MARKS if brackets else _QUOTE_MARKS).finditer(text):
        n, c = m.start(), m.group()
        opener = ""
        if c == '"':
            role = _straight(text, n, any(mark == '"' for mark, _ in stack))
            out.marks.append(n)
            if role is None:
                continue
            if role:
                stack.append((c, n))
                continue
            opener = c
        elif c in _PAIRS:
            out.marks.append(n)
            stack.append((c, n))
            continue
        else:
            out.marks.append(n)
            opener = _CLOSERS[c]
        if not any(mark == opener for mark, _ in stack):
            if opener in '"“':
                out.dangling.append((n, opener))
            continue
        while stack:  # (marks opened inside and never closed are dropped)
            mark, at = stack.pop()
            if mark == opener:
                out.spans.append((at, n))
                break
    out.unclosed = [(at, mark) for mark, at in stack]
    return out


def _split_line(line: str) -> list[str]:
    """A line's sentences, none split inside a short quotation or bracket (``QUOTE_WORDS``)."""
    pieces = split_sentences(line)
    if len(pieces) < 2 or not any(c in line for c in _PAIRS):
        return pieces
    spans = [(a, b) for a, b in quotes(line).spans if len(line[a:b].split()) <= QUOTE_WORDS]
    out: list[str] = []
    start = end = 0  # the sentence being built: line[start:end]
    for piece in pieces:
        at = line.index(piece, end)
        if out and any(a < at <= b for a, b in spans):
            out[-1] = line[start : at + len(piece)]
        else:
            out.append(piece)
            start = at
        end = at + len(piece)
    return out


# A post's thanks to the people who made it ("Big thanks to authors A, B and C!", "Thanks to A
# and B for feedback!"): searchable (it names them), but no answer to show. Told from "thanks
# to machine learning, …" by a word saying it is thanks ("big", "special") or by whom it
# thanks for what.
_THANKS = re.compile(
    r"^(?:(?:a\s+)?(?:big|many|special|huge|massive|sincere|warm|heartfelt)\s+)"
    r"(?:thanks|thank\s+you)\b"
    r"|^(?:thanks|thank\s+you)\s+(?:go(?:es)?\s+)?to\s+(?:"
    r"(?:our|the|all)\s+(?:authors?|contributors?|editors?|reviewers?|readers?)\b"
    r"|[^.!?]*\bfor\s+(?:\w+\s+){0,3}(?:feedback|help|comments|editing|reviewing|review|"
    r"suggestions|proofreading|input|discussions?)\b)",
    re.IGNORECASE,
)


def is_thanks(sentence: str) -> bool:
    """Whether ``sentence`` thanks the people who made the post (an acknowledgement)."""
    return bool(_THANKS.match(sentence))


def sentences(text: str) -> list[str]:
    """The sentences of a passage as they are shown: lines always apart, split as the indexer
    splits them but not inside a short quotation or bracket, no space before their
    punctuation; its code lines none (code read as a sentence is no answer), nor its thanks
    to the people who made the post (``is_thanks``); and a sentence announcing code ("…
    support for code snippets:") ends on "…", shown as cut where the code was left out rather
    than announcing the next sentence."""
    lines = text.split("\n")
    out: list[str] = []
    for n, line in enumerate(lines):
        if is_code(line):
            continue
        out.extend(_SPACE_BEFORE.sub(r"\1", s) for s in _split_line(line) if not is_thanks(s))
        if out and n + 1 < len(lines) and is_code(lines[n + 1]) and out[-1].endswith(":"):
            out[-1] += " …"
    return out


def quote_edges(run: str) -> tuple[str, str]:
    """The double quotes a run of consecutive sentences leaves open at either end: the opening
    mark of a quotation its first mark closes at a sentence's end (the quotation started
    before the run), and the closing mark of one its last mark opens (it goes on after the
    run, which ends a sentence). Nothing where the marks do not read plainly (several left
    open, a mark closing inside a sentence): a source's stray or mismatched mark is not made
    into a quotation."""
    if '"' not in run and "“" not in run and "”" not in run:
        return "", ""
    found = quotes(run, brackets=False)
    lead = tail = ""
    if len(found.dangling) == 1 and found.dangling[0][0] == found.marks[0]:
        at, opener = found.dangling[0]
        if run[:at].rstrip()[-1:] in (".", "!", "?", "…"):
            lead = opener
    if len(found.unclosed) == 1 and found.unclosed[0][0] == found.marks[-1] and ends_sentence(run):
        tail = _PAIRS[found.unclosed[0][1]]
    return lead, tail


def balance_quotes(run: str) -> str:
    """A run of consecutive sentences with its quotes closed at either end (``quote_edges``): an
    excerpt of a longer quotation shown as a quotation ("The deal was signed.", not `The deal
    was signed."`), rather than starting on a closing quote or ending inside one."""
    lead, tail = quote_edges(run)
    return lead + run + tail


def balance_runs(text: str) -> str:
    """A shown text (runs of sentences, "…" between them and where a run is cut) with each
    run's quotes closed at either end (``balance_quotes``), but for an end cut short."""
    runs = text.split(" … ")
    out = []
    for run in runs:
        cut_start, cut_end = run.startswith("… "), run.endswith(" …")
        lead, tail = quote_edges(run.removeprefix("… ").removesuffix(" …"))
        out.append(("" if cut_start else lead) + run + ("" if cut_end else tail))
    return " … ".join(out)


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


def phrase_at(text: str, phrase: str) -> int:
    """Where ``phrase`` first stands on its own in ``text``, or -1: not inside a longer word or
    number, where bold would mark a part of it ("**not**ed", "Open**AI**", "October 1**5**",
    "**20**23", "**$2**4"). An edge of the phrase that is no letter or digit ("$", "%") may
    touch anything."""
    if not phrase:
        return -1
    left = r"(?<!\w)(?<!\d[.,])" if phrase[0].isalnum() else ""
    right = r"(?!\w)(?![.,]\d)" if phrase[-1].isalnum() else ""
    found = re.search(left + re.escape(phrase) + right, text)
    return found.start() if found else -1
