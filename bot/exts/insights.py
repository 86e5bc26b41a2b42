"""``/insights report|digest|forget`` and the watcher behind the question log.

The watcher (its own loop, every ``TICK_SECONDS``) deletes questions older than
``BRIEFBOT_INSIGHTS_RETENTION_DAYS`` and posts each server's weekly digest: at most once per ISO
week, also across restarts, because the week is recorded before the message is sent and again
once Discord accepted it (a send cut short in between is repeated with the same nonce, which
Discord uses to drop a duplicate). With ``BRIEFBOT_INSIGHTS=false`` nothing is opened or stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.exts.errors import reply_ephemeral
from bot.exts.reindex import is_moderator
from bot.formatting.insights import digest_embed, explain_embed, insights_pages
from bot.formatting.text import (
    COLOUR_ANSWER,
    COLOUR_DECLINED,
    NO_MENTIONS,
    escape,
)
from bot.insights_store import Digest, InsightsStore, utcnow, week_of
from bot.params import UserError
from bot.ui.pager import Pager
from bot.ui.votes import logged_answer_id
from index.explain import explain
from index.insights import InsightsReport
from index.retrieval.questions import clip_question

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

TICK_SECONDS = 300.0
DIGEST_DAYS = 7
EXPLAIN = "Explain this answer"
_UNESCAPE = re.compile(r"\\(.)")
OFF = (
    "The question log is turned off on this bot (`BRIEFBOT_INSIGHTS=false`), so there is "
    "nothing to report."
)


def _nonce(guild_id: int, channel_id: int, week: str) -> str:
    return hashlib.sha1(f"digest:{guild_id}:{channel_id}:{week}".encode()).hexdigest()[:25]


class Insights(commands.Cog):
    insights = app_commands.Group(
        name="insights",
        description="What people ask and what the posts don't answer (moderators)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot
        self.store: InsightsStore | None = None
        self.now: Callable[[], dt.datetime] = utcnow  # (tests move the clock to another week)
        self.cycles = 0
        self._cycle_done = asyncio.Event()
        self._cycle_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        # A message context-menu command: a method callback has to be registered by hand.
        self.explain_menu = app_commands.ContextMenu(name=EXPLAIN, callback=self.explain_answer)
        self.explain_menu.default_permissions = discord.Permissions(manage_guild=True)
        self.explain_menu.guild_only = True

    # ------------------------------------------------------------------ life cycle

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.explain_menu)
        if not self.bot.settings.insights:
            return
        self.store = await InsightsStore.open(self.bot.service.store.path)
        self.bot.insights = self.store
        self.watch.start()

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(EXPLAIN, type=discord.AppCommandType.message)
        task = self.watch.get_task()
        self.watch.cancel()
        for pending in [task, *self._tasks]:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending
        if self.store is not None:
            self.bot.insights = None
            # Let a digest being recorded finish first (the lock is held around each write).
            async with self._cycle_lock:
                await self.store.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @tasks.loop(seconds=TICK_SECONDS)
    async def watch(self) -> None:
        try:
            await self.run_cycle()
        except Exception:
            log.exception("the insights watcher failed; it tries again at the next tick")

    @watch.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def wait_for_cycles(self, count: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while self.cycles < count:
                self._cycle_done.clear()
                await self._cycle_done.wait()

    async def run_cycle(self) -> None:
        """Prune what is past retention, then post the digests due this week."""
        assert self.store is not None
        async with self._cycle_lock:
            now = self.now()
            days = self.bot.settings.insights_retention_days
            pruned = await self.store.prune(now - dt.timedelta(days=days))
            if pruned:
                log.info("insights: %d questions older than %d days deleted", pruned, days)
            week = week_of(now)
            for digest in await self.store.digests():
                if digest.posted_week != week:
                    await self._post_digest(digest, week, now)
            self.cycles += 1
            self._cycle_done.set()

    # ------------------------------------------------------------------ reports

    async def report(
        self, guild_id: int, days: int, now: dt.datetime | None = None
    ) -> InsightsReport:
        assert self.store is not None
        now = now or self.now()
        # The log holds no more than this (pruned every few minutes): the report's "in the last
        # N days" says what it covers, not a year of questions that were deleted.
        days = min(days, self.bot.settings.insights_retention_days)
        index = self.bot.service.current
        return await self.store.report(days=days, now=now, index=index, guild_id=guild_id)

    async def _post_digest(self, digest: Digest, week: str, now: dt.datetime) -> None:
        assert self.store is not None
        report = await self.report(digest.guild_id, DIGEST_DAYS, now)
        await self.store.digest_sending(digest.guild_id, week)
        channel = self.bot.get_partial_messageable(digest.channel_id, guild_id=digest.guild_id)
        try:
            sent = await channel.send(
                embed=digest_embed(report, site_name=self.bot.site_name),
                nonce=_nonce(digest.guild_id, digest.channel_id, week),
                allowed_mentions=NO_MENTIONS,
            )
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # Left for the next tick: the week is only marked posted once Discord accepted it.
            log.warning(
                "insights digest for server %s in channel %s failed: %s",
                digest.guild_id,
                digest.channel_id,
                exc,
            )
            await self.store.digest_failed(digest.guild_id, str(exc)[:300])
            return
        await self.store.digest_posted(digest.guild_id, week, sent.id)
        log.info("insights digest for %s posted in channel %s", week, digest.channel_id)

    def _store(self) -> InsightsStore:
        if self.store is None:
            raise UserError(OFF)
        return self.store

    # ------------------------------------------------------------------ commands

    @insights.command(name="report", description="The question log's report (only you see it)")
    @app_commands.describe(days="How many days to look back (default 30)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def report_command(
        self,
        interaction: discord.Interaction[Any],
        days: app_commands.Range[int, 1, 365] = 30,
    ) -> None:
        self._store()
        assert interaction.guild_id is not None
        # A long log takes longer to report on than the 3 s Discord gives a first response.
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.report(interaction.guild_id, days)
        pages = insights_pages(report, site_name=self.bot.site_name)
        kwargs: dict[str, Any] = {}
        pager: Pager | None = None
        if len(pages) > 1:
            pager = kwargs["view"] = Pager(pages, timeout=self.bot.settings.answer_buttons_seconds)
        await interaction.edit_original_response(
            embed=pages[0], allowed_mentions=NO_MENTIONS, **kwargs
        )
        if pager is not None:
            pager.track(interaction)  # it disables its buttons on timeout through this token

    @insights.command(
        name="digest", description="Post the insights weekly in a channel (leave out: stop)"
    )
    @app_commands.describe(channel="The channel that gets the weekly digest")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | None = None
    ) -> None:
        store = self._store()
        assert interaction.guild is not None
        if channel is not None:
            perms = channel.permissions_for(interaction.guild.me)
            if not (perms.view_channel and perms.send_messages and perms.embed_links):
                raise UserError(
                    f"I can't post in {channel.mention}: I need View Channel, Send "
                    "Messages and Embed Links there."
                )
        # The write may wait for another writer (a reindex's commit) longer than Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        if channel is None:
            removed = await store.remove_digest(interaction.guild.id)
            await reply_ephemeral(
                interaction,
                "The weekly insights digest is stopped."
                if removed
                else "No channel gets the weekly insights digest.",
            )
            return
        await store.set_digest(interaction.guild.id, channel.id)
        await reply_ephemeral(
            interaction,
            f"{channel.mention} will get the insights digest once a week "
            "(this week's comes in a moment). Anyone who can read that channel sees it.",
        )
        self._spawn(self._cycle_now())

    async def _cycle_now(self) -> None:
        try:
            await self.run_cycle()
        except Exception:
            log.exception("posting the insights digest failed; the next tick retries")

    @insights.command(name="forget", description="Delete this server's question log")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        store = self._store()
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # (see digest)
        count = await store.forget(interaction.guild_id)
        log.info(
            "insights: %s purged the log of server %s (%d questions)",
            interaction.user.id,
            interaction.guild_id,
            count,
        )
        await reply_ephemeral(
            interaction,
            f"Deleted this server's question log ({count} questions). Votes "
            "on older answers are no longer recorded.",
        )

    # ------------------------------------------------------------------ Explain this answer

    async def explain_answer(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        settings = self.bot.settings
        if not is_moderator(interaction, settings.moderator_role):
            raise UserError(
                "Explaining answers is for moderators: it needs the Manage Server "
                "permission" + (" or the moderator role." if settings.moderator_role else ".")
            )
        question = await self._question_of(message)
        if question is None:
            raise UserError(
                "That is not one of my answers: use this on a message where I answered a question."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        index = self.bot.index
        # What the answer searched: a long question's first characters only (as /ask does).
        question, _ = clip_question(question)
        why = await asyncio.to_thread(
            explain, index, question, settings.answer_page_size, settings.answer_max_results
        )
        await interaction.edit_original_response(
            embed=explain_embed(why), allowed_mentions=NO_MENTIONS
        )

    async def _question_of(self, message: discord.Message) -> str | None:
        """The question an answer of ours answered: from the log (its vote button carries the
        answer's id), else the answer's title (the question, escaped and perhaps shortened).
        (An answer sent as text, where the bot may not post embeds, is known by its log only.)"""
        me = self.bot.user
        if me is None or message.author.id != me.id:
            return None
        answer_id = logged_answer_id(message)
        if self.store is not None and answer_id is not None:
            logged = await self.store.question(answer_id)
            if logged is not None:
                return logged.question
        if not message.embeds:
            return None
        embed = message.embeds[0]
        # Only answers wear these colours: /brief, /latest and alerts have titles too, but they
        # are post titles, not questions.
        if embed.colour not in (COLOUR_ANSWER, COLOUR_DECLINED):
            return None
        title = embed.title or ""
        if not title or title == escape("Your question"):
            return None
        return _UNESCAPE.sub(r"\1", title).replace("\u200b", "").removesuffix("…") or None


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Insights(bot))
