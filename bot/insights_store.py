"""SQLite persistence of the question log behind ``/insights`` and of the weekly digests.

What is stored, and only this: the question text, when it was asked, the server's id, whether it
was declined, the post ids, titles, sections and sentences the answer cited, and the asker's vote.
No user ids and no channel names; the caller never logs a private question. Rows older than the
retention period are pruned by the insights extension's watcher.

Like the alerts, the tables live in the index's database file on a connection of their own
(``bot.database``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from index.insights import Citation, InsightsReport, LoggedQuestion, broken_citations, build_report
from index.models import Answer

from .database import open_bot_db, write_transaction

log = logging.getLogger(__name__)

LOG_TRIES = 3  # a write waits out a reindex's transaction (busy timeout) this many times
CLOSE_TIMEOUT = 5.0


def _iso(moment: dt.datetime) -> str:
    # Microseconds: ids are random, so the time alone keeps questions in the order asked.
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def week_of(moment: dt.datetime) -> str:
    """The ISO week a moment falls in, e.g. "2026-W49" (digests go out once per week)."""
    year, week, _ = moment.astimezone(dt.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def anchor_of(url: str) -> str:
    return url.partition("#")[2]


@dataclass(frozen=True, slots=True)
class Digest:
    guild_id: int
    channel_id: int
    sending_week: str | None
    posted_week: str | None
    last_error: str | None = None


def _logged_questions(rows: Iterable[Sequence[Any]]) -> list[LoggedQuestion]:
    """The log's joined rows (a question, one of its citations) as questions."""
    # sqlite3 rows are untyped: each value is whatever the column holds.
    out: dict[int, tuple[tuple[Any, ...], list[Citation]]] = {}
    for row in rows:
        head, cite = tuple(row[:6]), row[6:]
        entry = out.setdefault(int(row[0]), (head, []))
        if cite[0] is not None:
            entry[1].append(
                Citation(
                    post_id=cite[0],
                    title=cite[1],
                    heading=cite[2],
                    anchor=cite[3],
                    sentence=cite[4],
                )
            )
    return [
        LoggedQuestion(
            id=int(qid),
            guild_id=int(guild),
            asked_at=dt.datetime.fromisoformat(str(at)),
            question=str(text),
            declined=bool(declined),
            vote=None if vote is None else int(vote),
            citations=tuple(cites),
        )
        for (qid, guild, at, text, declined, vote), cites in out.values()
    ]


class InsightsStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self._lock = asyncio.Lock()  # one connection: transactions must not interleave
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, path: Path) -> InsightsStore:
        return cls(await open_bot_db(path, "foreign_keys=ON"), path)

    async def close(self) -> None:
        """Close, after letting questions still being written finish (briefly)."""
        if self._pending:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await asyncio.gather(*self._pending, return_exceptions=True)
        for task in self._pending:
            task.cancel()
        await self.db.close()

    def log_soon(
        self, guild_id: int, answer: Answer, cited: int, *, message_id: int | None = None
    ) -> int:
        """Log a question in the background and return its id at once.

        The answer must not wait for the database: a reindex holds its write lock for as long
        as it takes to commit. The id is chosen here (random, 52 bits), not by SQLite, so the
        answer's vote buttons can carry it before the row exists. ``message_id``: the message
        a question asked by mention came in (``withdraw``).
        """
        answer_id = secrets.randbits(52) or 1
        task = asyncio.get_running_loop().create_task(
            self._log_retrying(guild_id, answer, cited, answer_id, message_id)
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return answer_id

    async def _log_retrying(
        self, guild_id: int, answer: Answer, cited: int, answer_id: int, message_id: int | None
    ) -> None:
        asked_at = utcnow()
        for attempt in range(1, LOG_TRIES + 1):
            try:
                await self.log(
                    guild_id, answer, cited, asked_at, answer_id=answer_id, message_id=message_id
                )
                return
            except sqlite3.OperationalError as exc:  # "database is locked"
                if attempt == LOG_TRIES:
                    log.warning("could not log a question (%s); it is left out of insights", exc)
            except Exception:
                log.exception("could not log a question; it is left out of insights")
                return

    # ------------------------------------------------------------------ the log

    async def log(
        self,
        guild_id: int,
        answer: Answer,
        cited: int = 3,
        asked_at: dt.datetime | None = None,
        *,
        answer_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        """Record a (public) question and the first ``cited`` passages of its answer; its id.
        ``message_id``: the message it was asked in, for a question asked by mention."""
        when = _iso(asked_at or utcnow())
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                cur = await self.db.execute(
                    "INSERT INTO insight_questions"
                    " (id, guild_id, asked_at, question, declined, message_id)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (answer_id, guild_id, when, answer.question, int(answer.declined), message_id),
                )
                question_id = int(cur.lastrowid or 0)
                await self.db.executemany(
                    "INSERT INTO insight_citations (question_id, rank, post_id, title, heading,"
                    " anchor, sentence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            question_id,
                            n,
                            r.post_id,
                            r.title,
                            r.heading,
                            anchor_of(r.url),
                            r.best_sentence,
                        )
                        for n, r in enumerate(answer.results[:cited])
                    ],
                )
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
        return question_id

    async def vote(self, question_id: int, helpful: bool) -> bool:
        """Set (or change) the asker's vote; False when the question is no longer in the log."""
        async with self._lock:
            cur = await self.db.execute(
                "UPDATE insight_questions SET vote = ? WHERE id = ?",
                (1 if helpful else -1, question_id),
            )
            return cur.rowcount > 0

    async def delete_question(self, question_id: int) -> bool:
        """Delete one question (its answer was deleted); False when it was not in the log."""
        async with self._lock:
            async with self.db.execute(
                "SELECT 1 FROM insight_questions WHERE id = ?", (question_id,)
            ) as cur:
                if await cur.fetchone() is None:
                    return False
            await write_transaction(
                self.db,
                [
                    ("DELETE FROM insight_citations WHERE question_id = ?", (question_id,)),
                    ("DELETE FROM insight_questions WHERE id = ?", (question_id,)),
                ],
            )
            return True

    async def withdraw(self, message_ids: Iterable[int]) -> list[int]:
        """Delete the questions asked in these messages (their authors deleted them: a question
        withdrawn is not kept); the ids of those that were in the log. Questions still being
        written (``log_soon``) are waited for first, so one deleted a moment after it was asked
        goes too."""
        ids = sorted(set(message_ids))
        if not ids:
            return []
        if self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
        marks = ", ".join("?" * len(ids))
        where = f"WHERE message_id IN ({marks})"
        async with self._lock:
            async with self.db.execute(
                f"SELECT message_id FROM insight_questions {where}", ids
            ) as cur:
                found = sorted({int(row[0]) for row in await cur.fetchall()})
            if found:
                await write_transaction(
                    self.db,
                    [
                        (
                            "DELETE FROM insight_citations WHERE question_id IN"
                            f" (SELECT id FROM insight_questions {where})",
                            ids,
                        ),
                        (f"DELETE FROM insight_questions {where}", ids),
                    ],
                )
            return found

    async def question(self, question_id: int) -> LoggedQuestion | None:
        found = await self._questions("WHERE q.id = ?", (question_id,))
        return found[0] if found else None

    async def questions(
        self, guild_id: int | None = None, since: dt.datetime | None = None
    ) -> list[LoggedQuestion]:
        """The log (one server's, or all), oldest first, from ``since`` on."""
        where: list[str] = []
        params: list[object] = []
        if guild_id is not None:
            where.append("q.guild_id = ?")
            params.append(guild_id)
        if since is not None:
            where.append("q.asked_at >= ?")
            params.append(_iso(since))
        return await self._questions(
            ("WHERE " + " AND ".join(where)) if where else "", tuple(params)
        )

    async def _questions(self, where: str, params: tuple[object, ...]) -> list[LoggedQuestion]:
        # Under the lock: on this one connection, a read between a write's statements would
        # see its uncommitted half (a question without its citations yet).
        async with (
            self._lock,
            self.db.execute(
                "SELECT q.id, q.guild_id, q.asked_at, q.question, q.declined, q.vote, c.post_id,"
                " c.title, c.heading, c.anchor, c.sentence FROM insight_questions q"
                " LEFT JOIN insight_citations c ON c.question_id = q.id "
                f"{where} ORDER BY q.asked_at, q.id, c.rank",
                params,
            ) as cur,
        ):
            rows = await cur.fetchall()
        # Off the event loop: a busy log is tens of thousands of rows (30,000 questions: 0.7 s).
        return await asyncio.to_thread(_logged_questions, rows)

    async def prune(self, older_than: dt.datetime) -> int:
        """Delete questions asked before ``older_than`` (and their citations); how many."""
        cutoff = _iso(older_than)
        async with self._lock:
            async with self.db.execute(
                "SELECT COUNT(*) FROM insight_questions WHERE asked_at < ?", (cutoff,)
            ) as cur:
                (count,) = await cur.fetchone() or (0,)
            if count:
                await write_transaction(
                    self.db,
                    [
                        (
                            "DELETE FROM insight_citations WHERE question_id IN"
                            " (SELECT id FROM insight_questions WHERE asked_at < ?)",
                            (cutoff,),
                        ),
                        ("DELETE FROM insight_questions WHERE asked_at < ?", (cutoff,)),
                    ],
                )
            return int(count)

    async def forget(self, guild_id: int | None = None) -> int:
        """Purge the log (one server's, or everything); how many questions were deleted."""
        where, params = ("WHERE guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        async with self._lock:
            async with self.db.execute(
                f"SELECT COUNT(*) FROM insight_questions {where}", params
            ) as cur:
                (count,) = await cur.fetchone() or (0,)
            await write_transaction(
                self.db,
                [
                    (
                        "DELETE FROM insight_citations WHERE question_id IN"
                        f" (SELECT id FROM insight_questions {where})",
                        params,
                    ),
                    (f"DELETE FROM insight_questions {where}", params),
                ],
            )
            return int(count)

    async def report(
        self, *, days: int, now: dt.datetime, index: Any = None, guild_id: int | None = None
    ) -> InsightsReport:
        """The report over the last ``days`` of the log (one server's, or all); with ``index``
        (the served ``SearchIndex``), the cited sections it no longer has."""
        rows = await self.questions(guild_id, since=now - dt.timedelta(days=days))
        cited = await self.cited(guild_id) if index is not None else []
        vocabulary = index.vocab if index is not None else None

        def build() -> InsightsReport:
            broken = broken_citations(cited, index) if index is not None else []
            return build_report(rows, days=days, now=now, broken=broken, vocabulary=vocabulary)

        # Off the event loop: grouping a busy server's questions takes seconds, which would
        # stall the gateway's heartbeats (the index is only read, as searches do in threads).
        return await asyncio.to_thread(build)

    async def cited(self, guild_id: int | None = None) -> list[Citation]:
        """Every citation in the log (one per answer that cited it), for integrity checks."""
        sql = (
            "SELECT c.post_id, c.title, c.heading, c.anchor FROM insight_citations c"
            " JOIN insight_questions q ON q.id = c.question_id"
        )
        params: tuple[object, ...] = ()
        if guild_id is not None:
            sql += " WHERE q.guild_id = ?"
            params = (guild_id,)
        async with self._lock, self.db.execute(sql, params) as cur:
            rows = await cur.fetchall()

        def citations() -> list[Citation]:
            return [Citation(post_id=p, title=t, heading=h, anchor=a) for p, t, h, a in rows]

        return await asyncio.to_thread(citations)  # (as many as the log's answers: see above)

    # ------------------------------------------------------------------ weekly digests

    async def set_digest(self, guild_id: int, channel_id: int) -> None:
        """The server's digest goes to ``channel_id`` (a change of channel keeps the week)."""
        async with self._lock:
            await self.db.execute(
                "INSERT INTO insight_digests (guild_id, channel_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " last_error = NULL",
                (guild_id, channel_id, _iso(utcnow())),
            )

    async def remove_digest(self, guild_id: int) -> bool:
        async with self._lock:
            cur = await self.db.execute(
                "DELETE FROM insight_digests WHERE guild_id = ?", (guild_id,)
            )
            return cur.rowcount > 0

    async def digests(self) -> list[Digest]:
        async with (
            self._lock,
            self.db.execute(
                "SELECT guild_id, channel_id, sending_week, posted_week, last_error"
                " FROM insight_digests ORDER BY guild_id"
            ) as cur,
        ):
            return [Digest(int(g), int(c), s, p, e) for g, c, s, p, e in await cur.fetchall()]

    async def digest_sending(self, guild_id: int, week: str) -> None:
        """Before sending: a crash after this resends with the same nonce, never skips."""
        async with self._lock:
            await self.db.execute(
                "UPDATE insight_digests SET sending_week = ? WHERE guild_id = ?", (week, guild_id)
            )

    async def digest_posted(self, guild_id: int, week: str, message_id: int) -> None:
        """Discord accepted the week's digest: it never goes out again this week."""
        async with self._lock:
            await self.db.execute(
                "UPDATE insight_digests SET posted_week = ?, message_id = ?, last_error = NULL"
                " WHERE guild_id = ?",
                (week, message_id, guild_id),
            )

    async def digest_failed(self, guild_id: int, error: str) -> None:
        async with self._lock:
            await self.db.execute(
                "UPDATE insight_digests SET last_error = ? WHERE guild_id = ?", (error, guild_id)
            )
