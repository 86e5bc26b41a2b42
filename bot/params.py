"""Slash command options shared by several commands: categories, dates and post titles.

Each is a transformer, so Discord sends plain strings and commands receive checked values; a bad
value raises :class:`UserError`, which the tree's error handler shows to the user as is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from rapidfuzz import fuzz

from bot.formatting.choices import post_key, text_choices, title_choices
from bot.formatting.text import escape, plain
from index.models import Post

if TYPE_CHECKING:
    from bot.client import Briefbot
    from index.search import SearchIndex

log = logging.getLogger(__name__)


class UserError(app_commands.AppCommandError):
    """A failure caused by what the user typed; its message is shown to them as is.

    Defined here, outside ``bot.exts``: extensions are re-imported when (re)loaded, which would
    make a class defined in one a different class for everyone who imported it earlier.
    """


def _index(interaction: discord.Interaction[Any]) -> SearchIndex:
    return cast("Briefbot", interaction.client).index


class Category(app_commands.Transformer):
    """A category of the served posts, matched case-insensitively; autocompleted from the index."""

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str
    ) -> list[app_commands.Choice[str]]:
        try:
            needle = value.casefold().strip()
            names = _index(interaction).categories()
            starts = [c for c in names if c.casefold().startswith(needle)]
            contains = [c for c in names if needle in c.casefold() and c not in starts]
            return text_choices(starts + contains)
        except Exception:  # autocomplete failures never reach the tree's error handler
            log.exception("category autocomplete failed for %r", value)
            return []

    async def transform(self, interaction: discord.Interaction[Any], value: str) -> str:
        names = _index(interaction).categories()
        wanted = value.strip().casefold()
        for name in names:
            if name.casefold() == wanted:
                return name
        known = ", ".join(names[:15]) or "none"
        raise UserError(f"There is no category {value.strip()[:60]!r}. Categories: {known}.")


class IsoDate(app_commands.Transformer):
    """A calendar date written as YYYY-MM-DD."""

    async def transform(self, interaction: discord.Interaction[Any], value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UserError(
                f"{value.strip()[:40]!r} is not a date; write it like 2020-06-21."
            ) from None


class PostTitle(app_commands.Transformer):
    """A post, chosen from title autocomplete (its key) or typed as (part of) its title."""

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], value: str
    ) -> list[app_commands.Choice[str]]:
        try:
            index = _index(interaction)
            posts = await asyncio.to_thread(index.find_titles, value, 25)
            return title_choices(posts)
        except Exception:
            log.exception("title autocomplete failed for %r", value)
            return []

    async def transform(self, interaction: discord.Interaction[Any], value: str) -> Post:
        index = _index(interaction)
        post = resolve_post(index, value)
        if post is not None:
            return post
        found = await asyncio.to_thread(index.find_titles, value, 3) if value.strip() else []
        if found and title_matches(value, found[0].title):
            return found[0]
        closest = "; ".join(f"**{escape(plain(p.title))[:90]}**" for p in found)
        raise UserError(
            f"No post matches {value.strip()[:80]!r}."
            + (f" Closest titles: {closest}." if closest else "")
            + " Pick one of the suggestions as you type."
        )


# Words too common to tell titles apart.
_TITLE_STOPWORDS = frozenset(
    {
        "an",
        "in",
        "of",
        "on",
        "to",
        "is",
        "it",
        "the",
        "and",
        "for",
        "with",
        "what",
        "how",
        "why",
        "who",
        "when",
        "from",
        "that",
        "this",
        "about",
        "are",
        "was",
        "were",
        "did",
        "does",
        "post",
        "posts",
        "article",
        "brief",
    }
)
_WORD = re.compile(r"\w[\w'-]*")
# A typed word counts as in the title when this similar to one of its words (typos, plurals).
_WORD_SIMILARITY = 80
# …and a typed title matches when at least this share of its words do.
_WORDS_NEEDED = 0.5


def title_matches(typed: str, title: str) -> bool:
    """Whether ``typed`` plausibly names ``title``, not merely resembles it in shape.

    The best candidate of autocomplete's ranking may hold only part of the typed words (half of
    their weight, rare words weighing most), so a typed title must share enough of its words
    with the post's, allowing for typos and plurals.
    """
    needle = typed.casefold().strip()
    if needle and needle in title.casefold():
        return True
    words = [w for w in _WORD.findall(needle) if len(w) > 1 and w not in _TITLE_STOPWORDS]
    if not words:
        return False
    title_words = _WORD.findall(title.casefold())
    hits = sum(1 for w in words if any(fuzz.ratio(w, t) >= _WORD_SIMILARITY for t in title_words))
    return hits / len(words) >= _WORDS_NEEDED


def resolve_post(index: SearchIndex, key: str) -> Post | None:
    """The post whose id or choice key is ``key``, if any."""
    post = index.post(key)
    if post is not None or not key.startswith("#"):
        return post
    return next((p for p in index.posts if post_key(p.id) == key), None)
