"""The question log in Discord: votes, /insights, the weekly digest, forgetting, broken citations.

The real Briefbot against the Discord emulator, on real SQLite files. Questions are logged in the
background (an answer never waits for the database), so tests wait for the row to appear.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from alerts_support import (
    NEW_POST,
    NEW_TITLE,
    SLOW_POLL,
    Launcher,
    Site,
    add_post,
    alerts_of,
    watch_news,
    write_atomically,
)
from briefbot_support import ask, button, labels
from discord_emulator import EPHEMERAL, DiscordEmulator, MessageRecord, Permission

from bot import insights_store
from bot.client import Briefbot
from bot.exts.insights import Insights
from bot.insights_store import InsightsStore
from index.insights import LoggedQuestion, build_report

QUESTION = "Which companies stopped selling face recognition to police?"
DECLINED = "Who won the football world cup in 1998?"
DEEPFAKES = "briefs/2022-01-15-deepfakes-elections.md"


def insights_of(bot: Briefbot) -> Insights:
    cog = bot.get_cog("Insights")
    assert cog is not None and type(cog).__name__ == "Insights"
    return cast(Insights, cog)


def store_of(bot: Briefbot) -> InsightsStore:
    assert bot.insights is not None
    return bot.insights


async def logged(bot: Briefbot, count: int) -> list[LoggedQuestion]:
    """The log once it holds ``count`` questions (written in the background)."""
    rows: list[LoggedQuestion] = []
    for _ in range(250):
        rows = await store_of(bot).questions()
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError(f"the log has {len(rows)} questions, expected {count}")


async def vote(emulator: DiscordEmulator, message: MessageRecord, label: str, user: Any) -> str:
    click = await emulator.click_button(message, button(message, label)["custom_id"], user=user)
    reply = await click.wait_for_message()
    assert reply.ephemeral
    return reply.content


async def insights_command(
    emulator: DiscordEmulator, sub: str, user: Any = None, **options: Any
) -> Any:
    return await emulator.send_slash_command(
        "insights", options, subcommand=sub, user=user or emulator.world.moderator
    )


# ------------------------------------------------------------------------------ votes and the log


async def test_the_askers_vote_counts_once_and_can_change(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    world = emulator.world
    _, message = await ask(emulator, QUESTION, user=world.alice)
    assert labels(message)["Helpful"] and labels(message)["Not helpful"]
    [row] = await logged(briefbot, 1)
    assert row.question == QUESTION and row.guild_id == world.guild.id and not row.declined
    assert row.citations[0].post_id == "briefs/2020-06-21-face-recog-police.md"
    assert row.citations[0].anchor and row.citations[0].sentence
    assert str(world.alice.id) not in repr(row)  # no user anywhere in what is stored

    assert "Recorded as **helpful**" in await vote(emulator, message, "Helpful", world.alice)
    assert (await store_of(briefbot).question(row.id)).vote == 1  # type: ignore[union-attr]
    # Someone else's click is thanked privately, not counted.
    assert "Only the vote of the person who asked" in await vote(
        emulator, message, "Not helpful", world.bob
    )
    assert (await store_of(briefbot).question(row.id)).vote == 1  # type: ignore[union-attr]
    # The asker changes their mind: still one vote.
    assert "not helpful" in await vote(emulator, message, "Not helpful", world.alice)
    rows = await store_of(briefbot).questions()
    assert [(r.id, r.vote) for r in rows] == [(row.id, -1)]


async def test_private_questions_are_never_stored(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, QUESTION, private=True)
    assert "Helpful" not in labels(message)
    mention = await emulator.send_message(f"{emulator.bot_mention} {DECLINED}")
    reply = await emulator.wait_for_reply(mention)  # a public mention is logged…
    assert labels(reply)["Not helpful"]
    rows = await logged(briefbot, 1)
    assert [r.question for r in rows] == [DECLINED]  # …the private one never


async def test_with_insights_off_nothing_is_logged_and_no_buttons(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL, insights=False)
    await alerts_of(bot).wait_for_cycles(1)
    _, message = await ask(emulator, QUESTION)
    assert set(labels(message)) == {"Previous", "More results", "Delete"}
    assert bot.insights is None
    reply = await (await insights_command(emulator, "report")).wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL and "turned off" in reply["data"]["content"]
    store = await InsightsStore.open(fresh_site.db)
    try:
        assert await store.questions() == []
    finally:
        await store.close()


async def test_an_answer_deleted_takes_its_question_out_of_the_log(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """Delete under an answer (its asker regretting it, or a moderator removing an abusive
    question): the question leaves the log too, so /insights and the weekly digest (posted in
    a channel) do not show it again."""
    world = emulator.world
    _, kept = await ask(emulator, QUESTION, user=world.alice)
    _, gone = await ask(emulator, DECLINED, user=world.alice)
    _, removed_by_mod = await ask(emulator, "who won the World Cup in 1998", user=world.bob)
    await logged(briefbot, 3)
    for message, who in ((gone, world.alice), (removed_by_mod, world.moderator)):
        click = await emulator.click_button(
            message, button(message, "Delete")["custom_id"], user=who
        )
        await click.wait_for_response()
    await emulator.wait_until(lambda: gone.deleted and removed_by_mod.deleted)
    store = store_of(briefbot)
    for _ in range(250):
        rows = await store.questions()
        if len(rows) == 1:
            break
        await asyncio.sleep(0.02)
    assert [r.question for r in rows] == [QUESTION]
    assert not kept.deleted


async def questions_now(bot: Briefbot, count: int) -> list[str]:
    """The logged questions once the log holds ``count`` (deletions happen in the background)."""
    rows: list[LoggedQuestion] = []
    for _ in range(250):
        rows = await store_of(bot).questions()
        if len(rows) == count:
            break
        await asyncio.sleep(0.02)
    return [r.question for r in rows]


@pytest.mark.parametrize("how", ["one", "bulk"])
async def test_a_question_asked_by_mention_and_deleted_is_withdrawn(
    emulator: DiscordEmulator, briefbot: Briefbot, how: str
) -> None:
    """Its asker deletes the message that asked (MESSAGE_DELETE), or a moderator clears the
    channel (MESSAGE_DELETE_BULK): the question leaves the log, and the bot's answer, whose
    title quotes it, goes too. Other questions and answers stay."""
    world = emulator.world
    asked = []
    for question in (QUESTION, DECLINED):
        sent = await emulator.send_message(f"{emulator.bot_mention} {question}", author=world.bob)
        asked.append((sent, await emulator.wait_for_reply(sent)))
    _, slash_answer = await ask(emulator, "deepfakes and elections", user=world.alice)
    await logged(briefbot, 3)
    (_, kept_answer), (withdrawn, withdrawn_answer) = asked
    if how == "one":
        await emulator.delete_messages(withdrawn)
    else:  # (with an unrelated message: a bulk delete names whatever was selected)
        other = await emulator.send_message("thanks all", author=world.alice)
        await emulator.delete_messages(withdrawn, other)
    await emulator.wait_until(lambda: withdrawn_answer.deleted)
    assert await questions_now(briefbot, 2) == [QUESTION, "deepfakes and elections"]
    assert not kept_answer.deleted and not slash_answer.deleted


async def test_a_question_deleted_after_a_restart_is_withdrawn_with_its_reply(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """The bot restarted since it answered: the log still knows the question's message, and
    the reply is found just after it (a reply to another question stays)."""
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    asked = []
    for question in (QUESTION, DECLINED):
        sent = await emulator.send_message(f"{emulator.bot_mention} {question}", author=world.bob)
        asked.append((sent, await emulator.wait_for_reply(sent)))
    await logged(bot, 2)
    await launcher.stop(bot)
    again = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    (_, kept_answer), (withdrawn, withdrawn_answer) = asked
    await emulator.delete_messages(withdrawn)
    await emulator.wait_until(lambda: withdrawn_answer.deleted)
    assert await questions_now(again, 1) == [QUESTION]
    assert not kept_answer.deleted


async def test_a_question_deleted_before_its_answer_is_not_answered_or_logged(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """Deleted while the bot searched: no reply, or the reply, if sent by then, taken back at
    once; nothing logged."""
    world = emulator.world
    sent = await emulator.send_message(f"{emulator.bot_mention} {QUESTION}", author=world.bob)
    await emulator.delete_messages(sent)

    # (a reply to a message gone is sent as a plain message: Discord drops the reference)
    def replies() -> list[MessageRecord]:
        return [m for m in emulator.message_log if m.author_id == emulator.bot.id]

    await asyncio.sleep(0.5)  # (the answer, if already searched, is sent and deleted)
    await emulator.wait_until(lambda: all(m.deleted for m in replies()))
    assert await questions_now(briefbot, 0) == []


async def test_old_questions_are_pruned_by_the_watcher(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    store = store_of(briefbot)
    answer = await briefbot.search(DECLINED, 3)
    now = dt.datetime.now(dt.UTC)
    await store.log(1, answer, asked_at=now - dt.timedelta(days=91))
    kept = await store.log(1, answer, asked_at=now - dt.timedelta(days=89))
    cog = insights_of(briefbot)
    await cog.wait_for_cycles(1)  # the start-up tick
    await cog.run_cycle()
    assert [r.id for r in await store.questions()] == [kept]


async def test_a_report_longer_than_the_log_keeps_says_what_it_covers(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """`days:365` on a log kept 90 days (the default): "in the last 365 days" would tell a
    moderator a year of questions was counted; the questions the watcher has not pruned yet
    are not counted either."""
    store = store_of(briefbot)
    answer = await briefbot.search(DECLINED, 3)
    now = dt.datetime.now(dt.UTC)
    await store.log(emulator.world.guild.id, answer, asked_at=now - dt.timedelta(days=120))
    await store.log(emulator.world.guild.id, answer, asked_at=now - dt.timedelta(days=2))
    handle = await insights_command(emulator, "report", days=365)
    text = (await handle.wait_for_message()).embeds[0]["description"]
    assert "**1** questions in the last 90 days: **0** answered, **1** declined" in text


# ------------------------------------------------------------------------------ /insights


async def test_insights_report_is_private_for_moderators_and_paged(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    world = emulator.world
    schema = emulator.find_command("insights", guild_id=world.guild.id)
    assert schema is not None
    assert int(schema["default_member_permissions"]) == Permission.MANAGE_GUILD
    assert {o["name"] for o in schema["options"]} == {"report", "digest", "forget"}
    with pytest.raises(PermissionError):  # Discord hides it from bob
        await insights_command(emulator, "report", user=world.bob)

    for question in (DECLINED, "who won the World Cup in 1998", QUESTION):
        await ask(emulator, question)
    await logged(briefbot, 3)
    handle = await insights_command(emulator, "report", days=7)
    reply = await handle.wait_for_message()
    assert reply.ephemeral
    text = reply.embeds[0]["description"]
    assert "**3** questions in the last 7 days: **1** answered, **2** declined" in text
    assert f"**2×** {DECLINED}" in text
    assert reply.allowed_mentions == {"parse": []}

    # A long log is paged within Discord's limits.
    store = store_of(briefbot)
    for n in range(12):
        # Words no post has, unlike each other (else they group as one unanswered question).
        question = " ".join(
            f"qz{chr(97 + n)}{chr(97 + i % 26)}{chr(97 + i // 26)}xv" for i in range(40)
        )
        await store.log(world.guild.id, await briefbot.search(question, 3))
    handle = await insights_command(emulator, "report")
    first = await handle.wait_for_message()
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 of ")
    click = await emulator.click_button(
        first, button(first, "Next")["custom_id"], user=world.moderator
    )
    assert (await click.wait_for_response())["type"] == 7
    second = emulator.get_message(first.id)
    assert second is not None
    assert second.embeds[0]["footer"]["text"].startswith("Page 2 of ")


async def test_the_report_is_built_off_the_event_loop_after_a_deferral(
    emulator: DiscordEmulator, briefbot: Briefbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy server's log takes seconds to group (20,000 questions: ~30 s on the development
    # machine), past Discord's 3 s to answer an interaction, and a stalled loop misses heartbeats.
    loop_thread = threading.get_ident()
    built_on: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        built_on.append(threading.get_ident())
        return build_report(*args, **kwargs)

    monkeypatch.setattr(insights_store, "build_report", spy)  # our seam, not discord.py's
    await ask(emulator, QUESTION)
    await logged(briefbot, 1)
    handle = await insights_command(emulator, "report")
    reply = await handle.wait_for_message()
    assert handle.response == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert reply.ephemeral and "**1** questions" in reply.embeds[0]["description"]
    assert built_on and loop_thread not in built_on


async def test_the_logs_rows_are_made_into_questions_off_the_event_loop(
    emulator: DiscordEmulator, briefbot: Briefbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a busy log into questions and citations is itself long: 30,000 questions (a
    few hundred a day for the 90 days kept) stalled the loop 0.74 s (members' answers and the
    gateway's heartbeats wait) before grouping even began off it."""
    loop_thread = threading.get_ident()
    made_on: dict[str, set[int]] = {"LoggedQuestion": set(), "Citation": set()}

    def spying(name: str) -> Any:
        real = getattr(insights_store, name)

        def make(*args: Any, **kwargs: Any) -> Any:
            made_on[name].add(threading.get_ident())
            return real(*args, **kwargs)

        return make

    for name in made_on:
        monkeypatch.setattr(insights_store, name, spying(name))  # our seam, not discord.py's
    await ask(emulator, QUESTION)
    await ask(emulator, DECLINED)
    await logged(briefbot, 2)
    made_on["LoggedQuestion"].clear()  # (logged() itself read the log)
    made_on["Citation"].clear()
    handle = await insights_command(emulator, "report")
    reply = await handle.wait_for_message()
    assert "**2** questions" in reply.embeds[0]["description"]
    assert made_on["LoggedQuestion"] and made_on["Citation"]
    assert loop_thread not in made_on["LoggedQuestion"] | made_on["Citation"]


async def test_forget_purges_the_log(emulator: DiscordEmulator, briefbot: Briefbot) -> None:
    world = emulator.world
    _, message = await ask(emulator, QUESTION, user=world.alice)
    await logged(briefbot, 1)
    reply = await (await insights_command(emulator, "forget")).wait_for_message()
    assert reply.ephemeral
    assert "Deleted this server's question log (1 questions)" in reply.content
    assert await store_of(briefbot).questions() == []
    assert "no longer in the question log" in await vote(emulator, message, "Helpful", world.alice)
    assert await store_of(briefbot).questions() == []


# ------------------------------------------------------------------------------ weekly digest


async def test_the_weekly_digest_goes_out_once_per_week_across_restarts(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    await ask(emulator, DECLINED)
    await logged(bot, 1)
    reply = await (
        await insights_command(emulator, "digest", channel=world.news)
    ).wait_for_message()
    assert reply.ephemeral and "will get the insights digest" in reply.content
    digest = await emulator.wait_for_message(world.news, timeout=10)
    assert digest.embeds[0]["title"].startswith("Weekly insights")
    assert DECLINED in digest.embeds[0]["description"]
    assert digest.allowed_mentions == {"parse": []}
    await launcher.stop(bot)

    again = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    cog = insights_of(again)
    await cog.wait_for_cycles(1)  # the start-up tick: this week's digest is already out
    await cog.run_cycle()
    assert len(emulator.bot_messages(world.news)) == 1

    cog.now = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=7)  # next week
    await cog.run_cycle()
    await cog.run_cycle()
    assert len(emulator.bot_messages(world.news)) == 2


async def test_a_digest_discord_refused_is_retried_not_lost(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    cog = insights_of(bot)
    await cog.wait_for_cycles(1)
    outage = emulator.fail_next("POST", rf"/channels/{world.news.id}/messages", status=503)
    await (await insights_command(emulator, "digest", channel=world.news)).wait_for_response()
    await emulator.wait_until(lambda: len(outage.hits) >= 1, timeout=10)
    await cog.wait_for_cycles(2)
    assert emulator.bot_messages(world.news) == []
    await cog.run_cycle()  # the next tick
    assert len(emulator.bot_messages(world.news)) == 1


# ------------------------------------------------------------------------------ citation integrity


async def test_a_reindex_lists_cited_sections_that_vanished(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot = await launcher.start(fresh_site, alert_poll_seconds=SLOW_POLL)
    await alerts_of(bot).wait_for_cycles(1)
    await ask(emulator, "Did platforms label manipulated videos of candidates?")
    [row] = await logged(bot, 1)
    cited = {(c.post_id, c.anchor) for c in row.citations}
    assert (DEEPFAKES, "what-happened") in cited
    # The section is renamed: its anchor, and every shared link to it, breaks.
    path = fresh_site.posts / DEEPFAKES
    write_atomically(
        path, path.read_text(encoding="utf-8").replace("## What Happened", "## Events So Far")
    )

    handle = await emulator.send_slash_command("reindex", user=world.moderator)
    embed = (await handle.wait_for_message(timeout=10)).embeds[0]
    fields = {f["name"]: f["value"] for f in embed.get("fields", [])}
    [name] = [n for n in fields if n.startswith("Cited sections gone")]
    assert "What Happened" in fields[name] and "#what-happened" in fields[name]
    assert "section gone" in fields[name]

    report = await (await insights_command(emulator, "report")).wait_for_message()
    text = report.embeds[0]["description"]
    assert "Cited sections that no longer exist" in text and "What Happened" in text


async def test_about_says_what_is_stored_in_one_line(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    reply = await (await emulator.send_slash_command("about")).wait_for_response()
    fields = {f["name"]: f["value"] for f in reply["data"]["embeds"][0]["fields"]}
    line = fields["Question log"]
    assert "\n" not in line and "kept 90 days" in line and "no user names or ids" in line
    # (members can take a question back: deleting the message that asked it)
    assert "deleting its message" in line, line


# ------------------------------------------------------------------------------ Explain this answer


async def test_explain_this_answer_is_for_moderators_and_private(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    world = emulator.world
    schema = emulator.find_command("Explain this answer", guild_id=world.guild.id, type=3)
    assert schema is not None
    assert int(schema["default_member_permissions"]) == Permission.MANAGE_GUILD
    _, answer = await ask(emulator, QUESTION, user=world.alice)

    refused = await emulator.send_context_menu("Explain this answer", answer, user=world.bob)
    reply = await refused.wait_for_response()
    assert reply["data"]["flags"] & EPHEMERAL and "for moderators" in reply["data"]["content"]

    handle = await emulator.send_context_menu("Explain this answer", answer, user=world.moderator)
    explained = await handle.wait_for_message()
    assert explained.ephemeral
    embed = explained.embeds[0]
    assert embed["title"] == "Why this answer"
    assert (
        "**Searched for** (analysed words): compani, stop, sell, face, recognit, polic"
        in (embed["description"])
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    first = next(v for n, v in fields.items() if n.startswith("\\[1\\] IBM"))
    assert "ranking score **" in first and "passage text: " in first and "post title: " in first
    assert any(n.startswith("Ranked lower") for n in fields)
    assert explained.allowed_mentions == {"parse": []}

    # Not an answer of mine: a plain refusal.
    other = await emulator.send_message("just chatting", author=world.bob)
    refused = await emulator.send_context_menu("Explain this answer", other, user=world.moderator)
    reply = await refused.wait_for_response()
    assert "not one of my answers" in reply["data"]["content"]


async def test_explain_this_answer_explains_the_search_that_was_made(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """A long question is searched on its first characters (``clip_question``): Explain
    searches those too, not words the answer never looked for."""
    world = emulator.world
    question = f"{QUESTION} {'the ' * 260}deepfakes and elections"
    _, answer = await ask(emulator, question, user=world.alice)
    assert "searched its first" in str(answer.embeds)
    await logged(briefbot, 1)
    handle = await emulator.send_context_menu("Explain this answer", answer, user=world.moderator)
    description = (await handle.wait_for_message()).embeds[0]["description"]
    searched = description.split("**Searched for** (analysed words): ")[1].split("\n")[0]
    assert searched == "compani, stop, sell, face, recognit, polic"


async def long_report(emulator: DiscordEmulator, bot: Briefbot) -> MessageRecord:
    """An /insights report of several pages (unlike, unanswered questions)."""
    for question in (DECLINED, "who won the World Cup in 1998", QUESTION):
        await ask(emulator, question)
    await logged(bot, 3)
    store = store_of(bot)
    for n in range(12):
        question = " ".join(
            f"qz{chr(97 + n)}{chr(97 + i % 26)}{chr(97 + i // 26)}xv" for i in range(40)
        )
        await store.log(emulator.world.guild.id, await bot.search(question, 3))
    return await (await insights_command(emulator, "report")).wait_for_message()


@pytest.mark.parametrize("bot_settings", [{"answer_buttons_seconds": 1.0}])
async def test_the_report_pager_disables_its_buttons_on_timeout(
    emulator: DiscordEmulator, briefbot: Briefbot, bot_settings: dict[str, Any]
) -> None:
    report = await long_report(emulator, briefbot)
    assert labels(report) == {"Previous": False, "Next": True}
    emulator.advance_clock(14 * 60)  # the reader pages after 14 minutes…
    click = await emulator.click_button(
        report, button(report, "Next")["custom_id"], user=emulator.world.moderator
    )
    await click.wait_for_response()
    emulator.advance_clock(2 * 60)  # …so only the press's token is still valid at the timeout
    await emulator.wait_until(
        lambda: not any(labels(report).values()), timeout=5, what="pager buttons disabled"
    )
    assert labels(report) == {"Previous": False, "Next": False}


async def test_questions_asked_about_an_alerts_post_are_private_and_never_stored(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, _ = await watch_news(emulator, launcher, fresh_site)
    add_post(fresh_site, NEW_POST, NEW_TITLE)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    opened = await emulator.click_button(
        alert, button(alert, "Ask about this post")["custom_id"], user=world.bob
    )
    await opened.wait_for_response()
    submitted = await emulator.submit_modal(opened, {"question": "How were the ships moored?"})
    answer = await submitted.wait_for_message()
    assert answer.ephemeral  # always private…
    assert "Helpful" not in labels(answer) and "Not helpful" not in labels(answer)
    mention = await emulator.send_message(f"{emulator.bot_mention} {DECLINED}")
    await emulator.wait_for_reply(mention)  # …so, of the two, only the public mention is logged
    assert [r.question for r in await logged(bot, 1)] == [DECLINED]
    # And the README's account of what is stored says so.
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    stored = readme[readme.index("**What is stored, and for how long.**") :]
    assert "*Ask about this post* button (their answer is always private" in " ".join(
        stored.split()
    )


async def test_explain_this_answer_refuses_the_bots_other_messages(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    # /latest and /brief replies have titles too (the site's, a post's): not questions.
    latest = await (await emulator.send_slash_command("latest", {})).wait_for_message()
    brief = await (await emulator.send_slash_command("brief", {"title": "IBM"})).wait_for_message()
    for message in (latest, brief):
        assert message.embeds and message.author_id == briefbot.user.id  # type: ignore[union-attr]
        handle = await emulator.send_context_menu(
            "Explain this answer", message, user=emulator.world.moderator
        )
        reply = await handle.wait_for_response()
        assert "not one of my answers" in reply["data"]["content"]
