"""Post body (Markdown + Liquid + raw HTML) → clean text blocks.

Block structure comes from markdown-it's block parser with the inline rules switched off (the
corpus block-parses in ~0.3 s instead of ~1.5 s for a full parse); inline Markdown is then
flattened with precompiled regexes (``inline``), raw HTML too.
Each block's text is a single line: no URLs, no markup, normal spaces.

Code blocks (fenced, indented, or Liquid's ``{% highlight %}``) are blocks of kind ``"code"``,
their text as written (whitespace collapsed): passages mark them so answers never show code as a
sentence, while its words stay searchable. Indented text kramdown reads as prose is not code:
a footnote's indented continuation, the indented rest of an HTML element (the real corpus's only
"code": "MIT Press, 2010.", a figure's caption).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import ftfy
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .anchors import VOID_TAGS, AnchorGenerator, normalize_ref, split_header_id
from .furniture import without_furniture
from .inline import clean_inline

BlockKind = Literal["heading", "paragraph", "list_item", "quote", "table_row", "html", "code"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a post's cleaned text."""

    kind: BlockKind
    text: str  # cleaned, single-line; for headings the display text
    level: int = 0  # heading level 1-6 (0 for other blocks)
    anchor: str | None = None  # headings: kramdown id ("" when kramdown gives none)


# --- whole-text repairs -------------------------------------------------------------------------

# A UTF-8 lead byte read as cp1252/latin-1 followed by a continuation byte read the same way
# ("â€™", "Â©", "ðŸ”¯"). Cheap to search; only matching lines go through ftfy (costly).
MOJIBAKE_CHARS = (
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_MOJIBAKE = re.compile(MOJIBAKE_CHARS)
_MOJIBAKE_LINE = re.compile(rf"^[^\n]*{MOJIBAKE_CHARS}[^\n]*$", re.MULTILINE)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8-read-as-cp1252 mojibake (``IBMâ€™s`` → ``IBM’s``), line by line, if any."""
    # Every lead character (U+00C2-U+00F4) is 0xC3 in UTF-8: encoding and a byte search are ~6x
    # faster than the regex's character-by-character scan, and rule out most texts.
    if text.isascii() or b"\xc3" not in text.encode("utf-8", "surrogatepass"):
        return text
    if not _MOJIBAKE.search(text):
        return text
    # fix_encoding only undoes encoding mix-ups: quotes stay curly, widths/ligatures untouched.
    return _MOJIBAKE_LINE.sub(lambda m: ftfy.fix_encoding(m.group(0)), text)


# Jekyll renders Liquid before Markdown: {% raw %} keeps its content, comments and other tags go.
_LIQUID_START = re.compile(r"\{[{%]")
_LIQUID_TAG_NAME = re.compile(r"\{%-?\s*(\w*)")
_LIQUID_END = {
    name: re.compile(r"\{%-?\s*end" + name + r"\s*-?%\}")
    for name in ("raw", "comment", "highlight")
}
_HIGHLIGHT_LANG = re.compile(r"\{%-?\s*highlight\s+([\w+#.-]*)")
_BACKTICKS = re.compile(r"`{3,}")


def _fenced(code: str, tag: str) -> str:
    """A ``{% highlight lang %}`` block's body as the fenced code block Markdown would make of it
    (Jekyll renders it to a code block before Markdown sees the page)."""
    lang = m.group(1) if (m := _HIGHLIGHT_LANG.match(tag)) else ""
    fence = "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(code))])
    return f"\n{fence}{lang}\n{code.strip(chr(10))}\n{fence}\n"


# kramdown extensions that hide content: {::comment}…{:/comment}, {::options … /}, {::nomarkdown}.
_KRAMDOWN_EXT = re.compile(
    # (a comment runs to its closing tag, or to the next comment opener if it is never closed)
    r"\{::comment\}(?:[^{]|\{(?!:/|::comment\}))*(?:\{:/(?:comment)?\})?"
    r"|\{::options\b[^{}]*/\}|\{::nomarkdown[^{}]*\}|\{:/[a-z]*\}",
    re.DOTALL,
)


def strip_liquid(text: str) -> str:
    """Remove Liquid tags and output (``{{ site.imgpath }}``, ``{% include … %}``).

    ``{% raw %}`` keeps its content, ``{% comment %}`` blocks vanish, ``{% highlight %}`` becomes
    a fenced code block, an unclosed tag stays as text. A scanner with ``str.find`` rather than
    one regex: linear even on pathological input.
    """
    if "{" not in text or ("{%" not in text and "{{" not in text):
        return text
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # block tags with no end tag left: never search for it again
    while (m := _LIQUID_START.search(text, pos)) is not None:
        start = m.start()
        closer = "}}" if text[start + 1] == "{" else "%}"
        end = text.find(closer, start + 2)
        if end < 0:
            break  # unclosed: the rest is plain text
        end += 2
        out.append(text[pos:start])
        pos = end
        if closer == "%}":
            name_match = _LIQUID_TAG_NAME.match(text, start)
            name = name_match.group(1) if name_match else ""
            block = _LIQUID_END.get(name)
            if block is not None and name not in unclosed:
                close = block.search(text, end)
                if close is None:
                    unclosed.add(name)
                    continue
                if name == "raw":
                    out.append(text[end : close.start()])
                elif name == "highlight":
                    out.append(_fenced(text[end : close.start()], text[start:end]))
                pos = close.end()
    out.append(text[pos:])
    return "".join(out)


# --- blocks -------------------------------------------------------------------------------------

# Block parse only: the "inline" core rule is what makes markdown-it slow, and we flatten inline
# Markdown with regexes instead.
_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_MD.core.ruler.disable(["inline", "text_join"])
# markdown-it's reference rule scans every "[…" paragraph char by char (digest list items all start
# with a link): a third of the block parse. Definitions are removed by a regex instead.
_MD.block.ruler.disable("reference")


def block_tokens(text: str) -> list[Token]:
    """markdown-it's block tokens of ``text`` (its core chain here: normalise, then block)."""
    return _MD.parse(text)


_REFERENCE_DEF = re.compile(
    r"^ {0,3}\[(?!\^)(?P<label>[^\]\n]+)\]:[ \t]*<?\S+>?"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$",
    re.MULTILINE,
)
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^(?P<name>[^\]\s]+)\]:", re.MULTILINE)

_TOC = re.compile(r"\{:\s*toc\s*\}")


# markdown-it (CommonMark) lets an HTML block run to the next blank line, swallowing a Markdown
# heading written right after the HTML; kramdown resumes Markdown once the HTML element closes.
_ATX_LINE = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_OPEN_TAG = re.compile(r"<([A-Za-z][\w-]*)(?:[^'\"<>]|\"[^\"<>]*\"|'[^'<>]*')*>")
_CLOSE_TAG = re.compile(r"</[A-Za-z][\w-]*\s*>")


def _split_html_block(content: str) -> tuple[str, str]:
    """``(html, markdown)``: the HTML block up to a heading line that follows balanced HTML."""
    for m in _ATX_LINE.finditer(content):
        head = content[: m.start()]
        if m.start() and _left_open(head) == 0:
            return head, content[m.start() :]
    return content, ""


def _left_open(html: str) -> int:
    """How many more elements ``html`` opens than it closes (kramdown reads on to their ends)."""
    opened = sum(
        1
        for tag in _OPEN_TAG.finditer(html)
        if not tag.group(0).endswith("/>") and tag.group(1).lower() not in VOID_TAGS
    )
    return opened - len(_CLOSE_TAG.findall(html))


# Tokens that need no action, checked right after "inline" (paragraph_open/close: 36k of 77k).
_PASSED_OVER = frozenset(
    f"{name}_{end}"
    for name in ("paragraph", "bullet_list", "ordered_list", "table", "thead", "tbody", "th", "td")
    for end in ("open", "close")
) | {"hr"}


class _BlockBuilder:
    """Walks markdown-it block tokens; one per post (it owns the post's anchor counter)."""

    def __init__(self, footnotes: frozenset[str], link_refs: frozenset[str]) -> None:
        # Undefined "[^x]" / "[text][ref]" are literal text for kramdown, so they count in ids.
        self.anchors = AnchorGenerator(footnotes=footnotes, link_refs=link_refs)
        self.blocks: list[Block] = []
        self.containers: list[str] = []  # "li" / "blockquote" nesting, innermost last
        # What indented text right here continues, for kramdown: an HTML element left open
        # ("html") or a footnote's definition ("paragraph"); None where it would be code.
        self.indent_continues: BlockKind | None = None

    def feed(self, tokens: list[Token]) -> None:
        blocks, containers = self.blocks, self.containers
        row: list[str] | None = None
        heading_level = 0
        for tok in tokens:
            ttype = tok.type
            if ttype not in _PASSED_OVER and ttype not in ("code_block", "html_block"):
                self.indent_continues = None
            if ttype == "inline":
                content = tok.content
                if heading_level:
                    # kramdown (GFM) does not make an empty "####" a heading: no id is used up.
                    if content.strip():
                        anchor = self.anchors.anchor(content)
                        cleaned = clean_inline(split_header_id(content)[0])
                        if cleaned:
                            blocks.append(Block("heading", cleaned, heading_level, anchor))
                elif row is not None:
                    row.append(clean_inline(content))
                elif "{:" in content and _TOC.search(content):
                    continue  # kramdown replaces "* TOC\n{:toc}" with a table of contents
                else:
                    if not containers and content.startswith("[^") and _FOOTNOTE_DEF.match(content):
                        self.indent_continues = "paragraph"
                    kind: BlockKind = "paragraph"
                    if containers:
                        kind = "list_item" if containers[-1] == "li" else "quote"
                    blocks.extend(Block(kind, t) for t in without_furniture(clean_inline(content)))
            elif ttype in _PASSED_OVER:
                continue
            elif ttype == "heading_open":
                heading_level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            elif ttype == "heading_close":
                heading_level = 0
            elif ttype == "list_item_open":
                containers.append("li")
            elif ttype == "blockquote_open":
                containers.append("blockquote")
            elif ttype in ("list_item_close", "blockquote_close"):
                if containers:
                    containers.pop()
            elif ttype == "html_block":
                html, markdown = tok.content, ""
                if "#" in html:
                    html, markdown = _split_html_block(html)
                blocks.extend(Block("html", t) for t in without_furniture(clean_inline(html)))
                self.indent_continues = "html" if not markdown and _left_open(html) > 0 else None
                if markdown:
                    self.feed(block_tokens(markdown))
            elif ttype == "code_block" and self.indent_continues is not None:
                # (prose or HTML for kramdown: not code)
                kind = self.indent_continues
                blocks.extend(Block(kind, t) for t in without_furniture(clean_inline(tok.content)))
            elif ttype in ("code_block", "fence"):
                code = " ".join(tok.content.split())  # (as written: its "<b>" is no markup)
                if code:
                    blocks.append(Block("code", code))
            elif ttype == "tr_open":
                row = []
            elif ttype == "tr_close":
                cells = [c for c in row or [] if c]
                if cells:
                    blocks.append(Block("table_row", " | ".join(cells)))
                row = None


def _definitions(text: str) -> tuple[frozenset[str], frozenset[str], str]:
    """``(footnote names, link reference labels, text without link reference definitions)``.

    Both kinds of definition lie on one line holding "]:": only such lines are tried, rather than
    scanning the whole post three times (_FOOTNOTE_DEF, _REFERENCE_DEF twice) for line starts.
    """
    footnotes: set[str] = set()
    link_refs: set[str] = set()
    kept: list[str] = []
    pos = 0
    at = text.find("]:")
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        if m := _FOOTNOTE_DEF.match(text, line_start):
            footnotes.add(m.group("name"))
        if m := _REFERENCE_DEF.match(text, line_start):
            link_refs.add(normalize_ref(m.group("label")))
            kept.append(text[pos : m.start()])
            pos = m.end()
        line_end = text.find("\n", at)
        at = text.find("]:", line_end) if line_end >= 0 else -1
    kept.append(text[pos:])
    return frozenset(footnotes), frozenset(link_refs), "".join(kept)


# A missing value a site generator wrote out as text: pandas' "nan" ending a line after a
# separator ("[title](url) - nan" where a digest item's summary was empty). No reader's text.
_MISSING_VALUE = re.compile(r"[ \t]+[-–—:][ \t]*(?:nan|NaN)[ \t]*$", re.MULTILINE)


def clean_body(body: str) -> list[Block]:
    """Turn a post body (Markdown after front matter) into clean text blocks, in order.

    Headings carry their kramdown anchor (computed from their Markdown source, as kramdown does)
    even when their display text is empty; such headings are not emitted but still count for the
    "-1", "-2" suffixes of later repeats.
    """
    text = body
    if "\r" in text:  # (a search for "\r" is far cheaper than two replace passes finding nothing)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = fix_mojibake(text)
    text = strip_liquid(text)
    if "nan" in text or "NaN" in text:
        text = _MISSING_VALUE.sub("", text)
    if "{" in text and "{:" in text:
        text = _KRAMDOWN_EXT.sub("", text)
    footnotes: frozenset[str] = frozenset()
    link_refs: frozenset[str] = frozenset()
    if "]:" in text:
        footnotes, link_refs, text = _definitions(text)
    builder = _BlockBuilder(footnotes, link_refs)
    try:
        builder.feed(block_tokens(text))
    except Exception:  # markdown-it should not fail, but a post must never break the index
        return [Block("paragraph", t) for t in [clean_inline(text)] if t]
    return builder.blocks


def body_text(blocks: list[Block]) -> str:
    """All block texts, headings included, joined by newlines (the text passages must cover)."""
    return "\n".join(b.text for b in blocks)
