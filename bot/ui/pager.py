"""◀ ▶ through the pages of a private multi-page reply (/insights)."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.formatting.text import NO_MENTIONS

from .expiry import name_paging_buttons
from .failures import ReportingView
from .results import TOKEN_LIFETIME, UNKNOWN_MESSAGE

log = logging.getLogger(__name__)

PAGER_SECONDS = 600.0


class Pager(ReportingView):
    """◀ ▶ through the pages of a private /insights reply (only its reader sees it).

    It disables its buttons on timeout. The reply is ephemeral, so the only way to edit it is an
    interaction token: the view keeps the newest interaction whose reply it is (the command's,
    then each press's, since every press restarts the timeout), as :class:`ResultsView` does.
    """

    def __init__(self, pages: list[discord.Embed], timeout: float = PAGER_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.page = 0
        self._latest: discord.Interaction[Any] | None = None
        name_paging_buttons(self, "insights report", back=self.back, forward=self.forward)
        self._enable()

    def track(self, interaction: discord.Interaction[Any]) -> None:
        """The interaction whose (already sent) reply this view is on."""
        self._latest = interaction

    def _enable(self) -> None:
        self.back.disabled = self.page == 0
        self.forward.disabled = self.page >= len(self.pages) - 1

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.page = max(0, min(self.page + step, len(self.pages) - 1))
        self._enable()
        await interaction.response.edit_message(
            embed=self.pages[self.page], view=self, allowed_mentions=NO_MENTIONS
        )
        self._latest = interaction

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary)
    async def forward(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._turn(interaction, 1)

    async def on_timeout(self) -> None:
        self.back.disabled = True
        self.forward.disabled = True
        latest = self._latest
        if latest is None or discord.utils.utcnow() - latest.created_at >= TOKEN_LIFETIME:
            return  # no valid token left, and an ephemeral reply has no other way to edit it
        try:
            await latest.edit_original_response(view=self, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            if exc.code != UNKNOWN_MESSAGE:  # dismissed by its reader: nothing to disable
                log.info("could not disable the buttons of an /insights report: %s", exc)
