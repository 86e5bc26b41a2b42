"""What a person meets clicking the bot's buttons when something goes wrong (round 29).

Each test drives the real Briefbot through the emulator. A button whose handler fails must answer
the person who clicked, privately, as a failing command does: discord.py only logs it, and Discord
then shows "This interaction failed" or a "thinking…" that never ends.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from alerts_support import NEW_POST, NEW_TITLE, Launcher, Site, add_post, watch_news
from briefbot_support import ask, button
from discord_emulator import EPHEMERAL, DiscordEmulator

from bot.client import Briefbot
from bot.insights_store import InsightsStore
from bot.ui import alerts as alerts_ui
from bot.ui import results
from bot.ui.expiry import stop_paging_views

QUESTION = "facial recognition police"
FAILED = "Something went wrong on my side"


async def broken(*_: Any, **__: Any) -> Any:
    raise RuntimeError("the question log is unreadable")


async def test_a_vote_the_log_fails_to_record_is_told_not_left_thinking(
    emulator: DiscordEmulator,
    briefbot: Briefbot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, message = await ask(emulator, QUESTION)
    monkeypatch.setattr(briefbot.insights, "vote", broken)  # our seam, not discord.py's
    with caplog.at_level(logging.ERROR, logger="bot.ui.failures"):
        click = await emulator.click_button(message, button(message, "Helpful")["custom_id"])
        assert (await click.wait_for_response())["type"] == 5  # a private "thinking…"
        reply = await click.wait_for_message()
    assert reply.ephemeral and FAILED in reply.content
    assert not reply.loading  # the placeholder was replaced, not left spinning
    record = next(r for r in caplog.records if r.name == "bot.ui.failures")
    assert "briefbot:vote:" in record.getMessage() and record.exc_info is not None


async def test_a_delete_discord_refuses_is_told_to_the_one_who_clicked(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, QUESTION)
    emulator.fail_next(
        "DELETE",
        r"/webhooks/\d+/[^/]+/messages/@original",
        status=403,
        code=50013,
        message="Missing Permissions",
    )
    click = await emulator.click_button(message, button(message, "Delete")["custom_id"])
    assert (await click.wait_for_response())["type"] == 6
    reply = await click.wait_for_followup(0)
    assert reply.ephemeral and FAILED in reply.content
    assert not message.deleted


async def test_a_page_that_fails_to_show_is_told_not_interaction_failed(
    emulator: DiscordEmulator, briefbot: Briefbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, message = await ask(emulator, QUESTION)

    def unshowable(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a page that cannot be formatted")

    monkeypatch.setattr(results, "answer_embed", unshowable)  # our seam
    click = await emulator.click_button(message, button(message, "More results")["custom_id"])
    reply = await click.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert FAILED in reply["data"]["content"]
    assert reply["data"]["allowed_mentions"] == {"parse": []}


async def test_a_delete_clicked_as_the_bot_stops_still_takes_the_question_out_of_the_log(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_db_path: Path
) -> None:
    # A deploy (SIGTERM) just after the click: the bot finishes it before closing its
    # databases, so the question its asker removed does not stay in the log behind /insights.
    _, message = await ask(emulator, QUESTION)
    store = briefbot.insights
    assert store is not None
    for _ in range(250):  # (written in the background)
        if await store.questions():
            break
        await asyncio.sleep(0.02)
    assert len(await store.questions()) == 1
    click = await emulator.click_button(message, button(message, "Delete")["custom_id"])
    assert (await click.wait_for_response())["type"] == 6
    await emulator.stop_client(briefbot)
    assert message.deleted
    reopened = await InsightsStore.open(bot_db_path)
    try:
        assert await reopened.questions() == []
    finally:
        await reopened.close()


async def test_a_thinking_reply_whose_confirmation_was_lost_is_not_left_spinning(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # Discord applies the public "thinking…" but answers 500; discord.py's retry is refused
    # (40060 "already acknowledged") and the command stops: the placeholder would spin forever.
    emulator.fail_next("POST", r"/interactions/\d+/[^/]+/callback", status=500, after_applying=True)
    handle = await emulator.send_slash_command("ask", {"question": QUESTION})
    followup = await handle.wait_for_followup(0, timeout=10)
    assert followup.ephemeral and FAILED in followup.content
    assert handle.original is not None and handle.original.deleted
    acks = emulator.calls_to("POST", r"/interactions/\d+/[^/]+/callback")
    assert acks[1].response["code"] == 40060


async def test_a_form_whose_view_is_gone_and_whose_answer_fails_is_told(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An "Ask about this post" form submitted after its view stopped (a restart, its timeout) is
    # answered by the bot's own listener; what fails there was only logged by discord.py.
    world = emulator.world
    await watch_news(emulator, launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    opened = await emulator.click_button(alert, button(alert, "Ask about this post")["custom_id"])
    assert (await opened.wait_for_response())["type"] == 9
    stop_paging_views()  # the form's view is gone, as after a restart

    def unreadable(*_: Any) -> Any:
        raise RuntimeError("the index cannot be read")

    monkeypatch.setattr(alerts_ui, "find_post", unreadable)  # our seam
    submitted = await emulator.submit_modal(opened, {"question": "what robots?"})
    reply = await submitted.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert FAILED in reply["data"]["content"]
