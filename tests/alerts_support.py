"""Fixtures for the alert, reindex and health tests: a site of their own, bots that can restart.

Each test gets its own copy of the small site and its own SQLite file (these tests add and edit
posts). ``launcher.start`` opens the index service and starts the real Briefbot against the
emulator; ``launcher.stop`` closes both, in that order, so the same files can serve a restarted
bot. Everything still running is stopped at teardown.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from briefbot_support import make_settings, write_site
from discord_emulator import DiscordEmulator, Fault, MessageRecord

from bot.client import Briefbot
from bot.exts.alerts import Alerts
from index.storage.service import IndexService

FAST_POLL = 0.2  # seconds between the watcher's scans in tests that rely on the poll
SLOW_POLL = 300.0  # only the start-up scan and explicit triggers (reindex) run
# The post the alert and reindex tests add to the site.
NEW_POST = "briefs/2024-03-01-harbour-robots.md"
NEW_TITLE = "Harbour Robots Learn to Moor Ships"


@dataclass
class Site:
    content: Path
    db: Path

    @property
    def posts(self) -> Path:
        return self.content / "_posts"


@pytest.fixture
def fresh_site(tmp_path: Path) -> Site:
    """The small test site, copied for this test (which may add and edit posts)."""
    return Site(write_site(tmp_path / "content"), tmp_path / "data" / "briefbot.sqlite3")


def post_text(title: str, *, category: str = "briefs", excerpt: str = "", body: str = "") -> str:
    excerpt = excerpt or f"What happened with {title.lower()}."
    body = body or (
        f"## Summary\n\n{title} is the subject of this post. Engineers described how the "
        "system works and what it changes for the people who use it.\n"
    )
    return f'---\ntitle: "{title}"\ncategories: [{category}]\nexcerpt: "{excerpt}"\n---\n\n{body}'


def write_atomically(path: Path, text: str) -> None:
    """Write a post the way a deploy or ``git pull`` does: the file appears whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def add_post(site: Site, post_id: str, title: str, **kwargs: Any) -> str:
    write_atomically(site.posts / post_id, post_text(title, **kwargs))
    return post_id


def add_folder_of_posts(site: Site, folder: str, count: int, tmp: Path) -> list[str]:
    """``count`` posts copied in at once: built aside, then moved into ``_posts`` in one rename."""
    staging = tmp / "staging" / folder
    staging.mkdir(parents=True)
    for n in range(count):
        day = 1 + n % 28
        month = 1 + n // 28
        (staging / f"2019-{month:02d}-{day:02d}-old-post-{n:02d}.md").write_text(
            post_text(f"Old post number {n:02d} about robots", category="archive"),
            encoding="utf-8",
        )
    os.replace(staging, site.posts / folder)
    return sorted(f"{folder}/{p.name}" for p in (site.posts / folder).iterdir())


class Launcher:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator
        self.running: list[tuple[Briefbot, IndexService]] = []

    async def start(self, site: Site, **settings: Any) -> Briefbot:
        # As strict as Discord (like the `briefbot` fixture): synced commands, 3 s to respond.
        self.emulator.strict_commands = True
        self.emulator.interaction_deadline = 3.0
        service = await IndexService.open(site.db, site.content)
        await service.ensure()  # as `briefbot run` does: build the index if there is none
        # New posts go out at the first scan that sees them unless a test asks for settling.
        settings.setdefault("alert_settle_seconds", 0)
        bot = Briefbot(make_settings(self.emulator, site.content, site.db, **settings), service)
        self.running.append((bot, service))
        await self.emulator.start_client(bot)
        return bot

    async def stop(self, bot: Briefbot) -> None:
        for entry in [e for e in self.running if e[0] is bot]:
            self.running.remove(entry)
            await self.emulator.stop_client(bot)
            await entry[1].close()

    async def stop_all(self) -> None:
        for bot, _ in list(self.running):
            await self.stop(bot)


@pytest.fixture
async def launcher(emulator: DiscordEmulator) -> AsyncIterator[Launcher]:
    launch = Launcher(emulator)
    yield launch
    await launch.stop_all()


async def eventually(
    predicate: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition"
) -> Any:
    """Wait for a condition outside the emulator (a file, the index), checking it often.

    ``emulator.wait_until`` only re-checks after emulator traffic, which a file never causes.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := predicate()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return result


def alerts_of(bot: Briefbot) -> Alerts:
    # Not isinstance: load_extension imports the extension afresh, so the class is another one.
    cog = bot.get_cog("Alerts")
    assert cog is not None and type(cog).__name__ == "Alerts"
    return cast(Alerts, cog)


async def start_watching(
    launcher: Launcher, site: Site, *, poll: float = FAST_POLL, **settings: Any
) -> tuple[Briefbot, Alerts]:
    """A bot whose alerts loop has made its first scan: everything on the site seen, nothing
    said, so whatever is added next is new."""
    bot = await launcher.start(site, alert_poll_seconds=poll, **settings)
    cog = alerts_of(bot)
    await cog.wait_for_cycles(1)
    return bot, cog


async def watch_news(
    emulator: DiscordEmulator, launcher: Launcher, site: Site, **settings: Any
) -> tuple[Briefbot, Alerts]:
    """``start_watching``, then the news channel subscribed: the set-up most alert tests share."""
    bot, cog = await start_watching(launcher, site, **settings)
    await subscribe(emulator, emulator.world.news)
    return bot, cog


def posts_to(channel_id: int) -> str:
    return f"/channels/{channel_id}/messages"


async def queue_in_an_outage(emulator: DiscordEmulator, site: Site) -> Fault:
    """Add ``NEW_POST`` while Discord fails every post to the news channel, and return that
    outage once the alert has been tried (so it is queued); ``end_outage`` lifts it."""
    outage = emulator.fail_next("POST", posts_to(emulator.world.news.id), status=503, times=10**6)
    add_post(site, NEW_POST, NEW_TITLE)
    await emulator.wait_until(lambda: outage.hits, timeout=10)
    return outage


def end_outage(outage: Fault, cog: Alerts) -> None:
    """Discord accepts posts again, and the queued alert is retried at once."""
    outage.times = len(outage.hits)
    cog.retry_delays = (0.05,)


def alert_messages(emulator: DiscordEmulator, channel: Any) -> list[MessageRecord]:
    """What the bot posted in a channel outside interactions (alerts and summaries)."""
    return [m for m in emulator.bot_messages(channel) if m.source == "channel"]


async def subscribe(
    emulator: DiscordEmulator, channel: Any, *, user: Any = None, **options: Any
) -> dict[str, Any]:
    """``/alerts subscribe``; returns what the moderator is shown as ``{"type", "data"}``: a
    refusal comes at once (type 4), a subscription is confirmed after a deferral (type 5, its
    data the follow-up's body)."""
    handle = await emulator.send_slash_command(
        "alerts",
        {"channel": channel, **options},
        subcommand="subscribe",
        user=user or emulator.world.moderator,
    )
    response = await handle.wait_for_response()
    if response["type"] != 5:
        return response
    return {"type": 5, "data": (await handle.wait_for_message()).request}


# ------------------------------------------------------------------------------ a bot in a child


CHILD_API = "BRIEFBOT_TEST_DISCORD_API"
CHILD_GATEWAY = "BRIEFBOT_TEST_DISCORD_GATEWAY"


async def start_child_bot(
    emulator: DiscordEmulator, site: Site, log_file: Path, **settings: Any
) -> asyncio.subprocess.Process:
    """``briefbot run`` in a child process, talking to this emulator (for real kill -9s)."""
    import sys

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(Path(__file__).parents[1])]),
        CHILD_API: emulator.api_base,
        CHILD_GATEWAY: emulator.gateway_url,
        "DISCORD_TOKEN": emulator.token,
        "BRIEFBOT_DEV_GUILD_ID": str(emulator.guild.id),
        "BRIEFBOT_HEALTH_FILE": str(site.db.parent / "heartbeat"),
        "BRIEFBOT_ALERT_SETTLE_SECONDS": "0",
        **{f"BRIEFBOT_{k.upper()}": str(v) for k, v in settings.items()},
    }
    with log_file.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import alerts_support; alerts_support.child_bot_main()",
            "run",
            "--content",
            str(site.content),
            "--db",
            str(site.db),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            cwd=str(site.db.parent),
        )


def child_bot_main() -> None:
    """The child's entry: point discord.py at the emulator, then run the real CLI."""
    import sys

    import yarl
    from discord import gateway, http

    from bot import cli

    # The same two settings as DiscordEmulator.configure_discord, from the parent's emulator.
    http.Route.BASE = os.environ[CHILD_API]
    gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ[CHILD_GATEWAY])
    sys.exit(cli.main(sys.argv[1:]))
