"""``/about``: what the bot serves — posts, passages, when it was last indexed, how answers are
ranked (by meaning too, or not yet, and why), its version."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.insights import about_line
from bot.formatting.posts import AboutStats, Ranking, about_embed
from bot.formatting.text import NO_MENTIONS, fit_embed
from index.ingest.urls import absolute_url
from index.search import SearchIndex

if TYPE_CHECKING:
    from bot.client import Briefbot


class About(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot

    def stats(self) -> AboutStats:
        index = self.bot.index
        site = self.bot.site
        # The site's home: under its baseurl (a project site's bare host is another site).
        home = absolute_url(site, "/") if site.url else ""
        return AboutStats(
            posts=len(index),
            passages=len(index.passages),
            categories=index.categories(),
            built_at=index.built_at,
            version=self.bot.version,
            site_name=self.bot.site_name,
            site_url=home,
            ranking=self.ranking(index),
        )

    def ranking(self, index: SearchIndex) -> Ranking:
        """Whether answers from ``index`` use meaning, and how far its passages' embedding is."""
        if not self.bot.settings.embeddings:
            return Ranking(meaning=False)
        filler = self.bot.vector_filler
        status = filler.status if filler is not None else None
        # (set only once every passage has its vector, or its text is one the model fails on)
        if index.dense is not None:
            known = index.dense.known  # (the passages with a vector: None, all)
            ranking = Ranking(
                meaning=True,
                ready=True,
                skipped=0 if known is None else int((~known).sum()),
                skipped_reason="" if status is None else status.skipped_reason,
            )
            # (its sentences, while they are embedded: declining what no post states is on
            # once they all are)
            if status is None or index.sentence_vectors is not None:
                return ranking
            return dataclasses.replace(
                ranking,
                sentences_embedded=status.sentences_done,
                sentences=status.sentences,
                problem=status.problem,  # (their fill's, tried again at ``retry_at``)
                retry_at=status.retry_at,
            )
        if status is None:  # (not started yet)
            return Ranking(meaning=True)
        return Ranking(
            meaning=True,
            embedded=status.done,
            passages=status.total,
            problem=status.problem,
            retry_at=status.retry_at,
            skipped=status.skipped,
            skipped_reason=status.skipped_reason,
        )

    @app_commands.command(
        name="about", description="What I serve: posts, passages, last index time"
    )
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        embed = about_embed(self.stats())
        settings = self.bot.settings
        # One line on what is stored about questions (the README has the details).
        embed.add_field(
            name="Question log",
            value=about_line(settings.insights, settings.insights_retention_days),
            inline=False,
        )
        await interaction.response.send_message(
            embed=fit_embed(embed), allowed_mentions=NO_MENTIONS
        )


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(About(bot))
