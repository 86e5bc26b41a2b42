"""Helpful / Not helpful under public answers, and logging the question they vote on.

``record_answer`` is the one call the ask extension makes: it writes the question to the log
(unless the log is off) and adds the two vote buttons to the answer's view. Like the delete
button, the vote button is a ``DynamicItem`` registered on the bot whose custom id carries the
answer's id in the log and the asker's user id (the id lives only in the message, never in the
log), so votes work for as long as the message exists, also after a restart. Views only render
it (see :mod:`bot.ui.rendered`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.formatting.text import NO_MENTIONS
from index.models import Answer

from .failures import reports_failures
from .rendered import RenderedOnly

if TYPE_CHECKING:
    from bot.client import Briefbot
    from bot.insights_store import InsightsStore

log = logging.getLogger(__name__)

VOTE_PREFIX = "briefbot:vote:"
THANKS_OTHERS = (
    "Thanks for the feedback! Only the vote of the person who asked is counted; "
    "ask your own question with `/ask` to vote on its answer."
)


VOTE_ID = re.compile(
    r"briefbot:vote:(?P<answer>[0-9]{1,19}):(?P<asker>[0-9]{1,20}):(?P<vote>up|down)"
)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=VOTE_ID):
    """👍 / 👎 under a public answer: the asker's vote is recorded (one per answer, changeable);
    anyone else is thanked privately and not counted."""

    def __init__(self, answer_id: int, asker_id: int, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if helpful else "👎",
                label="Helpful" if helpful else "Not helpful",
                custom_id=f"{VOTE_PREFIX}{answer_id}:{asker_id}:{'up' if helpful else 'down'}",
            )
        )
        self.answer_id = answer_id
        self.asker_id = asker_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(int(match["answer"]), int(match["asker"]), match["vote"] == "up")

    @reports_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(
                THANKS_OTHERS, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        # Writing may wait for a reindex's transaction: answer the click first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        store: InsightsStore | None = getattr(interaction.client, "insights", None)
        recorded = store is not None and await store.vote(self.answer_id, self.helpful)
        what = "helpful" if self.helpful else "not helpful"
        if recorded:
            text = f"Thanks! Recorded as **{what}**; the other button changes your vote."
            log.info("answer %s voted %s", self.answer_id, what)
        else:
            text = "Thanks! (This answer is no longer in the question log: nothing recorded.)"
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


def logged_answer_id(message: discord.Message | None) -> int | None:
    """The question-log id an answer's vote buttons carry, if it has them."""
    for row in message.components if message is not None else ():
        for child in getattr(row, "children", ()):
            found = VOTE_ID.fullmatch(getattr(child, "custom_id", None) or "")
            if found:
                return int(found["answer"])
    return None


def vote_buttons(answer_id: int, asker_id: int) -> list[discord.ui.Button[Any]]:
    buttons: list[discord.ui.Button[Any]] = []
    for helpful in (True, False):
        template = VoteButton(answer_id, asker_id, helpful).item
        buttons.append(
            RenderedOnly(
                style=template.style,
                emoji=template.emoji,
                label=template.label,
                custom_id=template.custom_id,
            )
        )
    return buttons


def record_answer(
    bot: Briefbot,
    answer: Answer,
    *,
    guild_id: int | None,
    asker_id: int,
    view: discord.ui.View | None,
    message_id: int | None = None,
) -> discord.ui.View | None:
    """Log a *public* question (never call it for a private one) and add the vote buttons.

    Returns the view to send (``view`` itself, or a new one when there was none). With the log
    off (``BRIEFBOT_INSIGHTS=false``), outside a server or for a question with no words to search
    for, nothing is stored and no button added.
    The question is written in the background: the answer never waits for the database.
    ``message_id``: the message a question asked by mention came in (deleted, it withdraws the
    question: ``InsightsStore.withdraw``).
    """
    store = bot.insights
    # (a question with no words asked nothing of the content: neither a gap nor a vote)
    if store is None or guild_id is None or answer.wordless:
        return view
    answer_id = store.log_soon(
        guild_id, answer, bot.settings.answer_page_size, message_id=message_id
    )
    view = view if view is not None else discord.ui.View(timeout=None)
    for button in vote_buttons(answer_id, asker_id):
        view.add_item(button)
    return view
