"""A click whose handling fails is told so, privately, as a failing command is.

discord.py only logs what a button's handler raises (``View.on_error``, and the dynamic items'
dispatch): the person who clicked then sees Discord's "This interaction failed", or a private
"thinking…" that never ends (a vote that deferred). Views inherit :class:`ReportingView`, and
dynamic items' callbacks are wrapped in :func:`reports_failures`: the failure is logged with its
traceback, and the user gets the same short private text as for a command.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Callable[..., Awaitable[None]])


async def report_failure(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Log ``error`` (raised handling a click) and tell the user privately."""
    from bot.exts.errors import FAILED, reply_ephemeral  # (the tree's handler says the same)

    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id", "?")
    log.error(
        "the click on %s failed (user=%s guild=%s channel=%s)",
        custom_id,
        interaction.user.id,
        interaction.guild_id,
        interaction.channel_id,
        exc_info=error,
    )
    try:
        await reply_ephemeral(interaction, FAILED)
    except Exception as exc:  # expired, raced, or Discord unreachable: the log is all there is
        log.warning("could not report the failure of a click to the user: %r", exc)


class ReportingView(discord.ui.View):
    """A view whose buttons' failures are told to the user who clicked."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: Any, /
    ) -> None:
        await report_failure(interaction, error)


def reports_failures(callback: C) -> C:
    """Wrap a dynamic item's ``callback(self, interaction)``: what it raises is reported."""

    @functools.wraps(callback)
    async def run(self: Any, interaction: discord.Interaction[Any], /) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:
            await report_failure(interaction, error)

    return run  # type: ignore[return-value]
