"""Starting the bot for real (``briefbot run``) and publishing its commands (``briefbot sync``).

Start-up failures a person can fix (no token, a rejected token, Discord unreachable) become a
:class:`StartupError` with one line to print; the CLI turns it into a non-zero exit, never a
traceback. The token is only ever handed to discord.py, never logged or printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator

import aiohttp
import discord

from index.storage.service import FrozenHeap, IndexService

from .client import Briefbot
from .settings import Settings

log = logging.getLogger(__name__)

TOKEN_HELP = "see 'Running the Discord bot' in the README"
QUIET_AT_DEBUG = ("aiosqlite", "markdown_it")


class StartupError(Exception):
    """The bot cannot start for a reason the operator can fix; ``str()`` is one line."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def require_token(settings: Settings) -> str:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise StartupError(
            f"DISCORD_TOKEN is not set: put the bot token in the environment or a .env file "
            f"({TOKEN_HELP})."
        )
    return token


class NoVoiceWarnings(logging.Filter):
    """discord.py warns when a client is made that voice is unsupported without PyNaCl or
    davey: briefbot never joins a voice channel, and an operator's first ``briefbot run``
    opened with two WARNING lines asking, in effect, to install what it does not need."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def setup_logging(level: str) -> None:
    """Log lines to stderr (only if the application has not configured logging itself)."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    client_log = logging.getLogger("discord.client")
    if not any(isinstance(f, NoVoiceWarnings) for f in client_log.filters):
        client_log.addFilter(NoVoiceWarnings())
    # Libraries whose DEBUG lines are no one's debugging of the bot (its own and discord.py's
    # stay): aiosqlite logs every statement with its parameters (a reindex's every passage text,
    # each question asked), markdown-it each rule it tries on each block of every post; one index
    # of the shared corpus logged 140 MB between them, and took 1.7x as long.
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level.upper())))


async def _login(bot: Briefbot, token: str) -> None:
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise StartupError(
            f"Discord rejected the bot token in DISCORD_TOKEN; copy a fresh one from the "
            f"developer portal ({TOKEN_HELP})."
        ) from None
    except (aiohttp.ClientError, OSError, discord.DiscordServerError) as exc:
        # (aiohttp's text names the host and the system's reason: what to check; one line)
        reason = " ".join(str(exc).split())
        raise StartupError(
            f"Could not reach Discord: {exc.__class__.__name__}"
            + (f" ({reason})" if reason else ""),
            1,
        ) from None


@contextlib.contextmanager
def _close_on_sigterm(bot: Briefbot) -> Iterator[None]:
    """``docker stop`` sends SIGTERM: close the connection cleanly instead of dying mid-reply."""
    loop = asyncio.get_running_loop()
    installed = False
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
        installed = True
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def freeze_heap() -> None:
    """Collect, then exempt everything alive from later full collections (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


async def serve(
    settings: Settings,
    service: IndexService,
    prepare: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Log in, run ``prepare`` (e.g. build the index on first start), then stay connected.

    Logging in first means a bad token is reported at once, not after a long first index.
    Returns when the bot is closed (SIGTERM) or the connection fails for good.
    """
    token = require_token(settings)
    bot = Briefbot(settings, service)
    async with bot:
        await _login(bot, token)
        if prepare is not None:
            await prepare()
        # The index just loaded lives until the next reindex: move it (and the libraries) out of
        # the garbage collector's full passes, which otherwise stall answers for tens of ms.
        freeze_heap()
        # Each index swapped in later is frozen too, without a full pass over what is frozen.
        service.frozen_heap = FrozenHeap()
        with _close_on_sigterm(bot):
            try:
                await bot.connect(reconnect=True)
            except discord.PrivilegedIntentsRequired:  # pragma: no cover - we ask for none
                raise StartupError("Discord refused the bot's intents.") from None
            except discord.ConnectionClosed as exc:
                if exc.code == 4004:
                    raise StartupError(
                        f"Discord rejected the bot token in DISCORD_TOKEN ({TOKEN_HELP})."
                    ) from None
                raise
    log.info("Disconnected; bye")


async def sync(settings: Settings, service: IndexService, guild_id: int | None) -> list[str]:
    """Publish the commands (globally, or to one server); returns them as a user finds them:
    ``/ask`` for slash commands, ``Explain this answer (message menu)`` for context menus."""
    token = require_token(settings)
    bot = Briefbot(settings, service, sync_dev_guild=False)
    async with bot:
        await _login(bot, token)
        try:
            synced = await bot.sync_commands(guild_id)
        except discord.Forbidden:
            raise StartupError(
                f"Discord refused to sync commands to server {guild_id}: is the bot in it, "
                "invited with the applications.commands scope?"
            ) from None
    menus = {
        discord.AppCommandType.message: "message menu",
        discord.AppCommandType.user: "user menu",
    }
    slash = sorted(f"/{c.name}" for c in synced if c.type not in menus)
    return slash + sorted(f"{c.name} ({menus[c.type]})" for c in synced if c.type in menus)
