"""``/alerts subscribe|unsubscribe|list`` and the watcher loop that runs the alerts.

The loop wakes every few seconds (at most every ``BRIEFBOT_ALERT_POLL_SECONDS``), and after a
``/reindex``: the watcher (``watcher.py``) refreshes the index when due and queues alerts for new
posts, then delivery (``delivery.py``) sends the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.exts.alerts.store import AlertStore, HeldPost, Subscription
from bot.exts.errors import reply_ephemeral
from bot.formatting.alerts import SubscriptionInfo, add_held_field, subscriptions_embed
from bot.formatting.text import NO_MENTIONS, escape, fit_embed
from bot.params import Category, UserError
from bot.ui.alerts import AskAboutPostButton
from index.models import IndexReport, LoadIssue

from .delivery import RETRY_DELAYS, Delivery
from .watcher import Watcher

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

TICK_MAX_SECONDS = 15.0  # how soon an index rebuilt by the CLI is noticed (and retries happen)
STOP_TIMEOUT = 10.0  # how long closing waits for a delivery in flight to be recorded


class DatabaseGone(UserError):
    """The database file was deleted or replaced under the running bot."""


class Alerts(commands.Cog):
    alerts = app_commands.Group(
        name="alerts",
        description="Post new posts in this server's channels",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot
        self.store: AlertStore | None = None
        self.watcher: Watcher | None = None
        self.delivery: Delivery | None = None
        self.cycles = 0  # completed watcher cycles (tests and diagnostics wait on it)
        self._retry_delays: tuple[float, ...] = RETRY_DELAYS
        self._cycle_lock = asyncio.Lock()
        self._cycle_done = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def content_key(self) -> str:
        return str(self.bot.service.content.resolve())

    @property
    def retry_delays(self) -> tuple[float, ...]:
        """A channel's back-off steps after failed sends (tests shorten them)."""
        return self.delivery.retry_delays if self.delivery else self._retry_delays

    @retry_delays.setter
    def retry_delays(self, value: tuple[float, ...]) -> None:
        self._retry_delays = value
        if self.delivery is not None:
            self.delivery.retry_delays = value

    @property
    def unhealthy(self) -> str | None:
        """Why the alerts cannot be trusted to last (the database file went), if so."""
        return self.watcher.unhealthy if self.watcher else None

    # ------------------------------------------------------------------ life cycle

    async def cog_load(self) -> None:
        # The index's database file; the bot's tables are migrated on a connection of their own.
        self.store = await AlertStore.open(self.bot.service.store.path)
        self.watcher = Watcher(self.bot, self.store, self.content_key)
        self.delivery = Delivery(self.bot, self.store, self.content_key, self._stopping)
        self.delivery.retry_delays = self._retry_delays
        await self.watcher.warn_of_rescued_copies()
        self.bot.add_dynamic_items(AskAboutPostButton)
        self.watch.change_interval(
            seconds=min(self.bot.settings.alert_poll_seconds, TICK_MAX_SECONDS)
        )
        self.watch.start()

    async def cog_unload(self) -> None:
        self._stopping.set()
        if self._cycle_lock.locked():
            # Let a cycle in progress finish its database work.
            try:
                async with asyncio.timeout(STOP_TIMEOUT), self._cycle_lock:
                    pass
            except TimeoutError:
                log.warning("alerts still being delivered at shutdown; they are retried at start")
        task = self.watch.get_task()
        self.watch.cancel()
        if self.delivery is not None:  # sends in flight are recorded, so not sent again
            await self.delivery.stop(STOP_TIMEOUT)
        for pending in [task, *self._tasks]:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending
        self.bot.remove_dynamic_items(AskAboutPostButton)
        if self.store is not None:
            await self.store.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @tasks.loop(seconds=TICK_MAX_SECONDS)
    async def watch(self) -> None:
        try:
            await self.run_cycle()
        except Exception:
            log.exception("the alert watcher failed; it tries again at the next poll")

    @watch.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_index_swapped(self, report: IndexReport) -> None:
        """A /reindex swapped the index: announce what it added without waiting for the poll."""
        self._spawn(self._cycle_after_reindex())

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A subscribed channel deleted: its subscription goes with it (see forget_channel)."""
        if self.store is None or self.delivery is None:
            return
        sub = next(
            (
                s
                for s in await self.store.subscriptions(channel.guild.id)
                if s.channel_id == channel.id
            ),
            None,
        )
        if sub is not None:
            async with self.channel_lock(channel.id):  # after a send in flight there
                await self.delivery.forget_channel(sub, "Discord told the bot")

    async def _cycle_after_reindex(self) -> None:
        try:
            await self.run_cycle(after_reindex=True)
        except Exception:
            log.exception("announcing the posts of a reindex failed; the next poll retries")

    async def wait_for_cycles(self, count: int, timeout: float = 10.0) -> None:
        """Until at least ``count`` cycles have completed and their sends have been recorded
        (for tests and tools)."""
        async with asyncio.timeout(timeout):
            while self.cycles < count:
                self._cycle_done.clear()
                await self._cycle_done.wait()
            await self.wait_for_deliveries()

    async def wait_for_deliveries(self) -> None:
        """Until the channel deliveries running now have finished (and recorded their outcome)."""
        if self.delivery is not None:
            await self.delivery.wait()

    # ------------------------------------------------------------------ one cycle

    async def run_cycle(self, *, after_reindex: bool = False) -> None:
        """Refresh the index when due, queue alerts for new posts, deliver the queue."""
        if self._stopping.is_set():
            return
        async with self._cycle_lock:
            if self._stopping.is_set() or self.watcher is None or self.delivery is None:
                return
            await self.watcher.check_database()
            due = await self.watcher.refresh_and_scan(after_reindex=after_reindex)
            await self.delivery.start(include_failing=due)
            self.cycles += 1
            self._cycle_done.set()

    async def held_back(self, issues: Sequence[LoadIssue] = ()) -> list[HeldPost]:
        """New posts not announced until their front matter loads cleanly (for /reindex)."""
        return await self.watcher.held_back(issues) if self.watcher else []

    async def failing(self, guild_id: int) -> list[SubscriptionInfo]:
        """The server's alert channels that refuse the bot (for /reindex's warning)."""
        if self.store is None:
            return []
        return [_shown(s) for s in await self.store.subscriptions(guild_id) if s.failing]

    def channel_lock(self, channel_id: int) -> asyncio.Lock:
        """Held while an alert is sent to (and recorded for) this channel."""
        assert self.delivery is not None
        return self.delivery.lock(channel_id)

    # ------------------------------------------------------------------ commands

    @alerts.command(name="subscribe", description="Post an alert here for every new post")
    @app_commands.describe(
        channel="The channel that gets the alerts",
        category="Only posts of this category",
        role="A role to mention in each alert",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def subscribe(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        category: app_commands.Transform[str, Category] | None = None,
        role: discord.Role | None = None,
    ) -> None:
        assert self.store is not None and interaction.guild is not None
        self._require_database()
        me = interaction.guild.me
        perms = channel.permissions_for(me)
        missing = [
            name
            for name, ok in (
                ("View Channel", perms.view_channel),
                ("Send Messages", perms.send_messages),
                ("Embed Links", perms.embed_links),
            )
            if not ok
        ]
        if missing:
            raise UserError(
                f"I can't post alerts in {channel.mention}: I need the "
                f"{', '.join(missing)} permission{'s' if len(missing) > 1 else ''} "
                "there."
            )
        if role is not None and role.is_default():
            raise UserError("Alerts never ping @everyone; pick a role, or leave it out.")
        # The write may wait for another writer (a reindex's commit) longer than Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        created = await self.store.subscribe(
            guild_id=interaction.guild.id,
            channel_id=channel.id,
            category=category,
            role_id=role.id if role else None,
            user_id=interaction.user.id,
        )
        what = f"new posts in **{escape(category)}**" if category else "every new post"
        text = f"{channel.mention} will get an alert for {what}"
        text += f", mentioning {role.mention}." if role else "."
        if not created:
            text += " (This replaces its previous alert settings.)"
        if role is not None and not role.mentionable and not perms.mention_everyone:
            text += (
                f"\nNote: {role.mention} is not mentionable and I lack the Mention Everyone "
                "permission there, so Discord will show the mention without notifying."
            )
        log.info(
            "alerts: %s subscribed channel %s (category=%s role=%s)",
            interaction.user.id,
            channel.id,
            category,
            role.id if role else None,
        )
        await reply_ephemeral(interaction, text)

    @alerts.command(name="unsubscribe", description="Stop posting alerts in a channel")
    @app_commands.describe(channel="The channel that should stop getting alerts")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unsubscribe(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel
    ) -> None:
        assert self.store is not None and interaction.guild is not None
        self._require_database()
        # An alert being sent there is waited for, and the write may wait for another writer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.channel_lock(channel.id):  # no send to this channel starts after this
            removed = await self.store.unsubscribe(
                guild_id=interaction.guild.id, channel_id=channel.id
            )
        text = (
            f"{channel.mention} no longer gets alerts."
            if removed
            else f"{channel.mention} was not getting alerts."
        )
        await reply_ephemeral(interaction, text)

    @alerts.command(name="list", description="Which channels get alerts, and any that fail")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        assert self.store is not None and interaction.guild is not None
        guild_id = interaction.guild.id
        pending = await self.store.pending_counts(guild_id)
        subs = [
            _shown(s, pending.get(s.channel_id, 0))
            for s in await self.store.subscriptions(guild_id)
        ]
        subs.sort(key=lambda s: s.failing_since is None)  # failing ones first
        embed = subscriptions_embed(subs)
        add_held_field(embed, await self.held_back())
        if self.unhealthy:
            embed.add_field(name="⚠️ Database", value=escape(self.unhealthy), inline=False)
        await interaction.response.send_message(
            embed=fit_embed(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    def _require_database(self) -> None:
        if self.unhealthy:
            raise DatabaseGone(
                "Alert settings can't be saved right now: the bot's database file "
                "was deleted while it runs. An operator needs to restart it (the "
                "log says how to keep the current subscriptions)."
            )


def _shown(subscription: Subscription, pending: int = 0) -> SubscriptionInfo:
    """What /alerts list and /reindex's warning show of a subscription."""
    s = subscription
    return SubscriptionInfo(
        channel_id=s.channel_id,
        category=s.category,
        role_id=s.role_id,
        failing_since=s.failing_since,
        last_error=s.last_error,
        pending=pending,
    )
