"""New-post alerts: ``/alerts subscribe|unsubscribe|list`` and the watcher that posts them.

Each cycle (every few seconds, at most every ``BRIEFBOT_ALERT_POLL_SECONDS``, and after a
``/reindex``):
1. ``watcher``: picks up an index rebuilt by another process (``briefbot index``) through the
   generation number, or, every poll interval, ``git pull``s the content folder (optionally) and
   reindexes incrementally; then records the posts of the index being served: new posts are
   queued for every subscribed channel in the same transaction (so a post is only announced once
   it is searchable, and the first scan of a content folder announces nothing);
2. ``delivery``: sends the queue, one embed per post, or one summary when a channel has more new
   posts than ``BRIEFBOT_ALERT_FLOOD_LIMIT``; a delivery is marked done only after Discord
   accepted it.

``commands`` holds the commands and the loop; the tables are in ``bot.exts.alerts.store``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .commands import Alerts

if TYPE_CHECKING:
    from bot.client import Briefbot

__all__ = ["Alerts", "setup"]


async def setup(bot: Briefbot) -> None:
    await bot.add_cog(Alerts(bot))
