"""Posts that share a URL: Jekyll writes each post's page in date order, so the last one written
there (the latest post) is what the URL serves. The others are not published anywhere; they are
skipped and reported, so that one URL is never cited for two posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

_PREFIX = "same URL as "
_SUFFIX = ", which Jekyll publishes there instead: "


def shadowed_posts(posts: Mapping[str, tuple[str, dt.date]]) -> dict[str, tuple[str, str]]:
    """``{post id: (id of the post published at its URL, the URL)}`` for the posts that lose
    their URL to another one; ``posts`` maps each post id to its ``(url, date)``.

    Deterministic: the latest date wins, then the last id in path order (Jekyll's own order).
    """
    by_url: dict[str, list[tuple[dt.date, str]]] = {}
    for post_id, (url, date) in posts.items():
        by_url.setdefault(url, []).append((date, post_id))
    losers: dict[str, tuple[str, str]] = {}
    for url, group in by_url.items():
        if len(group) > 1:
            group.sort()
            winner = group[-1][1]
            losers.update((post_id, (winner, url)) for _, post_id in group[:-1])
    return losers


def duplicate_reason(winner: str, url: str) -> str:
    return f"{_PREFIX}{winner}{_SUFFIX}{url}"


def duplicate_winner(reason: str) -> str | None:
    """The winning post id named by ``duplicate_reason``; None for other reasons."""
    if not reason.startswith(_PREFIX) or _SUFFIX not in reason:
        return None
    return reason[len(_PREFIX) : reason.rindex(_SUFFIX)]
