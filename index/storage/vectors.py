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
new model embeds everything again. ``VectorFiller`` runs the fill for the index a service
serves (the bot), superseded by each reindex and cancelled on shutdown.
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

    def missing(self, model: str, digests: Sequence[int]) -> list[int]:
        """Those of ``digests`` (each once, in their order) with no vector of ``model``."""
        wanted = list(dict.fromkeys(int(d) for d in digests))
        held: set[int] = set()
        with self._lock:
            db = self._conn()
            for i in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[i : i + READ_CHUNK]
                held.update(
                    row[0]
                    for row in db.execute(
                        "SELECT digest FROM passage_vectors WHERE model = ? AND digest IN"
                        f" ({','.join('?' * len(chunk))})",
                        (model, *chunk),
                    )
                )
        return [d for d in wanted if d not in held]

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

    def read(self, model: str, digests: Sequence[int]) -> np.ndarray | None:
        """The vectors of ``digests`` (rows in their order, float32); None if one is missing."""
        wanted = [int(d) for d in digests]
        found: dict[int, bytes] = {}
        unique = list(dict.fromkeys(wanted))
        with self._lock:
            db = self._conn()
            for i in range(0, len(unique), READ_CHUNK):
                chunk = unique[i : i + READ_CHUNK]
                found.update(
                    db.execute(
                        "SELECT digest, vector FROM passage_vectors WHERE model = ? AND digest IN"
                        f" ({','.join('?' * len(chunk))})",
                        (model, *chunk),
                    ).fetchall()
                )
        if len(found) < len(unique) or not wanted:  # (no passages: nothing to rank by)
            return None
        return np.vstack([np.frombuffer(found[d], "<f4") for d in wanted]).astype(np.float32)

    def drop_other_models(self, model: str) -> int:
        """Delete every vector not of ``model`` (a model replaced); how many went."""
        with self._lock:
            db = self._conn()
            with db:
                return db.execute("DELETE FROM passage_vectors WHERE model != ?", (model,)).rowcount

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def stored_digests(self) -> list[int]:
        """The text digests of the stored index's passages (each once): what ``briefbot
        index`` embeds, without loading the index to serve."""
        with self._lock:
            return [row[0] for row in self._conn().execute("SELECT DISTINCT digest FROM passages")]


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
    passage, not a batch), storing what was embedded before stopping; how many were stored."""
    texts = source.texts(digests)
    done: list[int] = []
    rows: list[np.ndarray] = []
    for d in digests:
        if stop.is_set():
            break
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
    todo = await asyncio.to_thread(vectors.missing, embedder.name, digests)
    total = len(todo)
    done = 0
    if progress is not None:
        progress(0, total)
    for first in range(0, total, batch):
        chunk = todo[first : first + batch]
        done += await _in_thread(partial(_embed_batch, embedder, vectors, source, chunk))
        if progress is not None:
            progress(done, total)
    return done


async def dense_of(index: SearchIndex, vectors: StoredVectors, embedder: Embedder) -> Dense | None:
    """``index``'s ``Dense`` from the stored vectors (not set on it: the caller swaps it in), or
    None while a passage has none."""
    matrix = await asyncio.to_thread(vectors.read, embedder.name, index_digests(index))
    return None if matrix is None else Dense(matrix, embedder.query, pool=0)


async def missing_count(index: SearchIndex, vectors: StoredVectors, name: str) -> int:
    """How many of ``index``'s passage texts have no vector of the model ``name``."""
    return len(await asyncio.to_thread(vectors.missing, name, index_digests(index)))


class LogProgress:
    """Progress for a log: the start, about every tenth, and the end with its time."""

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
                "Embedding %d passages for meaning-based ranking (in the background)", total
            )
        elif done == total:
            self.log.info(
                "Embedded %d passages in %.0f s: meaning-based ranking is on",
                total,
                time.monotonic() - self.start,
            )
        elif tenth > self._tenth:
            self.log.info("Embedded %d of %d passages (%d %%)", done, total, 100 * done // total)
        self._tenth = tenth


@dataclass(frozen=True, slots=True)
class FillStatus:
    """What a ``VectorFiller`` is doing, read-only (``/about``): of the followed index's
    ``total`` passages, ``done`` have their vector (0 and 0 until counted); ``running`` while a
    fill is under way; ``problem``: why no fill can complete (the model cannot be loaded, or the
    last fill failed), one line, else empty."""

    running: bool
    done: int = 0
    total: int = 0
    problem: str = ""


class _Count:
    """One fill's progress in passages (``fill`` counts distinct texts: a text several passages
    share is embedded once, and counts for each of them here), and why it cannot complete."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.problem = ""
        self._before = 0
        self._passages: list[int] = [0]

    def start(self, digests: Sequence[int], todo: Sequence[int]) -> None:
        per_text = Counter(digests)
        self.total = len(digests)
        self._passages = [0, *accumulate(per_text[d] for d in todo)]
        self._before = self.done = self.total - self._passages[-1]

    def __call__(self, done: int, total: int) -> None:
        # (``fill`` embeds ``todo`` in order: its first ``done`` texts are stored)
        self.done = self._before + self._passages[min(done, len(self._passages) - 1)]

    def this_fill(self) -> tuple[int, int]:
        """(passages this fill has embedded, passages it embeds): those stored before aside."""
        return self.done - self._before, self.total - self._before


class VectorFiller:
    """Keeps a served index's vectors filled in the background (the bot): ``follow`` each index
    swapped in (the fill of the one before is cancelled), ``close`` on shutdown.

    The model is loaded at the first fill (off the event loop); if it cannot be, one line is
    logged and answers stay without embeddings. When a fill completes, the index it filled gets
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
        return FillStatus(self.running, count.done, count.total, count.problem)

    def follow(self, index: SearchIndex) -> None:
        """Fill ``index``'s vectors from now on, instead of the index before's."""
        if self.unavailable:
            return
        if self._task is not None:
            self._task.cancel()
        self._count = count = _Count()  # (the index before's is not this one's)
        self._task = asyncio.get_running_loop().create_task(
            self._run(index, self._task, count), name="briefbot-passage-vectors"
        )

    async def wait(self) -> None:
        """Until the current fill ends (tests, ``briefbot index``)."""
        if self._task is not None:
            await asyncio.wait([self._task])

    async def close(self) -> None:
        """Cancel the fill under way and wait for its thread (at most one passage)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        await asyncio.to_thread(self.vectors.close)

    async def _run(
        self, index: SearchIndex, before: asyncio.Task[None] | None, count: _Count
    ) -> None:
        if before is not None:  # (its thread first: one fill embeds at a time)
            await asyncio.wait([before])
        try:
            if self.embedder is None:
                self.embedder = await asyncio.to_thread(self._load)
            if not self._dropped_others:
                await asyncio.to_thread(self.vectors.drop_other_models, self.embedder.name)
                self._dropped_others = True
            digests = index_digests(index)
            todo = await asyncio.to_thread(self.vectors.missing, self.embedder.name, digests)
            count.start(digests, todo)
            logged = LogProgress()

            def progress(done: int, total: int) -> None:
                count(done, total)
                # (in passages, as /about counts them, not the distinct texts embedded)
                logged(*count.this_fill())

            await fill(
                todo,
                index.passages.source,
                self.vectors,
                self.embedder,
                batch=self.batch,
                progress=progress,
            )
            dense = await dense_of(index, self.vectors, self.embedder)
            if dense is None:  # (a text retired meanwhile by a reindex, which follows it)
                return
        except EmbedderUnavailable as exc:
            self.unavailable = True
            count.problem = str(exc)
            log.warning("%s; answering without meaning-based ranking", exc)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # (a damaged file, a full disk: answers go on without them)
            count.problem = f"filling the passage vectors failed ({exc.__class__.__name__})"
            log.exception("Filling the passage vectors failed; answering without them")
            return
        index.dense = dense
        if not todo:  # (a restart, or a reindex that only removed: say so, as a fill does)
            log.info("Meaning-based ranking is on: every passage was embedded before")
