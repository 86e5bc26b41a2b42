"""The bot against what real Discord does after the first reply (issue 11).

Each test drives the real Briefbot through the emulator: edits come back as MESSAGE_UPDATE, users
pin answers, hide their embeds and reply to them, tokens expire, responses get lost, threads exist.
The shared ``briefbot`` fixture ends every test by checking that the client is still running.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
from typing import Any

import pytest
from alerts_support import Launcher, Site
from briefbot_support import ask, button, labels
from discord_emulator import EPHEMERAL, DiscordEmulator, Permission

from bot.client import Briefbot


def mention(emulator: DiscordEmulator, text: str) -> str:
    return f"{emulator.bot_mention} {text}"


async def mention_answer(emulator: DiscordEmulator, text: str, **kwargs: Any) -> Any:
    sent = await emulator.send_message(mention(emulator, text), author=emulator.world.bob, **kwargs)
    return sent, await emulator.wait_for_reply(sent)


async def quiet_for(emulator: DiscordEmulator, sent: Any, seconds: float = 0.5) -> bool:
    """True when the bot did not reply to ``sent`` within ``seconds``."""
    await asyncio.sleep(seconds)
    return not [
        m
        for m in emulator.bot_messages()
        if (m.data.get("message_reference") or {}).get("message_id") == str(sent.id)
    ]


# ------------------------------------------------------------------ MESSAGE_UPDATE and liveness


async def test_more_results_on_a_mention_answer_keeps_the_bot_running(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, reply = await mention_answer(emulator, "facial recognition police")
    assert emulator.session is not None
    mark = emulator.session.seq
    more = await emulator.click_button(
        reply, button(reply, "More results")["custom_id"], user=emulator.world.bob
    )
    assert (await more.wait_for_response())["type"] == 7
    update = await emulator.wait_for_dispatch("MESSAGE_UPDATE", after=mark)
    assert update["d"]["components"]  # what made discord.py call View._refresh
    await asyncio.sleep(0.1)
    emulator.assert_clients_alive()
    # Paging to the end and back works, and the bot still answers.
    while labels(reply)["More results"]:
        click = await emulator.click_button(
            reply, button(reply, "More results")["custom_id"], user=emulator.world.bob
        )
        await click.wait_for_response()
    footer = reply.embeds[0]["footer"]["text"]
    pages = int(footer.split(" of ")[1].split()[0])
    assert footer.startswith(f"Page {pages} of {pages}")
    back = await emulator.click_button(
        reply, button(reply, "Previous")["custom_id"], user=emulator.world.bob
    )
    await back.wait_for_response()
    assert reply.embeds[0]["footer"]["text"].startswith(f"Page {pages - 1} of {pages}")
    await mention_answer(emulator, "GPT-3 hype")


async def test_pinning_or_hiding_embeds_of_a_live_answer_keeps_the_bot_running(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, reply = await mention_answer(emulator, "facial recognition police")
    await emulator.pin_message(reply)
    await emulator.suppress_embeds(reply)
    _, answer = await ask(emulator, "facial recognition police")
    await emulator.pin_message(answer)
    await asyncio.sleep(0.2)
    emulator.assert_clients_alive()
    # The buttons still work after the updates.
    more = await emulator.click_button(
        reply, button(reply, "More results")["custom_id"], user=emulator.world.bob
    )
    assert (await more.wait_for_response())["type"] == 7


async def test_a_mention_in_a_thread_is_answered_in_the_thread(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    thread = await emulator.create_thread(emulator.world.general, "Face recognition")
    await emulator.wait_until(lambda: briefbot.get_channel(thread.id), what="thread cached")
    _, reply = await mention_answer(emulator, "what did IBM decide?", channel_id=thread)
    assert reply.channel_id == thread.id and "IBM" in reply.embeds[0]["description"]
    more = await emulator.click_button(
        reply, button(reply, "More results")["custom_id"], user=emulator.world.bob
    )
    assert (await more.wait_for_response())["type"] == 7


async def test_a_lost_response_does_not_post_a_mention_answer_twice(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # Discord created the answer, but its 500 reached the bot, which retries.
    emulator.fail_next("POST", r"/channels/\d+/messages", status=500, after_applying=True)
    sent, reply = await mention_answer(emulator, "what did IBM decide?")
    await emulator.wait_until(
        lambda: len(emulator.calls_to("POST", r"/channels/\d+/messages")) == 2, what="the retry"
    )
    replies = [
        m
        for m in emulator.bot_messages(emulator.world.general)
        if m.data["message_reference"]["message_id"] == str(sent.id)
    ]
    assert replies == [reply]


@pytest.mark.parametrize("trouble", ["503", "network", "429"])
async def test_a_mention_answer_discord_fails_to_take_is_sent_again(
    emulator: DiscordEmulator, briefbot: Briefbot, trouble: str
) -> None:
    # discord.py retries 500/502/504 itself (five tries), but neither a 503 nor a cut
    # connection, and it raises a rate limit still on after five tries: and a mention has no
    # interaction to tell the asker through.
    briefbot.get_cog("Ask").retry_delays = (0.05, 0.05)  # type: ignore[union-attr]
    posts = r"/channels/\d+/messages"
    if trouble == "503":
        emulator.fail_next("POST", posts, status=503)
    elif trouble == "429":
        emulator.fail_next("POST", posts, status=429, retry_after=0.05, times=5)
    else:
        emulator.drop_connections("POST", posts)
    sent, reply = await mention_answer(emulator, "what did IBM decide?")
    assert reply.embeds and "IBM" in reply.embeds[0]["description"]
    replies = [
        m
        for m in emulator.bot_messages(emulator.world.general)
        if m.data["message_reference"]["message_id"] == str(sent.id)
    ]
    assert replies == [reply]
    # Every try carried the same nonce, so one Discord took but did not confirm is not doubled.
    nonces = {c.json["nonce"] for c in emulator.calls_to("POST", posts)}
    assert len(nonces) == 1 and len(emulator.calls_to("POST", posts)) > 1


async def test_a_mention_where_the_bot_may_not_read_history_is_answered_without_a_reply(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    # Sending is allowed, reading the history is not: Discord refuses replies (403 50013).
    world.general.deny(world.bot_role, Permission.READ_MESSAGE_HISTORY)
    await launcher.start(fresh_site)
    await emulator.send_message(mention(emulator, "what did IBM decide?"), author=world.bob)
    answer = await emulator.wait_for_message(
        world.general, predicate=lambda m: m.author_id == emulator.bot.id
    )
    assert answer.embeds and "IBM" in answer.embeds[0]["description"]
    assert answer.content == f"<@{world.bob.id}>" and answer.mentions == []  # named, not pinged
    assert not answer.data.get("message_reference")


@pytest.mark.parametrize("history", [True, False])
async def test_a_mention_where_the_bot_may_not_embed_is_answered_in_text(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, history: bool
) -> None:
    world = emulator.world
    # Sending is allowed, embeds are not: Discord refuses a message of embeds alone (403).
    deny = Permission.EMBED_LINKS | (0 if history else Permission.READ_MESSAGE_HISTORY)
    world.general.deny(world.bot_role, deny)
    await launcher.start(fresh_site)
    await emulator.send_message(mention(emulator, "what did IBM decide?"), author=world.bob)
    answer = await emulator.wait_for_message(
        world.general, predicate=lambda m: m.author_id == emulator.bot.id
    )
    assert not (answer.request or {}).get("embeds") and answer.mentions == []
    text = answer.content
    assert "IBM" in text and "(https://www.skynettoday.com/briefs/face-recog-police" in text
    assert "`/ask`" in text  # where the other pages are
    assert len(text) <= 2000
    assert labels(answer) == {"Delete": True, "Helpful": True, "Not helpful": True}
    assert text.startswith(f"<@{world.bob.id}>") != history  # named when it cannot reply
    # A moderator may still have it explained (the question log knows what it answered).
    await emulator.wait_for_call("POST", r"/channels/\d+/messages")
    handle = await emulator.send_context_menu("Explain this answer", answer, user=world.moderator)
    explained = await handle.wait_for_message()
    assert explained.embeds and explained.embeds[0]["title"] == "Why this answer"


async def test_a_mention_where_the_bot_may_not_send_is_neither_searched_nor_logged(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    world.general.deny(world.bot_role, Permission.SEND_MESSAGES)
    bot = await launcher.start(fresh_site)
    sent = await emulator.send_message(mention(emulator, "what did IBM decide?"), author=world.bob)
    assert await quiet_for(emulator, sent)
    assert emulator.calls_to("POST", r"/channels/\d+/messages") == []  # no 403 earned
    # No answer anyone saw: nothing for /insights to count as answered.
    assert bot.insights is not None
    assert await bot.insights.questions(world.guild.id) == []
    # Where it may send, the same asker is answered (no cooldown was spent above).
    await mention_answer(emulator, "what did IBM decide?", channel_id=world.news)


# ------------------------------------------------------------------ buttons never dead


@pytest.mark.parametrize("bot_settings", [{"answer_buttons_seconds": 1.0}])
async def test_buttons_disable_even_after_the_asks_token_expired(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    _, message = await ask(emulator, "facial recognition police")
    emulator.advance_clock(14 * 60)  # the asker reads for 14 minutes, then pages
    more = await emulator.click_button(message, button(message, "More results")["custom_id"])
    await more.wait_for_response()
    emulator.advance_clock(2 * 60)  # the /ask token is now 16 minutes old: expired
    await emulator.wait_until(
        lambda: not labels(message)["Previous"], timeout=5, what="buttons disabled"
    )
    # Paging ends; Delete and the (persistent) vote buttons stay live.
    assert labels(message) == {
        "Previous": False,
        "More results": False,
        "Delete": True,
        "Helpful": True,
        "Not helpful": True,
    }


@pytest.mark.parametrize("bot_settings", [{"answer_buttons_seconds": 0.5}])
async def test_buttons_of_a_mention_answer_disable_through_the_channel(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    _, reply = await mention_answer(emulator, "facial recognition police")
    await emulator.wait_until(lambda: not labels(reply)["More results"], what="disabled")
    assert emulator.calls_to("PATCH", rf"/channels/\d+/messages/{reply.id}")


# ------------------------------------------------------------------ only real questions


async def test_a_reply_ping_to_the_bot_is_not_a_question(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, answer = await mention_answer(emulator, "what did IBM decide?")
    thanks = await emulator.send_message(
        "thanks, that helped!", reply_to=answer, author=emulator.world.bob
    )  # reply-ping on
    assert [int(u["id"]) for u in thanks.data["mentions"]] == [emulator.bot.id]
    assert await quiet_for(emulator, thanks)
    # A reply that does write the mention is a question.
    await mention_answer(emulator, "and Amazon?", reply_to=answer)


@pytest.mark.parametrize(
    "question",
    [
        "`deepfakes elections`",
        "||deepfakes elections||",
        "```\ndeepfakes elections\n```",
        "**deepfakes** _elections_",
    ],
)
async def test_a_question_made_only_of_markup_is_searched_by_its_words(
    emulator: DiscordEmulator, briefbot: Briefbot, question: str
) -> None:
    _, reply = await mention_answer(emulator, question)
    embed = reply.embeds[0]
    assert "Deepfakes and Elections" in embed["description"], embed


@pytest.mark.parametrize("how", ["slash", "mention"])
async def test_mentions_channels_emoji_and_times_in_a_question_are_not_searched(
    emulator: DiscordEmulator, briefbot: Briefbot, how: str
) -> None:
    """Discord sends ``<@id>`` where the asker sees ``@alice``: an id is a word of no post.
    The users named are echoed by name though not in the bot's cache (members are not cached):
    from ``data.resolved`` (slash) or ``mentions`` (a message), as Discord sends them; the
    asker (Bob) among them."""
    world = emulator.world
    markup = (
        f"<@{world.alice.id}> <@!{world.bob.id}> <@&{world.subscribers_role.id}> "
        f"<#{world.news.id}> "
        "<:blobthink:333333333333333333> <t:1600000000:R> </ask:444444444444444444>"
    )
    question = f"{markup} which companies halted sales of facial recognition to police?"
    if how == "slash":
        _, answer = await ask(emulator, question, user=world.bob)
    else:
        sent = await emulator.send_message(mention(emulator, question), author=world.bob)
        answer = await emulator.wait_for_reply(sent)
    embed = answer.embeds[0]
    assert "Not covered" not in embed["description"]
    assert "Halt Sales of Facial Recognition" in embed["description"]
    # Echoed as the asker sees it, with no raw ids.
    assert "unknown-user" not in embed["title"]
    for shown in ("@Alice", "@Bob", "@Subscribers", "#news", ":blobthink:", "13 Sep 2020", "/ask"):
        assert shown in embed["title"].replace("\\", ""), embed["title"]
    assert "1180000" not in embed["title"]
    # The question log keeps no user id (nor name): the question without its markup.
    assert briefbot.insights is not None
    logged = []
    for _ in range(100):
        logged = [q.question for q in await briefbot.insights.questions(world.guild.id)]
        if logged:
            break
        await asyncio.sleep(0.02)
    assert logged == ["which companies halted sales of facial recognition to police?"]


async def test_paging_buttons_from_before_a_restart_say_they_expired(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site)
    _, answer = await ask(emulator, "facial recognition police")
    assert bot.insights is not None
    for n in range(12):  # a report of several pages: unanswered questions unlike each other
        question = " ".join(
            f"qz{chr(97 + n)}{chr(97 + i % 26)}{chr(97 + i // 26)}xv" for i in range(40)
        )
        await bot.insights.log(world.guild.id, await bot.search(question, 3))
    report = await emulator.send_slash_command(
        "insights", subcommand="report", user=world.moderator
    )
    pages = await report.wait_for_message()
    assert labels(pages)["Next"]
    await launcher.stop(bot)  # a deploy: the buttons on both messages still look live
    await launcher.start(fresh_site)

    # discord.py drops a click no view holds; Discord would show "This interaction failed".
    more = await emulator.click_button(answer, button(answer, "More results")["custom_id"])
    reply = await more.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "These buttons have expired" in reply["data"]["content"]
    assert "`/ask` again" in reply["data"]["content"]
    turn = await emulator.click_button(
        pages, button(pages, "Next")["custom_id"], user=world.moderator
    )
    reply = await turn.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "`/insights report` again" in reply["data"]["content"]
    # The buttons that outlive restarts still work, and a fresh answer pages as before.
    vote = await emulator.click_button(answer, button(answer, "Helpful")["custom_id"])
    assert (await vote.wait_for_response())["type"] == 5
    _, fresh = await ask(emulator, "facial recognition police")
    paged = await emulator.click_button(fresh, button(fresh, "More results")["custom_id"])
    assert (await paged.wait_for_response())["type"] == 7


@pytest.mark.parametrize("bot_settings", [{"answer_buttons_seconds": 1.0}])
async def test_paging_buttons_a_timeout_could_not_disable_say_they_expired(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    _, message = await ask(emulator, "facial recognition police")
    # Neither the token nor the channel may edit the answer when its buttons time out.
    emulator.fail_next("PATCH", r"/webhooks/\d+/[^/]+/messages/@original", status=403, times=9)
    emulator.fail_next("PATCH", r"/channels/\d+/messages/\d+", status=403, times=9)
    await emulator.wait_for_call("PATCH", r"/channels/\d+/messages/\d+", status=403)
    assert labels(message)["More results"]  # still looks live
    more = await emulator.click_button(message, button(message, "More results")["custom_id"])
    reply = await more.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "These buttons have expired" in reply["data"]["content"]


@pytest.mark.parametrize(
    ("command", "sub", "channel"),
    [
        ("alerts", "subscribe", True),
        ("alerts", "unsubscribe", True),
        ("insights", "digest", True),
        ("insights", "forget", False),
    ],
)
async def test_settings_are_confirmed_while_another_writer_holds_the_database(
    emulator: DiscordEmulator,
    launcher: Launcher,
    fresh_site: Site,
    command: str,
    sub: str,
    channel: bool,
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site)
    await bot.get_cog("Alerts").wait_for_cycles(1)  # type: ignore[union-attr]
    # A reindex committing a large site holds SQLite's write lock for seconds: longer than the
    # 3 s Discord gives an interaction's first response. (Taken off the loop: the bot's own
    # writes in progress need it to finish.)
    writer = sqlite3.connect(
        fresh_site.db, isolation_level=None, timeout=30, check_same_thread=False
    )
    await asyncio.to_thread(writer.execute, "BEGIN IMMEDIATE")
    try:
        handle = await emulator.send_slash_command(
            command,
            {"channel": world.news} if channel else {},
            subcommand=sub,
            user=world.moderator,
        )
        assert await handle.wait_for_response() == {"type": 5, "data": {"flags": EPHEMERAL}}
    finally:
        writer.execute("COMMIT")
        writer.close()
    reply = await handle.wait_for_message()
    assert reply.ephemeral and reply.content and "went wrong" not in reply.content


# ------------------------------------------------------------------ errors stay private


async def test_a_failure_after_a_public_defer_is_told_privately(
    emulator: DiscordEmulator, briefbot: Briefbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_search(*_: object) -> None:
        raise RuntimeError("the index is not loaded yet")

    monkeypatch.setattr(briefbot, "search", broken_search)  # our seam, not discord.py's
    handle = await emulator.send_slash_command("ask", {"question": "what did IBM decide?"})
    assert (await handle.wait_for_response()) == {"type": 5}  # public "thinking…"
    await emulator.wait_until(
        lambda: handle.original is not None and handle.original.deleted, what="placeholder removed"
    )
    followup = await handle.wait_for_followup(0)
    assert followup is not handle.original and followup.ephemeral
    assert "Something went wrong on my side" in followup.content
    public = [
        m
        for m in emulator.bot_messages(emulator.world.general)
        if not m.deleted and not m.ephemeral
    ]
    assert public == []


# ------------------------------------------------------------------ /brief and filters


async def test_brief_with_a_title_that_matches_nothing_says_so_privately(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # "The GPT-3 Hype…" holds part of this (the rarest word), not enough to be the post meant:
    # offered as the closest title, not posted.
    handle = await emulator.send_slash_command("brief", {"title": "gpt-3 weather forecasts"})
    reply = await handle.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    content = reply["data"]["content"]
    assert "No post matches 'gpt-3 weather forecasts'" in content
    assert "Closest titles: **The GPT-3 Hype" in content
    assert not reply["data"].get("embeds")
    # No title holds these words: none is offered as closest (a title sharing "the" was).
    for typed in ("quantum computing", "the weather today"):
        handle = await emulator.send_slash_command("brief", {"title": typed})
        content = (await handle.wait_for_response())["data"]["content"]
        assert "No post matches" in content and "Closest" not in content, typed
    # A close enough typed title still shows the post.
    handle = await emulator.send_slash_command("brief", {"title": "deepfake and election"})
    message = await handle.wait_for_message()
    assert message.embeds[0]["title"].startswith("Deepfakes and Elections")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"since": "2999-01-01"}, "No post is dated 2999-01-01 or later"),
        (
            {"category": "briefs", "since": "2023-01-01"},
            "No post in briefs is dated 2023-01-01 or later",
        ),
    ],
)
async def test_filters_that_match_nothing_say_so(
    emulator: DiscordEmulator, briefbot: Briefbot, options: dict[str, str], expected: str
) -> None:
    handle = await emulator.send_slash_command(
        "ask", {"question": "facial recognition police", **options}
    )
    await handle.wait_for_response()
    followup = await handle.wait_for_followup(0)
    assert followup.ephemeral and expected in followup.content, followup.content
    assert "newest" in followup.content
    assert not [
        m
        for m in emulator.bot_messages(emulator.world.general)
        if not m.deleted and not m.ephemeral
    ]


async def test_an_unknown_category_says_so(emulator: DiscordEmulator, briefbot: Briefbot) -> None:
    handle = await emulator.send_slash_command("latest", {"category": "podcasts"})
    reply = await handle.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "There is no category 'podcasts'" in reply["data"]["content"]


# ------------------------------------------------------------------ privacy


@pytest.mark.parametrize("bot_settings", [{"ask_cooldown_seconds": 60, "ask_cooldown_rate": 1}])
async def test_questions_are_not_logged_at_info(
    emulator: DiscordEmulator,
    briefbot: Briefbot,
    bot_settings: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "my secret medical question about diagnosis"
    with caplog.at_level(logging.INFO):
        await ask(emulator, f"first {secret}", private=True)
        handle = await emulator.send_slash_command("ask", {"question": secret, "private": True})
        await handle.wait_for_response()  # refused: cooled down
        sent = await emulator.send_message(mention(emulator, secret), author=emulator.world.alice)
        await emulator.wait_for_reply(sent)
        await emulator.send_slash_command("ask", {"question": secret, "since": "nonsense"})
        await asyncio.sleep(0.2)
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any("cooldown" in r.getMessage().lower() or "refused" in r.getMessage() for r in info)
    assert not [r.getMessage() for r in info if "secret" in r.getMessage()]


# ------------------------------------------------------------------ /help and --version


async def test_help_lists_the_callers_commands_with_examples(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle = await emulator.send_slash_command("help", user=emulator.world.bob)
    reply = await handle.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    text = str(reply["data"]["embeds"])
    for command in ("/ask", "/brief", "/latest", "/about", "/help"):
        assert command in text
    assert "/reindex" not in text  # a moderator command: not for bob
    assert "Explain this answer" not in text
    assert "e.g. `/ask question:" in text
    assert "mention me with a question: `@briefbot " in text

    handle = await emulator.send_slash_command("help", user=emulator.world.moderator)
    text = str((await handle.wait_for_response())["data"]["embeds"])
    assert "/reindex" in text
    # The menu command Discord shows only on right-clicking a message is named too.
    assert "**Explain this answer** — right-click one of my answers › Apps" in text

    # In a direct message (commands published globally), mentions are not offered: the bot
    # answers none there. Server-only commands are left out.
    await briefbot.sync_commands(None)
    direct = emulator.world.dm_channel_for(emulator.world.bob)
    handle = await emulator.send_slash_command("help", channel_id=direct, user=emulator.world.bob)
    text = str((await handle.wait_for_response())["data"]["embeds"])
    assert "/ask" in text and "/alerts" not in text
    assert "Or mention me" not in text and "In a server, you can also mention me" in text


def test_briefbot_version() -> None:
    from bot.client import version

    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main(['--version'])"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"briefbot {version()}"
