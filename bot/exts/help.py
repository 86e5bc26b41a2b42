"""``/help``: what the bot can do here — the caller's own commands, with examples.

A command is listed only when the caller could use it where they asked: its default member
permissions are met and its checks pass (so moderators see ``/reindex`` and ``/alerts``, others
do not), and server-only commands are left out of DMs.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.text import COLOUR_INFO, NO_MENTIONS, escape, fit_embed
from index.retrieval.examples import GENERIC, Examples

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

Command = app_commands.Command[Any, ..., Any]


def command_examples(examples: Examples) -> dict[str, str]:
    """A typical use of the commands with options, as a user would type it, in the site's own
    words (``site_examples``)."""
    category = f" category: {examples.category}" if examples.category else ""
    title = f" {examples.title_word}" if examples.title_word else ""
    return {
        "ask": f"`/ask question: {examples.question}` "
        "(add `category:` or `since:` to narrow it, `private: True` to see it alone)",
        "brief": f"`/brief title:{title}` (pick a title as you type)",
        "latest": f"`/latest{category} count: 3`",
        "alerts subscribe": f"`/alerts subscribe channel: #news{category}`",
        "alerts unsubscribe": "`/alerts unsubscribe channel: #news`",
    }


def _leaves(
    command: Command | app_commands.Group, inherited: discord.Permissions | None = None
) -> Iterator[tuple[Command, discord.Permissions | None, bool]]:
    """Every runnable command under ``command``: (command, default permissions, guild only)."""
    perms = command.default_permissions or inherited
    guild_only = command.guild_only
    if isinstance(command, app_commands.Group):
        for child in command.commands:
            for leaf, child_perms, child_guild_only in _leaves(child, perms):
                yield leaf, child_perms, guild_only or child_guild_only
    else:
        yield command, perms, guild_only


async def _passes_checks(command: Command, interaction: discord.Interaction[Any]) -> bool:
    for check in command.checks:
        try:
            ok = check(interaction)
            if inspect.isawaitable(ok):
                ok = await ok
        except app_commands.AppCommandError:
            ok = False
        if not ok:
            return False
    return True


async def usable_commands(
    tree: app_commands.CommandTree[Any], interaction: discord.Interaction[Any]
) -> list[Command]:
    """The commands ``interaction.user`` may run where they are."""
    usable: list[Command] = []
    for top in tree.get_commands(type=discord.AppCommandType.chat_input):
        assert isinstance(top, app_commands.Command | app_commands.Group)
        for command, perms, guild_only in _leaves(top):
            if guild_only and interaction.guild is None:
                continue
            if perms is not None and not interaction.permissions >= perms:
                continue
            if await _passes_checks(command, interaction):
                usable.append(command)
    return usable


def usable_menus(
    tree: app_commands.CommandTree[Any], interaction: discord.Interaction[Any]
) -> list[str]:
    """The names of the message menu commands (right-click a message › Apps) the caller may
    use where they are: Discord shows them nowhere else, so /help names them."""
    names: list[str] = []
    for menu in tree.get_commands(type=discord.AppCommandType.message):
        if menu.guild_only and interaction.guild is None:
            continue
        perms = menu.default_permissions
        if perms is not None and not interaction.permissions >= perms:
            continue
        names.append(menu.name)
    return names


def help_embed(
    commands_: list[Command],
    *,
    bot_name: str,
    site_name: str,
    in_server: bool = True,
    menus: list[str] | None = None,
    examples: Examples = GENERIC,
) -> discord.Embed:
    lines = []
    shown = command_examples(examples)
    for command in commands_:
        name = command.qualified_name
        lines.append(f"**/{name}** — {escape(command.description)}")
        if name in shown:
            lines.append(f"e.g. {shown[name]}")
    for name in menus or ():
        lines.append(f"**{escape(name)}** — right-click one of my answers › Apps")
    embed = discord.Embed(
        title=f"What I can do{f' for {site_name}' if site_name else ''}",
        description=(
            "I answer questions from the site's posts, citing the passages I used.\n\n"
            + "\n".join(lines)
            # Only in servers: the bot answers no mentions in direct messages (nor gets them).
            + (
                "\n\nOr mention me with a question"
                if in_server
                else "\n\nIn a server, you can also mention me with a question"
            )
            + f": `@{bot_name} {examples.question}`"
        ),
        colour=COLOUR_INFO,
    )
    embed.set_footer(text="Only you can see this. Commands you can't use here are not listed.")
    return fit_embed(embed)


class Help(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What I can do here, with examples")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        usable = await usable_commands(self.bot.tree, interaction)
        me = self.bot.user
        embed = help_embed(
            usable,
            bot_name=me.name if me else "briefbot",
            site_name=self.bot.site_name,
            in_server=interaction.guild_id is not None,
            menus=usable_menus(self.bot.tree, interaction),
            examples=self.bot.examples(),
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Help(bot))
