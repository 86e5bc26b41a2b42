"""Questions addressed to the bot's managed role instead of the bot.

Discord's @-autocomplete often offers the role Discord made for the bot when it joined (same
name as the bot, ``tags.bot_id`` = the bot's id) instead of the bot itself: the message then
carries ``<@&role>`` and the role in ``mention_roles``, with no user mentioned. Whether Discord
sends such a message's content to a bot without the Message Content intent is not documented, so
both are tested (``emulator.role_mention_shows_content``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alerts_support import Launcher, Site
from briefbot_support import labels
from discord_emulator import DefaultWorld, DiscordEmulator, MessageRecord, Permission

from bot.client import Briefbot

NAMESAKE_ROLE = 1180000000000000404  # named like the bot, not managed
OTHER_BOT = 1180000000000000005
OTHER_BOT_ROLE = 1180000000000000405  # another bot's managed role


@pytest.fixture
def discord_world() -> DefaultWorld:
    world = DefaultWorld()
    # Discord's @-list offers a member the roles they may mention: a mentionable one (anyone
    # with Mention @everyone may mention the others too).
    world.bot_role.mentionable = True
    world.add_role(world.guild, world.bot_role.name, id=NAMESAKE_ROLE, mentionable=True)
    other = world.add_user("otherbot", id=OTHER_BOT, bot=True)
    other_role = world.add_role(
        world.guild,
        "otherbot",
        id=OTHER_BOT_ROLE,
        managed=True,
        mentionable=True,
        tags={"bot_id": str(OTHER_BOT)},
    )
    world.add_member(world.guild, other, roles=[other_role])
    return world


def role_mention(role_id: int, text: str = "what did IBM decide?") -> str:
    return f"<@&{role_id}> {text}".strip()


def replies_to(emulator: DiscordEmulator, sent: MessageRecord) -> list[MessageRecord]:
    return [
        m
        for m in emulator.bot_messages()
        if (m.data.get("message_reference") or {}).get("message_id") == str(sent.id)
    ]


async def quiet_for(emulator: DiscordEmulator, sent: MessageRecord, seconds: float = 0.5) -> bool:
    """True when the bot did not reply to ``sent`` within ``seconds``."""
    await asyncio.sleep(seconds)
    return not replies_to(emulator, sent)


async def test_the_emulator_gives_discord_py_the_bots_managed_role(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    guild = briefbot.get_guild(emulator.world.guild.id)
    assert guild is not None and guild.self_role is not None
    assert guild.self_role.id == emulator.world.bot_role.id
    assert guild.self_role.is_bot_managed() and guild.self_role.tags is not None
    assert guild.self_role.tags.bot_id == emulator.bot.id
    namesake = guild.get_role(NAMESAKE_ROLE)
    assert namesake is not None and namesake.name == guild.self_role.name
    assert not namesake.is_bot_managed()


async def test_a_question_to_the_bots_role_is_answered_like_a_mention(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    emulator.role_mention_shows_content = True
    world = emulator.world
    sent = await emulator.send_message(role_mention(world.bot_role.id), author=world.bob)
    assert sent.mentions == [] and sent.mention_roles == [world.bot_role.id]
    reply = await emulator.wait_for_reply(sent)
    assert reply.embeds[0]["title"] == "what did IBM decide?"  # the role's mention stripped
    assert "**[1]**" in reply.embeds[0]["description"]
    assert reply.allowed_mentions == {"parse": []} and reply.mentions == []
    assert reply.mention_roles == []
    assert labels(reply)["Delete"] and labels(reply)["More results"]
    # Logged for /insights as a mention's question is, without Discord's markup.
    assert briefbot.insights is not None
    logged = await briefbot.insights.questions(world.guild.id)
    assert [q.question for q in logged] == ["what did IBM decide?"]
    # The role's mention alone asks for a question, as the bot's does.
    bare = await emulator.send_message(f"<@&{world.bot_role.id}>", author=world.bob)
    assert "Ask me something about the posts" in (await emulator.wait_for_reply(bare)).content


@pytest.mark.parametrize("bot_settings", [{"ask_cooldown_seconds": 60, "ask_cooldown_rate": 1}])
async def test_a_question_to_the_bots_role_shares_the_askers_cooldown(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    emulator.role_mention_shows_content = True
    world = emulator.world
    first = await emulator.send_message(role_mention(world.bot_role.id), author=world.bob)
    assert (await emulator.wait_for_reply(first)).embeds
    again = await emulator.send_message(
        role_mention(world.bot_role.id, "and Amazon?"), author=world.bob
    )
    reply = await emulator.wait_for_reply(again)
    assert reply.content.startswith("You're asking quickly — try again in ")


async def test_a_withheld_question_to_the_bots_role_is_told_how_to_ask(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    world = emulator.world
    assert emulator.session is not None
    mark = emulator.session.seq
    sent = await emulator.send_message(role_mention(world.bot_role.id), author=world.bob)
    event = await emulator.wait_for_dispatch("MESSAGE_CREATE", after=mark)
    assert event["d"]["content"] == "" and event["d"]["mention_roles"] == [str(world.bot_role.id)]
    reply = await emulator.wait_for_reply(sent)
    assert "`/ask`" in reply.content and "mention me" in reply.content
    assert not reply.embeds and not reply.buttons()
    assert reply.allowed_mentions == {"parse": []} and reply.mentions == []
    assert reply.mention_roles == [] and not reply.mention_everyone
    await asyncio.sleep(0.3)
    assert replies_to(emulator, sent) == [reply]  # once
    # Nothing was searched or logged: there was no question to read.
    assert briefbot.insights is not None
    assert await briefbot.insights.questions(world.guild.id) == []


@pytest.mark.parametrize("shown", [False, True], ids=["withheld", "shown"])
@pytest.mark.parametrize(
    "role",
    [NAMESAKE_ROLE, OTHER_BOT_ROLE, DefaultWorld().subscribers_role.id],
    ids=["namesake", "other-bot", "other-role"],
)
async def test_roles_other_than_the_bots_own_ask_nothing(
    emulator: DiscordEmulator, briefbot: Briefbot, role: int, shown: bool
) -> None:
    emulator.role_mention_shows_content = shown
    sent = await emulator.send_message(role_mention(role), author=emulator.world.bob)
    assert sent.mention_roles == [role]
    assert await quiet_for(emulator, sent)


async def test_a_reply_ping_to_the_bot_naming_another_role_is_not_a_question(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    world = emulator.world
    sent = await emulator.send_message(f"{emulator.bot_mention} what did IBM decide?")
    answer = await emulator.wait_for_reply(sent)
    thanks = await emulator.send_message(
        f"thanks <@&{world.subscribers_role.id}>, see this", reply_to=answer, author=world.alice
    )  # reply-ping on: the bot is in `mentions`, the content arrives
    assert thanks.mentions == [emulator.bot.id]
    assert await quiet_for(emulator, thanks)
    # One that writes the bot's role is a question (its text came: the bot is mentioned).
    again = await emulator.send_message(
        role_mention(world.bot_role.id, "and Amazon?"), reply_to=answer, author=world.alice
    )
    assert (await emulator.wait_for_reply(again)).embeds[0]["title"] == "and Amazon?"


@pytest.mark.parametrize("shown", [False, True], ids=["withheld", "shown"])
async def test_a_role_mention_where_the_bot_may_not_send_gets_no_reply(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, shown: bool
) -> None:
    emulator.role_mention_shows_content = shown
    world = emulator.world
    world.general.deny(world.bot_role, Permission.SEND_MESSAGES)
    await launcher.start(fresh_site)
    sent = await emulator.send_message(role_mention(world.bot_role.id), author=world.bob)
    assert await quiet_for(emulator, sent)
    assert emulator.calls_to("POST", r"/channels/\d+/messages") == []  # no 403 earned
