"""Passage embeddings: stored by text digest and model, filled in the background, served whole.

Embedding a passage costs ~0.2 s on two cores (the reference site's 5,400 passages: ~20 min),
so it never sits in the index build's path. The index is served first (BM25 and the learned
scorer); ``fill`` then embeds the passages whose texts have no vector for this model yet, a
batch at a time in a worker thread, storing each batch as it goes (an interruption loses at
most the batch under way; the next fill resumes from what is stored). Only when every passage
of the index has its vector does the index get its ``Dense`` (``SearchIndex.dense``: one
assignment, all or nothing): until then, answers are exactly those without embeddings.

Vectors are keyed by the text's digest (``passage_table.text_digest``) and the model's name and
version (``passage_vectors``, migration 005): a reindex embeds only the texts it changed, and a
new model embeds everything again. A row damaged in the file (another length, not a blob) is
deleted and its text embedded again. Another process filling the same file (``briefbot index``
beside the bot) is no conflict: SQLite serialises the writes, and each skips a text the other
has stored meanwhile. ``VectorFiller`` runs the fill for the index a service serves (the bot),
superseded by each reindex, tried again after a failure, and cancelled on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from pathlib import Path

import numpy as np

from ..retrieval.dense import Dense
from ..retrieval.embedder import Embedder, EmbedderUnavailable
from ..retrieval.passage_table import TextSource
from ..search import SearchIndex

log = logging.getLogger(__name__)

BATCH = 16  # passages embedded, then stored, per worker-thread call (~3-4 s on two cores)
READ_CHUNK = 500  # digests per SELECT (SQLite's parameter limit is 999 on old builds)
# A stored row that can be used: the model's, a blob of its ``dim`` float32s (parameters: the
# model's name, then 4 * dim). A row damaged in the file is as good as missing: embedded again.
_SOUND_VECTOR = "typeof(vector) = 'blob' AND length(vector) = ?"
_SOUND = f"model = ? AND {_SOUND_VECTOR}"

# After a fill fails (a full disk, a read-only file, the model raising), it is tried again after
# this long, doubling each time up to the maximum: answers go on by words meanwhile, and a
# passing failure needs no restart.
RETRY_FIRST_SECONDS = 30.0
RETRY_MAX_SECONDS = 1800.0

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)


class StoredVectors:
    """The ``passage_vectors`` table of an index's SQLite file, through its own synchronous
    connection (opened at first use): used from worker threads, one call at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout=30000")
        return self._db

    def missing(self, model: str, dim: int, digests: Sequence[int]) -> list[int]:
        """Those of ``digests`` (each once, in their order) with no sound vector of ``model``
        (``dim`` float32s: a row of another size or type is damaged, and embedded again)."""
        wanted = list(dict.fromkeys(int(d) for d in digests))
        held: set[int] = set()
        with self._lock:
            db = self._conn()
            for i in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[i : i + READ_CHUNK]
                held.update(
                    row[0]
                    for row in db.execute(
                        f"SELECT digest FROM passage_vectors WHERE {_SOUND} AND digest IN"
                        f" ({','.join('?' * len(chunk))})",
                        (model, 4 * dim, *chunk),
                    )
                )
        return [d for d in wanted if d not in held]

    def drop_damaged(self, model: str, dim: int) -> int:
        """Delete the stored vectors of ``model`` that are not ``dim`` float32s (a damaged
        file: their passages are embedded again); how many went. Nothing is written when none
        is (a database opened read-only still answers)."""
        damaged = f"model = ? AND NOT ({_SOUND_VECTOR})"
        with self._lock:
            db = self._conn()
            query = f"SELECT 1 FROM passage_vectors WHERE {damaged} LIMIT 1"
            if db.execute(query, (model, 4 * dim)).fetchone() is None:
                return 0
            with db:
                return db.execute(
                    f"DELETE FROM passage_vectors WHERE {damaged}", (model, 4 * dim)
                ).rowcount

    def put(self, model: str, digests: Sequence[int], vectors: np.ndarray) -> None:
        """Store ``vectors`` (one row per digest) under ``model``, committed at once."""
        rows = [
            (int(d), model, np.asarray(v, "<f4").tobytes())
            for d, v in zip(digests, vectors, strict=True)
        ]
        with self._lock:
            db = self._conn()
            with db:  # (one transaction: the batch is stored whole or not at all)
                db.executemany(
                    "INSERT OR REPLACE INTO passage_vectors (digest, model, vector)"
                    " VALUES (?, ?, ?)",
                    rows,
                )

    def read(self, model: str, dim: int, digests: Sequence[int]) -> np.ndarray | None:
        """The vectors of ``digests`` (rows in their order, float32); None if one is missing
        or damaged."""
        wanted = [int(d) for d in digests]
        found: dict[int, bytes] = {}
        unique = list(dict.fromkeys(wanted))
        with self._lock:
            db = self._conn()
            for i in range(0, len(unique), READ_CHUNK):
                chunk = unique[i : i + READ_CHUNK]
                found.update(
                    db.execute(
                        f"SELECT digest, vector FROM passage_vectors WHERE {_SOUND} AND digest IN"
                        f" ({','.join('?' * len(chunk))})",
                        (model, 4 * dim, *chunk),
                    ).fetchall()
                )
        if len(found) < len(unique) or not wanted:  # (no passages: nothing to rank by)
            return None
        return np.vstack([np.frombuffer(found[d], "<f4") for d in wanted]).astype(np.float32)

    def drop_other_models(self, model: str) -> int:
        """Delete every vector not of ``model`` (a model replaced); how many went. Nothing is
        written when there are none (a database opened read-only still answers)."""
        with self._lock:
            db = self._conn()
            query = "SELECT 1 FROM passage_vectors WHERE model != ? LIMIT 1"
            if db.execute(query, (model,)).fetchone() is None:
                return 0
            with db:
                return db.execute("DELETE FROM passage_vectors WHERE model != ?", (model,)).rowcount

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def stored_digests(self) -> list[int]:
        """The text digests of the stored index's passages (each once): what ``briefbot
        index`` embeds, without loading the index to serve. In digest order (the index on
        ``digest`` walked), unrelated to the index order the bot's fill walks: run beside it,
        the two seldom reach a text at once, and each skips what the other has stored."""
        with self._lock:
            return [
                row[0]
                for row in self._conn().execute(
                    "SELECT DISTINCT digest FROM passages ORDER BY digest"
                )
            ]


def index_digests(index: SearchIndex) -> list[int]:
    """Every passage's text digest, in index order."""
    return index.passages.digests().tolist()


def _embed_batch(
    embedder: Embedder,
    vectors: StoredVectors,
    source: TextSource,
    digests: list[int],
    stop: threading.Event,
) -> int:
    """Embed and store ``digests``' texts, one passage at a time (so that a stop waits for one
    passage, not a batch), storing what was embedded before stopping; how many were stored.
    A text whose vector was stored meanwhile is skipped: ``briefbot index`` run beside the bot
    fills the same file, and each would otherwise embed every text the other does."""
    texts = source.texts(digests)
    done: list[int] = []
    rows: list[np.ndarray] = []
    for d in digests:
        if stop.is_set():
            break
        if not vectors.missing(embedder.name, embedder.dim, [d]):
            continue
        rows.append(embedder.passages([texts[d]])[0])
        done.append(d)
    if done:
        vectors.put(embedder.name, done, np.vstack(rows))
    return len(done)


async def _in_thread(work: Callable[[threading.Event], int]) -> int:
    """``work`` in a worker thread; cancelled, it is told to stop (``stop``) and awaited, so no
    thread outlives the cancellation by more than one passage's embedding."""
    stop = threading.Event()
    task = asyncio.ensure_future(asyncio.to_thread(work, stop))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait([task])
        raise


async def fill(
    digests: Sequence[int],
    source: TextSource,
    vectors: StoredVectors,
    embedder: Embedder,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Embed the texts of ``digests`` (read from ``source``) that have no stored vector, a
    batch per worker-thread call, each stored as made; how many were embedded. Cancellation
    stops after the passage under way; what was stored stays."""
    damaged = await asyncio.to_thread(vectors.drop_damaged, embedder.name, embedder.dim)
    if damaged:
        log.warning(
            "%d stored passage vectors were damaged and are deleted; their passages are"
            " embedded again",
            damaged,
        )
    todo = await asyncio.to_thread(vectors.missing, embedder.name, embedder.dim, digests)
    total = len(todo)
    embedded = 0
    if progress is not None:
        progress(0, total)
    for first in range(0, total, batch):
        chunk = todo[first : first + batch]
        embedded += await _in_thread(partial(_embed_batch, embedder, vectors, source, chunk))
        if progress is not None:  # (the first texts of ``todo`` are stored, by this fill or not)
            progress(min(first + batch, total), total)
    return embedded


async def dense_of(index: SearchIndex, vectors: StoredVectors, embedder: Embedder) -> Dense | None:
    """``index``'s ``Dense`` from the stored vectors (not set on it: the caller swaps it in), or
    None while a passage has none."""
    matrix = await asyncio.to_thread(
        vectors.read, embedder.name, embedder.dim, index_digests(index)
    )
    return None if matrix is None else Dense(matrix, embedder.query, pool=0)


async def missing_count(index: SearchIndex, vectors: StoredVectors, embedder: Embedder) -> int:
    """How many of ``index``'s passage texts have no sound vector of ``embedder``."""
    return len(
        await asyncio.to_thread(vectors.missing, embedder.name, embedder.dim, index_digests(index))
    )


def passages(n: int) -> str:
    return f"{n:,} passage" if n == 1 else f"{n:,} passages"


class LogProgress:
    """Progress for a log: the start and about every tenth (the end is the filler's to say,
    once the index has its vectors: only then is meaning-based ranking on)."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self.log = logger
        self.start = time.monotonic()
        self._tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        tenth = 10 * done // total
        if done == 0:
            self.log.info(
                "Embedding %s for meaning-based ranking (in the background)", passages(total)
            )
        elif done < total and tenth > self._tenth:
            self.log.info("Embedded %d of %s (%d %%)", done, passages(total), 100 * done // total)
        self._tenth = tenth


@dataclass(frozen=True, slots=True)
class FillStatus:
    """What a ``VectorFiller`` is doing, read-only (``/about``): of the followed index's
    ``total`` passages, ``done`` have their vector (0 and 0 until counted); ``running`` while a
    fill is under way; ``problem``: why no fill can complete (the model cannot be loaded), or
    why the last one failed, one line, else empty; ``retry_at``: when that failed fill is tried
    again (Unix time), None when none is pending."""

    running: bool
    done: int = 0
    total: int = 0
    problem: str = ""
    retry_at: float | None = None


class _Count:
    """One fill's progress in passages (``fill`` counts distinct texts: a text several passages
    share is embedded once, and counts for each of them here), and why it cannot complete."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.problem = ""
        self.retry_at: float | None = None  # (Unix time: /about shows it as Discord's timestamp)
        self._before = 0
        self._passages: list[int] = [0]
        self._per_text: Counter[int] = Counter()
        self.started = time.monotonic()

    def start(self, digests: Sequence[int], todo: Sequence[int]) -> None:
        self.started = time.monotonic()
        self._per_text = per_text = Counter(digests)
        self.total = len(digests)
        self._passages = [0, *accumulate(per_text[d] for d in todo)]
        self._before = self.done = self.total - self._passages[-1]

    def __call__(self, done: int, total: int) -> None:
        # (``fill`` embeds ``todo`` in order: its first ``done`` texts are stored)
        self.done = self._before + self._passages[min(done, len(self._passages) - 1)]

    def passages_without(self, vectors: StoredVectors, embedder: Embedder) -> int:
        """How many of the index's passages have no stored vector now (read from the file:
        ``done`` leaves out a batch stopped midway, whose finished passages were stored)."""
        left = vectors.missing(embedder.name, embedder.dim, list(self._per_text))
        return sum(self._per_text[d] for d in left)

    def this_fill(self) -> tuple[int, int]:
        """(passages this fill has embedded, passages it embeds): those stored before aside."""
        return self.done - self._before, self.total - self._before


class VectorFiller:
    """Keeps a served index's vectors filled in the background (the bot): ``follow`` each index
    swapped in (the fill of the one before is cancelled), ``close`` on shutdown.

    The model is loaded at the first fill (off the event loop); if it cannot be, one line is
    logged and answers stay without embeddings. A fill that fails otherwise (the database
    refusing a write: a full disk, a read-only file; the model raising) logs one line, says why
    in ``status`` and is tried again after ``RETRY_FIRST_SECONDS``, doubling up to
    ``RETRY_MAX_SECONDS``, from what is stored: answers go on by words meanwhile, and a passing
    failure needs no restart. When a fill completes, the index it filled gets
    its ``Dense``: the index served at that moment, or one a reindex has since replaced (then
    harmless: no one searches it any longer)."""

    def __init__(
        self,
        vectors: StoredVectors,
        load: Callable[[], Embedder],
        *,
        batch: int = BATCH,
    ) -> None:
        self.vectors = vectors
        self._load = load
        self.batch = batch
        self.embedder: Embedder | None = None
        self.unavailable = False  # the model failed to load: no fill will run
        self._task: asyncio.Task[None] | None = None
        self._before: list[asyncio.Task[None]] = []  # (cancelled fills, maybe not ended yet)
        self._dropped_others = False
        self._count = _Count()  # (the followed index's)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def status(self) -> FillStatus:
        """The followed index's passages with a vector so far, whether a fill runs, and why
        none can complete if so (a snapshot; the filler's own state is not exposed)."""
        count = self._count
        return FillStatus(self.running, count.done, count.total, count.problem, count.retry_at)

    def follow(self, index: SearchIndex) -> None:
        """Fill ``index``'s vectors from now on, instead of the index before's."""
        if self.unavailable:
            return
        # Every fill before, cancelled: the new one starts once their threads have stopped (one
        # fill embeds at a time), those of fills cancelled while they waited too (two
        # reindexes in a row).
        before = [task for task in self._before if not task.done()]
        if self._task is not None and not self._task.done():
            self._task.cancel()
            before.append(self._task)
        self._before = before
        self._count = count = _Count()  # (the index before's is not this one's)
        self._task = asyncio.get_running_loop().create_task(
            self._run(index, before, count), name="briefbot-passage-vectors"
        )

    async def wait(self) -> None:
        """Until the current fill ends (tests, ``briefbot index``)."""
        if self._task is not None:
            await asyncio.wait([self._task])

    async def close(self) -> None:
        """Cancel the fill under way and wait for its thread (at most one passage)."""
        task, self._task = self._task, None
        stopped = task is not None and not task.done()
        # (only the current one: those before were cancelled once already, and a second
        # cancellation would cut short their wait for their threads)
        if task is not None:
            task.cancel()
        tasks = [t for t in (*self._before, task) if t is not None]
        if tasks:
            await asyncio.wait(tasks)
        count, embedder = self._count, self.embedder
        if stopped and count.total and embedder is not None:
            try:  # (an operator stopping the bot mid-fill is told what was kept)
                left = await asyncio.to_thread(count.passages_without, self.vectors, embedder)
            except sqlite3.Error:
                left = count.total - count.done
            if left:
                log.info(
                    "Embedding stopped: %d of %d passages embedded and kept; the next start"
                    " goes on from there",
                    count.total - left,
                    count.total,
                )
        await asyncio.to_thread(self.vectors.close)

    async def _run(
        self, index: SearchIndex, before: list[asyncio.Task[None]], count: _Count
    ) -> None:
        if before:  # (their threads first: one fill embeds at a time)
            await asyncio.wait(before)
        try:
            if self.embedder is None:
                self.embedder = await asyncio.to_thread(self._load)
        except EmbedderUnavailable as exc:
            self.unavailable = True
            count.problem = str(exc)
            log.warning("%s; answering without meaning-based ranking", exc)
            return
        embedder = self.embedder
        wait = RETRY_FIRST_SECONDS
        while True:
            try:
                dense, embedded_before = await self._fill(index, count, embedder)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a full disk, a read-only file, the engine: passing
                reason = failure_reason(exc)
                # (said to moderators as it is: answers go on by words, and it is retried)
                count.problem = reason
                count.retry_at = time.time() + wait
                log.warning(
                    "Filling the passage vectors failed: %s; answering without meaning-based"
                    " ranking meanwhile, trying again in %.0f s",
                    reason,
                    wait,
                )
                log.debug("the failure", exc_info=exc)
                # (a connection opened read-only stays so: the next try opens the file afresh)
                await asyncio.to_thread(self.vectors.close)
                await asyncio.sleep(wait)
                wait = min(2 * wait, RETRY_MAX_SECONDS)
        count.problem, count.retry_at = "", None
        if dense is None:
            return
        index.dense = dense
        if embedded_before:  # (a restart, or a reindex that only removed: say so, as a fill does)
            log.info("Meaning-based ranking is on: every passage was embedded before")
        else:
            log.info(
                "Embedded %s in %.0f s: meaning-based ranking is on",
                passages(count.this_fill()[1]),
                time.monotonic() - count.started,
            )

    async def _fill(
        self, index: SearchIndex, count: _Count, embedder: Embedder
    ) -> tuple[Dense | None, bool]:
        """Fill ``index``'s vectors until each passage has one; its ``Dense`` (None: it has no
        passages), and whether every vector was there already."""
        if not self._dropped_others:
            dropped = await asyncio.to_thread(self.vectors.drop_other_models, embedder.name)
            self._dropped_others = True
            if dropped:  # (else a whole site's embedding again, unexplained)
                log.info(another_model(dropped, embedder))
        digests = index_digests(index)
        if not digests:  # (an index of no passages: nothing to rank by meaning)
            return None, False
        first = True
        while True:
            todo = await asyncio.to_thread(
                self.vectors.missing, embedder.name, embedder.dim, digests
            )
            count.start(digests, todo)
            await fill(
                todo,
                index.passages.source,
                self.vectors,
                embedder,
                batch=self.batch,
                progress=partial(_progress, count, LogProgress()),
            )
            dense = await dense_of(index, self.vectors, embedder)
            if dense is not None:
                return dense, first and not todo
            if not todo:  # (stored, yet not read back: not a state to loop in)
                raise RuntimeError("the stored passage vectors could not be read back")
            # (a vector gone since it was counted: another process dropped or damaged it)
            first = False


def _progress(count: _Count, logged: LogProgress, done: int, total: int) -> None:
    count(done, total)
    if done:  # (a batch stored: whatever failed before has passed)
        count.problem, count.retry_at = "", None
    # (in passages, as /about counts them, not the distinct texts embedded)
    logged(*count.this_fill())


def another_model(dropped: int, embedder: Embedder) -> str:
    """The line saying why every passage is embedded again (the model was replaced)."""
    return (
        f"Deleted {dropped:,} stored vector{'' if dropped == 1 else 's'} made by another"
        f" embedding model or version; every passage is embedded again with {embedder.name}"
    )


def failure_reason(exc: BaseException) -> str:
    """One line saying what failed, for the log and /about: SQLite's own words (a full disk,
    a read-only file, a lock held too long), or the exception's."""
    text = " ".join(str(exc).split())
    if isinstance(exc, sqlite3.Error):
        return f"the database refused the passage vectors: {text or exc.__class__.__name__}"
    what = exc.__class__.__name__ + (f": {text}" if text else "")
    return f"embedding the passages failed ({what[:200]})"
