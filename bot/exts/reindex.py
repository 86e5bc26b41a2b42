"""``/reindex``: moderators refresh the index from Discord while everyone keeps asking.

The rebuild is incremental and works on the side; the index being served is swapped in one
assignment when it is done (see ``index.storage.service``), so ``/ask`` answers from the
previous index meanwhile, and keeps doing so if the rebuild fails. One rebuild runs at a time: a
/reindex asked during one waits for it and replies with its report.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.alerts.watcher import pull_content
from bot.formatting.alerts import add_failing_field, add_held_field
from bot.formatting.insights import add_broken_field
from bot.formatting.reindex import reindex_embed, reindex_failed_embed
from bot.formatting.text import NO_MENTIONS, escape, fit_embed, message_content, plain, truncate
from bot.params import UserError
from index.insights import BrokenCitation, broken_citations
from index.storage.service import ReindexInProgress
from index.storage.store import ContentVanished

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

BUSY = "A reindex is already running. Try again when it has finished."
# Said above the report of a reindex that was running when /reindex was asked (another
# moderator's, or the scheduled refresh, which no one would otherwise hear about).
RAN_ALREADY = "A reindex was already running when you asked; this is what it changed."


def is_moderator(interaction: discord.Interaction[Any], role_name: str | None) -> bool:
    """Manage Server (or Administrator), or the role named in ``BRIEFBOT_MODERATOR_ROLE``."""
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    if not role_name or not isinstance(interaction.user, discord.Member):
        return False
    wanted = role_name.strip().lstrip("@").casefold()
    return any(r.name.casefold() == wanted or str(r.id) == wanted for r in interaction.user.roles)


async def cited_sections_gone(bot: Briefbot, guild_id: int | None) -> list[BrokenCitation]:
    """Sections this server's answers cited that the served index no longer has (after a
    reindex: removed posts, removed or renamed headings). Empty with the log off."""
    store, index = bot.insights, bot.service.current
    if store is None or index is None or guild_id is None:
        return []
    try:
        return broken_citations(await store.cited(guild_id), index)
    except Exception:  # the reindex reply matters more than this list
        log.exception("could not check the cited sections against the new index")
        return []


def _moderators_only(interaction: discord.Interaction[Any]) -> bool:
    role = cast("Briefbot", interaction.client).settings.moderator_role
    if is_moderator(interaction, role):
        return True
    who = "the Manage Server permission"
    if role:
        who += f" or the **{escape(role.strip())}** role"
    raise UserError(f"Sorry, reindexing is for moderators: it needs {who}.")


class Reindex(commands.Cog):
    def __init__(self, bot: Briefbot) -> None:
        self.bot = bot

    @app_commands.command(
        name="reindex", description="Re-read the posts and refresh the index (moderators)"
    )
    @app_commands.guild_only()
    @app_commands.check(_moderators_only)
    async def reindex(self, interaction: discord.Interaction[Any]) -> None:
        service = self.bot.service
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("/reindex started by %s", interaction.user.id)
        note = pulled = None
        try:
            # One running already (another moderator's, or the scheduled refresh): its report
            # is what this moderator wants; a new rebuild right after would find nothing.
            report = await service.wait_for_rebuild()
            if report is not None:
                note = RAN_ALREADY
            else:
                # A moderator who has just pushed a post reindexes to see it now.
                if self.bot.settings.git_pull:
                    pulled = await pull_content(service.content)
                report = await service.reindex()
        except ReindexInProgress:
            await self._reply(interaction, content=message_content(BUSY))
            return
        except Exception as exc:
            if isinstance(exc, ContentVanished):  # (said in full: no traceback to add)
                log.warning("/reindex by %s refused: %s", interaction.user.id, exc)
                reason = str(exc)
            else:
                log.exception(
                    "/reindex by %s failed; still serving the previous index", interaction.user.id
                )
                reason = f"{exc.__class__.__name__}: {exc}"
            current = service.current
            embed = reindex_failed_embed(
                reason,
                posts=len(current) if current is not None else 0,
                built_at=current.built_at if current is not None else None,
            )
            await self._reply(interaction, embed=embed)
            return
        if note is None:  # (the reindex that ran already announced its own)
            # Announce what was added (the alerts extension listens) while we report.
            self.bot.dispatch("index_swapped", report)
        index = self.bot.index
        titles = {
            post_id: post.title
            for post_id in (*report.added, *report.changed)
            if (post := index.post(post_id)) is not None
        }
        log.info(
            "/reindex: %d added, %d changed, %d removed in %.2f s",
            len(report.added),
            len(report.changed),
            len(report.removed),
            report.seconds,
        )
        embed = reindex_embed(report, titles)
        if note is not None:
            embed.description = f"{note}\n{embed.description}"
        if pulled is not None:
            embed.add_field(
                name="git pull failed: the posts on disk were indexed",
                value=truncate(escape(plain(pulled)), 1000),
                inline=False,
            )
        alerts = self.bot.get_cog("Alerts")
        if alerts is not None:  # new posts whose front matter needs fixing are not announced
            add_held_field(embed, await alerts.held_back(report.issues))  # type: ignore[attr-defined]
            if interaction.guild_id is not None:  # (and the channels that refuse them)
                add_failing_field(embed, await alerts.failing(interaction.guild_id))  # type: ignore[attr-defined]
        add_broken_field(embed, await cited_sections_gone(self.bot, interaction.guild_id))
        await self._reply(interaction, embed=fit_embed(embed))

    async def _reply(self, interaction: discord.Interaction[Any], **kwargs: Any) -> None:
        try:
            await interaction.edit_original_response(allowed_mentions=NO_MENTIONS, **kwargs)
        except discord.HTTPException as exc:
            # The reply expires 15 minutes after the command; the log line above remains.
            log.warning("could not edit the /reindex reply: %s", exc)


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Reindex(bot))
