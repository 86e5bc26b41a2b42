"""The "Ask about this post" button under an alert, and the question form it opens.

Alerts stay in channels for good, so the button must keep working after restarts: it is a
``DynamicItem`` registered on the bot whose custom id carries the post. Alert messages only
*render* it (see :mod:`bot.ui.rendered`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.formatting.text import NO_MENTIONS, message_content, truncate_plain
from index.models import Post, SearchFilters

from .rendered import RenderedOnly
from .results import answer_view, show_answer

if TYPE_CHECKING:
    from bot.client import Briefbot
    from index.search import SearchIndex

log = logging.getLogger(__name__)

ASK_POST_PREFIX = "briefbot:askpost:"
CUSTOM_ID_MAX = 100
QUESTION_MAX = 1000  # as much of a question as /ask searches
MODAL_TITLE = "Ask about this post"


def post_button_key(post_id: str) -> str:
    """The post part of the button's custom id: the id itself, or a digest when too long."""
    if len(ASK_POST_PREFIX) + len(post_id) <= CUSTOM_ID_MAX and not post_id.startswith("#"):
        return post_id
    return "#" + hashlib.sha1(post_id.encode()).hexdigest()[:24]


def find_post(index: SearchIndex, key: str) -> Post | None:
    """The post a button key names, if it is still in the index."""
    if not key.startswith("#"):
        return index.post(key)
    return next((p for p in index.posts if post_button_key(p.id) == key), None)


def alert_view(post_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        RenderedOnly(
            style=discord.ButtonStyle.primary,
            emoji="❓",
            label="Ask about this post",
            custom_id=ASK_POST_PREFIX + post_button_key(post_id),
        )
    )
    return view


class AskAboutPostButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(ASK_POST_PREFIX) + r"(?P<key>.+)",
):
    """Opens a form for a question that is answered from this one post."""

    def __init__(self, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label="Ask about this post",
                custom_id=ASK_POST_PREFIX + key,
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> AskAboutPostButton:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("Briefbot", interaction.client)
        post = find_post(bot.index, self.key)
        if post is None:
            await interaction.response.send_message(
                "That post is no longer in the index, so I can't answer questions about it.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await interaction.response.send_modal(AskAboutPostModal(post))


class AskAboutPostModal(discord.ui.Modal):
    question: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your question",
        style=discord.TextStyle.paragraph,
        max_length=QUESTION_MAX,
        custom_id="question",
    )

    def __init__(self, post: Post) -> None:
        super().__init__(title=MODAL_TITLE, timeout=600)
        self.post = post
        self.question.placeholder = truncate_plain(f"About: {post.title}", 100)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = cast("Briefbot", interaction.client)
        settings = bot.settings
        # The same per-user cooldown as /ask and mentions (kept by the ask extension).
        limiter = getattr(bot.get_cog("Ask"), "limiter", None)
        limited = limiter.hit(interaction.user.id) if limiter is not None else None
        if limited is not None:
            await interaction.response.send_message(
                message_content(
                    f"You're asking quickly — try again in {max(1, math.ceil(limited[1]))} s."
                ),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        # Always private, so never logged and without vote buttons, like a private /ask.
        await interaction.response.defer(ephemeral=True, thinking=True)
        question = " ".join(self.question.value.split())
        found = await bot.search(
            question, settings.answer_max_results, SearchFilters(post_id=self.post.id)
        )
        embed, view = answer_view(
            found,
            asker_id=interaction.user.id,
            page_size=settings.answer_page_size,
            timeout=settings.answer_buttons_seconds,
            deletable=False,
            site_name=bot.site_name,
            note=f"Answered from “{self.post.title}” only.",
        )
        await show_answer(interaction, embed, view)
        log.info("answered %r about %s for %s", question[:80], self.post.id, interaction.user.id)

    # discord.ui.Modal.on_error's own signature (no item); mypy compares it with BaseView's.
    async def on_error(  # type: ignore[override]
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        /,
    ) -> None:
        from bot.exts.errors import reply_ephemeral  # the one wording of "something went wrong"

        log.error("answering a question about %s failed", self.post.id, exc_info=error)
        try:
            await reply_ephemeral(
                interaction,
                "Something went wrong on my side; it has been logged. Please try again in a "
                "moment.",
            )
        except discord.HTTPException as exc:
            log.warning("could not report the failure to the user: %s", exc)
