"""What the alerts watcher does each cycle before delivering: refresh the index when due, and
turn the posts being served into queued alerts.

What counts as new: a post whose id (path), URL and content were never seen (a renamed file is
not new). A new post that only loaded by recovering its front matter is held back (and listed by
``/alerts list``, ``/reindex`` and the log) until it loads cleanly. New posts wait until the set
of new files has stayed the same for ``BRIEFBOT_ALERT_SETTLE_SECONDS`` (a folder being copied in
gives one summary, not a trickle).

It also checks that the database file it opened is still there: deleted or replaced under the
running bot, the alert tables would be lost at the next start, so it says so loudly, saves a copy
beside it and reports the bot unhealthy (the heartbeat stops, new subscriptions are refused).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.exts.alerts.store import AlertStore, HeldPost
from index.models import LoadIssue, Post
from index.storage.service import ReindexInProgress
from index.storage.store import ContentVanished

if TYPE_CHECKING:
    from bot.client import Briefbot

log = logging.getLogger(__name__)

GIT_TIMEOUT = 120.0


class Watcher:
    def __init__(self, bot: Briefbot, store: AlertStore, content_key: str) -> None:
        self.bot = bot
        self.store = store
        self.content_key = content_key
        self._last_refresh: float | None = None
        # Settling: the new posts last seen, and since when they have not changed.
        self._unsettled: frozenset[tuple[str, str]] = frozenset()
        self._quiet_since = 0.0
        self._settling = False
        self._recovered_files: dict[str, str] = {}  # sha256 of a file that loaded by recovery
        # The database file as opened: (device, inode); None once it has gone.
        self._db_file = _file_id(store.path)
        self.unhealthy: str | None = None

    async def refresh_and_scan(self, *, after_reindex: bool = False) -> bool:
        """Reindex when the poll (or the settle period) is due, else pick up an index rebuilt
        elsewhere; queue alerts for new posts. True when this was a poll."""
        service = self.bot.service
        now = asyncio.get_running_loop().time()
        settings = self.bot.settings
        settled = self._settling and now - self._quiet_since >= settings.alert_settle_seconds
        due = not after_reindex and (
            self._last_refresh is None
            or now - self._last_refresh >= settings.alert_poll_seconds
            or settled
        )
        changed = after_reindex
        if due:
            self._last_refresh = now
            await self._git_pull()
            changed = await self._refresh()
        else:
            changed = await service.reload_if_changed() or changed
        if due or changed:
            await self._scan()
        return due

    async def _refresh(self) -> bool:
        """Reindex incrementally (the same operation as ``briefbot index``)."""
        try:
            report = await self.bot.service.reindex()
        except ReindexInProgress:
            return False  # a /reindex is running; it triggers a scan when it finishes
        except ContentVanished as exc:
            log.warning("scheduled reindex refused: %s", exc)
            return False
        except Exception:
            log.exception("scheduled reindex failed; still serving the previous index")
            return False
        if report.added or report.changed or report.removed:
            log.info(
                "scheduled reindex: %d added, %d changed, %d removed in %.2f s",
                len(report.added),
                len(report.changed),
                len(report.removed),
                report.seconds,
            )
        return True

    async def _git_pull(self) -> None:
        """``git pull --ff-only`` in the content folder when asked to; failures are only logged."""
        if self.bot.settings.git_pull:
            await pull_content(self.bot.service.content)

    async def _scan(self) -> None:
        """Queue alerts for the served index's posts that were never seen before."""
        index = self.bot.service.current
        if index is None:
            return
        held = await self._recovered(index.posts)
        if not await self._settled([p for p in index.posts if p.id not in held]):
            return
        outcome = await self.store.record_posts(self.content_key, index.posts, held)
        if outcome.baseline:
            log.info(
                "first scan of %s: %d posts marked as seen, none announced",
                self.content_key,
                len(index.posts),
            )
            return
        if outcome.new_posts:
            log.info(
                "%d new posts (%s); %d alerts queued",
                len(outcome.new_posts),
                ", ".join(outcome.new_posts[:5]),
                outcome.queued,
            )
        for old, new in outcome.renamed:
            log.info("post %s is %s renamed (same URL or content): not announced again", new, old)
        for post_id in outcome.newly_held:
            log.warning(
                "new post %s only loaded by recovering its front matter (%s): not "
                "announced until it loads cleanly",
                post_id,
                held[post_id],
            )

    async def _recovered(self, posts: Sequence[Post]) -> dict[str, str]:
        """Posts of the index that only loaded by front-matter recovery, with why.

        Known by path from the stored load issues, and by the file's sha256: a reindex may have
        stored the fixed file's (clean) state before its index is swapped in, while the served
        post is still the recovered version, which must not be announced meanwhile.
        """
        try:
            stored = await self.bot.service.store.stored_issues()
        except Exception:
            log.exception("could not read the load issues; no post is held back this scan")
            stored = {}
        by_path: dict[str, str] = {}
        for path, issues in stored.items():
            recovered = [i for i in issues if i.issue.kind == "recovered"]
            if recovered:
                by_path[path] = "; ".join(i.issue.reason for i in recovered)
                self._recovered_files[recovered[0].state.fingerprint] = by_path[path]
        out: dict[str, str] = {}
        for post in posts:
            reason = by_path.get(post.id) or self._recovered_files.get(post.fingerprint)
            if reason:
                out[post.id] = reason
        return out

    async def _settled(self, posts: Sequence[Post]) -> bool:
        """Whether the new posts among ``posts`` stayed the same for the settle period.

        Files copied in one by one would otherwise be announced a few per scan; waiting until
        the folder is quiet turns them into one summary.
        """
        settle = self.bot.settings.alert_settle_seconds
        if settle <= 0:
            return True
        fresh = frozenset(
            (p.id, p.fingerprint) for p in await self.store.unseen(self.content_key, posts)
        )
        now = asyncio.get_running_loop().time()
        if fresh != self._unsettled:
            self._unsettled, self._quiet_since = fresh, now
        self._settling = bool(fresh) and now - self._quiet_since < settle
        if self._settling:
            log.debug(
                "%d new posts; waiting until the folder has been quiet for %.0f s",
                len(fresh),
                settle,
            )
        return not self._settling

    async def held_back(self, issues: Sequence[LoadIssue] = ()) -> list[HeldPost]:
        """Posts held back from alerts (see ``_scan``); with ``issues`` (a reindex's), also the
        new recovered posts among them that the next scan will hold."""
        held = {h.post_id: h for h in await self.store.held(self.content_key)}
        index = self.bot.service.current
        recovered = [i for i in issues if i.kind == "recovered" and i.path not in held]
        if recovered and index is not None:
            posts = [p for i in recovered if (p := index.post(i.path)) is not None]
            unseen = {p.id for p in await self.store.unseen(self.content_key, posts)}
            now = dt.datetime.now(dt.UTC)
            held.update(
                {i.path: HeldPost(i.path, i.reason, now) for i in recovered if i.path in unseen}
            )
        return [held[k] for k in sorted(held)]

    # ------------------------------------------------------------------ the database file

    async def check_database(self) -> None:
        """Notice the database file deleted or replaced under the running bot (once)."""
        if self._db_file is None:
            return
        path = self.store.path
        if _file_id(path) == self._db_file:
            return
        self._db_file = None
        rescued = path.with_name(f"{path.name}.rescued-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}")
        try:
            await self.store.copy_to(rescued)
        except Exception as exc:
            saved = f"saving a copy to {rescued} failed too ({exc})"
        else:
            saved = (
                f"a copy of it is saved at {rescued}: stop the bot and move that copy to "
                f"{path} to keep the subscriptions and what was announced"
            )
        self.unhealthy = (
            f"the database file {path} was deleted or replaced while the bot "
            "runs; alert subscriptions and delivery records live in it"
        )
        log.critical(
            "%s; %s. Until then the bot reports itself unhealthy and refuses new subscriptions.",
            self.unhealthy,
            saved,
        )
        self.bot.dispatch("briefbot_unhealthy", self.unhealthy)

    async def warn_of_rescued_copies(self) -> None:
        """At start: a rescued copy beside a database without subscriptions is worth a word."""
        path = self.store.path
        copies = sorted(path.parent.glob(f"{path.name}.rescued-*"))
        if copies and not await self.store.subscriptions():
            log.warning(
                "no alert subscriptions in %s, but %s holds a copy saved when the "
                "database was deleted under the bot: stop the bot and move it to %s to "
                "restore them",
                path,
                copies[-1],
                path,
            )


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a file, None when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


async def pull_content(content: Path) -> str | None:
    """``git pull --ff-only`` in the content folder, if it is a git checkout (the scheduled
    refresh and /reindex, with ``BRIEFBOT_GIT_PULL``). Why it failed (also logged), or None."""
    folder = content.resolve()
    # safe.directory: the checkout is often owned by another user (a mounted volume).
    base = ["git", "-c", f"safe.directory={folder}", "-C", str(folder)]
    try:
        inside = await _run([*base, "rev-parse", "--is-inside-work-tree"])
        if inside[0] != 0:
            log.debug("%s is not a git checkout; not pulling", folder)
            return None
        code, output = await _run([*base, "pull", "--ff-only", "--quiet"])
    except (OSError, TimeoutError) as exc:
        log.warning("git pull in %s failed: %s", folder, exc)
        return str(exc) or exc.__class__.__name__
    if code != 0:
        # Git's first error line says why; its last is often advice ("…and the repository exists.")
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("fatal:", "error:"))]
        reason = (errors or lines[-1:] or ["(no output)"])[0]
        log.warning("git pull in %s failed (exit %d): %s", folder, code, reason)
        return f"exit {code}: {reason}"
    return None


async def _run(argv: list[str]) -> tuple[int, str]:
    """Run a command; (exit code, its output). Raises OSError if it cannot start."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(GIT_TIMEOUT):
            out, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode("utf-8", "replace")
