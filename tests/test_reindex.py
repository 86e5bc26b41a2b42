"""``/reindex`` with the real bot against the Discord emulator and a real SQLite index.

A rebuild is held at its commit by another connection holding SQLite's write lock (as a backup
or the command line would): that keeps it running for as long as a test needs, deterministically,
and with a short busy timeout it makes the rebuild fail half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts_support import (
    NEW_POST,
    NEW_TITLE,
    SLOW_POLL,
    Launcher,
    Site,
    add_post,
    alert_messages,
    alerts_of,
    eventually,
    post_text,
    subscribe,
    write_atomically,
)
from briefbot_support import ask
from discord_emulator import EPHEMERAL, DefaultWorld, DiscordEmulator

from bot.client import Briefbot
from bot.formatting.text import escape

NEW_QUESTION = "Which robots moor container ships in the harbour?"
OLD_QUESTION = "Which companies stopped selling face recognition to police?"
CURATOR = "Curator"


@pytest.fixture
def discord_world() -> DefaultWorld:
    """The default world, plus a Curator role (no permissions) that bob has."""
    world = DefaultWorld()
    curator = world.add_role(world.guild, CURATOR)
    world.guild.members[world.bob.id].roles.append(curator.id)
    return world


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """Hold the database's write lock from another connection."""
    con = sqlite3.connect(db, isolation_level=None, timeout=5)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield
        con.execute("ROLLBACK")
    finally:
        con.close()


async def start(launcher: Launcher, site: Site, **settings: object) -> Briefbot:
    bot = await launcher.start(site, alert_poll_seconds=SLOW_POLL, **settings)
    await alerts_of(bot).wait_for_cycles(1)  # the start-up scan is done: nothing else reindexes
    return bot


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


async def test_a_moderator_reindexes_and_sees_what_changed(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await start(launcher, fresh_site)
    await subscribe(emulator, world.news)
    schema = emulator.find_command("reindex", guild_id=world.guild.id)
    assert schema is not None
    assert schema.get("default_member_permissions") is None  # a moderator role must see it

    add_post(fresh_site, NEW_POST, NEW_TITLE)
    write_atomically(
        fresh_site.posts / "briefs/2022-01-15-deepfakes-elections.md",
        post_text("Deepfakes and Elections, Revisited"),
    )
    (fresh_site.posts / "editorials/2021-03-02-gpt3-hype.md").unlink()
    (fresh_site.posts / "briefs/2024-03-07-binary.md").write_bytes(b"\xff\xfe\x00bad\x00")
    (fresh_site.posts / "briefs/2024-03-05-broken.md").write_text(
        "---\ntitle: [unclosed\ncategories: briefs\n---\n\nA body.\n", encoding="utf-8"
    )

    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    assert await handle.wait_for_response() == {"type": 5, "data": {"flags": EPHEMERAL}}
    message = await handle.wait_for_message(timeout=10)
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed["title"] == "Reindexed"
    assert embed["description"].startswith("**6** posts, **")
    assert embed["description"].endswith(" s")
    found = fields(embed)
    # By title (escaped: the recovered post's salvaged title is "[unclosed").
    assert found["Added (2)"] == f"• {NEW_TITLE}\n• \\[unclosed"
    assert found["Changed (1)"] == "• Deepfakes and Elections, Revisited"
    assert found["Removed (1)"] == "• editorials/2021-03-02-gpt3-hype.md"
    assert found["Files skipped (1)"].startswith("• briefs/2024-03-07-binary.md: not valid UTF-8")
    assert found["Files recovered (1)"].startswith(
        "• briefs/2024-03-05-broken.md: invalid YAML front matter"
    )
    assert message.allowed_mentions == {"parse": []}

    # The new post is searchable, and the reindex announced it without waiting for the poll.
    _, answer = await ask(emulator, NEW_QUESTION)
    assert NEW_TITLE in answer.embeds[0]["description"]
    alert = await emulator.wait_for_message(world.news, timeout=10)
    assert alert.embeds[0]["title"] == NEW_TITLE
    assert bot.index.post(NEW_POST) is not None


async def test_the_moderator_role_may_reindex_and_others_are_politely_refused(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await start(launcher, fresh_site, moderator_role=CURATOR)
    served = bot.index

    refused = await emulator.send_slash_command("reindex", user=world.alice)
    reply = await refused.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] == (
        "Sorry, reindexing is for moderators: it needs the Manage Server permission or the "
        f"**{CURATOR}** role."
    )
    assert bot.index is served  # nothing was rebuilt

    curator = await emulator.send_slash_command("reindex", user=world.bob)
    embed = (await curator.wait_for_message(timeout=10)).embeds[0]
    assert embed["title"] == "Reindexed"
    assert "Nothing changed since the last index." in embed["description"]


async def test_ask_is_answered_during_a_reindex_and_a_second_one_gets_its_report(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await start(launcher, fresh_site)
    served = bot.index
    add_post(fresh_site, NEW_POST, NEW_TITLE)

    with write_lock(fresh_site.db):
        first = await emulator.send_slash_command("reindex", user=world.moderator)
        await first.wait_for_response()
        await eventually(lambda: bot.service.rebuilding)

        # /ask answers from the index being served, while the rebuild waits to commit.
        _, answer = await ask(emulator, OLD_QUESTION)
        assert "Halt Sales of Facial Recognition" in answer.embeds[0]["description"]
        _, answer = await ask(emulator, NEW_QUESTION)
        assert NEW_TITLE not in answer.embeds[0]["description"]

        # A second moderator's /reindex waits for the running one (privately), not refused.
        second = await emulator.send_slash_command("reindex", user=world.owner)
        assert await second.wait_for_response() == {"type": 5, "data": {"flags": EPHEMERAL}}
        assert bot.service.rebuilding and bot.index is served

    embed = (await first.wait_for_message(timeout=10)).embeds[0]
    assert fields(embed)["Added (1)"] == f"• {NEW_TITLE}"
    # Both moderators see what changed: the second, the reindex that was running.
    message = await second.wait_for_message(timeout=10)
    embed = message.embeds[0]
    assert message.ephemeral and fields(embed)["Added (1)"] == f"• {NEW_TITLE}"
    assert "A reindex was already running when you asked" in embed["description"]
    _, answer = await ask(emulator, NEW_QUESTION)
    assert NEW_TITLE in answer.embeds[0]["description"]


async def test_a_reindex_asked_during_the_scheduled_refresh_reports_what_it_changed(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """No moderator started the scheduled refresh: one asking meanwhile is the only one who
    can be told what it changed (the old reply pointed at "whoever started it")."""
    world = emulator.world
    bot = await start(launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    bot.settings.alert_poll_seconds = 0  # the next cycle is a scheduled refresh

    with write_lock(fresh_site.db):
        scheduled = asyncio.create_task(alerts_of(bot).run_cycle())
        await eventually(lambda: bot.service.rebuilding)
        handle = await emulator.send_slash_command("reindex", user=world.moderator)
        assert await handle.wait_for_response() == {"type": 5, "data": {"flags": EPHEMERAL}}
    await scheduled
    embed = (await handle.wait_for_message(timeout=10)).embeds[0]
    assert embed["title"] == "Reindexed"
    assert fields(embed)["Added (1)"] == f"• {NEW_TITLE}"
    assert "already running" in embed["description"]


async def test_a_reindex_that_fails_half_way_leaves_the_previous_index_serving(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await start(launcher, fresh_site)
    await subscribe(emulator, world.news)
    served = bot.index
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    # Parsing succeeds; the commit then finds the database locked and gives up quickly.
    await bot.service.store.db.execute("PRAGMA busy_timeout = 200")

    with write_lock(fresh_site.db):
        handle = await emulator.send_slash_command("reindex", user=world.moderator)
        message = await handle.wait_for_message(timeout=10)
    embed = message.embeds[0]
    assert embed["title"] == "Reindex failed"
    assert "**The reindex failed:** OperationalError: database is locked" in embed["description"]
    assert (
        "Questions are still answered from the previous index (5 posts, indexed <t:"
        in embed["description"]
    )
    assert bot.index is served and bot.index.post(NEW_POST) is None
    _, answer = await ask(emulator, OLD_QUESTION)
    assert "Halt Sales of Facial Recognition" in answer.embeds[0]["description"]
    assert alert_messages(emulator, world.news) == []  # nothing announced from a failed build

    await bot.service.store.db.execute("PRAGMA busy_timeout = 30000")
    retry = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await retry.wait_for_message(timeout=10)).embeds[0]
    assert fields(embed)["Added (1)"] == f"• {NEW_TITLE}"
    alert = await emulator.wait_for_message(world.news, timeout=10)
    assert alert.embeds[0]["title"] == NEW_TITLE


async def test_a_content_folder_emptied_under_the_bot_keeps_the_index_serving(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """A site unmounted or a checkout half-way through a switch leaves an empty folder: neither
    /reindex nor the scheduled refresh may take every post out of what members are answered
    from; the moderator is told why, and the posts come back once the folder does."""
    world = emulator.world
    bot = await start(launcher, fresh_site)
    served = bot.index
    stash = fresh_site.content.parent / "posts-away"
    fresh_site.posts.rename(stash)  # _posts/ gone: the folder holds no posts

    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    message = await handle.wait_for_message(timeout=10)
    embed = message.embeds[0]
    assert message.ephemeral and embed["title"] == "Reindex failed"
    said = embed["description"]
    assert f"No posts found in {escape(str(fresh_site.content))}" in said
    assert "ContentVanished" not in said and "The 5 posts indexed are kept" in said
    assert "Questions are still answered from the previous index (5 posts" in (embed["description"])
    assert bot.index is served and len(bot.index) == 5
    _, answer = await ask(emulator, OLD_QUESTION)
    assert "Halt Sales of Facial Recognition" in answer.embeds[0]["description"]

    # The scheduled refresh keeps it too.
    await alerts_of(bot).run_cycle()  # (no poll is due: make one)
    bot.settings.alert_poll_seconds = 0
    await alerts_of(bot).run_cycle()
    assert bot.index is served

    stash.rename(fresh_site.posts)
    again = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await again.wait_for_message(timeout=10)).embeds[0]
    assert embed["title"] == "Reindexed"
    assert "Nothing changed since the last index." in embed["description"]
