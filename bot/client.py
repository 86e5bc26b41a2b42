"""The bot: a ``commands.Bot`` that owns its settings and the index service it is given."""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from index.ingest.site import site_config
from index.models import Answer, SearchFilters, SiteConfig
from index.retrieval.embedder import Embedder, load_embedder
from index.retrieval.examples import GENERIC, Examples
from index.search import SearchIndex
from index.storage.service import IndexService
from index.storage.vectors import StoredVectors, VectorFiller

from .formatting.text import NO_MENTIONS, message_content
from .insights_store import InsightsStore
from .settings import Settings
from .ui.alerts import answer_stale_form
from .ui.expiry import stale_page_click, stop_paging_views
from .ui.failures import report_failure
from .ui.results import DeleteAnswerButton
from .ui.votes import VoteButton

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.exts.errors",  # first: installs the tree's error handler
    "bot.exts.ask",
    "bot.exts.brief",
    "bot.exts.latest",
    "bot.exts.about",
    "bot.exts.help",
    "bot.exts.alerts",  # /alerts and the new-post watcher
    "bot.exts.reindex",
    "bot.exts.health",  # the heartbeat file read by `briefbot health`
    "bot.exts.insights",  # the question log: /insights, its digest, Explain this answer
)


def bot_intents() -> discord.Intents:
    """Only what the bot uses: guilds (channel and permission cache) and guild messages (mentions,
    and ``on_raw_message_delete``: a question deleted by its asker is withdrawn).

    No privileged intent: slash commands need none, and Discord includes the content of messages
    that mention the bot even without the message-content intent.
    """
    return discord.Intents(guilds=True, guild_messages=True)


def version() -> str:
    try:
        return importlib.metadata.version("briefbot")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


class Briefbot(commands.Bot):
    """Answers questions about a site's posts. Settings and the index service are injected."""

    def __init__(
        self,
        settings: Settings,
        service: IndexService,
        *,
        site: SiteConfig | None = None,
        sync_dev_guild: bool = True,
        embedder: Callable[[], Embedder] = load_embedder,
        **options: Any,
    ) -> None:
        super().__init__(
            # No prefix commands exist; a mention is a question (see exts/ask.py), never a command.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.service = service
        self.site = site if site is not None else _site_of(settings)
        self.sync_dev_guild = sync_dev_guild
        self.version = version()
        # The question log; opened by the insights extension unless BRIEFBOT_INSIGHTS=false.
        self.insights: InsightsStore | None = None
        # Embeds each served index's passages in the background (BRIEFBOT_EMBEDDINGS).
        self.vector_filler: VectorFiller | None = None
        self._embedder = embedder  # (loads the model, at the first fill, off the event loop)

    # ------------------------------------------------------------------ start-up

    async def setup_hook(self) -> None:
        # A server: every index it serves is warmed before its first question (off the loop).
        await self.service.keep_warm()
        self._start_embedding()
        for name in EXTENSIONS:
            await self.load_extension(name)
        self.add_dynamic_items(DeleteAnswerButton)
        self.add_dynamic_items(VoteButton)
        if self.settings.dev_guild_id and self.sync_dev_guild:
            try:
                synced = await self.sync_commands(self.settings.dev_guild_id)
                log.info(
                    "Synced %d commands to the dev server %s",
                    len(synced),
                    self.settings.dev_guild_id,
                )
            except discord.HTTPException as exc:
                # A wrong id or a server the bot is not in must not keep the bot from serving.
                log.warning(
                    "Could not sync commands to the dev server %s: %s",
                    self.settings.dev_guild_id,
                    exc,
                )

    async def sync_commands(self, guild_id: int | None = None) -> list[app_commands.AppCommand]:
        """Publish the slash commands: to one server (instant) or globally (``None``)."""
        if guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    def _start_embedding(self) -> None:
        """Meaning-based ranking: each index served (now, and each a reindex swaps in) has its
        passages embedded in the background; answers use it once all are (``storage.vectors``)."""
        if not self.settings.embeddings:
            log.info("Meaning-based ranking is off (BRIEFBOT_EMBEDDINGS=false): BM25 ranking alone")
            return
        filler = self.vector_filler = VectorFiller(
            StoredVectors(self.service.store.path), self._embedder
        )
        self.service.on_swap = filler.follow
        if self.service.current is not None:
            filler.follow(self.service.current)

    async def close(self) -> None:
        # What people asked or clicked just before is finished first (a few seconds at most):
        # unloading the extensions closes the databases a Delete or a vote still writes to.
        await finish_in_flight(IN_FLIGHT_SECONDS)
        # Paging views die with the connection (their timeouts could no longer edit anything).
        stop_paging_views()
        filler, self.vector_filler = self.vector_filler, None
        if filler is not None:  # (its thread stops after the passage it is embedding)
            if self.service.on_swap == filler.follow:
                self.service.on_swap = None
            await filler.close()
        await super().close()

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info(
            "Connected as %s (%s) to %d servers; serving %d posts",
            self.user,
            self.user.id,
            len(self.guilds),
            len(self.index),
        )

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the ask extension answers mentions through its own listener."""

    async def on_interaction(self, interaction: discord.Interaction[Any], /) -> None:
        """What reaches a view that is gone (timed out, or before a restart), which discord.py
        would drop and Discord show as failed: an "Ask about this post" form is answered, a
        click on paging buttons is told privately that they expired."""
        try:
            if await answer_stale_form(interaction):
                return
        except Exception as error:  # (discord.py would only log it: the form would fail)
            await report_failure(interaction, error)
            return
        expired = stale_page_click(interaction)
        if expired is None or interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(
                message_content(expired), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except (discord.HTTPException, discord.InteractionResponded) as exc:  # raced, or too late
            log.debug("could not answer a click on expired buttons: %s", exc)

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction[Any],
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        log.info(
            "/%s by %s in %s",
            command.qualified_name,
            interaction.user.id,
            interaction.guild_id or "DM",
        )

    # ------------------------------------------------------------------ the index

    @property
    def index(self) -> SearchIndex:
        """The index being served right now (a reindex swaps it whole)."""
        index = self.service.current
        if index is None:
            raise RuntimeError("the index is not loaded yet")
        return index

    @property
    def site_name(self) -> str:
        return self.site.title or self.site.url.removeprefix("https://").removeprefix("http://")

    def examples(self) -> Examples:
        """Examples for members in the served site's own words (the served index's, as its
        declined questions suggest), drawn again after a reindex; generic ones before the index
        is loaded."""
        index = self.service.current
        return GENERIC if index is None else index.examples

    async def search(self, question: str, k: int, filters: SearchFilters | None = None) -> Answer:
        """Search off the event loop, so a big corpus never delays the gateway heartbeat."""
        index = self.index
        return await asyncio.to_thread(index.search, question, k, filters)


# discord.py's tasks that handle what a person did: a command, a click, a form, a mention or a
# deleted question (their names are discord.py's; a name it changes is merely not waited for).
IN_FLIGHT_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-dynamic-item-",
    "discord-ui-modal-dispatch-",
    "discord.py: interaction",
    "discord.py: message",
    "discord.py: raw_message_delete",
    "discord.py: raw_bulk_message_delete",
)
IN_FLIGHT_SECONDS = 5.0  # within `docker stop`'s 10 s before it kills


async def finish_in_flight(timeout: float) -> None:
    """Wait (up to ``timeout`` seconds) for the handling of what people did to finish."""
    current = asyncio.current_task()
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and task.get_name().startswith(IN_FLIGHT_TASKS)
    ]
    if running:
        log.info("closing: finishing %d command(s) or click(s) in flight", len(running))
        await asyncio.wait(running, timeout=timeout)


def _site_of(settings: Settings) -> SiteConfig:
    try:
        return site_config(settings.content_dir, settings.site_url or "")
    except OSError:
        return SiteConfig()
