"""Everything users see is built here: embeds, messages and choices, within Discord's limits.

Rules every builder follows:
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
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord
from discord import app_commands

from index.models import Answer, IndexReport, Passage, Post, PostRef, SearchResult

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
        (truncate(f.name or ELLIPSIS, FIELD_NAME_MAX) or ELLIPSIS,
         truncate(f.value or ELLIPSIS, FIELD_VALUE_MAX) or ELLIPSIS,
         bool(f.inline))
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
                len(embed.fields) - 1, name=last.name, value=truncate(last.value or "", room),
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


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _citation_label(result: SearchResult) -> str:
    label = f"{result.title} › {result.heading}" if result.heading else result.title
    return f"{label} ({result.part})" if result.part else label


def _also_in(result: SearchResult) -> str:
    """"Also in" links to other posts telling the same story (a digest and a brief)."""
    if not result.also_in:
        return ""
    links = ", ".join(f"{link(ref.title, ref.url)} · {_date(ref.date)}" for ref in result.also_in)
    return f"\n-# Also in {links}"


def _blocks_within(header: str, blocks: Iterable[str], limit: int) -> str:
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


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of an answer's results one message shows."""

    number: int  # from 0
    size: int

    def slice(self, total: int) -> range:
        start = self.number * self.size
        return range(start, min(start + self.size, total))


def page_count(answer: Answer, size: int) -> int:
    return max(1, math.ceil(len(answer.results) / size))


def answer_embed(
    answer: Answer,
    page: Page = Page(0, 3),
    *,
    site_name: str = "",
    note: str = "",
) -> discord.Embed:
    """An answered question: the headline first, then numbered, linked citations.

    Later pages (the "More results" button) list further passages with their global numbers.
    ``note`` is a short remark shown under the citations (e.g. that a long question was shortened).
    """
    if answer.declined or not answer.results:
        return declined_embed(answer, site_name=site_name)
    shown = page.slice(len(answer.results))
    blocks = []
    for n in shown:
        result = answer.results[n]
        cite = f"**[{n + 1}]** {link(_citation_label(result), result.url)} · {_date(result.date)}"
        snippet = truncate(result.snippet, 700)
        block = f"{cite}\n{snippet}" if snippet else cite
        blocks.append(block + _also_in(result))
    header = ""
    if page.number == 0:
        # The headline: the sentence (or two) extraction chose as the answer, cited by the
        # number of the result it was taken from.
        source = min(max(answer.headline_from, 0), len(answer.results) - 1)
        best = answer.results[source]
        sentence = truncate(escape(plain(answer.headline or best.best_sentence or best.text)), 700)
        header = f"> {sentence} **[{source + 1}]**" if sentence else ""
    if note:
        blocks.append(f"-# {escape(plain(note))}")
    description = _blocks_within(header, blocks, DESCRIPTION_MAX)
    pages = page_count(answer, page.size)
    footer = f"Page {page.number + 1} of {pages} · " if pages > 1 else ""
    footer += f"{len(answer.results)} cited passage{'s' if len(answer.results) != 1 else ''}"
    if site_name:
        footer += f" · {site_name}"
    embed = discord.Embed(
        title=escape(plain(answer.question)) or "Your question",
        description=description,
        colour=COLOUR_ANSWER,
    )
    embed.set_footer(text=footer)
    return fit_embed(embed)


def _post_lines(refs: Iterable[Post | PostRef]) -> list[str]:
    return [f"• {link(ref.title, ref.url)} · {_date(ref.date)}" for ref in refs]


def declined_embed(answer: Answer, *, site_name: str = "") -> discord.Embed:
    """A question the content does not cover: say so plainly and offer the closest posts."""
    where = f" on {escape(site_name)}" if site_name else ""
    message = escape(answer.message or "The content doesn't seem to cover that.")
    text = f"**Not covered{where}.** {message}"
    if answer.suggestions:
        text = _blocks_within(text, ["The closest posts:", *_post_lines(answer.suggestions)],
                              DESCRIPTION_MAX).replace("\n\n• ", "\n• ")
    embed = discord.Embed(
        title=escape(plain(answer.question)) or "Your question",
        description=text,
        colour=COLOUR_DECLINED,
    )
    embed.set_footer(text="Try other words, or read a post with /brief")
    return fit_embed(embed)


def sections(post: Post, passages: Sequence[Passage]) -> list[tuple[tuple[str, ...], str]]:
    """The post's sections in order, as ``(heading_path, url)``, one per heading anchor."""
    from index.search import SearchIndex  # the URL rule lives with the index

    seen: set[str] = set()
    found: list[tuple[tuple[str, ...], str]] = []
    for passage in passages:
        if not passage.anchor or passage.anchor in seen or not passage.heading_path:
            continue
        seen.add(passage.anchor)
        found.append((passage.heading_path, SearchIndex.passage_url(post, passage)))
    return found


def brief_embed(post: Post, passages: Sequence[Passage], *, site_name: str = "") -> discord.Embed:
    """One post: title, date, categories, excerpt and its sections as links."""
    parts: list[str] = []
    if post.excerpt:
        parts.append(truncate(escape(plain(post.excerpt)), 1500))
    section_lines = [
        f"{'  ' * (len(path) - 1)}• {link(path[-1], url)}" for path, url in sections(post, passages)
    ]
    if section_lines:
        listing = "**Sections**"
        for i, line in enumerate(section_lines):
            more = f"\n… and {len(section_lines) - i} more"
            budget = DESCRIPTION_MAX - len("\n\n".join(parts)) - 2 - len(more) - 20
            if len(listing) + 1 + len(line) > budget:
                listing += more
                break
            listing += "\n" + line
        parts.append(listing)
    embed = discord.Embed(
        title=escape(plain(post.title)) or post.id,
        url=safe_url(post.url),
        description="\n\n".join(parts) or None,
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Date", value=_date(post.date), inline=True)
    if post.categories:
        embed.add_field(name="Categories", value=escape(", ".join(post.categories)), inline=True)
    if post.tags:
        embed.add_field(name="Tags", value=escape(", ".join(post.tags)), inline=True)
    if post.authors:
        embed.set_author(name="By " + ", ".join(post.authors))
    if site_name:
        embed.set_footer(text=site_name)
    return fit_embed(embed)


def latest_embed(posts: Sequence[Post], *, category: str | None = None,
                 site_name: str = "") -> discord.Embed:
    """The newest posts, each linked, newest first."""
    title = f"Latest in {category}" if category else "Latest posts"
    if site_name:
        title += f" on {site_name}"
    lines = [
        f"**{link(p.title, p.url)}**\n{_date(p.date)}"
        + (f" · {escape(', '.join(p.categories))}" if p.categories else "")
        for p in posts
    ]
    description = _blocks_within("", lines, DESCRIPTION_MAX) if lines else "No posts yet."
    embed = discord.Embed(title=escape(plain(title)), description=description, colour=COLOUR_INFO)
    return fit_embed(embed)


@dataclass(frozen=True, slots=True)
class AboutStats:
    posts: int
    passages: int
    categories: Sequence[str]
    built_at: dt.datetime | None
    version: str
    site_name: str = ""
    site_url: str = ""


def about_embed(stats: AboutStats) -> discord.Embed:
    """What the bot serves and how fresh it is."""
    site = link(stats.site_name or stats.site_url, stats.site_url) if stats.site_url else escape(
        stats.site_name or "the configured content"
    )
    embed = discord.Embed(
        title="About briefbot",
        description=(
            f"I answer questions about the posts of {site}, citing the sections I quote.\n"
            "Use `/ask`, or mention me with a question. `/brief` shows one post, "
            "`/latest` the newest."
        ),
        colour=COLOUR_INFO,
    )
    embed.add_field(name="Posts", value=f"{stats.posts:,}", inline=True)
    embed.add_field(name="Passages", value=f"{stats.passages:,}", inline=True)
    embed.add_field(name="Categories", value=f"{len(stats.categories):,}", inline=True)
    if stats.built_at is not None:
        built = stats.built_at if stats.built_at.tzinfo else stats.built_at.replace(tzinfo=dt.UTC)
        indexed = f"{discord.utils.format_dt(built, 'f')} ({discord.utils.format_dt(built, 'R')})"
    else:
        indexed = "not yet"
    embed.add_field(name="Last indexed", value=indexed, inline=False)
    embed.set_footer(text=f"briefbot {stats.version} · discord.py {discord.__version__}")
    return fit_embed(embed)


# ---------------------------------------------------------------------------------------- choices


def post_key(post_id: str) -> str:
    """A choice value for a post: its id when short enough, else a stable digest of it."""
    if len(post_id) <= CHOICE_VALUE_MAX:
        return post_id
    return "#" + hashlib.sha1(post_id.encode()).hexdigest()[:20]


def title_choices(posts: Iterable[Post]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices for posts: at most 25, names and values within 100 characters."""
    choices: list[app_commands.Choice[str]] = []
    for post in posts:
        suffix = f" ({post.date.year})"
        name = truncate_plain(post.title, CHOICE_NAME_MAX - len(suffix)) + suffix
        choices.append(app_commands.Choice(name=name.strip() or post_key(post.id),
                                           value=post_key(post.id)))
        if len(choices) == CHOICES_MAX:
            break
    return choices


def text_choices(values: Iterable[str]) -> list[app_commands.Choice[str]]:
    """Plain string choices (categories), at most 25 and within 100 characters."""
    out: list[app_commands.Choice[str]] = []
    for value in values:
        if 0 < len(value) <= CHOICE_VALUE_MAX:
            name = truncate_plain(value, CHOICE_NAME_MAX)
            out.append(app_commands.Choice(name=name, value=value))
        if len(out) == CHOICES_MAX:
            break
    return out


# ---------------------------------------------------------------------------------------- alerts

COLOUR_ALERT = discord.Colour(0x3BA55C)


def alert_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Nothing pings, except the one role a subscription names (never users or @everyone)."""
    if role_id is None:
        return NO_MENTIONS
    return discord.AllowedMentions(
        everyone=False, users=False, replied_user=False, roles=[discord.Object(id=role_id)]
    )


def alert_content(role_id: int | None) -> str | None:
    """The message text above an alert: the subscription's role mention, if it names one."""
    return f"<@&{role_id}>" if role_id else None


def alert_embed(post: Post, *, site_name: str = "") -> discord.Embed:
    """One new post: title (linked), excerpt, date and categories."""
    embed = discord.Embed(
        title=escape(plain(post.title)) or escape(post.id),
        url=safe_url(post.url),
        description=truncate(escape(plain(post.excerpt)), 700) if post.excerpt else None,
        colour=COLOUR_ALERT,
    )
    embed.set_author(name=f"New post on {site_name}" if site_name else "New post")
    embed.add_field(name="Date", value=_date(post.date), inline=True)
    if post.categories:
        embed.add_field(name="Categories", value=escape(", ".join(post.categories)), inline=True)
    embed.set_footer(text="Ask a question about it with the button below")
    return fit_embed(embed)


def alert_summary_embed(posts: Sequence[Post], *, site_name: str = "") -> discord.Embed:
    """Many new posts at once (the flood guard): one message listing them, newest first."""
    ordered = sorted(posts, key=lambda p: (p.date, p.id), reverse=True)
    where = f" on {site_name}" if site_name else ""
    lines = _post_lines(ordered)
    description = ""
    for i, line in enumerate(lines):
        more = f"\n… and {len(lines) - i} more"
        if len(description) + 1 + len(line) + len(more) > DESCRIPTION_MAX:
            description += more
            break
        description += ("\n" if description else "") + line
    embed = discord.Embed(
        title=escape(plain(f"{len(posts)} new posts{where}")),
        description=description or None,
        colour=COLOUR_ALERT,
    )
    embed.set_footer(text="Read one with /brief, or list the newest with /latest")
    return fit_embed(embed)


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    """One line of ``/alerts list``."""

    channel_id: int
    category: str | None
    role_id: int | None
    failing_since: dt.datetime | None = None
    last_error: str | None = None
    pending: int = 0


def subscriptions_embed(subs: Sequence[SubscriptionInfo]) -> discord.Embed:
    """The server's alert subscriptions, failing ones flagged with the reason."""
    if not subs:
        return fit_embed(discord.Embed(
            title="New-post alerts",
            description="No channel gets new-post alerts yet. Add one with `/alerts subscribe`.",
            colour=COLOUR_INFO,
        ))
    blocks = []
    for sub in subs:
        what = f"category **{escape(sub.category)}**" if sub.category else "all posts"
        ping = f"pings <@&{sub.role_id}>" if sub.role_id else "no ping"
        line = f"<#{sub.channel_id}> · {what} · {ping}"
        if sub.failing_since is not None:
            since = sub.failing_since if sub.failing_since.tzinfo else sub.failing_since.replace(
                tzinfo=dt.UTC)
            reason = truncate(escape(plain(sub.last_error or "unknown error")), 300)
            line += (f"\n⚠️ **Failing** since {discord.utils.format_dt(since, 'R')}: {reason}")
        if sub.pending:
            line += f"\n{sub.pending} alert{'s' if sub.pending != 1 else ''} waiting to be posted"
        blocks.append(line)
    failing = sum(s.failing_since is not None for s in subs)
    embed = discord.Embed(
        title="New-post alerts",
        description=_blocks_within("", blocks, DESCRIPTION_MAX),
        colour=COLOUR_ERROR if failing else COLOUR_INFO,
    )
    footer = f"{len(subs)} channel{'s' if len(subs) != 1 else ''}"
    if failing:
        footer += (f" · {failing} failing: give me View Channel, Send Messages and Embed Links "
                   "there, or unsubscribe")
    embed.set_footer(text=footer)
    return fit_embed(embed)


# ---------------------------------------------------------------------------------------- reindex


def _name_list(names: Sequence[str], limit: int = FIELD_VALUE_MAX) -> str:
    """Bulleted names within ``limit`` characters, with "… and N more" when they do not fit."""
    text = ""
    for i, name in enumerate(names):
        line = f"• {escape(truncate_plain(name, 200))}"
        more = f"\n… and {len(names) - i} more"
        if len(text) + 1 + len(line) + len(more) > limit:
            return text + more if text else more.strip()
        text += ("\n" if text else "") + line
    return text or "none"


def reindex_embed(report: IndexReport, titles: dict[str, str] | None = None) -> discord.Embed:
    """What a reindex changed: posts added/changed/removed (by title), files skipped or recovered.

    ``titles`` maps post ids to titles for posts still in the index (removed ones show their id).
    """
    titles = titles or {}
    changes = len(report.added) + len(report.changed) + len(report.removed)
    summary = (
        f"**{report.posts:,}** posts, **{report.passages:,}** passages · "
        f"{report.seconds:.1f} s"
    )
    if not changes:
        summary += "\nNothing changed since the last index."
    embed = discord.Embed(title="Reindexed", description=summary, colour=COLOUR_INFO)
    for label, ids in (("Added", report.added), ("Changed", report.changed),
                       ("Removed", report.removed)):
        if ids:
            embed.add_field(name=f"{label} ({len(ids)})",
                            value=_name_list([titles.get(i, i) for i in ids]), inline=False)
    for kind, label in (("skipped", "Files skipped"), ("recovered", "Files recovered")):
        issues = [i for i in report.issues if i.kind == kind]
        if issues:
            embed.add_field(name=f"{label} ({len(issues)})",
                            value=_name_list([f"{i.path}: {i.reason}" for i in issues]),
                            inline=False)
    return fit_embed(embed)


def reindex_failed_embed(error: str, *, posts: int, built_at: dt.datetime | None
                         ) -> discord.Embed:
    """A reindex that failed: the reason, and that the previous index is still answering."""
    if built_at is not None:
        built = built_at if built_at.tzinfo else built_at.replace(tzinfo=dt.UTC)
        serving = f"{posts:,} posts, indexed {discord.utils.format_dt(built, 'R')}"
    else:
        serving = f"{posts:,} posts"
    text = (f"**The reindex failed:** {truncate(escape(plain(error)), 1000)}\n\n"
            f"Questions are still answered from the previous index ({serving}).")
    return fit_embed(discord.Embed(title="Reindex failed", description=text,
                                   colour=COLOUR_ERROR))
