"""Inline Markdown / raw HTML → plain single-line text (``clean_inline``), and space
normalisation (``normalize_spaces``).

Precompiled regexes rather than a Markdown inline parser or an HTML parser: Markdown HTML blocks
are fragments (a ``<div>`` opened in one block, closed in another), and tags must vanish without
gluing or splitting words ("<b>Hel</b>lo", "link</a>."). Used by ``cleaning`` for each block's
text and by ``loader`` for titles and front matter.
"""

from __future__ import annotations

import html
import re

# Escaped ASCII punctuation and code-span contents are moved to the private-use area while the
# markup regexes run, so "\*" or "`a*b`" survive, then mapped back.
_PUA = 0xE000
_PROTECT = {c: chr(_PUA + c) for c in range(0x21, 0x7F) if not chr(c).isalnum()}
_UNPROTECT = {ord(v): chr(k) for k, v in _PROTECT.items()}
_ESCAPE_OR_CODE = re.compile(
    r"\\(?P<esc>[!-/:-@\[-`{-~])|(?<!`)(?P<ticks>`++)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)", re.DOTALL
)

# Elements whose content is never prose.
_DROP_ELEMENTS = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|iframe|noscript|svg|button|video|audio|object|textarea|select|template|canvas)"
    r"\b.*?(?:</\1\s*>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
# Block-level tags separate words; inline tags (a, b, span…) do not.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|figure|figcaption|blockquote|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|"
    r"tr|td|th|section|article|aside|header|footer|center|pre|caption|details|summary|"
    r"nav|main)\b(?:[^'\"<>]|\"[^\"<>]*\"|'[^'<>]*')*>",
    re.IGNORECASE,
)
# Tags never contain "<": an unclosed one then costs only up to the next "<" (no quadratic scans).
_ANY_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:[^'\"<>]|\"[^\"<>]*\"|'[^'<>]*')*>")
_IMAGE = re.compile(
    r"!\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]"
    r"(?:\([^()\s]*(?:\([^()]*\)[^()\s]*)*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)|\[[^\]]*\])?"
)
# [text](url "title") and [text][ref] → text. Written as unrolled loops: no per-char alternation.
_LINK = re.compile(
    r"\[(?P<text>[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*)\]"
    r"(?:\([^()]*(?:\([^()]*\)[^()]*)*\)|\[[^\]]*\])"
)
# Footnote markers "[^1]" and the "[^1]:" opening a footnote definition.
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\](?::[ \t]*)?")
_AUTOLINK = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_IAL = re.compile(r"\{:[^{}\n]*\}|\{#[A-Za-z][\w:-]*\}")
# Every pattern starts with a literal so the regex engine can skip ahead quickly.
_BARE_URL = re.compile(
    r"(?:https?://|ftp://|www\.|pic\.twitter\.com/)(?:[^\s<>\"]*[^\s<>\"'.,;:!?)\]])?"
)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# Emphasis/strike markers: every "*" and "~~" run goes (a lone " * " is no loss); "_" runs only
# at word edges, so snake_case survives.
_STARS = re.compile(r"\*+|~~+")
_UNDERSCORES = re.compile(r"_+")
_HARD_BREAK = re.compile(r"\\$|\\\n", re.MULTILINE)

# Odd spaces become spaces, invisible characters disappear (soft hyphen, zero-width, BOM),
# non-breaking hyphens become "-". One pass, only over non-ASCII text.
_ODD_CHARS = {
    **dict.fromkeys("\u00a0\u1680\u2028\u2029\u202f\u205f\u3000", " "),
    **{chr(c): " " for c in range(0x2000, 0x200B)},
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
    # U+FFFD stands for an unknown lost character, in this corpus mostly a quote or a space
    # ("Hyundai�s�December"): a space keeps the words apart.
    "\ufffd": " ",
    **dict.fromkeys("\u2010\u2011", "-"),
}
_ODD = re.compile("[" + "".join(_ODD_CHARS) + "]")


def _odd_char(m: re.Match[str]) -> str:
    return _ODD_CHARS[m.group()]


def _underscore(m: re.Match[str]) -> str:
    s, start, end = m.string, m.start(), m.end()
    inside = start > 0 and end < len(s) and s[start - 1].isalnum() and s[end].isalnum()
    return m.group() if inside else ""


def _protect(m: re.Match[str]) -> str:
    esc = m.group("esc")
    if esc is not None:
        return _PROTECT.get(ord(esc), esc)
    code = m.group("code")
    if len(m.group("ticks")) > 1:
        code = code.removeprefix(" ").removesuffix(" ")
    return code.translate(_PROTECT)


def _link_text(m: re.Match[str]) -> str:
    return m.group("text")


def normalize_spaces(text: str) -> str:
    """One line, single spaces: odd spaces → " ", invisible characters removed, trimmed."""
    if not text.isascii():
        text = _ODD.sub(_odd_char, text)
    # Most texts are normal already. Every whitespace character but " " is unprintable (Cc, Zs,
    # Zl, Zp), so a printable text with no double, leading or trailing space has nothing to fix.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def clean_inline(text: str) -> str:
    """Inline Markdown / HTML → plain single-line text: link text kept, URLs and markup removed.

    Also used for raw HTML blocks: scripts, styles, iframes, media and comments vanish with their
    content, a tweet embed keeps its text and author line, a figure its caption.
    """
    if not text:
        return ""
    # Each step runs only if its markup can occur. A one-character test ("!" in text) is a memchr,
    # tens of times faster than a two-character one ("![" in text): a rare character goes first.
    protected = "\\" in text or "`" in text
    if protected:
        text = _HARD_BREAK.sub(" ", text)
        text = _ESCAPE_OR_CODE.sub(_protect, text)
    if "<" in text:
        text = _DROP_ELEMENTS.sub(" ", text)
        text = _AUTOLINK.sub(" ", text)
        text = _BLOCK_TAG.sub(" ", text)
        text = _ANY_TAG.sub("", text)
    if "[" in text:
        if "!" in text and "![" in text:
            text = _IMAGE.sub("", text)
        if "^" in text and "[^" in text:
            text = _FOOTNOTE.sub("", text)
        # Twice: a link's text may itself hold a link-like bracket pair.
        text = _LINK.sub(_link_text, text)
        if "]" in text and "](" in text:
            text = _LINK.sub(_link_text, text)
    if "{" in text:
        text = _IAL.sub("", text)
    if "*" in text or ("~" in text and "~~" in text):
        text = _STARS.sub("", text)
    if "_" in text:
        text = _UNDERSCORES.sub(_underscore, text)
    if "://" in text or "www." in text or "pic.twitter.com/" in text:
        text = _BARE_URL.sub("", text)
        text = _EMPTY_BRACKETS.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = normalize_spaces(text)
    if protected:
        text = text.translate(_UNPROTECT)
    return text
