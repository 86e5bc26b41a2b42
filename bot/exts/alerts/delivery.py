"""Delivering queued alerts: one task per channel, so one channel's trouble stays its own.

Channels are served a few at a time, least recently served first. A send that fails with a
server or network error backs its channel off (longer after each failure) and leaves its alerts
queued; the other channels go on. A channel that is gone or forbids the bot is marked failing.
Each send happens under the channel's lock and only while its alerts are still queued, so an
unsubscribe waits for a send in flight and cancels the rest. A delivery tried before (it has a
``first_sent_at``: the bot may have died between Discord accepting it and recording it) is first
looked for in the channel's recent messages, since Discord honours ``enforce_nonce`` for minutes
only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.exts.alerts.store import AlertStore, Pending, Subscription
from bot.formatting.alerts import alert_content, alert_embed, alert_mentions, alert_summary_embed
from bot.ui.alerts import alert_view
from index.models import Post

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

# A channel's back-off after failed sends (5xx, network), one step per failure, the last repeated.
RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)
CHANNELS_AT_ONCE = 4  # channels delivered to concurrently (Discord limits each channel apart)
HISTORY_LIMIT = 100  # recent messages looked through for an alert that may have gone out
HISTORY_SLACK = dt.timedelta(minutes=2)  # clock skew between us and Discord's snowflakes
UNKNOWN_CHANNEL = 10003
NO_EMBED_LINKS = "Missing Permissions: Embed Links (an alert is an embed)"


class Sent(enum.Enum):
    OK = "ok"  # delivered (or dropped for good): go on
    CHANNEL_FAILING = "channel"  # this channel refuses: skip it, go on with others
    TRY_LATER = "later"  # Discord or the network is unwell for this channel: back off


def _nonce(channel_id: int, deliveries: Sequence[Pending]) -> str:
    """Same message, same nonce: Discord drops a resend of a message it already accepted."""
    key = f"{channel_id}:" + ",".join(f"{d.content_dir}:{d.post_id}" for d in deliveries)
    return hashlib.sha1(key.encode()).hexdigest()[:25]


def _describe(exc: discord.HTTPException) -> str:
    text = exc.text or exc.response.reason or ""
    code = f", code {exc.code}" if exc.code else ""
    return f"{text} (HTTP {exc.status}{code})".strip()


class Delivery:
    def __init__(
        self, bot: Briefbot, store: AlertStore, content_key: str, stopping: asyncio.Event
    ) -> None:
        self.bot = bot
        self.store = store
        self.content_key = content_key
        self.stopping = stopping  # set when the bot closes: no new send starts
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._channel_locks: dict[int, asyncio.Lock] = {}
        self._send_slots = asyncio.Semaphore(CHANNELS_AT_ONCE)
        self._backoff: dict[int, tuple[int, float]] = {}  # channel → (failures, retry at)
        self._last_served: dict[int, float] = {}

    async def wait(self) -> None:
        """Until the channel deliveries running now have finished (and recorded their outcome)."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))

    async def stop(self, timeout: float) -> None:
        """Let sends in flight be recorded (each worker stops after its send), then cancel."""
        if self._workers:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self.wait()
        for task in list(self._workers.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def start(self, *, include_failing: bool) -> None:
        """Start a delivery for every channel with queued alerts that is not busy or backing off.

        Least recently served channels go first; each runs in a task of its own, so a channel
        whose sends hang or fail never holds up the others.
        """
        pending = await self.store.pending()
        if not pending:
            return
        subs = {s.channel_id: s for s in await self.store.subscriptions()}
        now = asyncio.get_running_loop().time()
        for channel_id in sorted(pending, key=lambda c: self._last_served.get(c, 0.0)):
            if self.stopping.is_set():
                return
            items = pending[channel_id]
            sub = subs.get(channel_id)
            if sub is None:  # unsubscribed meanwhile (its queue is normally cleared with it)
                await self.store.drop(items, "the channel was unsubscribed")
                continue
            if channel_id in self._workers:
                continue  # still delivering
            if sub.failing and not include_failing:
                continue  # retried once per poll, not every few seconds
            if self._backoff.get(channel_id, (0, 0.0))[1] > now:
                continue
            self._workers[channel_id] = asyncio.get_running_loop().create_task(
                self._channel_worker(sub, items), name=f"alerts-{channel_id}"
            )

    async def _channel_worker(self, sub: Subscription, items: list[Pending]) -> None:
        channel_id = sub.channel_id
        try:
            async with self._send_slots:
                self._last_served[channel_id] = asyncio.get_running_loop().time()
                if await self._deliver_channel(sub, items) is not Sent.TRY_LATER:
                    self._backoff.pop(channel_id, None)
        except Exception:
            log.exception("delivering alerts to channel %s failed; retried later", channel_id)
            self._back_off(channel_id)
        finally:
            self._workers.pop(channel_id, None)

    def _back_off(self, channel_id: int, at_least: float = 0.0) -> float:
        """Hold this channel's deliveries back for a while (longer after each failure)."""
        failures = self._backoff.get(channel_id, (0, 0.0))[0] + 1
        delay = self.retry_delays[min(failures, len(self.retry_delays)) - 1]
        delay = max(delay, at_least)
        self._backoff[channel_id] = (failures, asyncio.get_running_loop().time() + delay)
        return delay

    def lock(self, channel_id: int) -> asyncio.Lock:
        """Held while a message is sent to (and recorded for) this channel."""
        return self._channel_locks.setdefault(channel_id, asyncio.Lock())

    async def _deliver_channel(self, sub: Subscription, items: list[Pending]) -> Sent:
        index = self.bot.service.current
        found: list[tuple[Pending, Post]] = []
        elsewhere: list[Pending] = []
        for item in items:
            if item.content_dir != self.content_key:
                elsewhere.append(item)
            elif index is not None and (post := index.post(item.post_id)) is not None:
                found.append((item, post))
            # else: renamed or deleted since; the next scan moves or drops it (record_posts)
        if elsewhere:
            await self.store.drop(elsewhere, "the bot serves another content folder now")
        if not found:
            return Sent.OK
        role_id = self._role_to_ping(sub)
        site = self.bot.site_name
        message: dict[str, Any]
        if len(found) > self.bot.settings.alert_flood_limit:
            message = {
                "content": alert_content(role_id),
                "embed": alert_summary_embed([p for _, p in found], site_name=site),
                "allowed_mentions": alert_mentions(role_id),
            }
            return await self._send(sub, found, message)
        for item, post in found:
            if self.stopping.is_set():
                return Sent.TRY_LATER
            message = {
                "content": alert_content(role_id),
                "embed": alert_embed(post, site_name=site),
                "view": alert_view(post.id),
                "allowed_mentions": alert_mentions(role_id),
            }
            result = await self._send(sub, [(item, post)], message)
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

    async def _send(
        self, sub: Subscription, found: list[tuple[Pending, Post]], message: dict[str, Any]
    ) -> Sent:
        """Send one alert message; record it delivered only once Discord has accepted it.

        Under the channel's lock, and only while the alerts are still queued: an unsubscribe
        waits for this send and cancels the rest.
        """
        deliveries = [d for d, _ in found]
        channel = self.bot.get_partial_messageable(sub.channel_id, guild_id=sub.guild_id)
        nonce = _nonce(sub.channel_id, deliveries)
        async with self.lock(sub.channel_id):
            if not await self.store.still_pending(deliveries):
                return Sent.OK  # unsubscribed (or dropped) meanwhile
            try:
                earlier = await self._sent_before(channel, found)
                if earlier is not None:
                    log.info(
                        "alert for %s was already posted in channel %s (message %s) before "
                        "a restart; recorded, not sent again",
                        deliveries[0].post_id,
                        sub.channel_id,
                        earlier,
                    )
                    await self.store.mark_delivered(sub.channel_id, deliveries, earlier)
                    return Sent.OK
                # Without Embed Links Discord takes a message with content (a role's ping) and
                # drops its embed: a bare ping that never says the post. Not sent, then…
                if not self._may_embed(channel):
                    return await self._refused(sub, deliveries, NO_EMBED_LINKS)
                await self.store.mark_sending(deliveries)
                sent = await channel.send(nonce=nonce, **message)
                if not sent.embeds:  # …or our cached permissions were behind: taken back
                    with contextlib.suppress(discord.HTTPException):
                        await sent.delete()
                    return await self._refused(sub, deliveries, NO_EMBED_LINKS)
            except discord.NotFound as exc:
                if exc.code == UNKNOWN_CHANNEL:  # deleted (while the bot was away): for good
                    await self.forget_channel(sub, "it no longer exists")
                    return Sent.OK
                return await self._refused(sub, deliveries, _describe(exc))
            except discord.Forbidden as exc:
                return await self._refused(sub, deliveries, _describe(exc))
            except discord.RateLimited as exc:
                return await self._try_later(
                    sub, deliveries, f"rate limited for {exc.retry_after:.1f} s", exc.retry_after
                )
            except discord.HTTPException as exc:
                error = _describe(exc)
                if exc.status == 429:  # discord.py gave up waiting after several tries
                    retry_after = 0.0
                    with contextlib.suppress(TypeError, ValueError):
                        retry_after = float(exc.response.headers.get("Retry-After"))  # type: ignore[arg-type]
                    return await self._try_later(sub, deliveries, error, retry_after)
                if exc.status < 500:
                    # Discord rejected the message itself: sending it again cannot succeed.
                    log.error(
                        "alert for %s in channel %s rejected: %s",
                        [d.post_id for d in deliveries],
                        sub.channel_id,
                        error,
                    )
                    await self.store.drop(deliveries, error)
                    return Sent.OK
                return await self._try_later(sub, deliveries, error)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = f"network error: {exc.__class__.__name__}: {exc}".strip()
                return await self._try_later(sub, deliveries, error)
            await self.store.mark_delivered(sub.channel_id, deliveries, sent.id)
        if sub.failing:
            log.info("alerts channel %s works again", sub.channel_id)
        log.info(
            "alert posted in channel %s: %s",
            sub.channel_id,
            ", ".join(d.post_id for d in deliveries[:5]),
        )
        return Sent.OK

    async def forget_channel(self, sub: Subscription, why: str) -> None:
        """Remove the subscription of a channel that was deleted, and its queued alerts.

        Discord never brings a deleted channel back, and `/alerts unsubscribe` cannot name it
        (the channel picker lists only channels that exist): kept, it would be listed as failing
        and retried forever. The caller holds the channel's lock.
        """
        if await self.store.unsubscribe(guild_id=sub.guild_id, channel_id=sub.channel_id):
            log.warning(
                "alerts channel %s (server %s) was deleted (%s): its subscription and queued "
                "alerts are removed",
                sub.channel_id,
                sub.guild_id,
                why,
            )

    async def _refused(self, sub: Subscription, deliveries: list[Pending], reason: str) -> Sent:
        """The channel refuses the bot (gone, or a permission missing): mark it failing, keep
        its alerts queued (retried once per poll)."""
        # Logged when it starts failing; retries (once per poll) only at debug level.
        log.log(
            logging.DEBUG if sub.failing else logging.WARNING,
            "alerts channel %s (server %s) refused a delivery: %s",
            sub.channel_id,
            sub.guild_id,
            reason,
        )
        await self.store.mark_failing(sub.channel_id, reason)
        await self.store.mark_attempted(deliveries, reason)
        return Sent.CHANNEL_FAILING

    async def _try_later(
        self, sub: Subscription, deliveries: list[Pending], error: str, at_least: float = 0.0
    ) -> Sent:
        delay = self._back_off(sub.channel_id, at_least)
        log.warning(
            "alert delivery to channel %s failed (%s); left queued, retried in %.0f s "
            "(other channels go on)",
            sub.channel_id,
            error,
            delay,
        )
        await self.store.mark_attempted(deliveries, error)
        return Sent.TRY_LATER

    def _may_embed(self, channel: discord.PartialMessageable) -> bool:
        """Whether the bot's cached permissions let it post embeds in ``channel`` (True when
        the channel is not cached: the reply then tells)."""
        guild = channel.guild
        cached = guild.get_channel_or_thread(channel.id) if guild is not None else None
        if guild is None or cached is None:
            return True
        return cached.permissions_for(guild.me).embed_links

    def _may_read_history(self, channel: discord.PartialMessageable) -> bool:
        """Whether the bot's cached permissions let it read ``channel``'s history (True when
        the channel is not cached: the request itself then tells)."""
        guild = channel.guild
        cached = guild.get_channel_or_thread(channel.id) if guild is not None else None
        if guild is None or cached is None:
            return True
        return cached.permissions_for(guild.me).read_message_history

    async def _sent_before(
        self, channel: discord.PartialMessageable, found: list[tuple[Pending, Post]]
    ) -> int | None:
        """The id of a message of ours in the channel that already carries these alerts.

        Only for deliveries tried before (a crash may have come between Discord accepting the
        message and our record of it). Discord honours ``enforce_nonce`` for a few minutes only,
        so after a longer outage the channel itself is the record: our message with an embed
        linking the post (fetched messages carry no nonce: Discord keeps none).
        """
        tried = [d.first_sent_at for d, _ in found if d.first_sent_at is not None]
        if not tried or self.bot.user is None:
            return None
        urls = {p.url for _, p in found}
        if not self._may_read_history(channel):
            # Discord would answer with no messages at all rather than refuse: say so here.
            log.warning(
                "cannot read channel %s to check for an alert sent before a restart "
                "(Read Message History is missing); sending it again",
                channel.id,
            )
            return None
        try:
            async for msg in channel.history(limit=HISTORY_LIMIT, after=min(tried) - HISTORY_SLACK):
                if msg.author.id != self.bot.user.id:
                    continue
                for embed in msg.embeds:
                    if embed.url in urls or any(u in (embed.description or "") for u in urls):
                        return msg.id
        except discord.Forbidden as exc:
            # Cannot see the channel: the nonce (for minutes) is all that guards a duplicate.
            log.warning(
                "cannot read channel %s to check for an alert sent before a restart "
                "(%s); sending it again",
                channel.id,
                _describe(exc),
            )
        return None
