"""SQLite persistence of new-post alerts: subscriptions, seen posts and the delivery outbox.

The bot's tables live in the index's database file, on a connection of their own
(``bot.database``).

Exactly-once delivery rests on two rules: new posts are marked seen *in the same transaction*
that queues their deliveries, and a delivery becomes 'delivered' only after Discord accepted the
message. A crash in between leaves the delivery pending, so it is retried, never lost; its
``first_sent_at`` (written just before sending) tells the bot to look in the channel first, in
case Discord had accepted it.

A post is known by its id (its path) and by its identities: its URL and its file's sha256. A
renamed file keeps one of them, so it is recognised as seen and never announced again.

Why one module of ~510 lines: subscriptions, scanning and delivery are three sections of one
class over one connection, and the exactly-once rules above span all three (a scan queues
deliveries per subscription in the transaction that marks posts seen; an unsubscribe removes
the channel's undelivered alerts with it). Split apart, those transactions would be read across
files.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.database import open_bot_db, write_transaction
from index.models import Post


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Subscription:
    guild_id: int
    channel_id: int
    category: str | None
    role_id: int | None
    created_by: int
    created_at: dt.datetime
    failing_since: dt.datetime | None = None
    last_error: str | None = None

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def wants(self, post: Post) -> bool:
        """Whether a post belongs in this channel (its category filter, case-insensitive)."""
        if self.category is None:
            return True
        wanted = self.category.casefold()
        return any(c.casefold() == wanted for c in post.categories)


@dataclass(frozen=True, slots=True)
class Pending:
    """A queued announcement of one post in one channel."""

    channel_id: int
    guild_id: int
    content_dir: str
    post_id: str
    attempts: int
    first_sent_at: dt.datetime | None = None  # a send was tried: Discord may have accepted it


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    baseline: bool  # first scan of this content folder: everything marked seen, nothing queued
    new_posts: tuple[str, ...] = ()  # post ids seen for the first time
    queued: int = 0  # deliveries added to the outbox
    renamed: tuple[tuple[str, str], ...] = ()  # (old id, new id): known by URL or content
    newly_held: tuple[str, ...] = ()  # new posts held back since this scan (recovered only)


@dataclass(frozen=True, slots=True)
class HeldPost:
    post_id: str
    reason: str
    held_since: dt.datetime


def identities(post: Post) -> tuple[str, str]:
    """What still names a post after its file is renamed: its URL, or its exact content."""
    return f"url:{post.url}", f"sha:{post.fingerprint}"


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


class AlertStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        # One connection serves the watcher and the /alerts commands: transactions must not
        # interleave on it.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> AlertStore:
        return cls(await open_bot_db(path, "synchronous=NORMAL"), path)

    async def close(self) -> None:
        await self.db.close()

    async def copy_to(self, target: Path) -> None:
        """A consistent copy of the whole database (SQLite's online backup), e.g. to rescue the
        alert tables when the file was deleted under the running bot."""
        async with self._lock:
            dest = await aiosqlite.connect(target)
            try:
                await self.db.backup(dest)
            finally:
                await dest.close()

    # ------------------------------------------------------------------ subscriptions

    async def subscribe(
        self,
        *,
        guild_id: int,
        channel_id: int,
        category: str | None,
        role_id: int | None,
        user_id: int,
    ) -> bool:
        """Create or replace the channel's subscription (clearing any failure); True if new."""
        async with self._lock:
            existed = await self._subscription(channel_id) is not None
            await write_transaction(
                self.db,
                [
                    (
                        "INSERT INTO alert_subscriptions (channel_id, guild_id, category, role_id,"
                        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id,"
                        " category = excluded.category, role_id = excluded.role_id,"
                        " created_by = excluded.created_by, created_at = excluded.created_at,"
                        " failing_since = NULL, last_error = NULL",
                        (channel_id, guild_id, category, role_id, user_id, _now()),
                    )
                ],
            )
            return not existed

    async def unsubscribe(self, *, guild_id: int, channel_id: int) -> bool:
        """Remove the channel's subscription and its undelivered alerts; False if there was none."""
        async with self._lock:
            found = await self._subscription(channel_id)
            if found is None or found.guild_id != guild_id:
                return False
            await write_transaction(
                self.db,
                [
                    ("DELETE FROM alert_subscriptions WHERE channel_id = ?", (channel_id,)),
                    (
                        "DELETE FROM alert_deliveries WHERE channel_id = ? AND state = 'pending'",
                        (channel_id,),
                    ),
                ],
            )
            return True

    async def subscriptions(self, guild_id: int | None = None) -> list[Subscription]:
        sql = (
            "SELECT guild_id, channel_id, category, role_id, created_by, created_at,"
            " failing_since, last_error FROM alert_subscriptions"
        )
        params: tuple[object, ...] = ()
        if guild_id is not None:
            sql += " WHERE guild_id = ?"
            params = (guild_id,)
        async with self.db.execute(sql + " ORDER BY guild_id, channel_id", params) as cur:
            rows = await cur.fetchall()
        return [self._subscription_of(row) for row in rows]

    async def _subscription(self, channel_id: int) -> Subscription | None:
        async with self.db.execute(
            "SELECT guild_id, channel_id, category, role_id, created_by, created_at,"
            " failing_since, last_error FROM alert_subscriptions WHERE channel_id = ?",
            (channel_id,),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else self._subscription_of(row)

    @staticmethod
    def _subscription_of(row: Sequence[object]) -> Subscription:
        guild_id, channel_id, category, role_id, by, created, failing, error = row
        return Subscription(
            guild_id=int(guild_id),  # type: ignore[call-overload]
            channel_id=int(channel_id),  # type: ignore[call-overload]
            category=category,  # type: ignore[arg-type]
            role_id=None if role_id is None else int(role_id),  # type: ignore[call-overload]
            created_by=int(by),  # type: ignore[call-overload]
            created_at=_dt(created) or dt.datetime.now(dt.UTC),  # type: ignore[arg-type]
            failing_since=_dt(failing),  # type: ignore[arg-type]
            last_error=error,  # type: ignore[arg-type]
        )

    async def mark_failing(self, channel_id: int, reason: str) -> None:
        """The channel refused a delivery (gone, or no permission): keep the first failure time."""
        async with self._lock:
            await self.db.execute(
                "UPDATE alert_subscriptions SET failing_since = COALESCE(failing_since, ?),"
                " last_error = ? WHERE channel_id = ?",
                (_now(), reason, channel_id),
            )

    async def pending_counts(self, guild_id: int) -> dict[int, int]:
        async with self.db.execute(
            "SELECT channel_id, COUNT(*) FROM alert_deliveries"
            " WHERE guild_id = ? AND state = 'pending' GROUP BY channel_id",
            (guild_id,),
        ) as cur:
            return {int(c): int(n) for c, n in await cur.fetchall()}

    # ------------------------------------------------------------------ scanning

    async def record_posts(
        self, content_dir: str, posts: Sequence[Post], held: Mapping[str, str] | None = None
    ) -> ScanOutcome:
        """Mark the index's posts seen, queueing one delivery per new post and subscribed channel.

        The first call for a content folder only records its posts (a baseline). All of it is one
        transaction: a post is either seen *and* queued everywhere, or neither. ``held`` maps the
        ids of posts that only loaded by recovery to why: new ones are neither seen nor queued
        (they are announced once they load cleanly) but listed in ``held_posts``.
        """
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                outcome = await self._record_posts(content_dir, posts, held or {})
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            return outcome

    async def _seen(self, content_dir: str) -> tuple[set[str], dict[str, str]]:
        """(seen post ids, identity → post id) of a content folder."""
        async with self.db.execute(
            "SELECT post_id FROM seen_posts WHERE content_dir = ?", (content_dir,)
        ) as cur:
            seen = {row[0] for row in await cur.fetchall()}
        async with self.db.execute(
            "SELECT identity, post_id FROM seen_identities WHERE content_dir = ?", (content_dir,)
        ) as cur:
            known = {row[0]: row[1] for row in await cur.fetchall()}
        return seen, known

    async def unseen(self, content_dir: str, posts: Sequence[Post]) -> list[Post]:
        """The posts a scan would announce now (read only; nothing is recorded)."""
        async with self.db.execute(
            "SELECT 1 FROM alert_sources WHERE content_dir = ?", (content_dir,)
        ) as cur:
            if await cur.fetchone() is None:
                return []  # the baseline announces nothing
        seen, known = await self._seen(content_dir)
        return [p for p in posts if p.id not in seen and not any(i in known for i in identities(p))]

    async def _record_posts(
        self, content_dir: str, posts: Sequence[Post], held: Mapping[str, str]
    ) -> ScanOutcome:
        db, now = self.db, _now()
        async with db.execute(
            "SELECT 1 FROM alert_sources WHERE content_dir = ?", (content_dir,)
        ) as cur:
            known_source = await cur.fetchone() is not None
        seen, known = await self._seen(content_dir)
        present = {p.id for p in posts}
        if not known_source:
            held = {}  # the baseline: whatever the site holds today counts as seen
        new: list[Post] = []
        renamed: list[tuple[str, str]] = []
        recorded: list[Post] = []  # posts seen from now on (their identities are kept)
        for post in posts:
            if post.id in held:
                continue  # never recorded while it only loads by recovery (URL may be mangled)
            recorded.append(post)
            if post.id in seen:
                continue
            previous = next((known[i] for i in identities(post) if i in known), None)
            if previous is None or not known_source:
                new.append(post)
            else:
                renamed.append((previous, post.id))
        await db.executemany(
            "INSERT INTO seen_posts (content_dir, post_id, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(content_dir, p.id, now) for p in new]
            + [(content_dir, new_id, now) for _, new_id in renamed],
        )
        # Identities follow the post that has them now (edits add new ones; old ones stay, so a
        # later rename back is still recognised).
        await db.executemany(
            "INSERT INTO seen_identities (content_dir, identity, post_id) VALUES (?, ?, ?)"
            " ON CONFLICT (content_dir, identity) DO UPDATE SET post_id = excluded.post_id",
            [
                (content_dir, i, p.id)
                for p in recorded
                for i in identities(p)
                if known.get(i) != p.id
            ],
        )
        for old, new_id in renamed:
            if old not in present:  # a queued alert of the old name goes out under the new one
                await db.execute(
                    "UPDATE OR IGNORE alert_deliveries SET post_id = ?"
                    " WHERE content_dir = ? AND post_id = ? AND state = 'pending'",
                    (new_id, content_dir, old),
                )
        # Queued alerts of posts that left the index (and were not renamed) can never go out.
        async with db.execute(
            "SELECT DISTINCT post_id FROM alert_deliveries"
            " WHERE content_dir = ? AND state = 'pending'",
            (content_dir,),
        ) as cur:
            gone = [row[0] for row in await cur.fetchall() if row[0] not in present]
        await db.executemany(
            "UPDATE alert_deliveries SET state = 'dropped',"
            " last_error = 'the post is no longer in the index'"
            " WHERE content_dir = ? AND post_id = ? AND state = 'pending'",
            [(content_dir, post_id) for post_id in gone],
        )
        newly_held = await self._hold(content_dir, held, seen, now)
        if not known_source:
            await db.execute(
                "INSERT INTO alert_sources (content_dir, baseline_at, baseline_posts)"
                " VALUES (?, ?, ?)",
                (content_dir, now, len(posts)),
            )
            return ScanOutcome(baseline=True)
        queued = 0
        if new:
            for sub in await self.subscriptions():
                rows = [
                    (sub.channel_id, content_dir, p.id, sub.guild_id, now)
                    for p in new
                    if sub.wants(p)
                ]
                await db.executemany(
                    "INSERT INTO alert_deliveries (channel_id, content_dir, post_id, guild_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    rows,
                )
                queued += len(rows)
        return ScanOutcome(
            baseline=False,
            new_posts=tuple(p.id for p in new),
            queued=queued,
            renamed=tuple(renamed),
            newly_held=newly_held,
        )

    async def _hold(
        self, content_dir: str, held: Mapping[str, str], seen: set[str], now: str
    ) -> tuple[str, ...]:
        """Replace the folder's held posts with the new ones of ``held``; the ids just added."""
        async with self.db.execute(
            "SELECT post_id FROM held_posts WHERE content_dir = ?", (content_dir,)
        ) as cur:
            before = {row[0] for row in await cur.fetchall()}
        wanted = {pid: why for pid, why in held.items() if pid not in seen}
        await self.db.executemany(
            "DELETE FROM held_posts WHERE content_dir = ? AND post_id = ?",
            [(content_dir, pid) for pid in before - wanted.keys()],
        )
        await self.db.executemany(
            "INSERT INTO held_posts (content_dir, post_id, reason, held_since)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason",
            [(content_dir, pid, why, now) for pid, why in wanted.items()],
        )
        return tuple(sorted(wanted.keys() - before))

    async def held(self, content_dir: str) -> list[HeldPost]:
        """New posts not announced because they only loaded by recovery (see ``record_posts``)."""
        async with self.db.execute(
            "SELECT post_id, reason, held_since FROM held_posts WHERE content_dir = ?"
            " ORDER BY post_id",
            (content_dir,),
        ) as cur:
            return [
                HeldPost(pid, why, _dt(since) or dt.datetime.now(dt.UTC))
                for pid, why, since in await cur.fetchall()
            ]

    # ------------------------------------------------------------------ delivering

    async def pending(self) -> dict[int, list[Pending]]:
        """Undelivered alerts by channel, oldest first."""
        out: dict[int, list[Pending]] = {}
        async with self.db.execute(
            "SELECT channel_id, guild_id, content_dir, post_id, attempts, first_sent_at"
            " FROM alert_deliveries WHERE state = 'pending'"
            " ORDER BY channel_id, created_at, post_id"
        ) as cur:
            for channel_id, guild_id, content_dir, post_id, attempts, sent in await cur.fetchall():
                out.setdefault(int(channel_id), []).append(
                    Pending(
                        int(channel_id),
                        int(guild_id),
                        content_dir,
                        post_id,
                        int(attempts),
                        _dt(sent),
                    )
                )
        return out

    async def still_pending(self, deliveries: Sequence[Pending]) -> bool:
        """Whether all of these are still to be sent (not unsubscribed or dropped meanwhile)."""
        count = 0
        for d in deliveries:
            async with self.db.execute(
                "SELECT 1 FROM alert_deliveries WHERE channel_id = ? AND content_dir = ?"
                " AND post_id = ? AND state = 'pending'",
                (d.channel_id, d.content_dir, d.post_id),
            ) as cur:
                count += await cur.fetchone() is not None
        return count == len(deliveries)

    async def mark_sending(self, deliveries: Sequence[Pending]) -> None:
        """Written just before a send: from now on Discord may hold the message."""
        async with self._lock:
            await write_transaction(
                self.db,
                [
                    (
                        "UPDATE alert_deliveries SET attempts = attempts + 1,"
                        " first_sent_at = COALESCE(first_sent_at, ?)"
                        " WHERE channel_id = ? AND content_dir = ? AND post_id = ?",
                        (_now(), d.channel_id, d.content_dir, d.post_id),
                    )
                    for d in deliveries
                ],
            )

    async def mark_delivered(
        self, channel_id: int, deliveries: Sequence[Pending], message_id: int
    ) -> None:
        """Discord accepted the message: these never go out again, and the channel works."""
        now = _now()
        async with self._lock:
            await write_transaction(
                self.db,
                [
                    *(
                        (
                            "UPDATE alert_deliveries SET state = 'delivered', message_id = ?,"
                            " delivered_at = ?, last_error = NULL"
                            " WHERE channel_id = ? AND content_dir = ? AND post_id = ?",
                            (message_id, now, channel_id, d.content_dir, d.post_id),
                        )
                        for d in deliveries
                    ),
                    (
                        "UPDATE alert_subscriptions SET failing_since = NULL, last_error = NULL"
                        " WHERE channel_id = ?",
                        (channel_id,),
                    ),
                ],
            )

    async def mark_attempted(self, deliveries: Sequence[Pending], error: str) -> None:
        """A delivery failed for now (Discord or the network): it stays pending."""
        async with self._lock:
            await write_transaction(
                self.db,
                [
                    (
                        "UPDATE alert_deliveries SET last_error = ?"
                        " WHERE channel_id = ? AND content_dir = ? AND post_id = ?",
                        (error, d.channel_id, d.content_dir, d.post_id),
                    )
                    for d in deliveries
                ],
            )

    async def drop(self, deliveries: Sequence[Pending], reason: str) -> None:
        """Deliveries that can never succeed (post gone, message refused as invalid)."""
        async with self._lock:
            await write_transaction(
                self.db,
                [
                    (
                        "UPDATE alert_deliveries SET state = 'dropped', last_error = ?"
                        " WHERE channel_id = ? AND content_dir = ? AND post_id = ?",
                        (reason, d.channel_id, d.content_dir, d.post_id),
                    )
                    for d in deliveries
                ],
            )

    async def deliveries(self, channel_id: int) -> list[tuple[str, str]]:
        """(post id, state) of every alert for a channel — for tests and diagnostics."""
        async with self.db.execute(
            "SELECT post_id, state FROM alert_deliveries WHERE channel_id = ? ORDER BY post_id",
            (channel_id,),
        ) as cur:
            return [(row[0], row[1]) for row in await cur.fetchall()]
