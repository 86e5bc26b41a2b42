"""◀ ▶ through the pages of a private multi-page reply (/insights)."""

from __future__ import annotations

from typing import Any

import discord

from bot.formatting.text import NO_MENTIONS

PAGER_SECONDS = 600.0


class Pager(discord.ui.View):
    """◀ ▶ through the pages of a private /insights reply (only its reader sees it)."""

    def __init__(self, pages: list[discord.Embed], timeout: float = PAGER_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.page = 0
        self._enable()

    def _enable(self) -> None:
        self.back.disabled = self.page == 0
        self.forward.disabled = self.page >= len(self.pages) - 1

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.page = max(0, min(self.page + step, len(self.pages) - 1))
        self._enable()
        await interaction.response.edit_message(
            embed=self.pages[self.page], view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary)
    async def forward(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._turn(interaction, 1)
