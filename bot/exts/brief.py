"""``/brief``: one post at a glance — title, date, categories, excerpt and its sections as links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.posts import brief_embed
from bot.formatting.text import NO_MENTIONS
from bot.params import PostTitle
from bot.ui.results import delete_only_view
from index.models import Post

if TYPE_CHECKING:
    from bot.client import Briefbot


class Brief(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot

    @app_commands.command(name="brief", description="Show one post: its summary and its sections")
    @app_commands.describe(title="Start typing a post title and pick one")
    async def brief(
        self, interaction: discord.Interaction[Any], title: app_commands.Transform[Post, PostTitle]
    ) -> None:
        passages = self.bot.index.post_passages(title.id)
        embed = brief_embed(title, passages, site_name=self.bot.site_name)
        await interaction.response.send_message(
            embed=embed, view=delete_only_view(interaction.user.id), allowed_mentions=NO_MENTIONS
        )


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Brief(bot))
