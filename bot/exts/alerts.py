"""New-post alerts: ``/alerts subscribe|unsubscribe|list`` and the watcher that posts them.

The watcher wakes every few seconds (at most every ``BRIEFBOT_ALERT_POLL_SECONDS``):
1. picks up an index rebuilt by another process (``briefbot index``) through the generation number;
2. every poll interval, optionally ``git pull``s the content folder, then reindexes incrementally;
3. after either (or after a ``/reindex``), records the posts of the index being served: posts never
   seen before are queued for every subscribed channel in the same transaction (so a post is only
   announced once it is searchable, and the first scan of a content folder announces nothing);
4. delivers the queue: one embed per post, or one summary when a channel has more new posts than
   ``BRIEFBOT_ALERT_FLOOD_LIMIT``. A delivery is marked done only after Discord accepted it.

What counts as new: a post whose id (path), URL and content were never seen (a renamed file is
not new); a new post that only loaded by recovering its front matter is held back (and listed by
``/alerts list``, ``/reindex`` and the log) until it loads cleanly; and new posts wait until the
set of new files has stayed the same for ``BRIEFBOT_ALERT_SETTLE_SECONDS`` (a folder being copied
in gives one summary, not a trickle).

Delivery runs one task per channel, a few channels at a time, least recently served first: a
channel whose sends fail (5xx, network) backs off on its own while the others go on. 429s are
waited out (discord.py honours ``retry_after``); a channel that is gone or forbids the bot marks
its subscription as failing (``/alerts list`` shows why). Unsubscribing waits for a send in flight
to that channel and cancels the rest. A delivery that may have reached Discord before a crash
(``first_sent_at`` set) is looked for in the channel's recent messages before it is sent again:
Discord's ``enforce_nonce`` only drops duplicates sent within minutes.

The watcher also checks that the database file it opened is still there: deleted or replaced
under the running bot, the alert tables would be lost at the next start, so it says so loudly,
saves a copy beside it, stops the heartbeat (the health check fails) and refuses new subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import logging
import os
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.alert_views import AskAboutPostButton, add_held_field, alert_view
from bot.alerts_store import AlertStore, HeldPost, Pending, Subscription
from bot.formatting import (
    NO_MENTIONS,
    SubscriptionInfo,
    alert_content,
    alert_embed,
    alert_mentions,
    alert_summary_embed,
    escape,
    fit_embed,
    message_content,
    subscriptions_embed,
)
from bot.params import Category, UserError
from index.models import IndexReport, LoadIssue, Post
from index.service import ReindexInProgress

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

TICK_MAX_SECONDS = 15.0  # how soon an index rebuilt by the CLI is noticed (and retries happen)
# A channel's back-off after failed sends (5xx, network), one step per failure, the last repeated.
RETRY_DELAYS = (2.0, 10.0, 30.0, 60.0)
CHANNELS_AT_ONCE = 4  # channels delivered to concurrently (Discord limits each channel apart)
STOP_TIMEOUT = 10.0  # how long closing waits for a delivery in flight to be recorded
GIT_TIMEOUT = 120.0
HISTORY_LIMIT = 100  # recent messages looked through for an alert that may have gone out
HISTORY_SLACK = dt.timedelta(minutes=2)  # clock skew between us and Discord's snowflakes


class Sent(enum.Enum):
    OK = "ok"  # delivered (or dropped for good): go on
    CHANNEL_FAILING = "channel"  # this channel refuses: skip it, go on with others
    TRY_LATER = "later"  # Discord or the network is unwell for this channel: back off


class DatabaseGone(UserError):
    """The database file was deleted or replaced under the running bot."""


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
        # Delivery: one worker per channel; locks let /alerts unsubscribe wait for a send.
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._channel_locks: dict[int, asyncio.Lock] = {}
        self._send_slots = asyncio.Semaphore(CHANNELS_AT_ONCE)
        self._backoff: dict[int, tuple[int, float]] = {}  # channel → (failures, retry at)
        self._last_served: dict[int, float] = {}
        # Settling: the new posts last seen, and since when they have not changed.
        self._unsettled: frozenset[tuple[str, str]] = frozenset()
        self._quiet_since = 0.0
        self._settling = False
        self._recovered_files: dict[str, str] = {}  # sha256 of a file that loaded by recovery
        # The database file as opened: (device, inode); None once it has gone.
        self._db_file: tuple[int, int] | None = None
        self.unhealthy: str | None = None

    @property
    def content_key(self) -> str:
        return str(self.bot.service.content.resolve())

    # ------------------------------------------------------------------ life cycle

    async def cog_load(self) -> None:
        # The index's database file; the bot's tables are migrated on a connection of their own.
        self.store = await AlertStore.open(self.bot.service.store.path)
        self._db_file = _file_id(self.store.path)
        await self._warn_of_rescued_copies()
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
        if self._workers:  # sends in flight: let them be recorded (each stops after its send)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_TIMEOUT):
                    await asyncio.wait(list(self._workers.values()))
        for pending in [task, *self._tasks, *self._workers.values()]:
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
        """Until at least ``count`` cycles have completed and their sends have been recorded
        (for tests and tools)."""
        async with asyncio.timeout(timeout):
            while self.cycles < count:
                self._cycle_done.clear()
                await self._cycle_done.wait()
            await self.wait_for_deliveries()

    async def wait_for_deliveries(self) -> None:
        """Until the channel deliveries running now have finished (and recorded their outcome)."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))

    # ------------------------------------------------------------------ one cycle

    async def run_cycle(self, *, after_reindex: bool = False) -> None:
        """Refresh the index when due, queue alerts for new posts, deliver the queue."""
        if self._stopping.is_set():
            return
        async with self._cycle_lock:
            if self._stopping.is_set():
                return
            await self._check_database()
            service = self.bot.service
            now = asyncio.get_running_loop().time()
            settings = self.bot.settings
            poll = settings.alert_poll_seconds
            settled = self._settling and now - self._quiet_since >= settings.alert_settle_seconds
            due = not after_reindex and (
                self._last_refresh is None or now - self._last_refresh >= poll or settled
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
        held = await self._recovered(index.posts)
        if not await self._settled([p for p in index.posts if p.id not in held]):
            return
        outcome = await self.store.record_posts(self.content_key, index.posts, held)
        if outcome.baseline:
            log.info("first scan of %s: %d posts marked as seen, none announced",
                     self.content_key, len(index.posts))
            return
        if outcome.new_posts:
            log.info("%d new posts (%s); %d alerts queued", len(outcome.new_posts),
                     ", ".join(outcome.new_posts[:5]), outcome.queued)
        for old, new in outcome.renamed:
            log.info("post %s is %s renamed (same URL or content): not announced again", new, old)
        for post_id in outcome.newly_held:
            log.warning("new post %s only loaded by recovering its front matter (%s): not "
                        "announced until it loads cleanly", post_id, held[post_id])

    async def _recovered(self, posts: Sequence[Post]) -> dict[str, str]:
        """Posts of the index that only loaded by front-matter recovery, with why.

        Known by path from the stored load issues, and by the file's sha256: a reindex may have
        stored the fixed file's (clean) state before its index is swapped in, while the served
        post is still the recovered version, which must not be announced meanwhile.
        """
        try:
            stored = await self.bot.service.store.stored_issues()
        except Exception:
            log.exception("could not read the load issues; no post is held back this scan")
            stored = {}
        by_path: dict[str, str] = {}
        for path, issues in stored.items():
            recovered = [i for i in issues if i.issue.kind == "recovered"]
            if recovered:
                by_path[path] = "; ".join(i.issue.reason for i in recovered)
                self._recovered_files[recovered[0].state.fingerprint] = by_path[path]
        out: dict[str, str] = {}
        for post in posts:
            reason = by_path.get(post.id) or self._recovered_files.get(post.fingerprint)
            if reason:
                out[post.id] = reason
        return out

    async def _settled(self, posts: Sequence[Post]) -> bool:
        """Whether the new posts among ``posts`` stayed the same for the settle period.

        Files copied in one by one would otherwise be announced a few per scan; waiting until
        the folder is quiet turns them into one summary.
        """
        assert self.store is not None
        settle = self.bot.settings.alert_settle_seconds
        if settle <= 0:
            return True
        fresh = frozenset((p.id, p.fingerprint)
                          for p in await self.store.unseen(self.content_key, posts))
        now = asyncio.get_running_loop().time()
        if fresh != self._unsettled:
            self._unsettled, self._quiet_since = fresh, now
        self._settling = bool(fresh) and now - self._quiet_since < settle
        if self._settling:
            log.debug("%d new posts; waiting until the folder has been quiet for %.0f s",
                      len(fresh), settle)
        return not self._settling

    async def held_back(self, issues: Sequence[LoadIssue] = ()) -> list[HeldPost]:
        """Posts held back from alerts (see ``_scan``); with ``issues`` (a reindex's), also the
        new recovered posts among them that the next scan will hold."""
        assert self.store is not None
        held = {h.post_id: h for h in await self.store.held(self.content_key)}
        index = self.bot.service.current
        recovered = [i for i in issues if i.kind == "recovered" and i.path not in held]
        if recovered and index is not None:
            posts = [p for i in recovered if (p := index.post(i.path)) is not None]
            unseen = {p.id for p in await self.store.unseen(self.content_key, posts)}
            now = dt.datetime.now(dt.UTC)
            held.update({i.path: HeldPost(i.path, i.reason, now)
                         for i in recovered if i.path in unseen})
        return [held[k] for k in sorted(held)]

    # ------------------------------------------------------------------ the database file

    async def _check_database(self) -> None:
        """Notice the database file deleted or replaced under the running bot (once)."""
        if self._db_file is None or self.store is None:
            return
        path = self.store.path
        if _file_id(path) == self._db_file:
            return
        self._db_file = None
        rescued = path.with_name(
            f"{path.name}.rescued-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        try:
            await self.store.copy_to(rescued)
        except Exception as exc:
            saved = f"saving a copy to {rescued} failed too ({exc})"
        else:
            saved = (f"a copy of it is saved at {rescued}: stop the bot and move that copy to "
                     f"{path} to keep the subscriptions and what was announced")
        self.unhealthy = (f"the database file {path} was deleted or replaced while the bot "
                          "runs; alert subscriptions and delivery records live in it")
        log.critical("%s; %s. Until then the bot reports itself unhealthy and refuses new "
                     "subscriptions.", self.unhealthy, saved)
        self.bot.dispatch("briefbot_unhealthy", self.unhealthy)

    async def _warn_of_rescued_copies(self) -> None:
        """At start: a rescued copy beside a database without subscriptions is worth a word."""
        assert self.store is not None
        path = self.store.path
        copies = sorted(path.parent.glob(f"{path.name}.rescued-*"))
        if copies and not await self.store.subscriptions():
            log.warning("no alert subscriptions in %s, but %s holds a copy saved when the "
                        "database was deleted under the bot: stop the bot and move it to %s to "
                        "restore them", path, copies[-1], path)

    # ------------------------------------------------------------------ delivery

    async def _deliver(self, *, include_failing: bool) -> None:
        """Start a delivery for every channel with queued alerts that is not busy or backing off.

        Least recently served channels go first; each runs in a task of its own, so a channel
        whose sends hang or fail never holds up the others.
        """
        assert self.store is not None
        pending = await self.store.pending()
        if not pending:
            return
        subs = {s.channel_id: s for s in await self.store.subscriptions()}
        now = asyncio.get_running_loop().time()
        for channel_id in sorted(pending, key=lambda c: self._last_served.get(c, 0.0)):
            if self._stopping.is_set():
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
                self._channel_worker(sub, items), name=f"alerts-{channel_id}")

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

    def channel_lock(self, channel_id: int) -> asyncio.Lock:
        """Held while a message is sent to (and recorded for) this channel."""
        return self._channel_locks.setdefault(channel_id, asyncio.Lock())

    async def _deliver_channel(self, sub: Subscription, items: list[Pending]) -> Sent:
        assert self.store is not None
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
        if len(found) > self.bot.settings.alert_flood_limit:
            message = {
                "content": alert_content(role_id),
                "embed": alert_summary_embed([p for _, p in found], site_name=site),
                "allowed_mentions": alert_mentions(role_id),
            }
            return await self._send(sub, found, message)
        for item, post in found:
            if self._stopping.is_set():
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

    async def _send(self, sub: Subscription, found: list[tuple[Pending, Post]],
                    message: dict[str, Any]) -> Sent:
        """Send one alert message; record it delivered only once Discord has accepted it.

        Under the channel's lock, and only while the alerts are still queued: an unsubscribe
        waits for this send and cancels the rest.
        """
        assert self.store is not None
        deliveries = [d for d, _ in found]
        channel = self.bot.get_partial_messageable(sub.channel_id, guild_id=sub.guild_id)
        nonce = _nonce(sub.channel_id, deliveries)
        async with self.channel_lock(sub.channel_id):
            if not await self.store.still_pending(deliveries):
                return Sent.OK  # unsubscribed (or dropped) meanwhile
            try:
                earlier = await self._sent_before(channel, found, nonce)
                if earlier is not None:
                    log.info("alert for %s was already posted in channel %s (message %s) before "
                             "a restart; recorded, not sent again", deliveries[0].post_id,
                             sub.channel_id, earlier)
                    await self.store.mark_delivered(sub.channel_id, deliveries, earlier)
                    return Sent.OK
                await self.store.mark_sending(deliveries)
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
                return await self._try_later(sub, deliveries, f"rate limited for "
                                             f"{exc.retry_after:.1f} s", exc.retry_after)
            except discord.HTTPException as exc:
                error = _describe(exc)
                if exc.status == 429:  # discord.py gave up waiting after several tries
                    retry_after = 0.0
                    with contextlib.suppress(TypeError, ValueError):
                        retry_after = float(exc.response.headers.get("Retry-After"))  # type: ignore[arg-type]
                    return await self._try_later(sub, deliveries, error, retry_after)
                if exc.status < 500:
                    # Discord rejected the message itself: sending it again cannot succeed.
                    log.error("alert for %s in channel %s rejected: %s",
                              [d.post_id for d in deliveries], sub.channel_id, error)
                    await self.store.drop(deliveries, error)
                    return Sent.OK
                return await self._try_later(sub, deliveries, error)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = f"network error: {exc.__class__.__name__}: {exc}".strip()
                return await self._try_later(sub, deliveries, error)
            await self.store.mark_delivered(sub.channel_id, deliveries, sent.id)
        if sub.failing:
            log.info("alerts channel %s works again", sub.channel_id)
        log.info("alert posted in channel %s: %s", sub.channel_id,
                 ", ".join(d.post_id for d in deliveries[:5]))
        return Sent.OK

    async def _try_later(self, sub: Subscription, deliveries: list[Pending], error: str,
                         at_least: float = 0.0) -> Sent:
        assert self.store is not None
        delay = self._back_off(sub.channel_id, at_least)
        log.warning("alert delivery to channel %s failed (%s); left queued, retried in %.0f s "
                    "(other channels go on)", sub.channel_id, error, delay)
        await self.store.mark_attempted(deliveries, error)
        return Sent.TRY_LATER

    async def _sent_before(self, channel: discord.PartialMessageable,
                           found: list[tuple[Pending, Post]], nonce: str) -> int | None:
        """The id of a message of ours in the channel that already carries these alerts.

        Only for deliveries tried before (a crash may have come between Discord accepting the
        message and our record of it). Discord honours ``enforce_nonce`` for a few minutes only,
        so after a longer outage the channel itself is the record: our message with this nonce,
        or with an embed linking the post.
        """
        tried = [d.first_sent_at for d, _ in found if d.first_sent_at is not None]
        if not tried or self.bot.user is None:
            return None
        urls = {p.url for _, p in found}
        try:
            async for msg in channel.history(limit=HISTORY_LIMIT, after=min(tried) - HISTORY_SLACK):
                if msg.author.id != self.bot.user.id:
                    continue
                if msg.nonce is not None and str(msg.nonce) == nonce:
                    return msg.id
                for embed in msg.embeds:
                    if embed.url in urls or any(u in (embed.description or "") for u in urls):
                        return msg.id
        except discord.Forbidden as exc:
            # Cannot read the history: the nonce is all that guards against a duplicate.
            log.warning("cannot read channel %s to check for an alert sent before a restart "
                        "(%s); sending it again", channel.id, _describe(exc))
        return None

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
        self._require_database()
        lock = self.channel_lock(channel.id)
        if lock.locked():  # an alert is being sent there: answer once it is recorded
            await interaction.response.defer(ephemeral=True, thinking=True)
        async with lock:  # no send to this channel starts after this
            removed = await self.store.unsubscribe(guild_id=interaction.guild.id,
                                                   channel_id=channel.id)
        text = (f"{channel.mention} no longer gets alerts." if removed
                else f"{channel.mention} was not getting alerts.")
        if interaction.response.is_done():
            await interaction.followup.send(message_content(text), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
        else:
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
        embed = subscriptions_embed(subs)
        add_held_field(embed, await self.held_back())
        if self.unhealthy:
            embed.add_field(name="⚠️ Database", value=escape(self.unhealthy), inline=False)
        await interaction.response.send_message(
            embed=fit_embed(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    def _require_database(self) -> None:
        if self.unhealthy:
            raise DatabaseGone("Alert settings can't be saved right now: the bot's database file "
                               "was deleted while it runs. An operator needs to restart it (the "
                               "log says how to keep the current subscriptions).")


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a file, None when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


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
