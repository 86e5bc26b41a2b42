"""SQLite persistence of the index (via aiosqlite): posts, passages, load issues, term statistics.

One database file may be shared by the bot and the command line at the same time: WAL mode lets
readers go on while a writer commits, and every index change is one transaction that also bumps
the ``generation`` number, which is how a running bot notices an index rebuilt elsewhere.

The term statistics are rows per post (``stat_rows``) and a vocabulary that only grows at its
end: committing a one-post change writes that post's rows, its new terms and the generation.

Passage texts are stored apart, keyed by their digest (``passage_table.text_digest``): a load
reads the passages without them, and a served index reads the few it shows (``StoredTexts``). A
commit keeps the texts no passage uses any more for ``UNUSED_TEXT_SECONDS`` (an index of an
earlier generation, still served here or in another process, reads them meanwhile), then
purges them.

Why one module of ~630 lines: reading and committing are two halves of one contract over one
file (the generation check that refuses a commit based on a stale read, the damage reporting
wrapped around both, the row layouts they share, and the texts a commit keeps for the readers of
earlier generations); the pure conversions between rows and arrays already live apart, in
``stat_rows`` and ``passage_table``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from ..models import LoadIssue, Passage, Post, SiteConfig
from ..retrieval.passage_table import PassageTable, TextsGone, text_digest
from ..terms.english import WordTable, site_table
from ..terms.fields import FIELDS, INDEX_FORMAT, IndexData
from .migrations import migrate
from .stat_rows import PostStats, field_counts, index_data, post_stats, vocab_digests

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# The migration that moved the statistics from one blob to rows: indexes stored before it are
# rebuilt from their content folder (see the migration).
ROWS_MIGRATION = "002_post_statistics.sql"
VOCAB_CHUNK = 50_000  # terms per vocabulary row when the whole vocabulary is written
POSTS_PER_WRITE = 256  # posts whose rows are made and written at a time (bounds the memory)
# The migration that moved the passages' texts apart (keyed by digest): indexes stored before it
# are rebuilt from their content folder too.
TEXTS_MIGRATION = "004_passage_texts.sql"
# How long a text no passage uses any more stays stored: an index of an earlier generation,
# still served (by this process until a reindex swaps the new one in, by another until its
# watcher notices the new generation), reads its texts by digest meanwhile.
UNUSED_TEXT_SECONDS = 3600.0
TEXTS_PER_READ = 500  # digests per query (SQLite's limit on parameters is far above)


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
    # English's words the site has (``english.site_table``; None: none stored for this
    # generation, the list is read instead)
    site_english: Mapping[str, float] | None = None


class ConcurrentIndexChange(RuntimeError):
    """Someone else committed a new index between our read and our write."""


class ContentVanished(FileNotFoundError):
    """The content folder holds no post now, though its posts are indexed.

    A site unmounted, or a checkout half-way through a switch, leaves an empty folder; taking
    every post out of the index would leave a running bot declining every question until the
    folder comes back. So the index is kept as it is and this is said instead (an index of a
    site that really has no posts left is started afresh with a new database file).
    """

    def __init__(self, content: Path, posts_root: Path, indexed: int) -> None:
        where = "" if posts_root == content else f" (looked in {posts_root})"
        super().__init__(
            f"No posts found in {content}{where}: the folder is empty or its posts are gone "
            f"(a site not mounted, or a checkout being switched?). The {indexed} posts indexed "
            "are kept until it holds posts again."
        )


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


# What to check when SQLite cannot open or write the database, by its message.
_UNAVAILABLE_HINTS = {
    "unable to open database file": "does its folder exist, and may this user write in it?",
    "attempt to write a readonly database": "briefbot writes it (migrations, the index): "
    "give this user write permission on it and its folder",
    "database is locked": "another process (the bot, `briefbot index`) kept it busy for 30 s;"
    " try again",
}


class DatabaseUnavailable(sqlite3.OperationalError):
    """SQLite cannot open or write the file (no such folder, no permission, held by another
    process): one line naming the file and what to check."""

    def __init__(self, path: Path, error: sqlite3.Error) -> None:
        hint = _UNAVAILABLE_HINTS.get(str(error))
        super().__init__(f"cannot open {path}: {error}" + (f"; {hint}" if hint else ""))
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


def _passages_of(rows: Iterable[Any], order: list[str], source: StoredTexts) -> PassageTable:
    """The passage rows (by post, then ordinal) as one table, posts in ``order``."""
    by_post: dict[str, list[Any]] = {}
    for row in rows:
        by_post.setdefault(row[0], []).append(row)
    paths: dict[str, tuple[str, ...]] = {}  # (each distinct heading path decoded once)
    return PassageTable.of(
        (
            (
                post_id,
                ordinal,
                paths.get(path) or paths.setdefault(path, tuple(json.loads(path))),
                anchor,
                digest,
            )
            for pid in order
            for post_id, ordinal, path, anchor, digest in by_post.get(pid, ())
        ),
        source,
    )


def _read_data(db: sqlite3.Connection) -> tuple[IndexData, int, dt.datetime] | None:
    """The statistics' rows assembled (within the caller's read transaction)."""
    state = db.execute(
        "SELECT generation, built_at, vocab_size, format FROM index_state WHERE id = 1"
    ).fetchone()
    if state is None:
        return None
    if state[3] != INDEX_FORMAT:
        # Written by an older version: as good as no index (the next refresh rebuilds it,
        # since the stored site key names the format too).
        log.info("Ignoring the stored index: format %s, not %s", state[3], INDEX_FORMAT)
        return None
    posts: list[Any] = db.execute(
        "SELECT post_id, sentence_counts, states_amount, sentence_hashes FROM post_stats"
        " ORDER BY seq"
    ).fetchall()
    (n_posts,) = db.execute("SELECT COUNT(*) FROM posts").fetchone()
    if len(posts) != n_posts:
        # Posts stored by a version that kept the statistics as one blob: as good as no
        # index (the migration dropped the site key, so the next refresh reads every post).
        log.info("The stored index has no statistics for its posts: it will be rebuilt.")
        return None
    chunks = db.execute("SELECT size, terms FROM vocab ORDER BY first_id").fetchall()
    vocab = [t for size, terms in chunks if size for t in terms.split("\n")]
    del chunks
    if len(vocab) != state[2]:
        raise sqlite3.DatabaseError(f"vocabulary of {len(vocab)} terms, not {state[2]}")
    fields = {}
    for name in FIELDS:
        # Field by field: only one field's rows are held at a time beside the arrays.
        rows: list[Any] = db.execute(
            "SELECT t.lengths, t.term_ids, t.counts, t.count_bytes FROM post_stats s"
            " JOIN post_terms t ON t.post_id = s.post_id AND t.field = ? ORDER BY s.seq",
            (name,),
        ).fetchall()
        if len(rows) != len(posts):
            raise sqlite3.DatabaseError(f"{len(rows)} rows of {name!r} for {len(posts)} posts")
        fields[name] = field_counts(rows)
        del rows
    data = index_data(vocab, posts, fields)
    return data, state[0], dt.datetime.fromisoformat(state[1])


class StoredTexts:
    """Passage texts read by digest from the index's SQLite file (the ``TextSource`` of a loaded
    index, see ``passage_table``).

    Its own synchronous connection, opened at the first read: texts are read while a question is
    answered, in whatever thread answers it (the bot's worker threads, the command line's main
    thread), a few rows by primary key (microseconds), one read at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def texts(self, digests: Sequence[int]) -> Mapping[int, str]:
        found: dict[int, str] = {}
        with self._lock:
            if self._db is None:
                self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                self._db.execute("PRAGMA query_only=ON")
            for i in range(0, len(digests), TEXTS_PER_READ):
                chunk = digests[i : i + TEXTS_PER_READ]
                found.update(
                    self._db.execute(
                        "SELECT digest, text FROM passage_texts WHERE digest IN"
                        f" ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        if len(found) < len(set(digests)):
            raise TextsGone(
                f"{self.path}: passage texts of this index are no longer stored (the index was"
                " rebuilt since, long ago): load the stored index again"
            )
        return found

    def close(self) -> None:
        """Close the connection (a later read opens another)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


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
        (
            ps.post_id,
            ps.ordinal,
            json.dumps(ps.heading_path),
            ps.anchor,
            ps.text,
            text_digest(ps.text),
        )
        for _, post_passages, _ in upserts
        for ps in post_passages
    ]
    return posts, passages


class IndexStore:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.texts = StoredTexts(path)  # what loaded indexes read their passages' texts from
        # One connection, one transaction at a time: a watcher's reload and a /reindex's commit
        # may overlap, and SQLite has no nested transactions.
        self._transaction = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> IndexStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():  # say so plainly (aiosqlite's failed connect also leaks a thread)
            raise IsADirectoryError(f"database path is a folder: {path}")
        try:  # likewise a file SQLite cannot open: tried here first, where nothing leaks
            sqlite3.connect(path, timeout=30).close()
        except sqlite3.OperationalError as exc:
            raise DatabaseUnavailable(path, exc) from None
        db = await aiosqlite.connect(path, timeout=30)
        try:
            await _use_wal(db)
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=30000")
            applied = await migrate(db, "index", MIGRATIONS)
            if ROWS_MIGRATION in applied or TEXTS_MIGRATION in applied:
                async with db.execute("SELECT COUNT(*) FROM posts") as cur:
                    row = await cur.fetchone()
                if row and row[0]:
                    log.warning(
                        "%s: the index was stored in an older format; it is rebuilt from the"
                        " content folder at the next start or reindex.",
                        path,
                    )
        except BaseException as exc:
            await db.close()  # aiosqlite's worker thread would otherwise keep the process alive
            if _is_damage(exc):
                raise DatabaseDamaged(path, exc) from exc  # type: ignore[arg-type]
            if isinstance(exc, sqlite3.OperationalError):  # read-only, locked: name the file
                raise DatabaseUnavailable(path, exc) from exc
            raise
        return cls(db, path)

    async def close(self) -> None:
        self.texts.close()
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
        async with self.db.execute("SELECT generation FROM index_state WHERE id = 1") as cur:
            row = await cur.fetchone()
        return row[0] if row else 0

    async def content_dir(self) -> str | None:
        return await self.get_meta("content_dir")

    async def site(self) -> SiteConfig | None:
        """The site settings the stored index was built with (its posts' URLs follow them);
        None before the first index."""
        raw = await self.get_meta("site")
        try:
            return SiteConfig.model_validate(json.loads(raw)["site"]) if raw else None
        except (ValueError, KeyError, TypeError):
            return None

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
        """The stored statistics with their generation and build time (None: nothing stored)."""
        return await asyncio.to_thread(self._reading, _read_data)

    @_reports_damage
    async def load(self) -> StoredIndex | None:
        """The stored index, or None when nothing was indexed yet (or in another format)."""
        return await asyncio.to_thread(self._reading, self._read_index)

    def _reading(self, read: Callable[[sqlite3.Connection], _T]) -> _T:
        """``read`` in one read transaction (the rows of one generation) on a connection of its
        own, in the calling worker thread: a load's two dozen queries and the arrays made from
        them without a hand-over between threads for each (the shared connection's), and the
        pages it read let go with the connection."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA query_only=ON")
            db.execute("BEGIN")
            try:
                return read(db)
            finally:
                db.execute("COMMIT")
        finally:
            db.close()

    def _read_index(self, db: sqlite3.Connection) -> StoredIndex | None:
        loaded = _read_data(db)
        if loaded is None:
            return None
        data, generation, built_at = loaded
        posts = _posts_of(
            db.execute(
                "SELECT id, title, date, categories, tags, authors, excerpt, url, layout,"
                " redirect, fingerprint FROM posts"
            ).fetchall()
        )
        # The passages without their texts (read when shown, by digest: ``StoredTexts``).
        rows = db.execute(
            "SELECT post_id, ordinal, heading_path, anchor, digest FROM passages"
            " ORDER BY post_id, ordinal"
        ).fetchall()
        passages = _passages_of(rows, data.post_ids, self.texts)
        english = db.execute(
            "SELECT words FROM site_english WHERE id = 1 AND generation = ?", (generation,)
        ).fetchone()
        return StoredIndex(
            data,
            [posts[pid] for pid in data.post_ids],
            passages,
            generation,
            built_at,
            None if english is None else WordTable(english[0]),
        )

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
        post_rows, passage_rows = await asyncio.to_thread(_rows_of, upserts)
        # (reads English's word list: wordfreq, imported by the writer only)
        english = await asyncio.to_thread(
            lambda: WordTable.of(site_table(frozenset(data.vocab))).text
        )
        async with self._transaction:  # (see __init__)
            db = self.db
            await db.execute("BEGIN IMMEDIATE")
            try:
                if await self.generation() != expected_generation:
                    raise ConcurrentIndexChange(
                        "the index was rebuilt by another process meanwhile"
                    )
                gone = removed + [post.id for post, _, _ in upserts]
                # The texts the posts going used: those no passage uses after this commit are
                # marked unused (and purged later, see ``UNUSED_TEXT_SECONDS``).
                async with db.execute(
                    "SELECT DISTINCT digest FROM passages"
                    " WHERE post_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(gone),),
                ) as cur:
                    old_digests = [d for (d,) in await cur.fetchall()]
                await db.executemany("DELETE FROM posts WHERE id = ?", [(pid,) for pid in gone])
                await db.executemany(
                    "INSERT INTO posts (id, title, date, categories, tags, authors, excerpt, url,"
                    " layout, redirect, fingerprint, size, mtime_ns)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    post_rows,
                )
                await db.executemany(
                    "INSERT INTO passage_texts (digest, text) VALUES (?, ?)"
                    " ON CONFLICT (digest) DO UPDATE SET unused_since = NULL",
                    [(row[5], row[4]) for row in passage_rows],
                )
                await db.executemany(
                    "INSERT INTO passages (post_id, ordinal, heading_path, anchor, digest)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(*row[:4], row[5]) for row in passage_rows],
                )
                await self._retire_texts(old_digests, time.time())
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
                # (the statistics of removed and upserted posts went with their posts rows)
                await self._write_statistics(
                    data, [p.id for p, _, _ in upserts], generation, built_at
                )
                await db.execute(
                    "INSERT OR REPLACE INTO site_english (id, generation, words) VALUES (1, ?, ?)",
                    (generation, english),
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

    async def _retire_texts(self, digests: list[int], now: float) -> None:
        """Mark ``digests`` unused where no passage uses them any more, and purge the texts
        unused for ``UNUSED_TEXT_SECONDS``. Within ``commit_index``'s transaction."""
        await self.db.execute(
            "UPDATE passage_texts SET unused_since = ?"
            " WHERE digest IN (SELECT value FROM json_each(?)) AND unused_since IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM passages p WHERE p.digest = passage_texts.digest)",
            (now, json.dumps(digests)),
        )
        # (a text's embeddings go with it, and the record of the model failing on it: ``vectors``)
        await self.db.execute(
            "DELETE FROM passage_vectors WHERE digest IN"
            " (SELECT digest FROM passage_texts WHERE unused_since < ?)",
            (now - UNUSED_TEXT_SECONDS,),
        )
        await self.db.execute(
            "DELETE FROM passage_vector_skips WHERE digest IN"
            " (SELECT digest FROM passage_texts WHERE unused_since < ?)",
            (now - UNUSED_TEXT_SECONDS,),
        )
        await self.db.execute(
            "DELETE FROM passage_texts WHERE unused_since < ?", (now - UNUSED_TEXT_SECONDS,)
        )

    async def _write_statistics(
        self, data: IndexData, written: list[str], generation: int, built_at: dt.datetime
    ) -> None:
        """Store ``data``, whose posts are those stored and ``written`` (whose rows are not):
        only the rows of ``written`` are written, and the terms new since the stored vocabulary
        (posts in another order than stored renumber the small ``post_stats`` rows). Term ids
        renumbered (a compacted vocabulary), other posts, or a first index rewrite every row:
        rare. Within ``commit_index``'s transaction."""
        db = self.db
        async with db.execute(
            "SELECT vocab_size, vocab_digest FROM index_state WHERE id = 1"
        ) as cur:
            size, digest = await cur.fetchone() or (0, "")
        async with db.execute("SELECT post_id, seq FROM post_stats ORDER BY seq") as cur:
            stored = list(await cur.fetchall())
        order = [pid for pid, _ in stored]
        prefix, whole = await asyncio.to_thread(vocab_digests, data.vocab, size)
        new_ids = set(written)
        appendable = (
            size <= len(data.vocab)
            and prefix == digest
            and len(order) + len(new_ids) == len(data.post_ids)
            and set(order) | new_ids == set(data.post_ids)
        )
        if appendable:
            first_seq = stored[-1][1] + 1 if stored else 0
            new = [pid for pid in data.post_ids if pid in new_ids]
        else:
            await db.execute("DELETE FROM post_stats")
            await db.execute("DELETE FROM vocab")
            size, first_seq, new = 0, 0, data.post_ids
        for i in range(0, len(new), POSTS_PER_WRITE):
            rows = await asyncio.to_thread(post_stats, data, new[i : i + POSTS_PER_WRITE])
            await self._insert_stats(rows, first_seq + i, generation)
            del rows
        if appendable and data.post_ids != order + new:
            # (two steps: ``seq`` stays unique at every one)
            await db.execute("UPDATE post_stats SET seq = -1 - seq")
            await db.executemany(
                "UPDATE post_stats SET seq = ? WHERE post_id = ?",
                [(i, pid) for i, pid in enumerate(data.post_ids)],
            )
        terms = data.vocab[size:]
        await db.executemany(
            "INSERT INTO vocab (first_id, size, terms) VALUES (?, ?, ?)",
            [
                (size + i, len(chunk), "\n".join(chunk))
                for i in range(0, len(terms), VOCAB_CHUNK)
                for chunk in [terms[i : i + VOCAB_CHUNK]]
            ],
        )
        await db.execute(
            "INSERT OR REPLACE INTO index_state"
            " (id, generation, built_at, format, vocab_size, vocab_digest)"
            " VALUES (1, ?, ?, ?, ?, ?)",
            (generation, built_at.isoformat(), INDEX_FORMAT, len(data.vocab), whole),
        )

    async def _insert_stats(self, rows: list[PostStats], first_seq: int, generation: int) -> None:
        await self.db.executemany(
            "INSERT INTO post_stats"
            " (post_id, seq, generation, sentence_counts, states_amount, sentence_hashes)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    r.post_id,
                    first_seq + i,
                    generation,
                    r.sentence_counts,
                    r.states_amount,
                    r.sentence_hashes,
                )
                for i, r in enumerate(rows)
            ],
        )
        await self.db.executemany(
            "INSERT INTO post_terms (post_id, field, lengths, term_ids, counts, count_bytes)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (r.post_id, name, f.lengths, f.term_ids, f.counts, f.count_bytes)
                for r in rows
                for name, f in r.fields.items()
            ],
        )
