"""The "Ask about this post" button under an alert, and the question form it opens.

Alerts stay in channels for good, so the button must keep working after restarts: it is a
``DynamicItem`` registered on the bot whose custom id carries the post. Alert messages only
*render* it (see :mod:`bot.ui.rendered`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.formatting.text import NO_MENTIONS, message_content, truncate_plain
from index.models import Post, SearchFilters

from .expiry import is_live, live_token
from .failures import reports_failures
from .rendered import RenderedOnly
from .results import answer_view, show_answer

if TYPE_CHECKING:
    from bot.client import Briefbot
    from index.search import SearchIndex

log = logging.getLogger(__name__)

ASK_POST_PREFIX = "briefbot:askpost:"
ASK_FORM_PREFIX = "briefbot:askform:"  # + the form's token + ":" + the post's key
_FORM_ID = re.compile(re.escape(ASK_FORM_PREFIX) + r"(?P<token>[0-9a-f]+):(?P<key>.+)")
QUESTION_ID = "question"
CUSTOM_ID_MAX = 100
QUESTION_MAX = 1000  # as much of a question as /ask searches
MODAL_TITLE = "Ask about this post"


def post_button_key(post_id: str, prefix: str = ASK_POST_PREFIX) -> str:
    """The post part of a custom id after ``prefix``: the id itself, or a digest when too long."""
    if len(prefix) + len(post_id) <= CUSTOM_ID_MAX and not post_id.startswith("#"):
        return post_id
    return _digest_key(post_id)


def _digest_key(post_id: str) -> str:
    return "#" + hashlib.sha1(post_id.encode()).hexdigest()[:24]


def find_post(index: SearchIndex, key: str) -> Post | None:
    """The post a button's or a form's key names, if it is still in the index."""
    if not key.startswith("#"):
        return index.post(key)
    return next((p for p in index.posts if _digest_key(p.id) == key), None)


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

    @reports_failures
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
        custom_id=QUESTION_ID,
    )

    def __init__(self, post: Post) -> None:
        # Its custom id names the post, so a form submitted after this view is gone (its
        # timeout, a restart) is still answered: see answer_stale_form.
        super().__init__(title=MODAL_TITLE, timeout=600)
        prefix = f"{ASK_FORM_PREFIX}{live_token(self)}:"
        self.custom_id = prefix + post_button_key(post.id, prefix)
        self.post = post
        self.question.placeholder = truncate_plain(f"About: {post.title}", 100)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await answer_about_post(interaction, self.post, self.question.value)

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


async def answer_about_post(
    interaction: discord.Interaction[Any], post: Post, question_text: str
) -> None:
    """Answer a question from one post, privately (so never logged, and without vote buttons)."""
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
    await interaction.response.defer(ephemeral=True, thinking=True)
    question = " ".join(question_text.split())
    only_post = SearchFilters(post_id=post.id)
    found = await bot.search(question, settings.answer_max_results, only_post)
    note = f"Answered from “{post.title}” only."
    if found.declined and not found.wordless:
        # Asked about this post ("tell me more", "tldr", "explain this") in words it lacks:
        # the reader chose the post, so what it says is shown, said so, rather than
        # "not covered on the site" (its title's words find its opening passages).
        opening = await bot.search(post.title, settings.answer_max_results, only_post)
        if not opening.declined:
            found = opening.model_copy(update={"question": found.question})
            note = f"“{post.title}” doesn't seem to answer that; here is what it says."
    embed, view = answer_view(
        found,
        asker_id=interaction.user.id,
        page_size=settings.answer_page_size,
        timeout=settings.answer_buttons_seconds,
        deletable=False,
        site_name=bot.site_name,
        note=note,
    )
    await show_answer(interaction, embed, view)
    log.info("answered a question about %s for %s", post.id, interaction.user.id)


def _submitted_value(components: Any, custom_id: str) -> str | None:
    """A text input's value in a submitted form's components (rows or labels)."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id and "value" in component:
            return str(component["value"])
        inner = [component["component"]] if "component" in component else []
        found = _submitted_value(component.get("components", []) + inner, custom_id)
        if found is not None:
            return found
    return None


async def answer_stale_form(interaction: discord.Interaction[Any]) -> bool:
    """Answer an "Ask about this post" form whose view no longer runs (it timed out while the
    asker typed, or the bot restarted): the question typed is not lost. False when
    ``interaction`` is no such form (a running view answers its own)."""
    if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
        return False
    match = _FORM_ID.fullmatch(str(interaction.data.get("custom_id", "")))
    if match is None or is_live(match["token"]):
        return False
    bot = cast("Briefbot", interaction.client)
    post = find_post(bot.index, match["key"])
    question = _submitted_value(interaction.data.get("components"), QUESTION_ID)
    try:
        if post is None or question is None:
            await interaction.response.send_message(
                "That post is no longer in the index, so I can't answer questions about it."
                if post is None
                else "I couldn't read that form; please use the button again.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
        else:
            await answer_about_post(interaction, post, question)
    except Exception as error:
        from bot.exts.errors import reply_ephemeral  # the one wording of "something went wrong"

        log.error("answering a question about %s failed", match["key"], exc_info=error)
        with contextlib.suppress(discord.HTTPException, discord.InteractionResponded):
            await reply_ephemeral(
                interaction,
                "Something went wrong on my side; it has been logged. Please try again in a "
                "moment.",
            )
    return True
