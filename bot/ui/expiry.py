"""Paging buttons whose view is gone get an answer instead of Discord's "This interaction failed".

Paging (``ResultsView``, ``Pager``) lives in memory: after a restart (a deploy, a crash), or once
a view timed out but its buttons could not be disabled, a click reaches no view and discord.py
drops it, which Discord shows as a failure. So every paging view names its buttons
``briefbot:page:<command>:<token>:<action>`` with a token of its own, and the bot answers a
click on a token that no running view holds (:func:`stale_page_click`), privately, saying
which command to run again.
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
_live: weakref.WeakValueDictionary[str, discord.ui.View] = weakref.WeakValueDictionary()


def name_paging_buttons(
    view: discord.ui.View, command: str, **buttons: discord.ui.Button[Any]
) -> None:
    """Give ``view``'s paging buttons (``action=button``) custom ids that name this view and the
    ``command`` that makes a fresh one."""
    token = secrets.token_hex(8)
    _live[token] = view
    for action, button in buttons.items():
        button.custom_id = f"{PAGE_PREFIX}{command}:{token}:{action}"


def stop_paging_views() -> None:
    """Stop every paging view of this process (the bot is closing: none can edit its message
    any more, and a click on one is then answered as expired)."""
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
    view = _live.get(match["token"])
    if view is not None and not view.is_finished():
        return None
    return EXPIRED.format(command=match["command"])
