"""New-post alerts: one post, the flood guard's summary, the mention rules, /alerts list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from index.models import Post

from .text import (
    COLOUR_ERROR,
    COLOUR_INFO,
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    NO_MENTIONS,
    day_label,
    escape,
    fit_embed,
    lines_within,
    plain,
    post_lines,
    safe_url,
    truncate,
)

if TYPE_CHECKING:
    from bot.exts.alerts.store import HeldPost

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
    embed.add_field(name="Date", value=day_label(post.date), inline=True)
    if post.categories:
        embed.add_field(name="Categories", value=escape(", ".join(post.categories)), inline=True)
    embed.set_footer(text="Ask a question about it with the button below")
    return fit_embed(embed)


def alert_summary_embed(posts: Sequence[Post], *, site_name: str = "") -> discord.Embed:
    """Many new posts at once (the flood guard): one message listing them, newest first."""
    ordered = sorted(posts, key=lambda p: (p.date, p.id), reverse=True)
    where = f" on {site_name}" if site_name else ""
    description = lines_within(post_lines(ordered), DESCRIPTION_MAX)
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


def _channels_within(blocks: Sequence[str], limit: int) -> str:
    """As many channels' blocks as fit in ``limit``, then how many more there are: a busy
    server's list is cut (failing ones come first), never silently."""
    text = ""
    for i, block in enumerate(blocks):
        left = len(blocks) - i
        more = f"… and {left} more channel{'s' if left != 1 else ''}"
        sep = "\n\n" if text else ""
        if len(text) + len(sep) + len(block) + 2 + len(more) > limit:
            return text + sep + more
        text += sep + block
    return text


def _since(when: dt.datetime) -> str:
    return discord.utils.format_dt(when if when.tzinfo else when.replace(tzinfo=dt.UTC), "R")


def add_failing_field(embed: discord.Embed, subs: Sequence[SubscriptionInfo]) -> None:
    """Warn, on a moderator's reply (/reindex), of the server's alert channels that refuse the
    bot: their alerts wait there, and nothing else says so unless someone runs /alerts list."""
    lines = [
        f"• <#{s.channel_id}> since {_since(since)}: "
        f"{truncate(escape(plain(s.last_error or 'unknown error')), 150)}"
        for s in subs
        if (since := s.failing_since) is not None
    ]
    if not lines:
        return
    advice = (
        "\nGive me View Channel, Send Messages and Embed Links there (the alerts waiting go "
        "out then), or unsubscribe; `/alerts list` has the details."
    )
    embed.add_field(
        name=f"⚠️ Alerts failing ({len(lines)} channel{'s' if len(lines) != 1 else ''})",
        value=lines_within(lines, FIELD_VALUE_MAX - len(advice)) + advice,
        inline=False,
    )


def subscriptions_embed(subs: Sequence[SubscriptionInfo]) -> discord.Embed:
    """The server's alert subscriptions, failing ones flagged with the reason."""
    if not subs:
        return fit_embed(
            discord.Embed(
                title="New-post alerts",
                description=(
                    "No channel gets new-post alerts yet. Add one with `/alerts subscribe`."
                ),
                colour=COLOUR_INFO,
            )
        )
    blocks = []
    for sub in subs:
        what = f"category **{escape(sub.category)}**" if sub.category else "all posts"
        ping = f"pings <@&{sub.role_id}>" if sub.role_id else "no ping"
        line = f"<#{sub.channel_id}> · {what} · {ping}"
        if sub.failing_since is not None:
            since = (
                sub.failing_since
                if sub.failing_since.tzinfo
                else sub.failing_since.replace(tzinfo=dt.UTC)
            )
            reason = truncate(escape(plain(sub.last_error or "unknown error")), 300)
            line += f"\n⚠️ **Failing** since {discord.utils.format_dt(since, 'R')}: {reason}"
        if sub.pending:
            line += f"\n{sub.pending} alert{'s' if sub.pending != 1 else ''} waiting to be posted"
        blocks.append(line)
    failing = sum(s.failing_since is not None for s in subs)
    embed = discord.Embed(
        title="New-post alerts",
        description=_channels_within(blocks, DESCRIPTION_MAX),
        colour=COLOUR_ERROR if failing else COLOUR_INFO,
    )
    footer = f"{len(subs)} channel{'s' if len(subs) != 1 else ''}"
    if failing:
        footer += (
            f" · {failing} failing: give me View Channel, Send Messages and Embed Links "
            "there, or unsubscribe"
        )
    embed.set_footer(text=footer)
    return fit_embed(embed)


def add_held_field(embed: discord.Embed, held: list[HeldPost]) -> None:
    """List posts held back from alerts (their front matter needs fixing) on an embed."""
    if not held:
        return
    lines = [f"• {escape(h.post_id)}: {escape(h.reason)}" for h in held]
    embed.add_field(
        name=f"Not announced until fixed ({len(held)})",
        value="These new posts only loaded by recovering broken front matter; each is "
        "announced once it loads cleanly.\n" + "\n".join(lines),
        inline=False,
    )
