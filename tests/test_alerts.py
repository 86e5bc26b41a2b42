"""New-post alerts with the real bot against the Discord emulator and real SQLite files.

The watcher polls every 0.2 s here. Tests wait on what they expect (a message, a REST call, a
number of completed watcher cycles), never on time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from alerts_support import (
    FAST_POLL,
    NEW_POST,
    NEW_TITLE,
    SLOW_POLL,
    Launcher,
    Site,
    add_folder_of_posts,
    add_post,
    alert_messages,
    alerts_of,
    end_outage,
    eventually,
    post_text,
    posts_to,
    queue_in_an_outage,
    start_child_bot,
    start_watching,
    subscribe,
    watch_news,
    write_atomically,
)
from briefbot_support import button
from discord_emulator import EPHEMERAL, DiscordEmulator, Fault, Permission
from discord_emulator.payloads import channel_payload
from discord_emulator.server import DroppedConnections

from bot import cli
from bot.database import MIGRATIONS
from bot.exts.alerts.store import AlertStore
from bot.formatting.text import DESCRIPTION_MAX, EMBED_TOTAL_MAX
from bot.health import check_heartbeat
from index.models import Post
from index.storage.migrations import migrate

# ------------------------------------------------------------------------------ subscribing


async def test_alerts_commands_are_for_server_managers(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    world = emulator.world
    schema = emulator.find_command("alerts", guild_id=world.guild.id)
    assert schema is not None
    assert int(schema["default_member_permissions"]) == Permission.MANAGE_GUILD
    assert {o["name"] for o in schema["options"]} == {"subscribe", "unsubscribe", "list"}
    subscribe_options = next(o for o in schema["options"] if o["name"] == "subscribe")["options"]
    assert [(o["name"], o["type"], o.get("required", False)) for o in subscribe_options] == [
        ("channel", 7, True),
        ("category", 3, False),
        ("role", 8, False),
    ]

    # Discord hides the command from bob (no Manage Server)…
    with pytest.raises(PermissionError):
        await emulator.send_slash_command(
            "alerts", {"channel": world.news}, subcommand="subscribe", user=world.bob
        )
    # …and should a client show it anyway, the bot checks again.
    handle = await emulator.send_slash_command(
        "alerts",
        {"channel": world.news},
        subcommand="subscribe",
        user=world.bob,
        check_permissions=False,
    )
    reply = await handle.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] == "You need the Manage Server permission for that."
    assert await alerts_of(bot).store.subscriptions() == []  # type: ignore[union-attr]

    reply = await subscribe(emulator, world.news, role=world.subscribers_role, category="briefs")
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] == (
        f"<#{world.news.id}> will get an alert for new posts in **briefs**, mentioning "
        f"<@&{world.subscribers_role.id}>."
    )
    assert reply["data"]["allowed_mentions"] == {"parse": []}

    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.owner)
    listing = (await handle.wait_for_response())["data"]
    assert listing["flags"] & EPHEMERAL
    text = listing["embeds"][0]["description"]
    assert (
        f"<#{world.news.id}> · category **briefs** · pings <@&{world.subscribers_role.id}>" in text
        and "Failing" not in text
    )

    handle = await emulator.send_slash_command(
        "alerts", {"channel": world.news}, subcommand="unsubscribe", user=world.moderator
    )
    removed = await handle.wait_for_message()
    assert removed.ephemeral and removed.content == f"<#{world.news.id}> no longer gets alerts."
    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.owner)
    assert (
        "No channel gets new-post alerts yet"
        in (await handle.wait_for_response())["data"]["embeds"][0]["description"]
    )


async def test_a_long_list_of_subscriptions_says_how_many_it_leaves_out(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """A busy server's many alert channels: /alerts list fits Discord's 4,096 characters, and
    those it cannot show are counted, not silently dropped."""
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    store = alerts_of(bot).store
    assert store is not None
    for n in range(80):
        await store.subscribe(
            guild_id=world.guild.id,
            channel_id=world.news.id + 1000 + n,
            category="briefs" if n % 2 else None,
            role_id=world.subscribers_role.id if n % 3 == 0 else None,
            user_id=world.owner.id,
        )
    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.owner)
    embed = (await handle.wait_for_response())["data"]["embeds"][0]
    text = embed["description"]
    assert len(text) <= 4096
    shown = text.count("<#")
    assert 0 < shown < 80
    assert text.endswith(f"… and {80 - shown} more channels")
    assert embed["footer"]["text"].startswith("80 channels")


async def test_subscribe_refuses_a_channel_the_bot_cannot_post_in(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    world.alerts.deny(world.bot_role, Permission.EMBED_LINKS)
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    reply = await subscribe(emulator, world.alerts)
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] == (
        f"I can't post alerts in <#{world.alerts.id}>: I need the Embed Links permission there."
    )
    assert await alerts_of(bot).store.subscriptions() == []  # type: ignore[union-attr]


# ------------------------------------------------------------------------------ announcing


async def test_a_new_post_is_announced_once_per_subscribed_channel_once_searchable(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await start_watching(launcher, fresh_site)
    await subscribe(emulator, world.news, role=world.subscribers_role)
    await subscribe(emulator, world.alerts, category="briefs")

    add_post(
        fresh_site,
        NEW_POST,
        NEW_TITLE,
        excerpt="Autonomous tugs moored a container ship without a crew.",
    )
    news = await emulator.wait_for_message(world.news, timeout=10)
    # The post was searchable before it was announced.
    assert bot.index.post(NEW_POST) is not None
    alerts = await emulator.wait_for_message(world.alerts, timeout=10)

    url = bot.index.post(NEW_POST).url  # type: ignore[union-attr]
    assert url.startswith("https://www.skynettoday.com/briefs/")
    embed = news.embeds[0]
    assert embed["title"] == NEW_TITLE and embed["url"] == url
    assert embed["description"] == "Autonomous tugs moored a container ship without a crew."
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "Date": "1 Mar 2024",
        "Categories": "briefs",
    }
    assert embed["author"]["name"] == "New post on Skynet Today"
    assert [b["label"] for b in news.buttons()] == ["Ask about this post"]
    # Only the subscription's role may be pinged, and only where it names one.
    assert news.content == f"<@&{world.subscribers_role.id}>"
    assert news.allowed_mentions == {"parse": [], "roles": [world.subscribers_role.id]}
    assert news.mention_roles == [world.subscribers_role.id] and news.mentions == []
    assert not news.mention_everyone
    assert alerts.content == "" and alerts.allowed_mentions == {"parse": []}
    assert alerts.mention_roles == [] and alerts.embeds[0]["title"] == NEW_TITLE

    # An editorial reaches only the channel that takes every category.
    add_post(
        fresh_site,
        "editorials/2024-03-02-robot-unions.md",
        "Should Robots Unionise",
        category="editorials",
    )
    await emulator.wait_for_message(
        world.news, predicate=lambda m: m.embeds[0]["title"] == "Should Robots Unionise", timeout=10
    )
    await cog.wait_for_cycles(cog.cycles + 3)
    assert [m.embeds[0]["title"] for m in alert_messages(emulator, world.news)] == [
        NEW_TITLE,
        "Should Robots Unionise",
    ]
    assert [m.embeds[0]["title"] for m in alert_messages(emulator, world.alerts)] == [NEW_TITLE]

    # "Ask about this post" answers from that post only, privately.
    opened = await emulator.click_button(
        news, button(news, "Ask about this post")["custom_id"], user=world.bob
    )
    assert (await opened.wait_for_response())["type"] == 9
    assert opened.modal is not None and opened.modal["title"] == "Ask about this post"
    submitted = await emulator.submit_modal(opened, {"question": "How were the ships moored?"})
    answer = await submitted.wait_for_message()
    assert answer.ephemeral
    description = answer.embeds[0]["description"]
    assert "Harbour Robots Learn to Moor Ships" in description
    assert f"]({url}" in description
    assert "Halt Sales" not in description and "GPT-3" not in description


async def test_restarting_the_bot_never_repeats_an_alert(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_message(world.news, timeout=10)
    await launcher.stop(bot)

    again = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL)
    await alerts_of(again).wait_for_cycles(3)
    assert len(alert_messages(emulator, world.news)) == 1
    assert await alerts_of(again).store.deliveries(world.news.id) == [  # type: ignore[union-attr]
        (NEW_POST, "delivered")
    ]


async def test_an_alert_discord_never_accepted_is_posted_after_a_restart(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL)
    cog = alerts_of(bot)
    cog.retry_delays = (0.05,)
    await cog.wait_for_cycles(1)
    await subscribe(emulator, world.news)
    # 503 is not retried by discord.py itself: the watcher backs off, then leaves it queued.
    outage = emulator.fail_next("POST", posts_to(world.news.id), status=503, times=1000)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_until(lambda: len(outage.hits) >= 4, timeout=10)
    await launcher.stop(bot)  # e.g. the container restarts while Discord has an outage
    outage.times = len(outage.hits)  # Discord is back

    again = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL)
    message = await emulator.wait_for_message(world.news, timeout=10)
    assert message.embeds[0]["title"] == NEW_TITLE
    await alerts_of(again).wait_for_cycles(alerts_of(again).cycles + 3)
    assert len(alert_messages(emulator, world.news)) == 1


async def test_a_discord_500_then_200_gives_one_alert(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    _, cog = await watch_news(emulator, launcher, fresh_site)
    emulator.fail_next("POST", posts_to(world.news.id), status=500)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_message(world.news, timeout=10)
    await cog.wait_for_cycles(cog.cycles + 3)
    calls = emulator.calls_to("POST", posts_to(world.news.id))
    assert [(c.status, c.injected) for c in calls] == [(500, True), (200, False)]
    # The retry is the same message: Discord would drop a duplicate with this nonce.
    assert calls[0].json["nonce"] == calls[1].json["nonce"] and calls[1].json["enforce_nonce"]
    assert len(alert_messages(emulator, world.news)) == 1


@pytest.mark.parametrize(
    ("scope", "times"), [("user", 1), ("shared", 1), ("global", 1), ("global", 6)]
)
async def test_a_429_is_waited_out_as_discord_asks(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, scope: str, times: int
) -> None:
    # A route's, a resource's and the global limit (docs/topics/rate-limits.md); six in a row
    # outlast discord.py's five tries: the alert stays queued and goes out later, once.
    world = emulator.world
    _, cog = await watch_news(emulator, launcher, fresh_site)
    posts = posts_to(world.news.id)
    emulator.fail_next("POST", posts, status=429, retry_after=0.4, scope=scope, times=times)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_message(world.news, timeout=20)
    await cog.wait_for_cycles(cog.cycles + 2)
    *limited, accepted = emulator.calls_to("POST", posts)
    assert [c.status for c in limited] == [429] * times and accepted.status == 200
    assert accepted.monotonic - limited[-1].monotonic >= 0.4 - 0.02  # not before retry_after
    assert len({c.json["nonce"] for c in (*limited, accepted)}) == 1
    assert len(alert_messages(emulator, world.news)) == 1


@pytest.mark.parametrize("bot_sees_it", [True, False])
async def test_a_deleted_channel_loses_its_subscription_and_others_are_still_served(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, bot_sees_it: bool
) -> None:
    """Kept, a deleted channel's subscription would be listed as failing and retried forever:
    `/alerts unsubscribe` cannot name it (Discord's picker lists only channels that exist)."""
    world = emulator.world
    _, cog = await start_watching(launcher, fresh_site)
    await subscribe(emulator, world.alerts)
    await subscribe(emulator, world.news)
    del world.guild.channels[world.alerts.id]
    if bot_sees_it:  # else deleted while the bot was away: Discord's 404 tells it
        await emulator.dispatch("CHANNEL_DELETE", channel_payload(world.alerts))
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_message(world.news, timeout=10)
    await cog.wait_for_cycles(cog.cycles + 2)

    subs = await cog.store.subscriptions()  # type: ignore[union-attr]
    assert [s.channel_id for s in subs] == [world.news.id]
    assert await cog.store.deliveries(world.alerts.id) == []  # type: ignore[union-attr]
    tries = [c.status for c in emulator.calls_to("POST", posts_to(world.alerts.id))]
    assert tries == ([] if bot_sees_it else [404])
    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.moderator)
    listing = (await handle.wait_for_response())["data"]["embeds"][0]
    assert listing["description"] == f"<#{world.news.id}> · all posts · no ping"
    assert len(alert_messages(emulator, world.news)) == 1


async def test_a_channel_that_forbids_the_bot_is_reported_and_others_still_served(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    _, cog = await start_watching(launcher, fresh_site)
    await subscribe(emulator, world.alerts)
    await subscribe(emulator, world.news)
    world.alerts.deny(world.bot_role, Permission.SEND_MESSAGES)
    expected = "Missing Permissions (HTTP 403, code 50013)"

    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_message(world.news, timeout=10)
    refused = await emulator.wait_for_call("POST", posts_to(world.alerts.id), timeout=10)
    assert refused.status == 403 and not refused.injected
    # Discord has answered; the bot records the refusal when its delivery task gets the answer.
    await cog.wait_for_deliveries()
    sub = next(
        s
        for s in await cog.store.subscriptions()  # type: ignore[union-attr]
        if s.channel_id == world.alerts.id
    )
    assert sub.failing and sub.last_error == expected

    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.moderator)
    listing = (await handle.wait_for_response())["data"]["embeds"][0]
    alerts_line, news_line = listing["description"].split("\n\n")
    assert alerts_line.startswith(f"<#{world.alerts.id}> · all posts · no ping\n⚠️ **Failing**")
    assert expected in alerts_line and "1 alert waiting to be posted" in alerts_line
    assert news_line == f"<#{world.news.id}> · all posts · no ping"
    assert "1 failing" in listing["footer"]["text"]

    # Fixed by a server admin: the queued alert goes out.
    world.alerts.permission_overwrites.clear()
    await emulator.wait_for_message(world.alerts, timeout=10)
    await cog.wait_for_deliveries()
    sub = next(
        s
        for s in await cog.store.subscriptions()  # type: ignore[union-attr]
        if s.channel_id == world.alerts.id
    )
    assert not sub.failing
    assert len(alert_messages(emulator, world.news)) == 1


async def test_a_moderators_reindex_warns_of_alert_channels_that_refuse_the_bot(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    # A moderator pushes a post and runs /reindex to see it out: that reply says that its
    # alert waits in a channel the bot may no longer post in (before: only /alerts list did).
    world = emulator.world
    _, cog = await start_watching(launcher, fresh_site)
    await subscribe(emulator, world.alerts)
    await subscribe(emulator, world.news)
    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    fine = (await handle.wait_for_message()).embeds[0]
    assert not [f for f in fine.get("fields", []) if "Alerts failing" in f["name"]]

    world.alerts.deny(world.bot_role, Permission.SEND_MESSAGES)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    await emulator.wait_for_call("POST", posts_to(world.alerts.id), status=403, timeout=10)
    await cog.wait_for_deliveries()
    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    reply = await handle.wait_for_message()
    assert reply.ephemeral
    [field] = [f for f in reply.embeds[0]["fields"] if "Alerts failing" in f["name"]]
    assert field["name"] == "⚠️ Alerts failing (1 channel)"
    assert f"<#{world.alerts.id}> since <t:" in field["value"]
    assert "Missing Permissions (HTTP 403, code 50013)" in field["value"]
    assert f"<#{world.news.id}>" not in field["value"] and "`/alerts list`" in field["value"]


@pytest.mark.parametrize("bot_knows", [True, False])
async def test_an_alert_where_embeds_were_taken_away_waits_instead_of_pinging_bare(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, bot_knows: bool
) -> None:
    """A role subscription's alert has content (the ping), so without Embed Links Discord
    takes the message and drops its embed: a bare ping, the post never said."""
    world = emulator.world
    _, cog = await start_watching(launcher, fresh_site)
    await subscribe(emulator, world.news, role=world.subscribers_role)
    world.news.deny(world.bot_role, Permission.EMBED_LINKS)
    if bot_knows:  # Discord tells the bot of the change (when it does not, the reply tells)
        await emulator.dispatch("CHANNEL_UPDATE", channel_payload(world.news))
    add_post(fresh_site, NEW_POST, NEW_TITLE)

    async def news_sub() -> Any:
        subs = await cog.store.subscriptions()  # type: ignore[union-attr]
        return next(s for s in subs if s.channel_id == world.news.id)

    for _ in range(50):
        await cog.wait_for_cycles(cog.cycles + 1)
        if (await news_sub()).failing:
            break
    sub = await news_sub()
    assert sub.failing and "Embed Links" in (sub.last_error or "")
    assert [m for m in alert_messages(emulator, world.news) if not m.deleted] == []
    assert await cog.store.deliveries(world.news.id) == [(NEW_POST, "pending")]  # type: ignore[union-attr]

    # Given back: the alert goes out once, whole.
    world.news.permission_overwrites.clear()
    await emulator.dispatch("CHANNEL_UPDATE", channel_payload(world.news))
    emulator.advance_clock(6 * 60)  # (past Discord's nonce window of the refused try)
    alert = await emulator.wait_for_message(
        world.news, predicate=lambda m: not m.deleted and bool(m.embeds), timeout=10
    )
    await cog.wait_for_deliveries()
    assert alert.embeds[0]["title"] == NEW_TITLE and alert.mention_roles
    assert [m for m in alert_messages(emulator, world.news) if not m.deleted] == [alert]
    assert not (await news_sub()).failing


async def test_thirty_posts_at_once_get_one_summary_per_channel(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, tmp_path: Path
) -> None:
    world = emulator.world
    _, cog = await start_watching(launcher, fresh_site, alert_flood_limit=5)
    await subscribe(emulator, world.news, role=world.subscribers_role)
    await subscribe(emulator, world.alerts)

    ids = add_folder_of_posts(fresh_site, "archive", 30, tmp_path)
    news = await emulator.wait_for_message(world.news, timeout=15)
    await emulator.wait_for_message(world.alerts, timeout=15)
    await cog.wait_for_cycles(cog.cycles + 3)
    for channel in (world.news, world.alerts):
        [summary] = alert_messages(emulator, channel)
        embed = summary.embeds[0]
        assert embed["title"] == "30 new posts on Skynet Today"
        assert len(embed["description"]) <= DESCRIPTION_MAX
        assert (
            sum(len(v) for v in (embed["title"], embed["description"], embed["footer"]["text"]))
            <= EMBED_TOTAL_MAX
        )
        listed = embed["description"].count("• [Old post number")
        assert listed == 30 or (listed < 30 and f"… and {30 - listed} more" in embed["description"])
        assert summary.buttons() == []
    assert news.content == f"<@&{world.subscribers_role.id}>"
    assert news.mention_roles == [world.subscribers_role.id]
    assert await cog.store.deliveries(world.news.id) == [  # type: ignore[union-attr]
        (post_id, "delivered") for post_id in ids
    ]


async def test_the_first_index_of_a_content_folder_announces_nothing(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    # A subscription exists before this content folder was ever indexed.
    store = await AlertStore.open(fresh_site.db)
    await store.subscribe(
        guild_id=world.guild.id,
        channel_id=world.news.id,
        category=None,
        role_id=None,
        user_id=world.owner.id,
    )
    await store.close()

    bot = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL)
    cog = alerts_of(bot)
    await cog.wait_for_cycles(3)
    assert len(bot.index) == 5
    assert emulator.calls_to("POST", r"/channels/\d+/messages") == []

    add_post(fresh_site, NEW_POST, NEW_TITLE)  # the subscription does work
    message = await emulator.wait_for_message(world.news, timeout=10)
    assert message.embeds[0]["title"] == NEW_TITLE


async def test_an_edited_post_is_not_announced_again(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    bot, cog = await watch_news(emulator, launcher, fresh_site)

    post_id = "briefs/2022-01-15-deepfakes-elections.md"
    write_atomically(
        fresh_site.posts / post_id,
        post_text(
            "Deepfakes and Elections, Revisited",
            excerpt="An update on synthetic video in campaigns.",
        ),
    )
    await eventually(
        lambda: bot.index.post(post_id).title == "Deepfakes and Elections, Revisited",  # type: ignore[union-attr]
        timeout=10,
    )
    await cog.wait_for_cycles(cog.cycles + 3)
    assert emulator.calls_to("POST", r"/channels/\d+/messages") == []


# ------------------------------------------------------------------------------ other sources


async def test_an_index_rebuilt_by_the_cli_is_noticed_and_announced(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site, poll=SLOW_POLL)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    # `briefbot index` in another process-like run, on the same SQLite file.
    code = await asyncio.to_thread(
        cli.main, ["index", "--content", str(fresh_site.content), "--db", str(fresh_site.db)]
    )
    assert code == 0
    cog.watch.change_interval(seconds=0.1)  # the poll is not due: only the generation is checked
    message = await emulator.wait_for_message(world.news, timeout=10)
    assert message.embeds[0]["title"] == NEW_TITLE
    assert bot.index.post(NEW_POST) is not None


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _checkout_with_origin(site: Site, tmp_path: Path) -> Path:
    """The site as a git checkout of an origin; returns an editor's clone of that origin."""
    origin, editor = tmp_path / "origin.git", tmp_path / "editor"
    _git("init", "--quiet", cwd=site.content)
    _git("add", "-A", cwd=site.content)
    _git("commit", "--quiet", "-m", "site", cwd=site.content)
    _git("clone", "--quiet", "--bare", str(site.content), str(origin), cwd=tmp_path)
    _git("remote", "add", "origin", str(origin), cwd=site.content)
    _git("fetch", "--quiet", "origin", cwd=site.content)
    _git("branch", "--quiet", "--set-upstream-to=origin/main", cwd=site.content)
    _git("clone", "--quiet", str(origin), str(editor), cwd=tmp_path)
    return editor


def _push_new_post(editor: Path) -> None:
    write_atomically(editor / "_posts" / NEW_POST, post_text(NEW_TITLE))
    _git("add", "-A", cwd=editor)
    _git("commit", "--quiet", "-m", "new post", cwd=editor)
    _git("push", "--quiet", "origin", "main", cwd=editor)


async def test_the_content_checkout_is_pulled_before_each_scan(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, tmp_path: Path
) -> None:
    world = emulator.world
    editor = _checkout_with_origin(fresh_site, tmp_path)
    bot = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL, git_pull=True)
    await alerts_of(bot).wait_for_cycles(1)
    await subscribe(emulator, world.news)
    _push_new_post(editor)

    message = await emulator.wait_for_message(world.news, timeout=15)
    assert message.embeds[0]["title"] == NEW_TITLE
    assert (fresh_site.posts / NEW_POST).exists()


async def test_reindex_pulls_the_checkout_first_and_says_when_the_pull_fails(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, tmp_path: Path
) -> None:
    """With BRIEFBOT_GIT_PULL, a moderator who has just pushed a post runs /reindex to see it
    now, not at the next poll; a pull that fails is said in the reply, not only logged."""
    world = emulator.world
    editor = _checkout_with_origin(fresh_site, tmp_path)
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL, git_pull=True)
    await alerts_of(bot).wait_for_cycles(1)
    _push_new_post(editor)

    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await handle.wait_for_message(timeout=30)).embeds[0]
    added = {f["name"]: f["value"] for f in embed.get("fields", [])}
    assert added.get("Added (1)") == f"• {NEW_TITLE}", embed

    shutil.rmtree(tmp_path / "origin.git")  # the remote gone: the pull fails
    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await handle.wait_for_message(timeout=30)).embeds[0]
    assert embed["title"] == "Reindexed"  # what is on disk is still indexed
    failed = {f["name"]: f["value"] for f in embed.get("fields", [])}
    assert "origin.git" in failed["git pull failed: the posts on disk were indexed"], embed


async def test_asking_about_a_post_in_words_it_lacks_shows_what_it_says(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """ "tell me more", "explain this", "tldr": a member asking about one post with words it
    lacks is shown what the post says, said so, not told the site does not cover it."""
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    url = bot.index.post(NEW_POST).url  # type: ignore[union-attr]
    for question in ("tell me more", "tldr", "explain this to me"):
        opened = await emulator.click_button(
            alert, button(alert, "Ask about this post")["custom_id"], user=world.bob
        )
        await opened.wait_for_response()
        submitted = await emulator.submit_modal(opened, {"question": question})
        answer = await submitted.wait_for_message()
        embed = answer.embeds[0]
        assert answer.ephemeral and embed["title"] == question
        assert "Not covered" not in embed["description"]
        assert f"[{NEW_TITLE} › Summary]({url}" in embed["description"], embed
        assert "is the subject of this post" in embed["description"]
        assert "doesn't seem to answer that" in str(embed), embed
    # A question with no words at all is still asked for words.
    opened = await emulator.click_button(
        alert, button(alert, "Ask about this post")["custom_id"], user=world.alice
    )
    await opened.wait_for_response()
    submitted = await emulator.submit_modal(opened, {"question": "?"})
    assert "Nothing to search for" in (await submitted.wait_for_message()).embeds[0]["description"]


async def test_asking_about_a_post_shares_the_ask_cooldown_and_needs_the_post(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, _ = await watch_news(
        emulator, launcher, fresh_site, ask_cooldown_seconds=60, ask_cooldown_rate=1
    )
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    custom_id = button(alert, "Ask about this post")["custom_id"]

    opened = await emulator.click_button(alert, custom_id, user=world.bob)
    await opened.wait_for_response()
    answered = await emulator.submit_modal(opened, {"question": "robots?"})
    assert (await answered.wait_for_message()).embeds
    opened = await emulator.click_button(alert, custom_id, user=world.bob)
    await opened.wait_for_response()
    limited = await emulator.submit_modal(opened, {"question": "and ships?"})
    reply = await limited.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] in {
        f"You're asking quickly — try again in {n} s." for n in (59, 60)
    }

    (fresh_site.posts / NEW_POST).unlink()
    await eventually(lambda: bot.index.post(NEW_POST) is None, timeout=10)
    gone = await emulator.click_button(alert, custom_id, user=world.alice)
    reply = await gone.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "no longer in the index" in reply["data"]["content"]


async def test_a_question_typed_into_an_alerts_form_survives_a_restart_of_the_bot(
    emulator: DiscordEmulator,
    launcher: Launcher,
    fresh_site: Site,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    custom_id = button(alert, "Ask about this post")["custom_id"]
    opened = await emulator.click_button(alert, custom_id, user=world.bob)
    await opened.wait_for_response()
    with caplog.at_level(logging.INFO):
        answered = await emulator.submit_modal(opened, {"question": "Who builds the robots?"})
        assert NEW_TITLE in (await answered.wait_for_message()).embeds[0]["description"]
    assert "builds the robots" not in caplog.text  # a question's words are never logged at INFO

    opened = await emulator.click_button(alert, custom_id, user=world.bob)
    await opened.wait_for_response()
    await launcher.stop(bot)  # a deploy while bob types (or he takes longer than the form lives)
    await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)

    # discord.py drops a form no view holds: Discord would say it failed, the question lost.
    with caplog.at_level(logging.INFO):
        answered = await emulator.submit_modal(opened, {"question": "How are the ships moored?"})
        reply = await answered.wait_for_message()
    assert answered.response == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert reply.ephemeral and NEW_TITLE in reply.embeds[0]["description"]
    assert "ships moored" not in caplog.text


# ------------------------------------------------------------------------------ faults (issue 12)


@pytest.mark.parametrize("trouble", ["503", "network"])
async def test_a_channel_answering_5xx_or_cut_off_does_not_hold_up_the_others(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, trouble: str
) -> None:
    world = emulator.world
    assert world.news.id < world.alerts.id  # the failing channel comes first in id order
    _, cog = await watch_news(emulator, launcher, fresh_site)
    await subscribe(emulator, world.alerts)
    # Every send to #news fails: 503 (raised by discord.py at once, no retries of its own), or
    # the connection cut before any answer.
    outage: Fault | DroppedConnections
    if trouble == "503":
        outage = emulator.fail_next("POST", posts_to(world.news.id), status=503, times=10**6)
    else:
        outage = emulator.drop_connections("POST", posts_to(world.news.id), times=10**6)

    add_post(fresh_site, NEW_POST, NEW_TITLE)
    first = await emulator.wait_for_message(world.alerts, timeout=10)
    assert first.embeds[0]["title"] == NEW_TITLE
    add_post(fresh_site, "briefs/2024-03-02-robot-ferries.md", "Robot Ferries")
    second = await emulator.wait_for_message(
        world.alerts, predicate=lambda m: m.embeds[0]["title"] == "Robot Ferries", timeout=10
    )
    assert second.embeds[0]["title"] == "Robot Ferries"
    hits = outage.hits if isinstance(outage, Fault) else outage.calls
    assert hits and alert_messages(emulator, world.news) == []
    # #news kept its alerts queued and backs off on its own; when Discord heals, both go out.
    outage.times = len(hits)
    cog.retry_delays = (0.05,)
    await emulator.wait_until(lambda: len(alert_messages(emulator, world.news)) == 2, timeout=90)
    await cog.wait_for_cycles(cog.cycles + 2)
    assert sorted(m.embeds[0]["title"] for m in alert_messages(emulator, world.news)) == [
        NEW_TITLE,
        "Robot Ferries",
    ]
    assert len(alert_messages(emulator, world.alerts)) == 2


async def test_unsubscribing_cancels_the_alerts_queued_for_the_channel_even_mid_delivery(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, tmp_path: Path
) -> None:
    world = emulator.world
    _, cog = await watch_news(emulator, launcher, fresh_site, alert_flood_limit=10)
    # Discord takes the first alert but answers only when the test says so: mid-delivery.
    hold = emulator.hold_responses("POST", posts_to(world.news.id))
    try:
        ids = add_folder_of_posts(fresh_site, "archive", 3, tmp_path)
        await emulator.wait_until(lambda: hold.calls, timeout=10)
        handle = await emulator.send_slash_command(
            "alerts", {"channel": world.news}, subcommand="unsubscribe", user=world.moderator
        )
        assert (await handle.wait_for_response())["type"] == 5  # deferred: waits for the send
    finally:
        hold.release()
    reply = await handle.wait_for_message(timeout=10)
    assert reply.ephemeral and reply.content == f"<#{world.news.id}> no longer gets alerts."
    await cog.wait_for_cycles(cog.cycles + 3)
    assert len(alert_messages(emulator, world.news)) == 1  # the one in flight, no more
    assert len(emulator.calls_to("POST", posts_to(world.news.id))) == 1
    assert [state for _, state in await cog.store.deliveries(world.news.id)] == [  # type: ignore[union-attr]
        "delivered"
    ]
    assert len(ids) == 3


async def test_a_renamed_post_is_not_announced_again(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    posts = fresh_site.posts

    # Same text, new name (and so a new URL): known by its content.
    old = "briefs/2022-01-15-deepfakes-elections.md"
    new = "briefs/2022-01-16-deepfakes-and-elections.md"
    old_url = bot.index.post(old).url  # type: ignore[union-attr]
    os.replace(posts / old, posts / new)
    await eventually(lambda: bot.index.post(new) is not None, timeout=10)
    assert bot.index.post(new).url != old_url  # type: ignore[union-attr]

    # A fixed permalink, then a rename with an edit: known by its URL.
    text = post_text("Ships and Robots", body="## Summary\n\nFirst version.\n")
    permalink = text.replace("---\n\n", "permalink: /briefs/ships-and-robots/\n---\n\n", 1)
    write_atomically(posts / NEW_POST, permalink)
    announced = await emulator.wait_for_message(world.news, timeout=10)
    assert announced.embeds[0]["title"] == "Ships and Robots"
    renamed = "briefs/2024-03-09-ships-and-robots.md"
    write_atomically(posts / renamed, permalink.replace("First version.", "Second version."))
    (posts / NEW_POST).unlink()
    await eventually(
        lambda: bot.index.post(renamed) is not None and bot.index.post(NEW_POST) is None, timeout=10
    )

    await cog.wait_for_cycles(cog.cycles + 3)
    assert [m.embeds[0]["title"] for m in alert_messages(emulator, world.news)] == [
        "Ships and Robots"
    ]
    add_post(fresh_site, "briefs/2024-03-10-new-ferries.md", "New Ferries")  # new is still new
    await emulator.wait_for_message(
        world.news, predicate=lambda m: m.embeds[0]["title"] == "New Ferries", timeout=10
    )


async def test_a_queued_alert_follows_its_post_through_a_rename(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    outage = await queue_in_an_outage(emulator, fresh_site)
    renamed = "briefs/2024-03-01-harbour-robots-moor-ships.md"
    os.replace(fresh_site.posts / NEW_POST, fresh_site.posts / renamed)
    await eventually(lambda: bot.index.post(renamed) is not None, timeout=10)
    await cog.wait_for_cycles(cog.cycles + 2)
    end_outage(outage, cog)
    message = await emulator.wait_for_message(world.news, timeout=90)
    assert message.embeds[0]["title"] == NEW_TITLE
    assert message.embeds[0]["url"] == bot.index.post(renamed).url  # type: ignore[union-attr]
    await cog.wait_for_cycles(cog.cycles + 3)
    assert len(alert_messages(emulator, world.news)) == 1


OSPREYS = "briefs/2024-03-05-ospreys.md"
BROKEN_OSPREYS = (
    '---\ntitle: "Ospreys return [draft\ncategories: [briefs, [briefs\n'
    'excerpt: "The birds are back."\n---\n\n## Summary\n\n'
    "Ospreys returned to the harbour this spring.\n"
)


async def test_a_post_that_only_loads_by_recovery_is_held_back_and_reported(
    emulator: DiscordEmulator,
    launcher: Launcher,
    fresh_site: Site,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)

    with caplog.at_level(logging.WARNING, logger="bot.exts.alerts"):
        write_atomically(fresh_site.posts / OSPREYS, BROKEN_OSPREYS)
        await eventually(lambda: bot.index.post(OSPREYS) is not None, timeout=10)
        await cog.wait_for_cycles(cog.cycles + 3)
    assert emulator.calls_to("POST", posts_to(world.news.id)) == []  # not announced mangled
    assert any(
        OSPREYS in r.getMessage() and "not announced until it loads cleanly" in r.getMessage()
        for r in caplog.records
    )

    handle = await emulator.send_slash_command("alerts", subcommand="list", user=world.moderator)
    listing = (await handle.wait_for_response())["data"]["embeds"][0]
    [held] = [f for f in listing["fields"] if f["name"] == "Not announced until fixed (1)"]
    assert OSPREYS in held["value"] and "invalid YAML front matter" in held["value"]

    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await handle.wait_for_message(timeout=10)).embeds[0]
    assert any(
        f["name"] == "Not announced until fixed (1)" and OSPREYS in f["value"]
        for f in embed["fields"]
    )

    # Fixed by its author: announced once, as it should read.
    write_atomically(fresh_site.posts / OSPREYS, post_text("Ospreys Return", excerpt="Back."))
    message = await emulator.wait_for_message(world.news, timeout=10)
    assert message.embeds[0]["title"] == "Ospreys Return"
    assert "%5B" not in message.embeds[0]["url"]
    await cog.wait_for_cycles(cog.cycles + 3)
    assert len(alert_messages(emulator, world.news)) == 1
    assert await cog.store.held(cog.content_key) == []  # type: ignore[union-attr]


async def test_posts_copied_in_over_seconds_give_one_summary_once_the_folder_is_quiet(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    _, cog = await watch_news(
        emulator, launcher, fresh_site, alert_flood_limit=5, alert_settle_seconds=1.5
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n in range(60):  # 60 posts over ~4 s, scanned every 0.2 s meanwhile
        add_post(
            fresh_site,
            f"archive/2019-{1 + n // 28:02d}-{1 + n % 28:02d}-copied-{n:02d}.md",
            f"Copied post {n:02d}",
            category="archive",
        )
        await asyncio.sleep(max(0.0, start + (n + 1) * 4 / 60 - loop.time()))  # the copying pace
    summary = await emulator.wait_for_message(world.news, timeout=20)
    await cog.wait_for_cycles(cog.cycles + 3)
    assert alert_messages(emulator, world.news) == [summary]
    assert summary.embeds[0]["title"] == "60 new posts on Skynet Today"


async def test_an_alert_discord_took_before_a_kill_9_is_not_sent_again_after_a_long_outage(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, tmp_path: Path
) -> None:
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site)  # the baseline, and a subscription
    await launcher.stop(bot)

    add_post(fresh_site, NEW_POST, NEW_TITLE)
    # Discord accepts the alert, but the answer is held: the bot is killed before it hears.
    hold = emulator.hold_responses("POST", posts_to(world.news.id))
    log_file = tmp_path / "child.log"
    child = await start_child_bot(emulator, fresh_site, log_file, alert_poll_seconds=0.2)
    try:
        await emulator.wait_until(lambda: hold.calls, timeout=60)
        child.kill()  # SIGKILL: nothing is recorded
        assert await child.wait() == -signal.SIGKILL
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        hold.release()
    [accepted] = alert_messages(emulator, world.news)
    assert accepted.embeds[0]["title"] == NEW_TITLE

    # Restarted long after Discord stopped honouring the nonce: the channel is the record.
    mark = emulator.mark()
    again = await launcher.start(fresh_site, alert_poll_seconds=FAST_POLL)
    cog = alerts_of(again)
    await emulator.wait_for_call("GET", posts_to(world.news.id), after=mark, timeout=10)
    await cog.wait_for_cycles(cog.cycles + 3)
    assert alert_messages(emulator, world.news) == [accepted]
    assert [c for c in emulator.calls_to("POST", posts_to(world.news.id)) if c.index >= mark] == []
    assert await cog.store.deliveries(world.news.id) == [  # type: ignore[union-attr]
        (NEW_POST, "delivered")
    ]


async def test_the_database_file_deleted_under_the_bot_is_noticed_and_nothing_vanishes(
    emulator: DiscordEmulator,
    launcher: Launcher,
    fresh_site: Site,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site, health_max_age_seconds=0.5)
    heartbeat = bot.settings.health_file
    await eventually(lambda: check_heartbeat(heartbeat, 0.5)[0], timeout=5)

    with caplog.at_level(logging.WARNING):
        fresh_site.db.unlink()  # an operator's clean-up, a volume remounted…
        await eventually(
            lambda: not check_heartbeat(heartbeat, 0.5)[0],
            timeout=10,
            what="the health check to fail",
        )
    [said] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert str(fresh_site.db) in said.getMessage() and "deleted" in said.getMessage()

    # The subscriptions are saved beside it, and a new one is refused rather than lost.
    [rescued] = fresh_site.db.parent.glob(f"{fresh_site.db.name}.rescued-*")
    store = await AlertStore.open(rescued)
    try:
        assert [s.channel_id for s in await store.subscriptions()] == [world.news.id]
    finally:
        await store.close()
    reply = await subscribe(emulator, world.alerts)
    assert "database file was deleted" in reply["data"]["content"]

    # Restarted on a new, empty database: the log says where the subscriptions are.
    await launcher.stop(bot)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.exts.alerts"):
        await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    assert any(str(rescued) in r.getMessage() for r in caplog.records)


async def test_a_queued_alert_of_a_deleted_post_is_dropped_not_sent(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    outage = await queue_in_an_outage(emulator, fresh_site)
    (fresh_site.posts / NEW_POST).unlink()
    await eventually(lambda: bot.index.post(NEW_POST) is None, timeout=10)
    await cog.wait_for_cycles(cog.cycles + 2)
    assert await cog.store.deliveries(world.news.id) == [  # type: ignore[union-attr]
        (NEW_POST, "dropped")
    ]
    end_outage(outage, cog)
    await cog.wait_for_cycles(cog.cycles + 5)
    assert alert_messages(emulator, world.news) == []


async def test_an_alerts_database_from_before_identities_is_upgraded_in_place(
    tmp_path: Path,
) -> None:
    """A database made by the first alerts migration keeps its records and learns renames."""
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(MIGRATIONS / "001_alerts.sql", first)
    path = tmp_path / "briefbot.sqlite3"
    async with aiosqlite.connect(path) as db:
        await migrate(db, "bot", first)
        await db.execute("INSERT INTO alert_sources VALUES ('site', '2024-01-01T00:00:00', 1)")
        await db.execute(
            "INSERT INTO seen_posts VALUES ('site', 'a/2024-01-01-one.md', '2024-01-01T00:00:00')"
        )
        await db.execute(
            "INSERT INTO alert_deliveries (channel_id, content_dir, post_id,"
            " guild_id, created_at) VALUES (7, 'site', 'a/2024-01-01-one.md', 1,"
            " '2024-01-01T00:00:00')"
        )
        await db.commit()

    def post(post_id: str, url: str, fingerprint: str) -> Post:
        return Post(
            id=post_id, title="One", date=dt.date(2024, 1, 1), url=url, fingerprint=fingerprint
        )

    store = await AlertStore.open(path)
    try:
        [pending] = (await store.pending())[7]
        assert pending.post_id == "a/2024-01-01-one.md" and pending.first_sent_at is None
        one = post("a/2024-01-01-one.md", "https://x.org/one/", "f1")
        assert (await store.record_posts("site", [one])).new_posts == ()
        moved = post("a/2024-01-02-one.md", "https://x.org/one/", "f2")  # renamed and edited
        outcome = await store.record_posts("site", [moved])
        assert outcome.new_posts == () and outcome.renamed == ((one.id, moved.id),)
        assert [d.post_id for d in (await store.pending())[7]] == [moved.id]
    finally:
        await store.close()


async def test_a_retry_the_bot_cannot_check_in_the_channel_history_is_still_sent(
    emulator: DiscordEmulator,
    launcher: Launcher,
    fresh_site: Site,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = emulator.world
    world.news.deny(world.bot_role, Permission.READ_MESSAGE_HISTORY)
    _, cog = await start_watching(launcher, fresh_site)
    cog.retry_delays = (0.05,)
    await subscribe(emulator, world.news)
    emulator.fail_next("POST", posts_to(world.news.id), status=503)
    with caplog.at_level(logging.WARNING):
        add_post(fresh_site, NEW_POST, NEW_TITLE)
        message = await emulator.wait_for_message(world.news, timeout=10)
        await cog.wait_for_cycles(cog.cycles + 3)
    assert message.embeds[0]["title"] == NEW_TITLE
    # Discord answers the history request with no messages (not 403): the bot must tell.
    assert all(c.response == [] for c in emulator.calls_to("GET", posts_to(world.news.id)))
    assert any("cannot read channel" in r.getMessage() for r in caplog.records)
    assert len(alert_messages(emulator, world.news)) == 1


async def test_a_new_post_in_a_category_folder_is_announced_once(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """Jekyll publishes ``movies/horror/_posts/…`` with the categories movies and horror: the
    scan finds it, and it is announced once, under those categories."""
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    post_id = "movies/horror/_posts/2024-03-05-zombie-robots.md"
    text = '---\ntitle: "Zombie Robots"\nexcerpt: "Robots that will not stay down."\n---\n\nBody.\n'
    write_atomically(fresh_site.content / post_id, text)
    news = await emulator.wait_for_message(world.news, timeout=10)
    post = bot.index.post(post_id)
    assert post is not None and post.categories == ("movies", "horror")
    embed = news.embeds[0]
    assert embed["title"] == "Zombie Robots" and embed["url"] == post.url
    assert "/movies/horror/" in post.url
    assert {f["name"]: f["value"] for f in embed["fields"]}["Categories"] == "movies, horror"
    await cog.wait_for_cycles(cog.cycles + 3)
    assert [m.embeds[0]["title"] for m in alert_messages(emulator, world.news)] == ["Zombie Robots"]
