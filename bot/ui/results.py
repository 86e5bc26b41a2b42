"""Buttons under answers: page through results, and remove an answer.

The delete button works for as long as the message exists, also after a restart: it is a
``DynamicItem`` registered on the bot, whose custom id carries the asker's user id. Views only
*render* it (see :mod:`bot.ui.rendered` for why).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import discord

from bot.formatting.answers import Page, answer_embed, page_count
from bot.formatting.text import NO_MENTIONS
from index.models import Answer

from .expiry import name_paging_buttons
from .failures import ReportingView, reports_failures
from .rendered import RenderedOnly
from .votes import logged_answer_id

if TYPE_CHECKING:
    from bot.insights_store import InsightsStore

log = logging.getLogger(__name__)

DELETE_PREFIX = "briefbot:delete:"
# Discord keeps an interaction token for 15 minutes; stop trusting it a little before.
TOKEN_LIFETIME = dt.timedelta(minutes=14, seconds=30)
UNKNOWN_MESSAGE = 10008

Editor = Callable[..., Awaitable[Any]]


class DeleteAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"briefbot:delete:(?P<asker>[0-9]{1,20})",
):
    """🗑 under a public answer: the asker (or someone who may manage messages) removes it."""

    def __init__(self, asker_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="🗑️",
                label="Delete",
                custom_id=f"{DELETE_PREFIX}{asker_id}",
            )
        )
        self.asker_id = asker_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[Any],
        match: re.Match[str],
        /,
    ) -> DeleteAnswerButton:
        return cls(int(match["asker"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.asker_id or interaction.permissions.manage_messages:
            return True
        await interaction.response.send_message(
            "Only the person who asked can remove this answer.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    @reports_failures
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # Deferring a component interaction makes "the original response" the message the button
        # is on; deleting it through the interaction token needs no channel permission.
        await interaction.response.defer()
        with contextlib.suppress(discord.NotFound):  # someone removed it first
            await interaction.delete_original_response()
        # Its question leaves the log too: /insights and the digest (posted in a channel) must
        # not show again what its asker or a moderator removed.
        store: InsightsStore | None = getattr(interaction.client, "insights", None)
        answer_id = logged_answer_id(interaction.message)
        if store is not None and answer_id is not None:
            await store.delete_question(answer_id)
        log.info(
            "answer %s removed by %s", getattr(interaction.message, "id", "?"), interaction.user.id
        )


def delete_button(asker_id: int) -> discord.ui.Button[Any]:
    template = DeleteAnswerButton(asker_id).item
    return RenderedOnly(
        style=template.style,
        emoji=template.emoji,
        label=template.label,
        custom_id=template.custom_id,
    )


def delete_only_view(asker_id: int) -> discord.ui.View:
    """The buttons of a public reply that has nothing to page through."""
    view = discord.ui.View(timeout=None)
    view.add_item(delete_button(asker_id))
    return view


class ResultsView(ReportingView):
    """ "More results" paging under an answer. Only the asker may page; it disables on timeout.

    Like discord.py's examples, the view keeps the message it is on (:meth:`track`), and also the
    newest interaction that may edit it: every press restarts the timeout, so by then the token
    of the command that asked may have expired, while the last press's token has not.
    """

    message: discord.Message | None

    def __init__(
        self,
        answer: Answer,
        *,
        asker_id: int,
        page_size: int,
        timeout: float,
        deletable: bool,
        site_name: str = "",
        note: str = "",
    ) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.asker_id = asker_id
        self.page_size = page_size
        self.site_name = site_name
        self.note = note
        self.page = 0
        self.pages = page_count(answer, page_size)
        self.message = None
        self._latest: discord.Interaction[Any] | None = None
        if deletable:
            self.add_item(delete_button(asker_id))
        name_paging_buttons(self, "ask", previous=self.previous, more=self.more)
        self._update_buttons()

    def embed(self) -> discord.Embed:
        return answer_embed(
            self.answer,
            Page(self.page, self.page_size),
            site_name=self.site_name,
            note=self.note if self.page == 0 else "",
        )

    def track(
        self, message: discord.Message, interaction: discord.Interaction[Any] | None = None
    ) -> None:
        """The message this view is on, and the interaction whose reply it is (if any)."""
        self.message = message
        self._latest = interaction

    def _update_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.more.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can page through these results — ask your own with `/ask`.",
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return False

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = max(0, min(page, self.pages - 1))
        self._update_buttons()
        await interaction.response.edit_message(
            embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS
        )
        # After this response, the press's own token edits the message for 15 minutes.
        self._latest = interaction

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="More results", emoji="▶️", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    def _editors(self) -> Iterator[Editor]:
        """Ways to edit the message, best first: a token still valid, then the channel."""
        latest = self._latest
        if latest is not None and discord.utils.utcnow() - latest.created_at < TOKEN_LIFETIME:
            yield latest.edit_original_response
        message = self.message
        channel = message.channel if message is not None else None
        # (A bot is never in a group DM, the one channel without partial messages.)
        if (
            message is not None
            and not message.flags.ephemeral
            and not isinstance(channel, discord.GroupChannel | None)
        ):
            # Through the channel: a plain message, never the token an InteractionMessage uses.
            yield channel.get_partial_message(message.id).edit

    async def on_timeout(self) -> None:
        self.previous.disabled = True
        self.more.disabled = True
        for edit in self._editors():
            try:
                await edit(view=self, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException as exc:
                if exc.code == UNKNOWN_MESSAGE:
                    return  # deleted (by the asker): nothing left to disable
                # An expired token, or no access to the channel: try the next way.
                log.debug("could not disable the buttons of an answer this way: %s", exc)
        log.info(
            "could not disable the buttons of answer %s", self.message.id if self.message else "?"
        )


def answer_view(
    answer: Answer,
    *,
    asker_id: int,
    page_size: int,
    timeout: float,
    deletable: bool,
    site_name: str = "",
    note: str = "",
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The first page of an answer and the buttons that go under it (None when there are none)."""
    if not answer.declined and page_count(answer, page_size) > 1:
        view = ResultsView(
            answer,
            asker_id=asker_id,
            page_size=page_size,
            timeout=timeout,
            deletable=deletable,
            site_name=site_name,
            note=note,
        )
        return view.embed(), view
    embed = answer_embed(answer, Page(0, page_size), site_name=site_name, note=note)
    return embed, delete_only_view(asker_id) if deletable else None


async def show_answer(
    interaction: discord.Interaction[Any], embed: discord.Embed, view: discord.ui.View | None
) -> None:
    """Put an answer, with its buttons, into an interaction's deferred reply."""
    kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    message = await interaction.edit_original_response(**kwargs)
    if isinstance(view, ResultsView):
        # The buttons disable themselves on timeout by editing this same reply.
        view.track(message, interaction)
