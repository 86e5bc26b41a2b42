"""The text layer every user-visible message goes through: Discord's limits, escaping, cutting.

Rules every builder (``bot.formatting.*``) follows:
- Text from users or content is escaped before it reaches a field that renders Markdown, so an
  echoed question cannot format, link or mention anything (``@everyone`` shows as text).
- Anything that could be long is cut at a word boundary with an ellipsis, never inside a masked link
  or an escape, and Markdown left open by the cut (``**``, ``__``, code spans…) is closed again.
- :func:`fit_embed` is the last step of every embed builder and guarantees the per-field and
  per-message limits, so nothing we send can earn a 400 from Discord.
- ``NO_MENTIONS`` goes on every message (and is the bot's default), so nothing ever pings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import discord

from index.models import Post, PostRef

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
FIELDS_MAX = 25
EMBEDS_MAX = 10
COMPONENT_ROWS_MAX = 5
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
CHOICES_MAX = 25
URL_MAX = 2048

ELLIPSIS = "…"
NO_MENTIONS = discord.AllowedMentions.none()

COLOUR_ANSWER = discord.Colour(0x5865F2)
COLOUR_DECLINED = discord.Colour(0xE67E22)
COLOUR_INFO = discord.Colour(0x2B9E8F)
COLOUR_ERROR = discord.Colour(0xED4245)

# Characters that can start Markdown, a mention, an emoji/timestamp tag or a masked link anywhere…
_SPECIAL = re.compile(r"([\\*_~`|>\[\]<@])")
# …and those that only matter at the start of a line (headings, lists, subtext).
_LINE_START = re.compile(r"^(\s*)([#\-+])", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_MASKED_LINK = re.compile(r"\[[^\[\]\n]*\]\([^()\s]*\)")
_INLINE_MARKERS = ("**", "__", "~~", "||")


# ---------------------------------------------------------------------------------------- escaping


def escape(text: str) -> str:
    """Make arbitrary text inert in Markdown contexts: no formatting, links, mentions or tags.

    A backslash before punctuation is invisible in Discord, so the text still reads the same.
    ``escape_mentions`` additionally breaks ``@everyone``/``@here`` with a zero-width space, which
    stays harmless even where backslashes are not honoured.
    """
    escaped = _LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", text))
    escaped = _ORDERED_ITEM.sub(r"\1\\.", escaped)
    return discord.utils.escape_mentions(escaped)


def plain(text: str) -> str:
    """Text for places without Markdown (footers, author and choice names): one line, unescaped."""
    return " ".join(text.split())


def safe_url(url: str) -> str | None:
    """The URL if Discord would accept it in an embed or a masked link, else None."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > URL_MAX:
        return None
    # Brackets and spaces would end a masked link early; percent-encoding them is equivalent.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def link(text: str, url: str) -> str:
    """A masked link, or just the (escaped) text when the URL is not a public web address."""
    label = escape(plain(text)) or "link"
    target = safe_url(url)
    return f"[{label}]({target})" if target else label


# ---------------------------------------------------------------------------------------- cutting


def _open_markers(text: str) -> list[str]:
    """Inline Markdown markers (``**``, ``*``, ``__``, ``_``, ``~~``, ``||``, code spans) left open.

    A deliberately simple model of Discord's parser: escapes skip a character, masked-link URLs
    and code spans are opaque, and each marker toggles. Good enough to close what a cut leaves open.
    """
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            fence = "`" * run
            close = text.find(fence, i + run)
            if close < 0:
                stack.append(fence)
                return stack  # the rest is inside an unclosed code span
            i = close + run
            continue
        if c == "]" and text.startswith("](", i):
            end = text.find(")", i + 2)
            if end >= 0:
                i = end + 1
                continue
        two = text[i : i + 2]
        marker = two if two in _INLINE_MARKERS else c if c in "*_" else None
        if marker is None:
            i += 1
            continue
        if marker in stack:
            del stack[len(stack) - 1 - stack[::-1].index(marker)]
        else:
            stack.append(marker)
        i += len(marker)
    return stack


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` to keep at most ``limit`` characters: a word boundary if near."""
    cut = limit
    space = max(text.rfind(" ", 0, cut + 1), text.rfind("\n", 0, cut + 1))
    if space >= limit // 2:
        cut = space
    # Never inside a masked link: its text and URL must stay together.
    for m in _MASKED_LINK.finditer(text):
        if m.start() >= cut:
            break
        if cut < m.end():
            cut = m.start()
            break
    # Never split an escape ("\*") or leave a dangling backslash that would escape the ellipsis.
    trailing = len(text[:cut]) - len(text[:cut].rstrip("\\"))
    if trailing % 2:
        cut -= 1
    return cut


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """``text`` within ``limit`` characters, cut at a word boundary with an ellipsis.

    Markdown opened before the cut is closed after the ellipsis, so a cut never leaves ``**`` (or a
    code span) unbalanced and never swallows the rest of the message into bold.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    budget = limit - len(ellipsis)
    while True:
        cut = _cut_point(text, budget)
        head = text[:cut].rstrip()
        closers = "".join(reversed(_open_markers(head)))
        result = f"{head}{ellipsis}{closers}"
        if len(result) <= limit or budget <= 0:
            break
        budget -= max(len(result) - limit, 1)
    if len(result) > limit:  # pathological: only markers fit; give up on the text itself
        return ellipsis
    return result


def truncate_plain(text: str, limit: int) -> str:
    """Like :func:`truncate` for text without Markdown (footers, author names, choice names)."""
    text = plain(text)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut >= limit // 2 else limit - 1
    return text[:cut].rstrip() + ELLIPSIS


def message_content(text: str) -> str:
    """Message content within Discord's 2,000 characters."""
    return truncate(text, CONTENT_MAX)


# ---------------------------------------------------------------------------------------- embeds


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Bring ``embed`` within every Discord limit, in place; returns it for chaining.

    Cuts each part to its own limit, drops fields past 25, then shortens the description (and,
    if still needed, the fields from the last) until the whole embed fits in 6,000 characters.
    """
    if embed.title:
        embed.title = truncate(embed.title, TITLE_MAX)
    if embed.url and not safe_url(embed.url):
        embed.url = None
    if embed.description:
        embed.description = truncate(embed.description, DESCRIPTION_MAX)
    if embed.footer.text:
        embed.set_footer(
            text=truncate_plain(embed.footer.text, FOOTER_MAX), icon_url=embed.footer.icon_url
        )
    if embed.author.name:
        embed.set_author(
            name=truncate_plain(embed.author.name, AUTHOR_MAX),
            url=safe_url(embed.author.url or "") or None,
        )
    fields = [
        (
            truncate(f.name or ELLIPSIS, FIELD_NAME_MAX) or ELLIPSIS,
            truncate(f.value or ELLIPSIS, FIELD_VALUE_MAX) or ELLIPSIS,
            bool(f.inline),
        )
        for f in embed.fields[:FIELDS_MAX]
    ]
    embed.clear_fields()
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)

    excess = len(embed) - EMBED_TOTAL_MAX
    if excess > 0 and embed.description:
        keep = max(len(embed.description) - excess, 0)
        embed.description = truncate(embed.description, keep) or None
        excess = len(embed) - EMBED_TOTAL_MAX
    while excess > 0 and embed.fields:
        last = embed.fields[-1]
        room = len(last.value or "") - excess
        if room >= 40:
            embed.set_field_at(
                len(embed.fields) - 1,
                name=last.name,
                value=truncate(last.value or "", room),
                inline=bool(last.inline),
            )
        else:
            embed.remove_field(len(embed.fields) - 1)
        excess = len(embed) - EMBED_TOTAL_MAX
    if excess > 0 and embed.title:
        embed.title = truncate(embed.title, max(len(embed.title) - excess, 1))
    return embed


def fit_embeds(embeds: Sequence[discord.Embed]) -> list[discord.Embed]:
    """At most 10 embeds whose combined length stays within 6,000 characters (the rest dropped)."""
    kept: list[discord.Embed] = []
    total = 0
    for embed in embeds[:EMBEDS_MAX]:
        fit_embed(embed)
        if total + len(embed) > EMBED_TOTAL_MAX:
            break
        kept.append(embed)
        total += len(embed)
    return kept


# ---------------------------------------------------------------------------------------- shared


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def post_lines(refs: Iterable[Post | PostRef]) -> list[str]:
    """One bulleted, linked line per post: title (› the section meant, if any) and date."""
    return [f"• {link(_ref_label(ref), ref.url)} · {day_label(ref.date)}" for ref in refs]


def _ref_label(ref: Post | PostRef) -> str:
    heading = ref.heading if isinstance(ref, PostRef) else ""
    return f"{ref.title} › {heading}" if heading else ref.title


def lines_within(lines: Sequence[str], limit: int) -> str:
    """As many ``lines`` as fit in ``limit`` characters, then "… and N more" for the rest."""
    text = ""
    for i, line in enumerate(lines):
        more = f"\n… and {len(lines) - i} more"
        if len(text) + 1 + len(line) + len(more) > limit:
            return text + more if text else more.strip()
        text += ("\n" if text else "") + line
    return text


def blocks_within(header: str, blocks: Iterable[str], limit: int) -> str:
    """``header`` then as many ``blocks`` as fit in ``limit``; the first that doesn't fit is cut."""
    text = header
    for block in blocks:
        sep = "\n\n" if text else ""
        if len(text) + len(sep) + len(block) <= limit:
            text += sep + block
            continue
        room = limit - len(text) - len(sep)
        if room >= 120:
            text += sep + truncate(block, room)
        break
    return text
