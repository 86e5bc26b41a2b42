"""The real Briefbot against the Discord emulator: commands, buttons, mentions, limits, faults.

Every test starts the actual bot (its extensions, views and error handler) on a real SQLite index
and drives it the way Discord does, asserting on the REST calls the bot makes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from briefbot_support import ask, bot_payloads, button, labels
from discord import app_commands
from discord_emulator import EPHEMERAL, DiscordEmulator, Intent

from bot.client import Briefbot
from bot.exts.errors import user_message
from bot.formatting.text import CHOICE_NAME_MAX, CHOICE_VALUE_MAX, DESCRIPTION_MAX, TITLE_MAX
from bot.params import UserError

SEED_URL = "https://www.skynettoday.com/briefs/face-recog-police"


def assert_no_pings(emulator: DiscordEmulator) -> None:
    """Every message the bot sent or edited carried allowed_mentions that ping nobody."""
    payloads = bot_payloads(emulator)
    assert payloads
    for body in payloads:
        assert body.get("allowed_mentions") == {"parse": []}, body
    for record in emulator.bot_messages():
        assert record.mentions == [] and record.mention_roles == []
        assert not record.mention_everyone


# ------------------------------------------------------------------------------ start-up


async def test_start_up_syncs_the_contract_to_the_dev_server_only(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    guild_id = emulator.guild.id
    assert emulator.calls_to("PUT", rf"/applications/\d+/guilds/{guild_id}/commands")
    assert not emulator.calls_to("PUT", r"/applications/\d+/commands")  # never global at start

    def command(name: str) -> dict[str, Any]:
        schema = emulator.find_command(name, guild_id=guild_id)
        assert schema is not None, f"/{name} is not registered"
        return schema

    options = {
        name: [
            (o["name"], o["type"], o.get("required", False), o.get("autocomplete", False))
            for o in command(name).get("options", [])
        ]
        for name in ("ask", "brief", "latest", "about")
    }
    assert options["ask"] == [
        ("question", 3, True, False),
        ("category", 3, False, True),
        ("since", 3, False, False),
        ("private", 5, False, False),
    ]
    assert options["brief"] == [("title", 3, True, True)]
    assert options["latest"] == [("category", 3, False, True), ("count", 4, False, False)]
    assert options["about"] == []
    count = command("latest")["options"][1]
    assert (count["min_value"], count["max_value"]) == (1, 10)
    # Only non-privileged intents: guilds and guild messages.
    identify = next(p for p in emulator.gateway_received if p["op"] == 2)
    assert identify["d"]["intents"] == Intent.GUILDS | Intent.GUILD_MESSAGES


# ------------------------------------------------------------------------------ /ask


async def test_ask_defers_then_answers_with_cited_passages(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle, message = await ask(
        emulator, "Which companies stopped selling face recognition to police?"
    )
    assert handle.response == {"type": 5}  # deferred at once, "thinking…"
    embed = message.embeds[0]
    description = embed["description"]
    assert description.startswith("> ")  # the best sentence first
    assert "**[1]** [IBM, Microsoft, and Amazon Halt Sales" in description
    assert f"]({SEED_URL}#" in description  # citation links open the section
    assert re.search(r"\*\*(?!\[)[^*]+\*\*", description)  # matched terms or answer in bold
    assert "· 21 Jun 2020" in description
    assert embed["footer"]["text"].startswith("Page 1 of ")
    assert labels(message) == {
        "Previous": False,
        "More results": True,
        "Delete": True,
        "Helpful": True,
        "Not helpful": True,
    }
    assert not message.ephemeral
    assert_no_pings(emulator)


async def test_ask_filters_by_category_and_date(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, digest = await ask(emulator, "facial recognition moratorium", category="Digests")
    assert "Last Week in AI #100" in digest.embeds[0]["description"]
    assert "Halt Sales" not in digest.embeds[0]["description"]

    _, recent = await ask(emulator, "facial recognition police", since="2021-01-01")
    assert "21 Jun 2020" not in recent.embeds[0]["description"]
    assert "Last Week in AI #100" in recent.embeds[0]["description"]


async def test_a_declined_filtered_question_suggests_only_posts_that_pass_the_filter(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # Covered by a 2020 brief, so not covered by the posts from 2022 on or by the editorials:
    # the closest posts offered must not be the very ones the asker filtered out.
    for filters in ({"since": "2022-01-01"}, {"category": "editorials"}):
        _, declined = await ask(emulator, "face recognition police", **filters)
        text = declined.embeds[0]["description"]
        assert text.startswith("**Not covered"), filters
        assert "Halt Sales" not in text and "21 Jun 2020" not in text, filters


async def test_ask_category_autocomplete_offers_the_index_categories(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle = await emulator.send_autocomplete(
        "ask", {"question": "x", "category": "e"}, focused="category"
    )
    await handle.wait_for_response()
    assert [c["value"] for c in handle.choices] == ["editorials", "briefs", "digests"]


async def test_ask_rejects_bad_options_politely(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle = await emulator.send_slash_command("ask", {"question": "gpt-3", "since": "yesterday"})
    reply = await handle.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "write it like 2020-06-21" in reply["data"]["content"]

    handle = await emulator.send_slash_command("ask", {"question": "gpt-3", "category": "sport"})
    reply = await handle.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "no category 'sport'" in reply["data"]["content"]
    assert "briefs, digests, editorials" in reply["data"]["content"]


async def test_private_answer_is_ephemeral_and_has_no_delete_button(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle, message = await ask(emulator, "what did IBM decide?", private=True)
    assert handle.response == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert message.ephemeral
    assert "Delete" not in labels(message)
    assert labels(message)["More results"]


async def test_declined_question_says_not_covered_and_suggests_posts(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # Some of the words are the site's: the posts holding them are the closest.
    _, message = await ask(emulator, "Did the police win the football world cup?")
    description = message.embeds[0]["description"]
    assert description.startswith("**Not covered on Skynet Today.**")
    assert "The closest posts:" in description and "• [" in description
    assert "Facial Recognition to Police" in description
    # Each at the section that came closest, named and linked there.
    assert "Facial Recognition to Police, Call for Regulations › " in description
    assert "/briefs/face-recog-police#" in description
    assert labels(message) == {"Delete": True, "Helpful": True, "Not helpful": True}
    # None of them are: no title is close, so none is offered as if it were.
    _, message = await ask(emulator, "Who won the football world cup in 1998?")
    description = message.embeds[0]["description"]
    assert description.startswith("**Not covered on Skynet Today.**")
    assert "closest" not in description.casefold() and "• [" not in description


async def test_a_question_without_words_asks_for_words_and_suggests_no_posts(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # Only punctuation, spaces or words like "what" and "the": nothing is searched, so no post
    # is "closest"; the reply says what to ask instead, with an example from the site's posts.
    for question in ("?", " ? ! ", "what is the ...?"):
        _, message = await ask(emulator, question)
        description = message.embeds[0]["description"]
        assert description.startswith("**Nothing to search for.**"), question
        assert "closest" not in description.casefold() and "• [" not in description
        assert "for example “tell me about " in description
        # Nothing was asked of the content: no vote, and no line in /insights' unanswered list.
        assert labels(message) == {"Delete": True}, question
        example = description.split("for example “tell me about ", 1)[1].split("”", 1)[0]
        _, answered = await ask(emulator, example)  # the example is a question answered here
        assert not answered.embeds[0]["description"].startswith("**Not covered")


async def test_over_long_question_stays_within_limits(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    question = ("What did IBM decide about facial recognition and the police? " * 70)[:4000]
    assert len(question) == 4000
    _, message = await ask(emulator, question)
    embed = message.embeds[0]
    assert len(embed["title"]) <= TITLE_MAX and embed["title"].endswith("…")
    assert len(embed["description"]) <= DESCRIPTION_MAX
    assert "Your question was long; I searched its first" in embed["description"]
    assert not [c for c in emulator.calls if c.status and c.status >= 400]


async def test_question_full_of_markdown_and_mentions_pings_nobody(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    question = (
        "@everyone @here <@123> <@&456> **IBM** __decide__ `code` ||spoiler|| "
        "[click](https://evil.example) # heading > quote ~~strike~~"
    )
    _, message = await ask(emulator, question)
    title = message.embeds[0]["title"]
    assert "@everyone" not in title and "@here" not in title  # broken by a zero-width space
    assert "\\<\\@123\\>" in title and "\\*\\*IBM\\*\\*" in title
    assert "\\[click\\](https://evil.example)" in title
    await emulator.send_message(f"{emulator.bot_mention} {question}", author=emulator.world.bob)
    await emulator.wait_for_message(
        emulator.world.general, predicate=lambda m: m.author_id == emulator.bot.id
    )
    assert_no_pings(emulator)


async def test_search_failure_gets_a_short_ephemeral_reply_and_a_logged_traceback(
    emulator: DiscordEmulator,
    briefbot: Briefbot,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken_search(*_: object) -> None:
        raise RuntimeError("the index is not loaded yet")

    monkeypatch.setattr(briefbot, "search", broken_search)  # our seam, not a discord.py object
    with caplog.at_level(logging.ERROR, logger="bot.exts.errors"):
        handle = await emulator.send_slash_command("ask", {"question": "what did IBM decide?"})
        message = await handle.wait_for_message()
    assert "Something went wrong on my side" in message.content
    assert handle.response == {"type": 5}
    assert message.ephemeral  # told privately (the public placeholder is removed)
    record = next(r for r in caplog.records if r.name == "bot.exts.errors")
    assert "/ask question=<20 chars>" in record.getMessage()  # the words are not logged
    assert record.exc_info is not None and "index is not loaded" in str(record.exc_info[1])


# ------------------------------------------------------------------------------ buttons


async def test_more_results_pages_for_the_asker_only(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    alice, bob = emulator.world.alice, emulator.world.bob
    _, message = await ask(emulator, "facial recognition police", user=alice)
    first_page = message.embeds[0]["description"]
    assert "**[1]**" in first_page and "**[4]**" not in first_page

    refused = await emulator.click_button(
        message, button(message, "More results")["custom_id"], user=bob
    )
    reply = await refused.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert "Only the person who asked" in reply["data"]["content"]
    assert message.embeds[0]["description"] == first_page  # untouched

    paged = await emulator.click_button(
        message, button(message, "More results")["custom_id"], user=alice
    )
    assert (await paged.wait_for_response())["type"] == 7
    second_page = message.embeds[0]["description"]
    assert "**[4]**" in second_page and "**[1]**" not in second_page
    assert message.embeds[0]["footer"]["text"].startswith("Page 2 of ")
    assert labels(message)["Previous"]

    back = await emulator.click_button(
        message, button(message, "Previous")["custom_id"], user=alice
    )
    await back.wait_for_response()
    assert message.embeds[0]["description"] == first_page
    assert_no_pings(emulator)


@pytest.mark.parametrize("bot_settings", [{"answer_buttons_seconds": 0.2}])
async def test_buttons_disable_on_timeout_but_delete_keeps_working(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    handle, message = await ask(emulator, "facial recognition police")
    await handle.wait_for_edit(2)  # the answer, then the timeout's edit
    assert labels(message) == {
        "Previous": False,
        "More results": False,
        "Delete": True,
        "Helpful": True,
        "Not helpful": True,
    }
    assert handle.edits[-1]["allowed_mentions"] == {"parse": []}

    # The view is gone; the delete button is served by the bot's dynamic item.
    click = await emulator.click_button(message, button(message, "Delete")["custom_id"])
    assert (await click.wait_for_response())["type"] == 6
    await emulator.wait_until(lambda: message.deleted)


async def test_delete_button_is_for_the_asker(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, "GPT-3 language model hype", user=emulator.world.alice)
    delete = button(message, "Delete")["custom_id"]
    refused = await emulator.click_button(message, delete, user=emulator.world.bob)
    reply = await refused.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL
    assert "Only the person who asked can remove" in reply["data"]["content"]
    assert not message.deleted

    removed = await emulator.click_button(message, delete, user=emulator.world.alice)
    await removed.wait_for_response()
    await emulator.wait_until(lambda: message.deleted)
    assert emulator.calls_to("DELETE", r"/webhooks/\d+/[^/]+/messages/@original")


async def test_moderators_may_remove_any_answer(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, "deepfakes elections", user=emulator.world.alice)
    removed = await emulator.click_button(
        message, button(message, "Delete")["custom_id"], user=emulator.world.moderator
    )  # Manage Messages
    assert (await removed.wait_for_response())["type"] == 6
    await emulator.wait_until(lambda: message.deleted)


# ------------------------------------------------------------------------------ limits & faults


@pytest.mark.parametrize("bot_settings", [{"ask_cooldown_seconds": 60, "ask_cooldown_rate": 1}])
async def test_cooldown_is_friendly_and_ephemeral(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    await ask(emulator, "what did IBM decide?")
    handle = await emulator.send_slash_command("ask", {"question": "and Amazon?"})
    reply = await handle.wait_for_response()
    assert reply["type"] == 4 and reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["content"] in {
        f"You're asking quickly — try again in {n} s." for n in (59, 60)
    }
    # Another user is not limited by alice's questions.
    _, other = await ask(emulator, "and Amazon?", user=emulator.world.bob)
    assert other.embeds


@pytest.mark.parametrize("bot_settings", [{"ask_cooldown_seconds": 60, "ask_cooldown_rate": 1}])
async def test_mentions_share_the_askers_cooldown(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    await ask(emulator, "what did IBM decide?", user=emulator.world.bob)
    sent = await emulator.send_message(
        f"{emulator.bot_mention} and Amazon?", author=emulator.world.bob
    )
    reply = await emulator.wait_for_reply(sent)
    assert reply.content.startswith("You're asking quickly — try again in ")
    assert not reply.embeds and reply.allowed_mentions == {"parse": []}


async def test_a_discord_500_on_the_reply_is_retried(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    fault = emulator.fail_next("PATCH", r"/webhooks/\d+/[^/]+/messages/@original", status=500)
    _, message = await ask(emulator, "what did IBM decide?")
    calls = emulator.calls_to("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert [(c.status, c.injected) for c in calls] == [(500, True), (200, False)]
    assert fault.remaining == 0
    assert message.embeds and "IBM" in message.embeds[0]["description"]
    assert briefbot.is_ready() and not briefbot.is_closed()


# ------------------------------------------------------------------------------ mentions


async def test_mention_is_answered_as_a_reply(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    sent = await emulator.send_message(
        f"{emulator.bot_mention} what did IBM decide?", author=emulator.world.bob
    )
    reply = await emulator.wait_for_reply(sent)
    assert reply.data["message_reference"]["message_id"] == str(sent.id)
    assert reply.embeds[0]["title"] == "what did IBM decide?"
    assert "**[1]**" in reply.embeds[0]["description"]
    assert reply.allowed_mentions == {"parse": []} and reply.mentions == []
    assert labels(reply)["Delete"]

    # Only the asker pages through it.
    more = button(reply, "More results")["custom_id"]
    refused = await emulator.click_button(reply, more, user=emulator.world.alice)
    assert (await refused.wait_for_response())["data"]["flags"] & EPHEMERAL
    paged = await emulator.click_button(reply, more, user=emulator.world.bob)
    assert (await paged.wait_for_response())["type"] == 7


async def test_mention_without_a_question_gets_help(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    sent = await emulator.send_message(emulator.bot_mention, author=emulator.world.bob)
    reply = await emulator.wait_for_reply(sent)
    assert "Ask me something about the posts" in reply.content
    # Messages that do not mention the bot are left alone.
    await emulator.send_message("what did IBM decide?", author=emulator.world.bob)
    sent = await emulator.send_message(f"{emulator.bot_mention} GPT-3", author=emulator.world.bob)
    await emulator.wait_for_reply(sent)
    assert len(emulator.bot_messages(emulator.world.general)) == 2


# ------------------------------------------------------------------------------ other commands


async def test_brief_autocompletes_titles_and_shows_the_post(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle = await emulator.send_autocomplete("brief", {"title": "facial"}, focused="title")
    await handle.wait_for_response()
    choices = handle.choices
    assert 1 <= len(choices) <= 25
    assert all(
        len(c["name"]) <= CHOICE_NAME_MAX and len(c["value"]) <= CHOICE_VALUE_MAX for c in choices
    )
    seed = next(c for c in choices if c["name"].startswith("IBM, Microsoft"))
    assert seed["value"] == "briefs/2020-06-21-face-recog-police.md"

    handle = await emulator.send_slash_command("brief", {"title": seed["value"]})
    message = await handle.wait_for_message()
    embed = message.embeds[0]
    assert embed["title"].startswith("IBM, Microsoft, and Amazon Halt Sales")
    assert embed["url"] == SEED_URL
    assert "**Sections**" in embed["description"]
    assert f"[What Happened]({SEED_URL}#what-happened)" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Date"] == "21 Jun 2020" and fields["Categories"] == "briefs"
    assert labels(message) == {"Delete": True}
    assert_no_pings(emulator)


async def test_brief_accepts_typed_titles_and_escapes_odd_ones(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    handle = await emulator.send_autocomplete(
        "brief", {"title": "very long title"}, focused="title"
    )
    await handle.wait_for_response()
    odd = handle.choices[0]
    assert odd["name"].startswith("A very long title with [brackets]")
    assert odd["name"].endswith("… (2023)")

    handle = await emulator.send_slash_command("brief", {"title": "deepfakes elections"})
    message = await handle.wait_for_message()
    assert message.embeds[0]["title"].startswith("Deepfakes and Elections")

    handle = await emulator.send_slash_command("brief", {"title": odd["value"]})
    title = (await handle.wait_for_message()).embeds[0]["title"]
    assert "\\[brackets\\]" in title and "\\<\\@123\\>" in title and "@everyone" not in title

    handle = await emulator.send_slash_command("brief", {"title": "zzzz qqqq"})
    reply = await handle.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL and "No post matches" in reply["data"]["content"]


async def test_latest_lists_newest_posts(emulator: DiscordEmulator, briefbot: Briefbot) -> None:
    handle = await emulator.send_slash_command("latest", {"count": 2})
    description = (await handle.wait_for_message()).embeds[0]["description"]
    assert description.index("A very long title") < description.index("Deepfakes and Elections")
    assert "Halt Sales" not in description

    handle = await emulator.send_slash_command("latest", {"category": "briefs"})
    embed = (await handle.wait_for_message()).embeds[0]
    assert embed["title"] == "Latest in briefs on Skynet Today"
    assert (
        f"[IBM, Microsoft, and Amazon Halt Sales of Facial Recognition to Police, Call for "
        f"Regulations]({SEED_URL})" in embed["description"]
    )
    assert "GPT-3" not in embed["description"]


async def test_about_reports_what_is_served(emulator: DiscordEmulator, briefbot: Briefbot) -> None:
    handle = await emulator.send_slash_command("about")
    embed = (await handle.wait_for_message()).embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Posts"] == "5"
    assert int(fields["Passages"].replace(",", "")) == len(briefbot.index.passages)
    assert fields["Categories"] == "3"
    assert "<t:" in fields["Last indexed"]
    assert embed["footer"]["text"].startswith(f"briefbot {briefbot.version} · discord.py ")
    assert "[Skynet Today](https://www.skynettoday.com/)" in embed["description"]


# ------------------------------------------------------------------------------ load


async def test_concurrent_askers_are_all_answered_and_heartbeats_continue(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    users = [
        emulator.world.alice,
        emulator.world.bob,
        emulator.world.owner,
        emulator.world.moderator,
    ]
    handles = [
        await emulator.send_slash_command(
            "ask", {"question": f"facial recognition {i}"}, user=users[i % len(users)]
        )
        for i in range(24)
    ]
    messages = [await h.wait_for_message(timeout=20) for h in handles]
    assert all(m.embeds for m in messages)
    before = len(emulator.heartbeats)
    await emulator.wait_for_heartbeats(before + 1)
    assert all(b.acked for b in emulator.heartbeats)


# ------------------------------------------------------------------------------ error texts


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            app_commands.MissingPermissions(["manage_guild"]),
            "You need the Manage Server permission for that.",
        ),
        (
            app_commands.BotMissingPermissions(["embed_links"]),
            "I need the Embed Links permission in this channel for that.",
        ),
        (app_commands.NoPrivateMessage(), "That command only works in a server."),
        (app_commands.CheckFailure(), "You can't use that command here."),
        (
            app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), 4.2),
            "You're asking quickly — try again in 5 s.",
        ),
        (UserError("No post matches 'x'."), "No post matches 'x'."),
        (
            app_commands.AppCommandError("boom"),
            "Something went wrong on my side; it has been logged. Please try again in a moment.",
        ),
    ],
)
def test_every_failure_has_a_short_friendly_text(
    error: app_commands.AppCommandError, text: str
) -> None:
    assert user_message(error) == text
