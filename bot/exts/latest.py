"""``/latest``: the newest posts, optionally of one category."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.posts import latest_embed
from bot.formatting.text import NO_MENTIONS
from bot.params import Category
from bot.ui.results import delete_only_view

if TYPE_CHECKING:
    from bot.client import Briefbot


class Latest(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot

    @app_commands.command(name="latest", description="The newest posts, with links")
    @app_commands.describe(category="Only posts in this category", count="How many (1–10)")
    async def latest(
        self,
        interaction: discord.Interaction[Any],
        category: app_commands.Transform[str, Category] | None = None,
        count: app_commands.Range[int, 1, 10] = 5,
    ) -> None:
        # Discord enforces 1–10 in its client; tools calling the API directly might not.
        posts = self.bot.index.latest(max(1, min(count, 10)), category)
        embed = latest_embed(posts, category=category, site_name=self.bot.site_name)
        await interaction.response.send_message(
            embed=embed, view=delete_only_view(interaction.user.id), allowed_mentions=NO_MENTIONS
        )


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Latest(bot))
