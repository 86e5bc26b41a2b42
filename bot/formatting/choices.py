"""Autocomplete choices: at most 25, names and values within Discord's 100 characters."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from discord import app_commands

from index.models import Post

from .text import CHOICE_NAME_MAX, CHOICE_VALUE_MAX, CHOICES_MAX, truncate_plain


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
        choices.append(
            app_commands.Choice(name=name.strip() or post_key(post.id), value=post_key(post.id))
        )
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
