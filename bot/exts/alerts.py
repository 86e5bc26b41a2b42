"""New-post alerts: ``/alerts subscribe|unsubscribe|list`` and the watcher that posts them.

The watcher wakes every few seconds (at most every ``BRIEFBOT_ALERT_POLL_SECONDS``):
1. picks up an index rebuilt by another process (``briefbot index``) through the generation number;
2. every poll interval, optionally ``git pull``s the content folder, then reindexes incrementally;
3. after either (or after a ``/reindex``), records the posts of the index being served: posts never
   seen before are queued for every subscribed channel in the same transaction (so a post is only
   announced once it is searchable, and the first scan of a content folder announces nothing);
4. delivers the queue: one embed per post, or one summary when a channel has more new posts than
   ``BRIEFBOT_ALERT_FLOOD_LIMIT``. A delivery is marked done only after Discord accepted it.

Failures: 429s are waited out (discord.py honours ``retry_after``); 5xx and network errors are
retried a few times with back-off, then left queued for the next cycle; a channel that is gone or
forbids the bot marks its subscription as failing (``/alerts list`` shows why) without holding up
the other channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.alert_views import AskAboutPostButton, alert_view
from bot.alerts_store import AlertStore, Pending, Subscription
from bot.formatting import (
    NO_MENTIONS,
    SubscriptionInfo,
    alert_content,
    alert_embed,
    alert_mentions,
    alert_summary_embed,
    escape,
    message_content,
    subscriptions_embed,
)
from bot.params import Category, UserError
from index.models import IndexReport, Post
from index.service import ReindexInProgress

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

TICK_MAX_SECONDS = 15.0  # how soon an index rebuilt by the CLI is noticed (and retries happen)
RETRY_DELAYS = (2.0, 10.0, 30.0)  # back-off between tries of one message on 5xx/network errors
STOP_TIMEOUT = 10.0  # how long closing waits for a delivery in flight to be recorded
GIT_TIMEOUT = 120.0


class Sent(enum.Enum):
    OK = "ok"  # delivered (or dropped for good): go on
    CHANNEL_FAILING = "channel"  # this channel refuses: skip it, go on with others
    TRY_LATER = "later"  # Discord or the network is unwell: stop this cycle


def _nonce(channel_id: int, deliveries: Sequence[Pending]) -> str:
    """Same message, same nonce: Discord drops a resend of a message it already accepted."""
    key = f"{channel_id}:" + ",".join(f"{d.content_dir}:{d.post_id}" for d in deliveries)
    return hashlib.sha1(key.encode()).hexdigest()[:25]


def _describe(exc: discord.HTTPException) -> str:
    text = exc.text or exc.response.reason or ""
    code = f", code {exc.code}" if exc.code else ""
    return f"{text} (HTTP {exc.status}{code})".strip()


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
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.cycles = 0  # completed watcher cycles (tests and diagnostics wait on it)
        self._cycle_lock = asyncio.Lock()
        self._cycle_done = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_refresh: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def content_key(self) -> str:
        return str(self.bot.service.content.resolve())

    # ------------------------------------------------------------------ life cycle

    async def cog_load(self) -> None:
        # The index's database file; the bot's tables are migrated on a connection of their own.
        self.store = await AlertStore.open(self.bot.service.store.path)
        self.bot.add_dynamic_items(AskAboutPostButton)
        self.watch.change_interval(
            seconds=min(self.bot.settings.alert_poll_seconds, TICK_MAX_SECONDS)
        )
        self.watch.start()

    async def cog_unload(self) -> None:
        self._stopping.set()
        if self._cycle_lock.locked():
            # Let a message in flight be recorded as delivered, so it is not sent again.
            try:
                async with asyncio.timeout(STOP_TIMEOUT), self._cycle_lock:
                    pass
            except TimeoutError:
                log.warning("alerts still being delivered at shutdown; they are retried at start")
        task = self.watch.get_task()
        self.watch.cancel()
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

    async def _cycle_after_reindex(self) -> None:
        try:
            await self.run_cycle(after_reindex=True)
        except Exception:
            log.exception("announcing the posts of a reindex failed; the next poll retries")

    async def wait_for_cycles(self, count: int, timeout: float = 10.0) -> None:
        """Until at least ``count`` cycles have completed (for tests and tools)."""
        async with asyncio.timeout(timeout):
            while self.cycles < count:
                self._cycle_done.clear()
                await self._cycle_done.wait()

    # ------------------------------------------------------------------ one cycle

    async def run_cycle(self, *, after_reindex: bool = False) -> None:
        """Refresh the index when due, queue alerts for new posts, deliver the queue."""
        if self._stopping.is_set():
            return
        async with self._cycle_lock:
            if self._stopping.is_set():
                return
            service = self.bot.service
            now = asyncio.get_running_loop().time()
            poll = self.bot.settings.alert_poll_seconds
            due = not after_reindex and (
                self._last_refresh is None or now - self._last_refresh >= poll
            )
            changed = after_reindex
            if due:
                self._last_refresh = now
                await self._git_pull()
                changed = await self._refresh()
            else:
                changed = await service.reload_if_changed() or changed
            if due or changed:
                await self._scan()
            await self._deliver(include_failing=due)
            self.cycles += 1
            self._cycle_done.set()

    async def _refresh(self) -> bool:
        """Reindex incrementally (the same operation as ``briefbot index``)."""
        try:
            report = await self.bot.service.reindex()
        except ReindexInProgress:
            return False  # a /reindex is running; it triggers a scan when it finishes
        except Exception:
            log.exception("scheduled reindex failed; still serving the previous index")
            return False
        if report.added or report.changed or report.removed:
            log.info("scheduled reindex: %d added, %d changed, %d removed in %.2f s",
                     len(report.added), len(report.changed), len(report.removed), report.seconds)
        return True

    async def _git_pull(self) -> None:
        """``git pull --ff-only`` in the content folder when asked to; failures are only logged."""
        if not self.bot.settings.git_pull:
            return
        folder = self.bot.service.content.resolve()
        # safe.directory: the checkout is often owned by another user (a mounted volume).
        base = ["git", "-c", f"safe.directory={folder}", "-C", str(folder)]
        try:
            inside = await _run([*base, "rev-parse", "--is-inside-work-tree"])
            if inside[0] != 0:
                log.debug("%s is not a git checkout; not pulling", folder)
                return
            code, output = await _run([*base, "pull", "--ff-only", "--quiet"])
        except (OSError, TimeoutError) as exc:
            log.warning("git pull in %s failed: %s", folder, exc)
            return
        if code != 0:
            last = output.strip().splitlines()[-1:] or ["(no output)"]
            log.warning("git pull in %s failed (exit %d): %s", folder, code, last[0])

    async def _scan(self) -> None:
        """Queue alerts for the served index's posts that were never seen before."""
        index = self.bot.service.current
        assert self.store is not None
        if index is None:
            return
        outcome = await self.store.record_posts(self.content_key, index.posts)
        if outcome.baseline:
            log.info("first scan of %s: %d posts marked as seen, none announced",
                     self.content_key, len(index.posts))
        elif outcome.new_posts:
            log.info("%d new posts (%s); %d alerts queued", len(outcome.new_posts),
                     ", ".join(outcome.new_posts[:5]), outcome.queued)

    # ------------------------------------------------------------------ delivery

    async def _deliver(self, *, include_failing: bool) -> None:
        """Post the queued alerts, channel by channel."""
        assert self.store is not None
        pending = await self.store.pending()
        if not pending:
            return
        subs = {s.channel_id: s for s in await self.store.subscriptions()}
        for channel_id, items in pending.items():
            if self._stopping.is_set():
                return
            sub = subs.get(channel_id)
            if sub is None:  # unsubscribed meanwhile (its queue is normally cleared with it)
                await self.store.drop(items, "the channel was unsubscribed")
                continue
            if sub.failing and not include_failing:
                continue  # retried once per poll, not every few seconds
            if await self._deliver_channel(sub, items) is Sent.TRY_LATER:
                return

    async def _deliver_channel(self, sub: Subscription, items: list[Pending]) -> Sent:
        assert self.store is not None
        index = self.bot.service.current
        found: list[tuple[Pending, Post]] = []
        gone: list[Pending] = []
        for item in items:
            post = index.post(item.post_id) if index and item.content_dir == self.content_key \
                else None
            if post is None:
                gone.append(item)
            else:
                found.append((item, post))
        if gone:
            await self.store.drop(gone, "the post is no longer in the index")
        if not found:
            return Sent.OK
        role_id = self._role_to_ping(sub)
        site = self.bot.site_name
        if len(found) > self.bot.settings.alert_flood_limit:
            message = {
                "content": alert_content(role_id),
                "embed": alert_summary_embed([p for _, p in found], site_name=site),
                "allowed_mentions": alert_mentions(role_id),
            }
            return await self._send(sub, [d for d, _ in found], message)
        for item, post in found:
            message = {
                "content": alert_content(role_id),
                "embed": alert_embed(post, site_name=site),
                "view": alert_view(post.id),
                "allowed_mentions": alert_mentions(role_id),
            }
            result = await self._send(sub, [item], message)
            if result is not Sent.OK:
                return result
        return Sent.OK

    def _role_to_ping(self, sub: Subscription) -> int | None:
        """The subscription's role, unless it was deleted (a dead mention would show oddly)."""
        if sub.role_id is None:
            return None
        guild = self.bot.get_guild(sub.guild_id)
        if guild is not None and guild.get_role(sub.role_id) is None:
            return None
        return sub.role_id

    async def _send(self, sub: Subscription, deliveries: list[Pending],
                    message: dict[str, Any]) -> Sent:
        """Send one alert message; record it delivered only once Discord has accepted it."""
        assert self.store is not None
        channel = self.bot.get_partial_messageable(sub.channel_id, guild_id=sub.guild_id)
        nonce = _nonce(sub.channel_id, deliveries)
        error = ""
        for attempt in range(len(self.retry_delays) + 1):
            delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)]
            try:
                sent = await channel.send(nonce=nonce, **message)
            except (discord.Forbidden, discord.NotFound) as exc:
                reason = _describe(exc)
                # Logged when it starts failing; retries (once per poll) only at debug level.
                log.log(logging.DEBUG if sub.failing else logging.WARNING,
                        "alerts channel %s (server %s) refused a delivery: %s",
                        sub.channel_id, sub.guild_id, reason)
                await self.store.mark_failing(sub.channel_id, reason)
                await self.store.mark_attempted(deliveries, reason)
                return Sent.CHANNEL_FAILING
            except discord.RateLimited as exc:
                error, delay = f"rate limited for {exc.retry_after:.1f} s", exc.retry_after
            except discord.HTTPException as exc:
                error = _describe(exc)
                if exc.status == 429:  # discord.py gave up waiting after several tries
                    retry_after = exc.response.headers.get("Retry-After")
                    with contextlib.suppress(TypeError, ValueError):
                        delay = max(delay, float(retry_after))  # type: ignore[arg-type]
                elif exc.status < 500:
                    # Discord rejected the message itself: sending it again cannot succeed.
                    log.error("alert for %s in channel %s rejected: %s",
                              [d.post_id for d in deliveries], sub.channel_id, error)
                    await self.store.drop(deliveries, error)
                    return Sent.OK
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = f"network error: {exc.__class__.__name__}: {exc}".strip()
            else:
                await self.store.mark_delivered(sub.channel_id, deliveries, sent.id)
                if sub.failing:
                    log.info("alerts channel %s works again", sub.channel_id)
                log.info("alert posted in channel %s: %s", sub.channel_id,
                         ", ".join(d.post_id for d in deliveries[:5]))
                return Sent.OK
            if attempt < len(self.retry_delays):
                log.info("alert delivery to channel %s failed (%s); retrying in %.1f s",
                         sub.channel_id, error, delay)
                if await self._sleep(delay):
                    break
        log.warning("alert delivery to channel %s failed (%s); left queued for the next cycle",
                    sub.channel_id, error)
        await self.store.mark_attempted(deliveries, error)
        return Sent.TRY_LATER

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early when the bot closes; True when it is closing."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

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
        me = interaction.guild.me
        perms = channel.permissions_for(me)
        missing = [name for name, ok in (("View Channel", perms.view_channel),
                                         ("Send Messages", perms.send_messages),
                                         ("Embed Links", perms.embed_links)) if not ok]
        if missing:
            raise UserError(f"I can't post alerts in {channel.mention}: I need the "
                            f"{', '.join(missing)} permission{'s' if len(missing) > 1 else ''} "
                            "there.")
        if role is not None and role.is_default():
            raise UserError("Alerts never ping @everyone; pick a role, or leave it out.")
        created = await self.store.subscribe(
            guild_id=interaction.guild.id, channel_id=channel.id, category=category,
            role_id=role.id if role else None, user_id=interaction.user.id,
        )
        what = f"new posts in **{escape(category)}**" if category else "every new post"
        text = f"{channel.mention} will get an alert for {what}"
        text += f", mentioning {role.mention}." if role else "."
        if not created:
            text += " (This replaces its previous alert settings.)"
        if role is not None and not role.mentionable and not perms.mention_everyone:
            text += (f"\nNote: {role.mention} is not mentionable and I lack the Mention Everyone "
                     "permission there, so Discord will show the mention without notifying.")
        log.info("alerts: %s subscribed channel %s (category=%s role=%s)",
                 interaction.user.id, channel.id, category, role.id if role else None)
        await interaction.response.send_message(
            message_content(text), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @alerts.command(name="unsubscribe", description="Stop posting alerts in a channel")
    @app_commands.describe(channel="The channel that should stop getting alerts")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def unsubscribe(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel
    ) -> None:
        assert self.store is not None and interaction.guild is not None
        removed = await self.store.unsubscribe(guild_id=interaction.guild.id,
                                               channel_id=channel.id)
        text = (f"{channel.mention} no longer gets alerts." if removed
                else f"{channel.mention} was not getting alerts.")
        await interaction.response.send_message(
            message_content(text), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @alerts.command(name="list", description="Which channels get alerts, and any that fail")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_(self, interaction: discord.Interaction[Any]) -> None:
        assert self.store is not None and interaction.guild is not None
        guild_id = interaction.guild.id
        pending = await self.store.pending_counts(guild_id)
        subs = [
            SubscriptionInfo(
                channel_id=s.channel_id, category=s.category, role_id=s.role_id,
                failing_since=s.failing_since, last_error=s.last_error,
                pending=pending.get(s.channel_id, 0),
            )
            for s in await self.store.subscriptions(guild_id)
        ]
        subs.sort(key=lambda s: s.failing_since is None)  # failing ones first
        await interaction.response.send_message(
            embed=subscriptions_embed(subs), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def _run(argv: list[str]) -> tuple[int, str]:
    """Run a command; (exit code, its output). Raises OSError if it cannot start."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(GIT_TIMEOUT):
            out, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode("utf-8", "replace")


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Alerts(bot))
