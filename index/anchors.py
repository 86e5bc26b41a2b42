"""Heading ids exactly as Jekyll's kramdown (``input: GFM``, ``auto_ids: true``) generates them.

What we follow (kramdown 2.x + kramdown-parser-gfm 1.x sources):

* ``Kramdown::Parser::GFM#update_raw_text`` builds the text the id is made from *after* span
  parsing: text nodes, code span and math values, entities as their character, smart quotes and
  typographic symbols as their character ("--" → "–", "<< " → "« "); for every other element only
  its children count. So a link contributes its text (never its URL), an image nothing, emphasis
  its content, an autolink ``<http://x>`` its URL text, HTML tags nothing but their content.
* ``GFM#generate_gfm_header_id``::

      result = text.downcase
      result.gsub!(/[^\\p{Word}\\- \\t]/, '')   # NON_WORD_RE
      result.tr!(" \\t", '-')
      @id_counter[result] += 1                   # Hash.new(-1), one per document
      result << (@id_counter[result] > 0 ? "-#{@id_counter[result]}" : '')

  Spaces are not collapsed ("Advances & Business" → "advances--business"), and an empty result is
  counted too (kramdown's test: ";.;;" → no id, then ";;" → "-1").
* ``Parser::Kramdown#parse_header_contents``: a trailing ``{#custom-id}`` sets the id and skips
  the counter; ATX closing hashes and surrounding whitespace are not part of the text.

Ruby's ``\\p{Word}`` (Onigmo) is Alphabetic | Mark | Decimal_Number | Connector_Punctuation. That
differs from Python's ``\\w`` on marks (kramdown keeps the emoji variation selector U+FE0F),
on non-decimal numbers ("²", "½" are dropped) and on circled letters; ``_is_word`` mirrors Ruby.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Escapes recognised by kramdown-parser-gfm (ESCAPED_CHARS_GFM).
_ESCAPE = r"\\(?P<esc>[\\.*_+`<>()\[\]{}#!:|\"'$=\-~])"
_CODE = r"(?P<ticks>`+)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)"
_MATH = r"\$\$(?P<math>.+?)\$\$"
_IMAGE = r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])?"
_LINK = (
    r"\[(?P<ltext>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"(?:\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])?"
)
_FOOTNOTE = r"\[\^[^\]]+\]"
_AUTOLINK = r"<(?P<auto>(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+))>"
_TAG = r"<!--.*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"
_ENTITY = r"(?P<entity>&(?:[A-Za-z][A-Za-z0-9]*|\#[0-9]+|\#[xX][0-9a-fA-F]+);)"
# Typographic symbols become non-word characters: only their own dashes/dots vanish.
_TYPO = r"---|--|\.\.\.|<<|>>"
# Emphasis and strikethrough delimiters are markup, not text (non-word either way).
_STARS = r"\*+|~~"
_IAL = r"\{:[^{}\n]*\}"
# ``_emphasis_`` is markup; intra-word underscores (snake_case) are text (kramdown emphasis rule).
_UNDERSCORE_EM = r"(?<![A-Za-z0-9])(?P<us>__?)(?=\S)(?P<em>.+?)(?<=\S)(?P=us)(?![A-Za-z0-9])"

_SPAN = re.compile(
    "|".join(
        [
            _ESCAPE,
            _CODE,
            _MATH,
            _IMAGE,
            _FOOTNOTE,
            _LINK,
            _AUTOLINK,
            _TAG,
            _ENTITY,
            _IAL,
            _UNDERSCORE_EM,
            _TYPO,
            _STARS,
        ]
    ),
    re.DOTALL,
)
_HEADER_ID = re.compile(r"[\t ]\{#(?P<id>[A-Za-z][\w:-]*)\}\s*\Z")
_CLOSING_HASHES = re.compile(r"[\t ]#+[\t ]*\Z")
_ASCII_NON_WORD = re.compile(r"[^A-Za-z0-9_\- \t]+")
_SPACE_TAB = str.maketrans(" \t", "--")

# Characters with the Unicode property Other_Alphabetic outside the Mark categories (circled and
# squared Latin letters): Ruby counts them as \p{Word}, unicodedata has no property lookup.
_OTHER_ALPHABETIC_SO = (
    (0x24B6, 0x24E9),
    (0x1F130, 0x1F149),
    (0x1F150, 0x1F169),
    (0x1F170, 0x1F189),
)
_WORD_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Mn", "Mc", "Me", "Nd", "Pc"})


@lru_cache(maxsize=4096)
def _is_word(ch: str) -> bool:
    """Ruby/Onigmo ``\\p{Word}`` for one character."""
    if unicodedata.category(ch) in _WORD_CATEGORIES:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _OTHER_ALPHABETIC_SO)


def _span_text(m: re.Match[str]) -> str:
    group = m.lastgroup
    if group == "esc":
        return m.group("esc")
    if group in ("ticks", "code"):
        ticks, code = m.group("ticks"), m.group("code")
        if len(ticks) > 1:  # kramdown strips one space next to multi-backtick delimiters
            code = code.removeprefix(" ").removesuffix(" ")
        return code
    if group == "math":
        return m.group("math")
    if group == "ltext":
        return raw_heading_text(m.group("ltext"))
    if group == "auto":
        return m.group("auto")
    if group == "entity":
        return html.unescape(m.group("entity"))
    if group in ("us", "em"):
        return raw_heading_text(m.group("em"))
    # Images, footnote markers, HTML tags, IALs, emphasis delimiters and typographic symbols add
    # no word characters.
    # Typographic symbols become "–", "—", "…", "«", "»": all non-word, dropped later anyway.
    return ""


def raw_heading_text(markdown: str) -> str:
    """The text kramdown derives a heading id from, given the heading's Markdown source."""
    if not markdown:
        return ""
    return _SPAN.sub(_span_text, markdown)


def split_header_id(markdown: str) -> tuple[str, str | None]:
    """Strip ATX closing hashes and a trailing ``{#id}``: ``(text, explicit_id or None)``."""
    text = _CLOSING_HASHES.sub("", markdown.strip()).rstrip()
    m = _HEADER_ID.search(text)
    if m is None:
        return text, None
    return text[: m.start()].rstrip(), m.group("id")


def gfm_slug(raw_text: str) -> str:
    """``generate_gfm_header_id`` without the repeat counter."""
    lowered = raw_text.lower()
    if lowered.isascii():
        kept = _ASCII_NON_WORD.sub("", lowered)
    else:
        kept = "".join(ch for ch in lowered if ch in "- \t" or _is_word(ch))
    return kept.translate(_SPACE_TAB)


class AnchorGenerator:
    """Heading ids for one post, in document order (repeats get "-1", "-2", …)."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix  # kramdown's auto_id_prefix (Jekyll default: "")
        self._counts: dict[str, int] = {}

    def anchor(self, heading_text: str) -> str:
        """Id for a heading given its Markdown source text (e.g. ``[Gemini](url) is *here*``).

        Returns "" when the heading has no word characters and kramdown would emit no id.
        """
        text, explicit = split_header_id(heading_text)
        if explicit is not None:
            return explicit
        base = gfm_slug(raw_heading_text(text))
        n = self._counts.get(base, -1) + 1
        self._counts[base] = n
        result = f"{base}-{n}" if n > 0 else base
        return self._prefix + result if result else ""
