"""Paging buttons and forms whose view is gone get an answer instead of "This interaction failed".

Paging (``ResultsView``, ``Pager``) and the "Ask about this post" form live in memory: after a
restart (a deploy, a crash), or once a view timed out but its buttons could not be disabled, a
click or a submitted form reaches nothing and discord.py drops it, which Discord shows as a
failure. So each of them carries a token of its own in its custom ids (:func:`live_token`), and
the bot takes over an interaction whose token no running view holds (:func:`is_live`): paging
buttons are answered privately with the command to run again (:func:`stale_page_click`); a form
is answered as if its view still ran (``bot.ui.alerts``).
"""

from __future__ import annotations

import re
import secrets
import weakref
from typing import Any

import discord

PAGE_PREFIX = "briefbot:page:"
_PAGE_ID = re.compile(re.escape(PAGE_PREFIX) + r"(?P<command>[a-z ]+):(?P<token>[0-9a-f]+):\w+")
EXPIRED = (
    "These buttons have expired: they work for a few minutes, and not across a restart of the "
    "bot. Run `/{command}` again to page through a fresh reply."
)

# token → the running view; a view that stopped is dropped with it (or seen to be finished).
_live: weakref.WeakValueDictionary[str, discord.ui.View | discord.ui.Modal] = (
    weakref.WeakValueDictionary()
)


def live_token(view: discord.ui.View | discord.ui.Modal) -> str:
    """A new token (16 hex digits) that names ``view`` while it runs."""
    token = secrets.token_hex(8)
    _live[token] = view
    return token


def is_live(token: str) -> bool:
    """Whether a view of this process that has not stopped holds ``token``."""
    view = _live.get(token)
    return view is not None and not view.is_finished()


def name_paging_buttons(
    view: discord.ui.View, command: str, **buttons: discord.ui.Button[Any]
) -> None:
    """Give ``view``'s paging buttons (``action=button``) custom ids that name this view and the
    ``command`` that makes a fresh one."""
    token = live_token(view)
    for action, button in buttons.items():
        button.custom_id = f"{PAGE_PREFIX}{command}:{token}:{action}"


def stop_paging_views() -> None:
    """Stop every view of this process named here (the bot is closing: none can edit its
    message any more, and what reaches one is then taken over as above)."""
    for view in list(_live.values()):
        view.stop()


def stale_page_click(interaction: discord.Interaction[Any]) -> str | None:
    """What to tell a click on a paging button whose view no longer runs here; None for any
    other interaction (a running view answers its own clicks)."""
    if interaction.type is not discord.InteractionType.component or interaction.data is None:
        return None
    match = _PAGE_ID.fullmatch(str(interaction.data.get("custom_id", "")))
    if match is None:
        return None
    if is_live(match["token"]):
        return None
    return EXPIRED.format(command=match["command"])
