"""Self-tests for the loopback Discord emulator, driving a tiny *real* discord.py bot."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord_emulator import DiscordEmulator, InteractionHandle, MessageRecord, Permission

TOPICS = ["python", "pytest", "discord", "docker", "postgres"]


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Comment", custom_id="comment", max_length=200
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.comment.value}", ephemeral=True)


class PickView(discord.ui.View):
    @discord.ui.select(
        custom_id="site",
        options=[
            discord.SelectOption(label="Blog", value="blog"),
            discord.SelectOption(label="Docs", value="docs"),
        ],
    )
    async def site(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.defer()  # type 6, then edit the message later
        await interaction.edit_original_response(content=f"searching {select.values[0]}")

    @discord.ui.button(label="Feedback", custom_id="feedback")
    async def feedback(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(FeedbackModal())


class MoreView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="More", custom_id="more", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"expanded for {interaction.user.name}", view=None
        )


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=intents,
        allowed_mentions=discord.AllowedMentions.none(),
    )

    @bot.tree.command(description="Direct, ephemeral answer with an embed")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"pong {interaction.user.mention}",
            ephemeral=True,
            embed=discord.Embed(title="Pong", description="latency ok"),
        )

    @bot.tree.command(description="Deferred answer")
    @app_commands.describe(question="What to ask", channel="Where to look")
    async def ask(
        interaction: discord.Interaction, question: str, channel: discord.TextChannel | None = None
    ) -> None:
        await interaction.response.defer(thinking=True)
        where = f" in #{channel.name}" if channel else ""
        await interaction.followup.send(
            f"answer to {question!r}{where}", embed=discord.Embed(title="Sources")
        )
        await interaction.followup.send("one more thing", ephemeral=True)

    @bot.tree.command(description="Shows a button")
    async def menu(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("menu", view=MoreView())

    @bot.tree.command(description="Select + modal")
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick one", view=PickView(), ephemeral=True)

    @bot.tree.command(description="A modal past Discord's limits")
    async def longform(interaction: discord.Interaction) -> None:
        modal = discord.ui.Modal(title="A form whose title is longer than forty-five chars")
        modal.add_item(discord.ui.TextInput(label="Q", custom_id="q", placeholder="p" * 101))
        await interaction.response.send_modal(modal)

    @bot.tree.command(description="Pick a topic")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"topic {name}")

    @topic.autocomplete("name")
    async def topic_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t.title(), value=t)
            for t in TOPICS
            if t.startswith(current.lower())
        ]

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        if bot.user in message.mentions:
            await message.reply(f"pong: {message.clean_content}", mention_author=False)

    return bot


@pytest.fixture
async def bot(emulator: DiscordEmulator) -> commands.Bot:
    client = await emulator.start_client(make_bot())
    await client.tree.sync()
    return client


# --------------------------------------------------------------------------- connect
async def test_connects_gets_ready_and_guild(emulator: DiscordEmulator) -> None:
    client = await emulator.start_client(make_bot())
    assert client.user is not None and client.user.id == emulator.bot.id
    assert client.application_id == emulator.application_id
    guild = client.get_guild(emulator.guild.id)
    assert guild is not None and not guild.unavailable
    assert {c.name for c in guild.text_channels} == {"general", "news", "alerts"}
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderator", "Subscribers"}
    assert guild.owner_id == emulator.world.owner.id
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    assert emulator.identifies == 1
    assert emulator.calls_to("GET", "/users/@me")[0].status == 200
    assert emulator.calls_to("GET", "/oauth2/applications/@me")[0].status == 200
    # discord.py asked for zlib-stream transport compression and got it.
    assert emulator.connections[0].compress == "zlib-stream"
    identify = next(p for p in emulator.gateway_received if p["op"] == 2)
    assert identify["d"]["intents"] & (1 << 15)  # message_content
    assert "Authorization" not in emulator.calls[0].headers


async def test_bad_token_raises_login_failure(emulator: DiscordEmulator) -> None:
    with pytest.raises(discord.LoginFailure):
        await emulator.start_client(make_bot(), token="not-the-token")
    call = emulator.calls_to("GET", "/users/@me")[-1]
    assert call.status == 401 and call.response == {"message": "401: Unauthorized", "code": 0}
    assert emulator.identifies == 0


async def test_an_exception_discord_py_only_logs_fails_the_test(
    emulator: DiscordEmulator, bot
) -> None:
    # The client lives on, but the user got no answer: the fixture's teardown must fail.
    handle = await emulator.send_slash_command("longform")
    await emulator.wait_for_call("POST", r"/interactions/\d+/[^/]+/callback", status=400)
    await emulator.wait_until(lambda: emulator.swallowed.records, what="the logged failure")
    with pytest.raises(AssertionError, match="Ignoring exception in command 'longform'"):
        emulator.assert_nothing_swallowed()
    emulator.swallowed.records.clear()
    emulator.assert_nothing_swallowed()
    assert not handle.callbacks


async def test_a_client_that_died_is_reported_even_once_stopped(emulator: DiscordEmulator) -> None:
    client = await emulator.start_client(make_bot())
    emulator.assert_clients_alive()
    await emulator.disconnect(4004)  # "Authentication failed": discord.py's start() raises
    await emulator.wait_until(lambda: emulator.dead_clients(), what="the client to die")
    # A restart or a fixture's teardown stops it: the death is still reported.
    await emulator.stop_client(client)
    with pytest.raises(AssertionError, match="no longer running"):
        emulator.assert_clients_alive()
    emulator._stopped_dead.clear()  # (this test's own death: the fixture need not fail)
    # A client stopped while running is no death.
    await emulator.stop_client(await emulator.start_client(make_bot()))
    emulator.assert_clients_alive()


async def test_heartbeats_are_acked(emulator: DiscordEmulator) -> None:
    emulator.heartbeat_interval = 0.1  # sent in HELLO at the next connection
    client = await emulator.start_client(make_bot())
    beats = await emulator.wait_for_heartbeats(4, timeout=10)  # immediate one + 3 intervals
    assert all(b.acked for b in beats)
    assert client.latency != float("inf")
    assert emulator.identifies == 1 and client.ws is not None and client.ws.open


async def test_reconnect_resumes_and_replays(emulator: DiscordEmulator, bot) -> None:
    await emulator.request_reconnect()
    session = await emulator.wait_for_resume()
    assert emulator.identifies == 1 and session.resumes == 1
    handle = await emulator.send_slash_command("ping")
    assert (await handle.wait_for_response())["type"] == 4


# ------------------------------------------------------------------ app commands
async def test_sync_stores_commands(emulator: DiscordEmulator, bot) -> None:
    names = {c["name"] for c in emulator.global_commands}
    assert names == {"ping", "ask", "menu", "pick", "longform", "topic"}
    ask = emulator.find_command("ask")
    assert ask is not None
    assert [(o["name"], o["type"], o.get("required", False)) for o in ask["options"]] == [
        ("question", 3, True),
        ("channel", 7, False),
    ]
    assert emulator.calls_to("PUT", rf"/applications/{emulator.application_id}/commands")


async def test_slash_command_direct_response(emulator: DiscordEmulator, bot) -> None:
    handle = await emulator.send_slash_command("ping", user=emulator.world.bob)
    callback = await handle.wait_for_response()
    assert callback["type"] == 4
    data = callback["data"]
    assert data["flags"] & 64  # ephemeral
    assert data["embeds"][0]["title"] == "Pong"
    assert data["allowed_mentions"] == {"parse": []}  # from the Bot's allowed_mentions
    message = await handle.wait_for_message()
    assert message is handle.original and message.ephemeral
    assert message.content == f"pong <@{emulator.world.bob.id}>"
    assert message.mentions == []  # allowed_mentions suppressed the ping
    # discord.py asked for with_response and parsed our InteractionCallbackResponse.
    cb_call = handle.calls[0]
    assert cb_call.query.get("with_response") == "1" and cb_call.status == 200
    assert cb_call.response["resource"]["message"]["id"] == str(message.id)


async def test_slash_command_defer_and_followups(emulator: DiscordEmulator, bot) -> None:
    handle = await emulator.send_slash_command(
        "ask", {"question": "what is new?", "channel": emulator.world.news}
    )
    assert (await handle.wait_for_response())["type"] == 5
    first = await handle.wait_for_message()
    assert first.content == "answer to 'what is new?' in #news"
    assert first.embeds[0]["title"] == "Sources"
    # Discord: the first follow-up after a thinking-defer replaces the loading message.
    assert first is handle.original and not first.loading and not first.ephemeral
    assert first.allowed_mentions == {"parse": []}
    second = await handle.wait_for_followup(1)
    assert second.content == "one more thing" and second.ephemeral
    assert second.source == "followup" and second is not handle.original
    assert [m.id for m in handle.messages] == [first.id, second.id]


async def test_button_click_round_trip(emulator: DiscordEmulator, bot) -> None:
    handle = await emulator.send_slash_command("menu")
    message = await handle.wait_for_message()
    assert [b["custom_id"] for b in message.buttons()] == ["more"]
    click = await emulator.click_button(message, "more", user=emulator.world.bob)
    assert isinstance(click, InteractionHandle)
    assert (await click.wait_for_response())["type"] == 7
    assert message.content == "expanded for bob" and message.components == []
    with pytest.raises(LookupError):  # the button is gone now
        await emulator.click_button(message, "more")


async def test_select_and_modal_round_trip(emulator: DiscordEmulator, bot) -> None:
    message = await (await emulator.send_slash_command("pick")).wait_for_message()
    select = await emulator.select_option(message, "site", ["docs"])
    assert (await select.wait_for_response())["type"] == 6
    await select.wait_for_edit()
    assert message.content == "searching docs" and message.ephemeral
    with pytest.raises(PermissionError):  # bob cannot see alice's ephemeral message
        await emulator.click_button(message, "feedback", user=emulator.world.bob)
    opened = await emulator.click_button(message, "feedback")
    assert (await opened.wait_for_response())["type"] == 9
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    submitted = await emulator.submit_modal(opened, {"comment": "great bot"})
    assert (await submitted.wait_for_message()).content == "thanks: great bot"


async def test_modals_are_checked_as_discord_and_its_client_do(
    emulator: DiscordEmulator, bot
) -> None:
    handle = await emulator.send_slash_command("longform")
    call = await emulator.wait_for_call("POST", r"/interactions/\d+/[^/]+/callback")
    assert call.status == 400 and call.response is not None
    assert set(call.response["errors"]["data"]) == {"title", "components"}
    assert not handle.callbacks
    # (discord.py logs the command's HTTPException: expected here, not a swallowed failure)
    await emulator.wait_until(lambda: emulator.swallowed.records, what="the logged failure")
    emulator.swallowed.records.clear()

    message = await (await emulator.send_slash_command("pick")).wait_for_message()
    opened = await emulator.click_button(message, "feedback")
    await opened.wait_for_response()
    # The client sends no empty required input, nor one past max_length.
    for value in ("", "x" * 201):
        with pytest.raises(ValueError, match="cannot submit 'comment'"):
            await emulator.submit_modal(opened, {"comment": value})


async def test_autocomplete_returns_choices(emulator: DiscordEmulator, bot) -> None:
    handle = await emulator.send_autocomplete("topic", {"name": "p"}, focused="name")
    assert (await handle.wait_for_response())["type"] == 8
    assert handle.choices == [
        {"name": "Python", "value": "python"},
        {"name": "Pytest", "value": "pytest"},
        {"name": "Postgres", "value": "postgres"},
    ]


# ------------------------------------------------------------------ messages
async def test_mention_gets_a_reply(emulator: DiscordEmulator, bot) -> None:
    sent = await emulator.send_message(f"{emulator.bot_mention} hello", author=emulator.world.bob)
    reply = await emulator.wait_for_reply(sent)
    assert reply.content == "pong: @briefbot hello"
    assert reply.data["message_reference"]["message_id"] == str(sent.id)
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}
    assert reply.mentions == []
    # The bot's own echoed MESSAGE_CREATE must not trigger another reply.
    again = await emulator.send_message(f"{emulator.bot_mention} again", author=emulator.world.bob)
    await emulator.wait_for_reply(again)
    assert len(emulator.bot_messages(emulator.world.general)) == 2


async def test_message_validation_is_enforced(emulator: DiscordEmulator, bot) -> None:
    channel = bot.get_channel(emulator.world.alerts.id)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("x" * 2001)
    assert info.value.status == 400 and info.value.code == 50035
    # Embed URLs must be well-formed http(s) (images and icons may name an attachment).
    for url in ("javascript:alert(1)", "/briefs/x", "https://exa mple.com/"):
        with pytest.raises(discord.HTTPException) as info:
            await channel.send(embed=discord.Embed(title="t", url=url))
        assert info.value.code == 50035, url
    ok = discord.Embed(title="t", url="https://example.com/a?b=c#d")
    ok.set_author(name="a", url="http://example.com").set_thumbnail(url="attachment://x.png")
    assert (await channel.send(embed=ok)).embeds


# ---------------------------------------------------------------- faults
async def test_500_is_retried_by_discord_py(emulator: DiscordEmulator, bot) -> None:
    channel = bot.get_channel(emulator.world.alerts.id)
    path = rf"/channels/{emulator.world.alerts.id}/messages"
    emulator.fail_next("POST", path, status=500)
    message = await channel.send("new post!")
    calls = emulator.calls_to("POST", path)
    assert [(c.status, c.injected) for c in calls] == [(500, True), (200, False)]
    assert message.id == emulator.messages_in(emulator.world.alerts)[-1].id


async def test_503_is_not_retried_by_http_client(emulator: DiscordEmulator, bot) -> None:
    channel = bot.get_channel(emulator.world.alerts.id)
    emulator.fail_next("POST", r"/channels/\d+/messages", status=503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("new post!")
    assert len(emulator.calls_to("POST", r"/channels/\d+/messages")) == 1


async def test_429_retry_after_is_honoured(
    emulator: DiscordEmulator, bot, caplog: pytest.LogCaptureFixture
) -> None:
    channel = bot.get_channel(emulator.world.general.id)
    fault = emulator.fail_next("POST", r"/channels/\d+/messages", status=429, retry_after=0.2)
    await channel.send("hello")
    first, second = emulator.calls_to("POST", r"/channels/\d+/messages")
    assert fault.hits == [first] and first.status == 429 and second.status == 200
    assert first.response["retry_after"] == 0.2
    # discord.py read retry_after from the body (it needs the Via header for that) and slept it.
    assert any(
        "responded with 429. Retrying in 0.20 seconds" in r.getMessage() for r in caplog.records
    )

    # The interaction webhook adapter honours 429s too.
    emulator.fail_next("POST", r"/webhooks/\d+/[^/]+", status=429, retry_after=0.05)
    handle = await emulator.send_slash_command("ask", {"question": "q"})
    await handle.wait_for_followup(1)
    assert [c.status for c in emulator.calls_to("POST", r"/webhooks/\d+/[^/]+")] == [429, 200, 200]
    assert any(
        "is rate limited. Retrying in 0.05 seconds" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize("scope", ["user", "shared", "global"])
async def test_a_429_has_the_headers_discord_documents_for_its_scope(
    emulator: DiscordEmulator, bot, scope: str
) -> None:
    # docs/topics/rate-limits.md, "Example Exceeded … Rate Limit Response".
    channel = bot.get_channel(emulator.world.general.id)
    emulator.fail_next("POST", r"/channels/\d+/messages", status=429, retry_after=0.05, scope=scope)
    await channel.send("hello")
    first = emulator.calls_to("POST", r"/channels/\d+/messages")[0]
    headers = first.response_headers
    assert first.status == 429 and headers["X-RateLimit-Scope"] == scope
    assert headers["Retry-After"] == "1" and "Via" in headers
    bucket = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    bucket |= {"X-RateLimit-Reset-After", "X-RateLimit-Bucket"}
    if scope == "global":
        assert headers["X-RateLimit-Global"] == "true" and not bucket & set(headers)
        assert first.response == {
            "message": "You are being rate limited.",
            "retry_after": 0.05,
            "global": True,
        }
    else:
        assert bucket <= set(headers) and "X-RateLimit-Global" not in headers
        assert first.response["global"] is False
    if scope == "shared":
        assert first.response["message"] == "The resource is being rate limited."


async def test_403_and_404_map_to_discord_errors(emulator: DiscordEmulator, bot) -> None:
    channel = bot.get_channel(emulator.world.news.id)
    emulator.fail_next("POST", r"/channels/\d+/messages", status=403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("hi")
    assert forbidden.value.code == 50001
    emulator.fail_next("POST", r"/channels/\d+/messages", status=404)
    with pytest.raises(discord.NotFound) as not_found:
        await channel.send("hi")
    assert not_found.value.code == 10003


async def test_embeds_need_embed_links_in_a_channel(emulator: DiscordEmulator, bot) -> None:
    world = emulator.world
    world.news.deny(world.bot_role, Permission.EMBED_LINKS)
    channel = bot.get_partial_messageable(world.news.id, guild_id=world.guild.id)
    embed = discord.Embed(title="an answer")
    with pytest.raises(discord.Forbidden) as forbidden:  # embeds alone: refused
        await channel.send(embed=embed)
    assert forbidden.value.code == 50013
    sent = await channel.send("hello", embed=embed)  # beside content: dropped, silently
    record = emulator.get_message(sent.id)
    assert record is not None and record.embeds == [] and record.content == "hello"
    assert (record.request or {})["embeds"] and not sent.embeds
    # An interaction's response is not a channel message: its embeds are shown.
    handle = await emulator.send_slash_command("ask", {"question": "x"}, channel_id=world.news)
    assert (await handle.wait_for_message()).embeds


async def test_unknown_route_is_recorded(emulator: DiscordEmulator, bot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/does/not/exist"))
    assert [c.path for c in emulator.unknown_routes] == ["/does/not/exist"]


async def test_reactions_and_channel_messages(emulator: DiscordEmulator, bot) -> None:
    sent = await emulator.send_message("plain message", author=emulator.world.alice)
    channel = bot.get_channel(emulator.world.general.id)
    partial = channel.get_partial_message(sent.id)
    await partial.add_reaction("👍")
    await emulator.wait_for_call("PUT", r"/channels/\d+/messages/\d+/reactions/👍/@me")
    assert sent.reactions[0]["emoji"]["name"] == "👍" and sent.reactions[0]["me"]
    history = [m async for m in channel.history(limit=10)]
    assert history[0].id == sent.id and history[0].content == "plain message"
    assert isinstance(emulator.get_message(sent.id), MessageRecord)


# ------------------------------------------------------------------ what Discord does later
async def test_every_edit_is_sent_as_message_update_with_both_interaction_objects(
    emulator: DiscordEmulator, bot
) -> None:
    message = await (await emulator.send_slash_command("menu")).wait_for_message()
    assert emulator.session is not None
    mark = emulator.session.seq
    click = await emulator.click_button(message, "more")
    await click.wait_for_response()
    update = await emulator.wait_for_dispatch("MESSAGE_UPDATE", after=mark)
    data = update["d"]
    assert data["id"] == str(message.id) and data["content"] == "expanded for alice"
    # Discord still sends the deprecated `interaction` beside `interaction_metadata`.
    assert data["interaction_metadata"]["id"] == data["interaction"]["id"]
    assert data["interaction"]["name"] == "menu" and data["interaction"]["type"] == 2
    emulator.assert_clients_alive()


async def test_pins_and_embed_suppression_are_message_updates(
    emulator: DiscordEmulator, bot
) -> None:
    handle = await emulator.send_slash_command("ask", {"question": "what is new?"})
    message = await handle.wait_for_message()
    assert emulator.session is not None
    mark = emulator.session.seq
    await emulator.pin_message(message)
    update = await emulator.wait_for_dispatch("MESSAGE_UPDATE", after=mark)
    assert update["d"]["pinned"] is True
    pins = await emulator.wait_for_dispatch("CHANNEL_PINS_UPDATE", after=mark)
    assert pins["d"]["channel_id"] == str(message.channel_id)
    mark = emulator.session.seq
    await emulator.suppress_embeds(message)
    update = await emulator.wait_for_dispatch("MESSAGE_UPDATE", after=mark)
    assert update["d"]["flags"] & 4 and update["d"]["embeds"] == []
    await emulator.suppress_embeds(message, suppress=False)
    assert message.embeds[0]["title"] == "Sources"


async def test_a_reply_pings_its_author_unless_turned_off(emulator: DiscordEmulator, bot) -> None:
    sent = await emulator.send_message(f"{emulator.bot_mention} hello", author=emulator.world.bob)
    reply = await emulator.wait_for_reply(sent)
    pinged = await emulator.send_message("thanks!", reply_to=reply, author=emulator.world.bob)
    assert [int(u["id"]) for u in pinged.data["mentions"]] == [emulator.bot.id]
    quiet = await emulator.send_message(
        "thanks!", reply_to=reply, author=emulator.world.bob, mention_author=False
    )
    assert quiet.data["mentions"] == []


async def test_interaction_tokens_expire_after_15_minutes(emulator: DiscordEmulator, bot) -> None:
    handle = await emulator.send_slash_command("menu")
    await handle.wait_for_message()
    webhook = discord.Webhook.from_url(
        f"https://discord.com/api/webhooks/{emulator.application_id}/{handle.token}", client=bot
    )
    assert handle.original is not None
    assert (await webhook.fetch_message(handle.original.id)).id == handle.original.id
    emulator.advance_clock(15 * 60 + 1)
    with pytest.raises(discord.HTTPException) as raised:
        await webhook.fetch_message(handle.original.id)
    assert (raised.value.status, raised.value.code) == (401, 50027)


async def test_a_first_response_after_3_seconds_is_unknown_interaction(
    emulator: DiscordEmulator, bot
) -> None:
    emulator.interaction_deadline = 3.0
    errors: list[BaseException] = []

    async def on_error(_: discord.Interaction, error: app_commands.AppCommandError) -> None:
        errors.append(error)

    bot.tree.on_error = on_error
    emulator.advance_clock(-3.5)  # the interaction is created "3.5 s ago"
    handle = await emulator.send_slash_command("menu")
    emulator.advance_clock(3.5)
    await emulator.wait_until(lambda: handle.rejected, what="a rejected callback")
    assert handle.rejected[0].response["code"] == 10062
    await emulator.wait_until(lambda: errors, what="the command's error")
    assert isinstance(errors[0].__cause__ or errors[0], discord.NotFound)


async def test_enforce_nonce_returns_the_first_message(emulator: DiscordEmulator, bot) -> None:
    channel = bot.get_channel(emulator.world.news.id)
    # The first response is lost after the message was created; discord.py retries the 500.
    emulator.fail_next("POST", r"/channels/\d+/messages", status=500, after_applying=True)
    first = await channel.send("once", nonce=1234)
    second = await channel.send("once", nonce=1234)
    assert first.id == second.id
    assert [m.content for m in emulator.bot_messages(emulator.world.news)] == ["once"]
    third = await channel.send("once")  # without a nonce: a new message
    assert third.id != first.id
    assert first.nonce is not None  # the create response carries it, as Discord's does…
    fetched = await channel.fetch_message(first.id)
    history = [m async for m in channel.history(limit=5)]
    assert fetched.nonce is None and all(m.nonce is None for m in history)  # …nothing later


async def test_threads_are_channels_the_bot_can_answer_in(emulator: DiscordEmulator, bot) -> None:
    thread = await emulator.create_thread(emulator.world.general, "questions")
    await emulator.wait_until(lambda: bot.get_channel(thread.id), what="the thread cached")
    sent = await emulator.send_message(
        f"{emulator.bot_mention} in a thread", author=emulator.world.bob, channel_id=thread
    )
    reply = await emulator.wait_for_reply(sent)
    assert reply.channel_id == thread.id
    assert isinstance(bot.get_channel(thread.id), discord.Thread)
