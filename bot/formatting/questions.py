"""A question as typed in Discord: its markup (mentions, channels, custom emoji, timestamps,
command mentions) as a reader sees it, and without it for the search.

Discord sends ``<@123…>`` where the asker sees ``@alice``: searched as typed, the id is a word
found in no post, and a question the posts answer was declined as "not covered".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import discord

_SNOWFLAKE = r"[0-9]{15,21}"
# One alternative per kind of markup; the group that matched says which.
_MARKUP = re.compile(
    rf"<@!?(?P<user>{_SNOWFLAKE})>"
    rf"|<@&(?P<role>{_SNOWFLAKE})>"
    rf"|<#(?P<channel>{_SNOWFLAKE})>"
    rf"|<a?:(?P<emoji>\w{{2,32}}):{_SNOWFLAKE}>"
    rf"|<t:(?P<time>-?[0-9]{{1,13}})(?::[tTdDfFsSR])?>"
    rf"|</(?P<command>[\w-]{{1,32}}(?: [\w-]{{1,32}}){{0,2}}):{_SNOWFLAKE}>"
)


def searchable_question(text: str) -> str:
    """``text`` without Discord's markup: none of it is a word of the posts."""
    return " ".join(_MARKUP.sub(" ", text).split())


def resolved_names(data: Mapping[str, Any] | None) -> dict[int, str]:
    """The display names of the users an interaction's ``data.resolved`` carries (Discord
    resolves the mentions typed in a string option there): a member's nickname, else the
    user's global name, else their username, as Discord shows them. The bot's cache holds
    few members (no members intent), so a mentioned user is rarely found in it."""
    resolved = (data or {}).get("resolved") or {}
    members = resolved.get("members") or {}
    names: dict[int, str] = {}
    for key, user in (resolved.get("users") or {}).items():
        nick = (members.get(key) or {}).get("nick")
        name = nick or user.get("global_name") or user.get("username")
        if name and key.isdigit():
            names[int(key)] = str(name)
    return names


def readable_question(
    text: str,
    guild: discord.Guild | None,
    users: Iterable[discord.abc.User] = (),
    names: Mapping[int, str] | None = None,
) -> str:
    """``text`` with its markup as Discord shows it (``@name``, ``#channel``, ``:emoji:``, the
    date), from what the bot knows (``users``: those the message mentions, or the asker;
    ``names``: users' names by id, e.g. ``resolved_names``); the unknown ones as Discord shows
    them too."""
    known = {**(names or {}), **{u.id: u.display_name for u in users}}

    def shown(match: re.Match[str]) -> str:
        if match["user"]:
            user_id = int(match["user"])
            member = guild.get_member(user_id) if guild is not None else None
            name = known.get(user_id) or (member.display_name if member else None)
            return f"@{name or 'unknown-user'}"
        if match["role"]:
            role = guild.get_role(int(match["role"])) if guild is not None else None
            return f"@{role.name.removeprefix('@') if role else 'deleted-role'}"  # (@everyone)
        if match["channel"]:
            found = guild.get_channel_or_thread(int(match["channel"])) if guild else None
            return f"#{found.name if found else 'unknown'}"
        if match["emoji"]:
            return f":{match['emoji']}:"
        if match["time"]:
            try:
                when = dt.datetime.fromtimestamp(int(match["time"]), dt.UTC)
            except (OverflowError, OSError, ValueError):
                return match[0]
            return f"{when.day} {when:%b %Y}"
        return f"/{match['command']}"

    return _MARKUP.sub(shown, text)
