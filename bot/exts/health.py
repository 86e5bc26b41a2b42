"""The heartbeat: a file the bot rewrites while it is connected to the gateway.

Written at connection (READY), after every resume, and every few seconds while connected; it stops
on disconnection, so ``briefbot health`` (the container's HEALTHCHECK) notices a bot that is up
but no longer connected.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

from bot.health import heartbeat_interval, write_heartbeat

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)


class Health(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot
        self.path = bot.settings.health_file
        self.connected = bot.is_ready()
        self._failing = False
        self.problem: str | None = None  # set by another part of the bot: no more heartbeats

    async def cog_load(self) -> None:
        self.beat.change_interval(
            seconds=heartbeat_interval(self.bot.settings.health_max_age_seconds)
        )
        self.beat.start()

    async def cog_unload(self) -> None:
        self.beat.cancel()

    async def write(self) -> None:
        if self.problem is not None:
            return
        try:
            await asyncio.to_thread(write_heartbeat, self.path)
        except OSError as exc:
            if not self._failing:  # once, not every few seconds
                log.warning("cannot write the heartbeat file %s: %s", self.path, exc)
            self._failing = True
        else:
            self._failing = False

    @tasks.loop(seconds=30)
    async def beat(self) -> None:
        if self.connected and not self.bot.is_closed():
            await self.write()

    @commands.Cog.listener()
    async def on_briefbot_unhealthy(self, reason: str) -> None:
        """Something the bot cannot recover from by itself: let the health check fail."""
        self.problem = reason
        log.error("heartbeat stopped: %s", reason)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self.connected = True
        await self.write()

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        self.connected = True
        await self.write()

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self.connected = False


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Health(bot))
