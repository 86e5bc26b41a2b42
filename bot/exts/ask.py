"""``/ask`` and questions asked by mentioning the bot: cited answers, paging and delete buttons."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting.answers import answer_text
from bot.formatting.questions import readable_question, resolved_names, searchable_question
from bot.formatting.text import NO_MENTIONS, message_content
from bot.params import Category, IsoDate, UserError
from bot.ui.results import ResultsView, answer_view, delete_only_view, show_answer
from bot.ui.votes import record_answer
from index.models import Answer, SearchFilters
from index.retrieval.questions import clip_question

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)
T = TypeVar("T")

_CLEANUP_EVERY = 512
# A reply to a mention that Discord failed to take (a 5xx discord.py does not retry itself, such
# as 503, a rate limit still on after discord.py's five tries, or a cut connection) is sent again
# after these waits: there is no interaction to tell
# the asker through, so a dropped reply would be silence.
REPLY_RETRY_DELAYS = (1.0, 4.0, 15.0)
# The replies to the last questions asked by mention (and the questions lately deleted) are
# remembered, to take a reply away with its question (``on_raw_message_delete``).
REPLIES_KEPT = 2000
RATE_LIMITED = 429
REPLY_SEARCH = 50  # messages after a withdrawn question looked through for our reply to it
NO_EMBEDS_NOTE = (
    "I may not post embeds in this channel (Embed Links), so this is the answer's first page "
    "as text; `/ask` shows every page."
)


class AskLimiter:
    """Per-user cooldown shared by ``/ask`` and mentions: ``rate`` questions per ``per`` seconds."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, app_commands.Cooldown] = {}
        self._calls = 0

    def hit(self, user_id: int) -> tuple[app_commands.Cooldown, float] | None:
        """Count one question; ``(cooldown, retry_after)`` when the user must wait instead."""
        if self.per <= 0:
            return None
        self._calls += 1
        if self._calls % _CLEANUP_EVERY == 0:
            self._forget_idle()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = app_commands.Cooldown(self.rate, self.per)
        retry_after = bucket.update_rate_limit()
        return (bucket, retry_after) if retry_after else None

    def _forget_idle(self) -> None:
        now = time.time()
        self._buckets = {u: b for u, b in self._buckets.items() if b.get_tokens(now) < b.rate}


class Ask(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot
        self.limiter = AskLimiter(bot.settings.ask_cooldown_rate, bot.settings.ask_cooldown_seconds)
        self.retry_delays: Sequence[float] = REPLY_RETRY_DELAYS  # (tests shorten them)
        # question message id → our replies to it; the ids of questions lately deleted
        self._replies: OrderedDict[int, list[discord.Message]] = OrderedDict()
        self._withdrawn: OrderedDict[int, None] = OrderedDict()

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        limited = self.limiter.hit(interaction.user.id)
        if limited is not None:
            raise app_commands.CommandOnCooldown(*limited)
        return True

    async def answer(
        self,
        question: str,
        filters: SearchFilters | None,
        *,
        asker_id: int,
        deletable: bool,
        guild: discord.Guild | None,
        users: Sequence[discord.abc.User] = (),
        names: Mapping[int, str] | None = None,
    ) -> tuple[discord.Embed, discord.ui.View | None, Answer]:
        """Search and format: the first page of the answer and its buttons.

        Discord's markup in the question (mentions, channels, emoji, timestamps) is no word of
        the posts: it is searched without it and echoed as the asker sees it (``users``: those
        a message mentions, or the asker; ``names``: users' names by id, from the payload).
        """
        settings = self.bot.settings
        searched, clipped = clip_question(searchable_question(question))
        found = await self.bot.search(searched, settings.answer_max_results, filters)
        # Echo what the user asked (the embed cuts it to fit), not the clipped search text.
        found = found.model_copy(
            update={"question": readable_question(question, guild, users, names)}
        )
        note = (
            f"Your question was long; I searched its first {len(searched):,} characters."
            if clipped
            else ""
        )
        embed, view = answer_view(
            found,
            asker_id=asker_id,
            page_size=settings.answer_page_size,
            timeout=settings.answer_buttons_seconds,
            deletable=deletable,
            site_name=self.bot.site_name,
            note=note,
        )
        return embed, view, found

    def empty_filters(self, filters: SearchFilters) -> str | None:
        """Why no post can pass ``filters``, if none can; else None.

        Said as such, rather than "not covered" with suggestions from outside the filter.
        """
        newest = self.bot.index.latest(1, filters.category)
        where = f" in {filters.category}" if filters.category else ""
        if not newest:
            return f"There are no posts{where}."
        if filters.since and newest[0].date < filters.since:
            latest = newest[0].date
            return (
                f"No post{where} is dated {filters.since.isoformat()} or later: the newest{where}"
                f" is from {latest.day} {latest:%b %Y}. Try an earlier date."
            )
        return None

    @app_commands.command(
        name="ask", description="Ask a question; I answer from the posts, with citations"
    )
    @app_commands.describe(
        question="What do you want to know?",
        category="Only posts in this category",
        since="Only posts from this date on (YYYY-MM-DD)",
        private="Only you see the answer",
    )
    async def ask(
        self,
        interaction: discord.Interaction[Any],
        question: str,
        category: app_commands.Transform[str, Category] | None = None,
        since: app_commands.Transform[dt.date, IsoDate] | None = None,
        private: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=private, thinking=True)
        filters = SearchFilters(category=category, since=since)
        empty = self.empty_filters(filters)
        if empty:
            raise UserError(empty)  # told privately by the error handler
        embed, view, found = await self.answer(
            question,
            filters,
            asker_id=interaction.user.id,
            deletable=not private,
            guild=interaction.guild,
            # (the users the question mentions come resolved with it, the asker beside it:
            # members are not cached, so the guild would not know them)
            users=[interaction.user],
            names=resolved_names(interaction.data),
        )
        if not private:  # private questions are never logged
            view = record_answer(
                self.bot,
                loggable(found, question),
                guild_id=interaction.guild_id,
                asker_id=interaction.user.id,
                view=view,
            )
        await show_answer(interaction, embed, view)
        log.debug(
            "answered %r: %s",
            "(private)" if private else question[:80],
            "declined" if found.declined else f"{len(found.results)} results",
        )

    # ------------------------------------------------------------------ mentions

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        # Only a mention written in the message asks something: a reply to one of our answers
        # with reply-ping on ("thanks!") also lists us in `mentions`, but is not a question.
        # Discord's @-list often offers our managed role (named as we are) instead of us: its
        # mention asks too — only that role's (`tags.bot_id`), not one merely named like it.
        role = message.guild.self_role
        forms = [rf"@!?{me.id}"] if me in message.mentions else []
        if role is not None:
            forms.append(rf"@&{role.id}")
        written = re.compile(rf"<(?:{'|'.join(forms)})>")
        if not forms or not written.search(message.content):
            if role is not None and role in message.role_mentions:
                await self._role_mention_withheld(message, me)
            return
        question = written.sub(" ", message.content).strip()
        try:
            await self._answer_mention(message, question)
        except discord.HTTPException as exc:
            # Usually no permission to post here; nothing to tell the user through.
            log.warning("could not answer a mention in channel %s: %s", message.channel.id, exc)
        except Exception:
            log.exception("answering a mention in channel %s failed", message.channel.id)
            await self._reply(message, "Something went wrong on my side; it has been logged.")

    async def _role_mention_withheld(
        self, message: discord.Message, me: discord.ClientUser
    ) -> None:
        """Tell how to ask when a message mentions our role but its text was withheld.

        Without the Message Content intent Discord sends the text of messages that mention the
        bot, and (it does not say) maybe not of those that mention only its role: the question
        cannot be read, and silence would look like the bot ignoring it. Not said when we are
        in `mentions` (a reply-ping: the text, if any, came and asked nothing).
        """
        if message.content or me in message.mentions or not self._may_send(message):
            return
        log.info("a mention of my role in channel %s came without its text", message.channel.id)
        try:
            await self._reply(
                message,
                f"I can't read messages that mention my role, only those that mention me: "
                f"type @ and pick the entry marked APP ({me.mention}), or use `/ask`.",
            )
        except discord.HTTPException as exc:
            log.warning("could not answer a mention in channel %s: %s", message.channel.id, exc)

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        if not self._may_send(message):
            # Discord would refuse the reply (403): not searched, nor logged for /insights as
            # an answer nobody saw, nor counted against the asker's cooldown.
            log.info("not answering a mention in channel %s: no Send Messages", message.channel.id)
            return
        if not question:
            await self._reply(
                message,
                "Ask me something about the posts, e.g. "
                f"`@me {self.bot.examples().question}`, or use `/ask`.",
            )
            return
        limited = self.limiter.hit(message.author.id)
        if limited is not None:
            wait = max(1, math.ceil(limited[1]))
            await self._reply(message, f"You're asking quickly — try again in {wait} s.")
            return
        embed, view, found = await self.answer(
            question,
            None,
            asker_id=message.author.id,
            deletable=True,
            guild=message.guild,
            users=message.mentions,
        )
        if message.id in self._withdrawn:  # deleted while we searched: nobody asks any more
            return
        kwargs: dict[str, Any] = {"embed": embed}
        if not self._may_embed(message):
            # Discord refuses a message of embeds alone there (403): the first page as text,
            # without paging (its pages are embeds); /ask still shows them (interaction
            # responses are not subject to the channel's Embed Links).
            kwargs = {"content": answer_text(embed, NO_EMBEDS_NOTE)}
            view = delete_only_view(message.author.id)
        guild_id = message.guild.id if message.guild is not None else None
        view = record_answer(
            self.bot,
            loggable(found, question),
            guild_id=guild_id,
            asker_id=message.author.id,
            view=view,
            message_id=message.id,
        )
        if view is not None:
            kwargs["view"] = view
        sent = await self._send_reply(message, **kwargs)
        if isinstance(view, ResultsView):
            view.track(sent)

    @staticmethod
    def _may_send(message: discord.Message) -> bool:
        """From the cached permissions (a thread's come from its parent, discord.py maps Send
        Messages in Threads); True when unknown: Discord's answer then tells."""
        me = message.guild.me if message.guild is not None else None
        return me is None or message.channel.permissions_for(me).send_messages

    @staticmethod
    def _may_embed(message: discord.Message) -> bool:
        me = message.guild.me if message.guild is not None else None
        return me is None or message.channel.permissions_for(me).embed_links

    async def _reply(self, message: discord.Message, text: str) -> None:
        await self._send_reply(message, content=text)

    async def _send_reply(self, message: discord.Message, **kwargs: Any) -> discord.Message:
        """Send ``kwargs`` as a reply to ``message``, pinging nobody.

        A reply needs Read Message History, which a channel may deny the bot while letting it
        send: then the answer is sent as a plain message that names the asker (without a ping).
        """
        me = message.guild.me if message.guild is not None else None
        perms = message.channel.permissions_for(me) if me is not None else None
        content = kwargs.pop("content", None)
        if perms is None or perms.read_message_history:
            kwargs["reference"] = message.to_reference(fail_if_not_exists=False)
        else:
            content = f"{message.author.mention} {content or ''}".strip()
        if content:
            kwargs["content"] = message_content(content)
        sent = await send_retrying(
            message.channel, self.retry_delays, allowed_mentions=NO_MENTIONS, **kwargs
        )
        if message.id in self._withdrawn:  # deleted while we searched: nobody asks any more
            await self._delete_reply(sent)
        else:
            self._replies.setdefault(message.id, []).append(sent)
            while len(self._replies) > REPLIES_KEPT:
                self._replies.popitem(last=False)
        return sent

    # ------------------------------------------------------------------ withdrawn questions

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._withdraw(payload.channel_id, {payload.message_id}, payload.guild_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self._withdraw(payload.channel_id, set(payload.message_ids), payload.guild_id)

    async def _withdraw(self, channel_id: int, message_ids: set[int], guild_id: int | None) -> None:
        """Messages were deleted: a question asked in one of them is withdrawn. It leaves the
        question log (/insights and the digest must not show what its asker took back), and
        our reply goes too, as bots that answer commands do (discord.js's and Klasa's command
        responses, deleted with their command): the reply quotes the question in its title, so
        it would keep on showing what was withdrawn, answering nothing in sight. A reply sent
        before a restart (not remembered) is looked for just after the question, when the log
        says there was one."""
        for message_id in message_ids:
            self._withdrawn[message_id] = None
        while len(self._withdrawn) > REPLIES_KEPT:
            self._withdrawn.popitem(last=False)
        logged: list[int] = []
        store = self.bot.insights
        if store is not None and guild_id is not None:
            try:
                logged = await store.withdraw(message_ids)
            except Exception:
                log.exception("could not remove withdrawn questions from the log")
            else:
                if logged:
                    log.info("%d withdrawn question(s) removed from the log", len(logged))
        for message_id in message_ids:
            replies = self._replies.pop(message_id, None)
            if replies is None and message_id in logged:
                replies = await self._replies_found(channel_id, guild_id, message_id)
            for reply in replies or ():
                await self._delete_reply(reply)

    async def _replies_found(
        self, channel_id: int, guild_id: int | None, question_id: int
    ) -> list[discord.Message]:
        """Our replies to ``question_id`` among the messages just after it (a reply is sent
        within seconds); none when the channel's history cannot be read."""
        me = self.bot.user
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        found: list[discord.Message] = []
        try:
            async for message in channel.history(
                after=discord.Object(question_id), limit=REPLY_SEARCH, oldest_first=True
            ):
                ref = message.reference
                ours = me is not None and message.author.id == me.id
                if ours and ref is not None and ref.message_id == question_id:
                    found.append(message)
        except discord.HTTPException as exc:
            log.warning("could not look for the reply to a withdrawn question: %s", exc)
        return found

    async def _delete_reply(self, reply: discord.Message) -> None:
        """Delete our reply; again after each of ``retry_delays`` while Discord answers 5xx or
        the connection fails. Already gone (its asker's Delete button, a moderator): done."""
        try:
            await retrying(reply.delete, self.retry_delays, f"deleting reply {reply.id}")
        except discord.NotFound:
            pass
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("could not delete reply %s: %s", reply.id, exc)


def loggable(found: Answer, question: str) -> Answer:
    """The answer as the question log keeps it: the question without Discord's markup (a
    mention is a user's id, and the log keeps no user ids or names)."""
    return found.model_copy(update={"question": searchable_question(question)})


async def send_retrying(
    channel: discord.abc.Messageable, delays: Sequence[float], **kwargs: Any
) -> discord.Message:
    """``channel.send(**kwargs)`` through ``retrying``: 4xx (no permission, a deleted channel)
    is raised at once.

    Every try carries the same nonce (discord.py adds ``enforce_nonce``), so a message Discord
    created before its answer was lost is returned by the next try, not posted twice.
    """
    kwargs.setdefault("nonce", secrets.randbits(64))
    where = getattr(channel, "id", "?")
    return await retrying(lambda: channel.send(**kwargs), delays, f"sending to channel {where}")


async def retrying(call: Callable[[], Awaitable[T]], delays: Sequence[float], what: str) -> T:
    """``await call()``, again after each of ``delays`` while Discord answers 5xx or 429 (a
    rate limit discord.py gave up waiting out after its own tries: waited at least its
    Retry-After) or the connection fails (logged as ``what``); any other failure, or the last
    try's, is raised."""
    for delay in (*delays, None):
        try:
            return await call()
        except discord.HTTPException as exc:
            if (exc.status < 500 and exc.status != RATE_LIMITED) or delay is None:
                raise
            error = f"HTTP {exc.status}"
            if exc.status == RATE_LIMITED:
                delay = max(delay, _retry_after(exc))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            if delay is None:
                raise
            error = f"network error: {exc.__class__.__name__}"
        log.warning("%s failed (%s); trying again in %.0f s", what, error, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the last try raises")


def _retry_after(exc: discord.HTTPException) -> float:
    """The seconds a 429 asks to wait (its ``Retry-After`` header; 0 when it has none)."""
    try:
        return float(exc.response.headers.get("Retry-After", 0))
    except (AttributeError, TypeError, ValueError):
        return 0.0


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Ask(bot))
