"""The one error handler of the app command tree.

Every failure of a slash command or autocomplete ends here: the user gets a short ephemeral reply
(a follow-up when the interaction was already answered or deferred, so Discord never shows "The
application did not respond"), and the log gets the traceback with the command and its options.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.text import NO_MENTIONS, message_content
from bot.params import UserError

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060  # "Interaction has already been acknowledged."
FAILED = "Something went wrong on my side; it has been logged. Please try again in a moment."


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in permissions)


def user_message(error: app_commands.AppCommandError) -> str:
    """The short, friendly text a user sees for ``error``."""
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're asking quickly — try again in {max(1, math.ceil(error.retry_after))} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission for that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            f"I need the {_permission_names(error.missing_permissions)} permission "
            "in this channel for that."
        )
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "That command is limited to certain roles."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {str(error.value)[:80]!r} for that option."
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return "That command is out of date. Ask a server admin to run `briefbot sync`."
    return FAILED


def _expected(error: app_commands.AppCommandError) -> bool:
    """Failures that are part of normal use: logged briefly, without a traceback."""
    return isinstance(error, UserError | app_commands.CheckFailure | app_commands.TransformerError)


# Options whose text is the user's own words: the log keeps their length, never the text
# (a question may be personal, and `private:true` ones were meant for the asker alone).
PRIVATE_OPTIONS = frozenset({"question"})


def _option(name: str, value: object) -> str:
    if name in PRIVATE_OPTIONS and isinstance(value, str):
        return f" {name}=<{len(value)} chars>"
    return f" {name}={value!r}"


def describe_invocation(interaction: discord.Interaction[Any]) -> str:
    """``/ask question=<42 chars> private=True`` — the command and its options, for the log."""
    name = interaction.command.qualified_name if interaction.command else "?"
    args = "".join(_option(k, v) for k, v in interaction.namespace.__dict__.items())
    return (
        f"/{name}{args} (user={interaction.user.id} guild={interaction.guild_id} "
        f"channel={interaction.channel_id})"
    )


async def reply_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Tell the user privately, whatever state the interaction is in."""
    content = message_content(text)
    if not interaction.response.is_done():
        try:
            await interaction.response.send_message(
                content, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
        # Discord took a first response whose answer was lost (a 5xx after applying it, so
        # discord.py's retry was refused): perhaps a command's public "thinking…" that nothing
        # will fill. (A click's "original" is the message clicked on: never removed here.)
        if interaction.type is discord.InteractionType.application_command:
            await _remove_public_placeholder(interaction)
    elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        await _remove_public_placeholder(interaction)
    await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def _remove_public_placeholder(interaction: discord.Interaction[Any]) -> None:
    """Delete a public "thinking…" reply: the first follow-up would otherwise take its place,
    showing the error to the whole channel. A private placeholder is left to be replaced."""
    try:
        original = await interaction.original_response()
    except discord.NotFound:
        return  # already gone
    except discord.HTTPException as exc:
        # Unknown state: most likely still the placeholder, so never risk answering over it.
        log.warning("Could not look at the reply to %s: %s", interaction.id, exc)
        original = None
    if original is None or (original.flags.loading and not original.flags.ephemeral):
        try:
            await interaction.delete_original_response()
        except discord.NotFound:
            pass
        except discord.HTTPException as exc:
            # Better the error in the channel than a "thinking…" that never ends.
            log.warning("Could not remove the placeholder of %s: %s", interaction.id, exc)


class Errors(commands.Cog):
    """Installs :meth:`on_app_command_error` as the tree's error handler while loaded."""

    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        invocation = describe_invocation(interaction)
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, UserError):
            error = cause
        if _expected(error):
            log.info("%s refused: %s", invocation, error)
        else:
            log.error("%s failed", invocation, exc_info=cause)
        try:
            await reply_ephemeral(interaction, user_message(error))
        except discord.HTTPException as exc:
            # The interaction expired or Discord is failing: the log line above is all we can do.
            log.warning("Could not report the error for %s to the user: %s", invocation, exc)


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Errors(bot))
