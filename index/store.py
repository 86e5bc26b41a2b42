"""SQLite persistence of the index (via aiosqlite): posts, passages, load issues, term statistics.

One database file may be shared by the bot and the command line at the same time: WAL mode lets
readers go on while a writer commits, and every index change is one transaction that also bumps
the ``generation`` number, which is how a running bot notices an index rebuilt elsewhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from .fields import IndexData, StaleIndexFormat
from .migrations import migrate
from .models import LoadIssue, Passage, Post
from .passage_table import PassageTable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True, slots=True)
class FileState:
    fingerprint: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class StoredIssue:
    issue: LoadIssue
    state: FileState


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """One generation of the stored index: its statistics, and its posts and passages in the
    statistics' order (each post's passages together, by ordinal)."""

    data: IndexData
    posts: list[Post]
    passages: PassageTable
    generation: int
    built_at: dt.datetime


class ConcurrentIndexChange(RuntimeError):
    """Someone else committed a new index between our read and our write."""


class DatabaseDamaged(sqlite3.DatabaseError):
    """The database file is not SQLite, or its pages are damaged: one line saying so, and how to
    rebuild. The file is never deleted here: the alert tables in it cannot be rebuilt."""

    def __init__(self, path: Path, error: sqlite3.DatabaseError) -> None:
        super().__init__(
            f"{path} is damaged or not an SQLite database ({error}). The index can be rebuilt:"
            f" move the file aside and run `briefbot index` (the file also holds the alert"
            f" subscriptions, which a rebuild cannot restore: keep it to recover them, e.g. with"
            f" `sqlite3 {path} .recover`)."
        )
        self.path = path


def _is_damage(exc: BaseException) -> bool:
    # "file is not a database", "database disk image is malformed": plain DatabaseErrors.
    # OperationalError (locked, I/O, a folder) and IntegrityError are not damage of the file.
    return type(exc) is sqlite3.DatabaseError


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _reports_damage(
    method: Callable[Concatenate[IndexStore, _P], Awaitable[_T]],
) -> Callable[Concatenate[IndexStore, _P], Awaitable[_T]]:
    """Raise ``DatabaseDamaged`` (naming the file) for SQLite's damage errors."""

    @functools.wraps(method)
    async def wrapper(self: IndexStore, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if _is_damage(exc):
                raise DatabaseDamaged(self.path, exc) from exc
            raise

    return wrapper


def _posts_of(rows: Iterable[Any]) -> dict[str, Post]:
    return {
        r[0]: Post.model_construct(
            id=r[0],
            title=r[1],
            date=dt.date.fromisoformat(r[2]),
            categories=tuple(json.loads(r[3])),
            tags=tuple(json.loads(r[4])),
            authors=tuple(json.loads(r[5])),
            excerpt=r[6],
            url=r[7],
            layout=r[8],
            redirect=bool(r[9]),
            fingerprint=r[10],
        )
        for r in rows
    }


def _passages_of(rows: Iterable[Any], order: list[str]) -> PassageTable:
    """The passage rows (by post, then ordinal) as one table, posts in ``order``."""
    by_post: dict[str, list[Any]] = {}
    for row in rows:
        by_post.setdefault(row[0], []).append(row)
    return PassageTable.of(
        (post_id, ordinal, tuple(json.loads(heading_path)), anchor, text)
        for pid in order
        for post_id, ordinal, heading_path, anchor, text in by_post.get(pid, ())
    )


async def _use_wal(db: aiosqlite.Connection, patience: float = 30.0) -> None:
    """Switch the file to write-ahead logging (once per file; later a no-op).

    The switch needs the file to itself, and SQLite answers "database is locked" at once rather
    than waiting as it does for other locks: two processes opening a new file together (two
    ``briefbot index`` runs, the bot and the CLI) must retry, for as long as a lock may last.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY")
            if not busy or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.02)


def _rows_of(
    upserts: list[tuple[Post, tuple[Passage, ...], FileState]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The ``posts`` and ``passages`` rows of new and changed posts."""
    posts = [
        (
            p.id,
            p.title,
            p.date.isoformat(),
            json.dumps(p.categories),
            json.dumps(p.tags),
            json.dumps(p.authors),
            p.excerpt,
            p.url,
            p.layout,
            int(p.redirect),
            p.fingerprint,
            st.size,
            st.mtime_ns,
        )
        for p, _, st in upserts
    ]
    passages = [
        (ps.post_id, ps.ordinal, json.dumps(ps.heading_path), ps.anchor, ps.text)
        for _, post_passages, _ in upserts
        for ps in post_passages
    ]
    return posts, passages


class IndexStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        # One connection, one transaction at a time: a watcher's reload and a /reindex's commit
        # may overlap, and SQLite has no nested transactions.
        self._transaction = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> IndexStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():  # say so plainly (aiosqlite's failed connect also leaks a thread)
            raise IsADirectoryError(f"database path is a folder: {path}")
        db = await aiosqlite.connect(path, timeout=30)
        try:
            await _use_wal(db)
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=30000")
            await migrate(db, "index", MIGRATIONS)
        except BaseException as exc:
            await db.close()  # aiosqlite's worker thread would otherwise keep the process alive
            if _is_damage(exc):
                raise DatabaseDamaged(path, exc) from exc  # type: ignore[arg-type]
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> IndexStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ reading

    @_reports_damage
    async def get_meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    @_reports_damage
    async def generation(self) -> int:
        async with self.db.execute("SELECT generation FROM index_snapshot WHERE id = 1") as cur:
            row = await cur.fetchone()
        return row[0] if row else 0

    async def content_dir(self) -> str | None:
        return await self.get_meta("content_dir")

    @_reports_damage
    async def file_states(self) -> dict[str, FileState]:
        async with self.db.execute("SELECT id, fingerprint, size, mtime_ns FROM posts") as cur:
            return {row[0]: FileState(*row[1:]) for row in await cur.fetchall()}

    @_reports_damage
    async def post_urls(self) -> dict[str, tuple[str, dt.date]]:
        """Each stored post's URL and date (to find posts that share a URL)."""
        async with self.db.execute("SELECT id, url, date FROM posts") as cur:
            rows = await cur.fetchall()
        return {pid: (url, dt.date.fromisoformat(day)) for pid, url, day in rows}

    @_reports_damage
    async def stored_issues(self) -> dict[str, list[StoredIssue]]:
        out: dict[str, list[StoredIssue]] = {}
        async with self.db.execute(
            "SELECT path, kind, reason, fingerprint, size, mtime_ns FROM load_issues"
        ) as cur:
            for path, kind, reason, fp, size, mtime in await cur.fetchall():
                out.setdefault(path, []).append(
                    StoredIssue(
                        LoadIssue(path=path, kind=kind, reason=reason), FileState(fp, size, mtime)
                    )
                )
        return out

    @_reports_damage
    async def load_data(self) -> tuple[IndexData, int, dt.datetime] | None:
        async with self.db.execute(
            "SELECT data, generation, built_at FROM index_snapshot WHERE id = 1"
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        try:
            data = await asyncio.to_thread(IndexData.from_bytes, row[0])  # (CPU: off the loop)
        except StaleIndexFormat as exc:
            # Written by an older version: as good as no index (the next refresh rebuilds it,
            # since the stored site key names the format too).
            log.info("Ignoring the stored index: %s", exc)
            return None
        return data, row[1], dt.datetime.fromisoformat(row[2])

    @_reports_damage
    async def load(self) -> StoredIndex | None:
        """The stored index, or None when nothing was indexed yet (or in another format)."""
        # One read transaction, so the snapshot, posts and passages are of the same generation.
        async with self._transaction:
            await self.db.execute("BEGIN")
            try:
                loaded = await self.load_data()
                if loaded is None:
                    return None
                data, generation, built_at = loaded
                posts = await self._posts()
                passages = await self._passages(data.post_ids)
            finally:
                await self.db.execute("COMMIT")
        return StoredIndex(
            data,
            [posts[pid] for pid in data.post_ids],
            passages,
            generation,
            built_at,
        )

    async def _posts(self) -> dict[str, Post]:
        async with self.db.execute(
            "SELECT id, title, date, categories, tags, authors, excerpt, url, layout, redirect,"
            " fingerprint FROM posts"
        ) as cur:
            rows = await cur.fetchall()
        return await asyncio.to_thread(_posts_of, rows)  # (a site's worth of objects: off the loop)

    async def _passages(self, order: list[str]) -> PassageTable:
        async with self.db.execute(
            "SELECT post_id, ordinal, heading_path, anchor, text FROM passages"
            " ORDER BY post_id, ordinal"
        ) as cur:
            rows = await cur.fetchall()
        return await asyncio.to_thread(_passages_of, rows, order)

    # ------------------------------------------------------------------ writing

    @_reports_damage
    async def commit_index(
        self,
        *,
        expected_generation: int,
        content_dir: str,
        site: str,
        data: IndexData,
        removed: list[str],
        upserts: list[tuple[Post, tuple[Passage, ...], FileState]],
        touched: list[tuple[str, FileState]],
        issues: list[tuple[LoadIssue, FileState]],
        cleared_issue_paths: list[str],
        built_at: dt.datetime,
    ) -> int:
        """Replace the index in one transaction; returns the new generation.

        Raises ConcurrentIndexChange when another writer committed since ``expected_generation``.
        """
        # (CPU work on a whole site's rows: off the event loop)
        blob = await asyncio.to_thread(data.to_bytes)
        post_rows, passage_rows = await asyncio.to_thread(_rows_of, upserts)
        async with self._transaction:  # (see __init__)
            db = self.db
            await db.execute("BEGIN IMMEDIATE")
            try:
                if await self.generation() != expected_generation:
                    raise ConcurrentIndexChange(
                        "the index was rebuilt by another process meanwhile"
                    )
                gone = removed + [post.id for post, _, _ in upserts]
                await db.executemany("DELETE FROM posts WHERE id = ?", [(pid,) for pid in gone])
                await db.executemany(
                    "INSERT INTO posts (id, title, date, categories, tags, authors, excerpt, url,"
                    " layout, redirect, fingerprint, size, mtime_ns)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    post_rows,
                )
                await db.executemany(
                    "INSERT INTO passages (post_id, ordinal, heading_path, anchor, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    passage_rows,
                )
                await db.executemany(
                    "UPDATE posts SET size = ?, mtime_ns = ? WHERE id = ?",
                    [(st.size, st.mtime_ns, pid) for pid, st in touched],
                )
                await db.executemany(
                    "DELETE FROM load_issues WHERE path = ?", [(p,) for p in cleared_issue_paths]
                )
                await db.executemany(
                    "INSERT OR REPLACE INTO load_issues (path, kind, reason, fingerprint, size,"
                    " mtime_ns) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (i.path, i.kind, i.reason, st.fingerprint, st.size, st.mtime_ns)
                        for i, st in issues
                    ],
                )
                generation = expected_generation + 1
                await db.execute(
                    "INSERT OR REPLACE INTO index_snapshot (id, generation, built_at, data)"
                    " VALUES (1, ?, ?, ?)",
                    (generation, built_at.isoformat(), blob),
                )
                await db.execute(
                    "INSERT OR REPLACE INTO meta (key, value)"
                    " VALUES ('content_dir', ?), ('site', ?)",
                    (content_dir, site),
                )
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            return generation
