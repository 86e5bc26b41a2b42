"""Term-major postings of one field: for each term, the documents holding it and how often.

These are raw statistics, not weights: BM25's weights depend on every document (IDF, the
average length), so a table of weights would change whole with any post; a question computes
its few terms' weights from these (``bm25.okapi``) instead. What one post changes is then that
post's postings, and a reindex follows it without touching the others:

- ``base``   the postings of every document as they were when the field was last built whole,
             numbered as then;
- ``base_pos`` per base document, its number now, or -1 when it is gone (its post changed or
             was removed): masked, never returned;
- ``tail``   the postings of the documents added since (changed posts come back here), built
             from those documents alone.

The index keeps an order that makes this work: the documents that survive from the base come
first, in base order, and everything added since after them (``IndexData.updated`` keeps posts
in order and appends new ones). When the tail and the masked documents pass ``MERGE_SHARE`` of
the field, the next reindex builds it whole again.

Each segment's term-major table is made when a question first needs it after ``SCANNED``
questions; until then a question's few terms are found by one pass over the document-major
postings (``_scanned``: the same postings, in the same order). So a process that answers one
question (``briefbot ask``) builds no table and never imports scipy (11 MB and 0.1 s of its
start-up), while the bot builds them all before it serves an index (``SearchIndex.warm``, off
its event loop), so no one's question pays for them. Questions run in threads: a table is built
once, under a lock, and a question that began before it was finished still reads the postings.

Pure array code through numpy and scipy's public sparse arrays (a CSR → CSC conversion is a
counting sort of the postings by term, in C: numpy's stable argsort, the alternative without
scipy, took 5–10 times as long at 10x, so scipy stays, imported where a table is built).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

# Tail plus masked documents beyond MERGE_SHARE of a field's documents: build it whole again
# (the share past which the field's term statistics are made whole too, so both go together).
from ..terms.term_counts import MERGE_SHARE, FieldCounts, TermCounts

Segment = tuple[np.ndarray, np.ndarray, np.ndarray]  # documents, counts, postings per id
# Questions a field's postings answer by a pass over its document-major postings before its
# term-major table is built (see ``TermPostings``): the first, so that a one-question process
# builds none, while a server builds them at its second question.
SCANNED = 1


def _narrow_ids(values: np.ndarray, top: int) -> np.ndarray:
    """Document numbers below ``top`` in the narrowest unsigned type (at 10x every passage
    field fits two bytes a posting)."""
    return values.astype(np.min_scalar_type(max(top - 1, 0)), copy=False)


class TermPostings:
    """Per term (CSC by term): the documents holding it, ascending, and its count in each.

    Made from the documents' postings (``FieldCounts``, document-major) when a question first
    needs them more than ``SCANNED`` times: until then a question's few terms are found by one
    pass over the document-major postings (a process that answers one question, ``briefbot
    ask``, never builds the term-major table nor imports scipy for it)."""

    __slots__ = ("_asked", "_building", "_n_terms", "_stats", "_table")

    def __init__(self, stats: FieldCounts, n_terms: int) -> None:
        flat = stats.flat()
        if len(flat.term_ids) >= 2**31:
            raise ValueError("a field's postings must fit 32 bits")
        self._stats: TermCounts | None = flat  # (dropped once the table is built)
        self._n_terms = n_terms
        self._table: _Table | None = None
        self._asked = 0
        self._building = threading.Lock()

    @classmethod
    def of(cls, stats: FieldCounts, n_terms: int) -> TermPostings:
        """The postings of ``stats``'s documents, numbered from 0, for terms below ``n_terms``."""
        return cls(stats, n_terms)

    @property
    def n_terms(self) -> int:
        return self._n_terms

    def table(self) -> _Table:
        """The term-major table, built on first use (once: questions run in threads)."""
        table = self._table
        if table is None:
            with self._building:  # (a second builder would hold a second table while it runs)
                table = self._table
                if table is None:
                    assert self._stats is not None
                    table = self._table = _Table.of(self._stats, self._n_terms)
                    self._stats = None
        return table

    def _held(self) -> tuple[TermCounts | None, _Table | None]:
        """The postings and the table, read in that order: a build sets the table, then drops
        the postings, so a reader that finds no table still holds the postings (questions and
        a build run in threads at once)."""
        stats = self._stats
        return stats, self._table

    def gather(self, ids: list[int]) -> Segment:
        """The postings of ``ids`` back to back: (documents, counts, how many each id has).
        Ids past this table's terms have none."""
        stats, table = self._held()
        if table is None and stats is not None and self._asked < SCANNED:
            self._asked += 1  # (a lost count between threads: one more scan, no harm)
            return _scanned(stats, self._n_terms, ids)
        return self.table().gather(ids)

    def doc_freqs(self) -> np.ndarray:
        """Per term, the documents holding it (from the table when it is built, else counted)."""
        stats, table = self._held()
        if table is not None:
            return np.diff(table.term_ptr)
        assert stats is not None
        return id_counts(stats.term_ids, self._n_terms)

    def first_docs(self, n_terms: int) -> tuple[np.ndarray, np.ndarray]:
        """The terms below ``n_terms`` that have postings, and each one's first document."""
        stats, table = self._held()
        if table is not None:
            ptr = table.term_ptr[: n_terms + 1]
            held = np.flatnonzero(ptr[1:] > ptr[:-1])
            return held, table.docs[ptr[held]].astype(np.int64)
        # No table yet (a loaded index before its second question): the least document of
        # each term's postings, from the document-major ones, without building the table.
        assert stats is not None
        # (each posting's document in the narrowest type, and no masked copies when every term
        # is below ``n_terms``: the body's were 6 MB of a one-shot ``briefbot ask``'s peak)
        doc_type = np.min_scalar_type(max(stats.n_docs - 1, 0))
        doc_of = np.repeat(np.arange(stats.n_docs, dtype=doc_type), np.diff(stats.doc_ptr))
        first = np.full(n_terms, stats.n_docs, dtype=np.int64)
        term_ids = stats.term_ids
        if len(term_ids) and int(term_ids.max()) >= n_terms:
            in_range = term_ids < n_terms
            term_ids, doc_of = term_ids[in_range], doc_of[in_range]
        np.minimum.at(first, term_ids, doc_of)
        held = np.flatnonzero(first < stats.n_docs)
        return held, first[held]

    @property
    def built(self) -> bool:
        """Whether the term-major table is made."""
        return self._table is not None

    def nbytes(self) -> int:
        """The term-major table's size (0 until it is built)."""
        return self._table.nbytes() if self._table is not None else 0


def _scanned(stats: TermCounts, n_terms: int, ids: list[int]) -> Segment:
    """``TermPostings.gather`` by one pass over document-major postings: the postings of ``ids``
    (each id's in document order, as the term-major table holds them)."""
    # One flag per term, looked up per posting: a pass that copies no posting (np.isin makes
    # several temporaries the size of the postings).
    wanted = np.zeros(n_terms, dtype=bool)
    wanted[[i for i in ids if 0 <= i < n_terms]] = True
    where = np.flatnonzero(wanted[stats.term_ids])
    del wanted
    terms = stats.term_ids[where]
    by_term = np.argsort(terms, kind="stable")  # (a question's postings: few)
    where, terms = where[by_term], terms[by_term]
    query = np.array(ids, dtype=np.int64)
    starts = np.searchsorted(terms, query, "left")
    stops = np.searchsorted(terms, query, "right")
    if len(ids):
        stops[query >= n_terms] = starts[query >= n_terms]  # (past the table: none)
    picked = np.concatenate([where[a:b] for a, b in zip(starts, stops, strict=True)] or [where])
    docs = np.searchsorted(stats.doc_ptr, picked, "right") - 1  # each posting's document
    return docs, stats.counts[picked], (stops - starts).astype(np.int64)


ID_SLICE = 1 << 16  # ids ``id_counts`` counts at a time (a field of more: a range at a time)
PAIR_SLICE = 1 << 17  # postings ``id_counts`` reads at a time (``bincount`` copies them as int64)


def id_counts(ids: np.ndarray, n: int) -> np.ndarray:
    """How many times each id occurs in ``ids`` (at least ``n`` of them: ``np.bincount`` with
    ``minlength=n``), as int32, in little more memory than that: ``bincount`` of a whole
    field's ids copies them as int64 (the sentences' 477 thousand: 3.8 MB) and, for the hashed
    phrase field's 2^20 buckets, returns 8 MB of int64 to copy as int32 — 12.6 MB at the peak
    of a one-shot ``briefbot ask``'s load. A slice of postings at a time, and for many ids a
    range of ids at a time."""
    size = max(n, int(ids.max()) + 1 if len(ids) else 0)
    out = np.zeros(size, np.int32)
    if size <= ID_SLICE:
        for at in range(0, len(ids), PAIR_SLICE):
            counts = np.bincount(ids[at : at + PAIR_SLICE], minlength=size)
            np.add(out, counts, out=out, casting="unsafe")  # (each count fits: ≤ len(ids))
        return out
    for lo in range(0, size, ID_SLICE):
        hi = min(lo + ID_SLICE, size)
        inside = ids >= lo
        inside &= ids < hi
        part = ids[inside]
        del inside
        part -= lo
        out[lo:hi] = np.bincount(part, minlength=hi - lo)
    return out


@dataclass(frozen=True, slots=True)
class _Table:
    """A field's term-major postings (see ``TermPostings``)."""

    term_ptr: np.ndarray  # n_terms + 1
    docs: np.ndarray  # per posting (narrow unsigned)
    tf: np.ndarray  # per posting, the term's count in the document (as stored: narrow)
    _starts: memoryview  # term_ptr as Python ints: a question reads a few dozen

    @classmethod
    def of(cls, stats: TermCounts, n_terms: int) -> _Table:
        # scipy's CSR → CSC conversion (a counting sort by term, in C): 5-10 times faster than
        # numpy's stable argsort at 10x (bench, round 8). Imported here: a process that never
        # builds a table never imports scipy (0.1 s and 11 MB of ``briefbot ask``).
        from scipy.sparse import csr_array

        n_docs = stats.n_docs
        # 32-bit pointers (scipy keeps the indices' type when both fit): no 64-bit copies.
        table = csr_array(
            (stats.counts, stats.term_ids, stats.doc_ptr.astype(np.int32)),
            shape=(n_docs, n_terms),
        ).tocsc()
        ptr = table.indptr
        return cls(ptr, _narrow_ids(table.indices, n_docs), table.data, memoryview(ptr))

    def gather(self, ids: list[int]) -> Segment:
        # (A question's few dozen spans as slices: one copy of each posting, no index arrays.)
        starts = self._starts
        n = len(starts) - 1
        spans = [(starts[i], starts[i + 1]) if i < n else (0, 0) for i in ids]
        docs = np.concatenate([self.docs[a:b] for a, b in spans])
        tf = np.concatenate([self.tf[a:b] for a, b in spans])
        return docs, tf, np.array([b - a for a, b in spans], dtype=np.int64)

    def nbytes(self) -> int:
        return self.term_ptr.nbytes + self.docs.nbytes + self.tf.nbytes


def tail_of(stats: FieldCounts, start: int) -> TermCounts:
    """Documents ``start:`` of ``stats`` (views, pointers rebased, when they are in one array)."""
    return stats.span(start, stats.n_docs)


@dataclass(frozen=True, slots=True)
class FieldPostings:
    """One field's postings as a base and a tail (see the module's docstring)."""

    base: TermPostings
    base_pos: np.ndarray | None  # per base document, its number now or -1; None: unchanged
    n_base: int  # documents in the base
    n_alive: int  # of them still there: numbered 0..n_alive-1 now, in base order
    tail: TermPostings | None  # documents n_alive.. now
    n_docs: int

    @classmethod
    def of(cls, stats: FieldCounts, n_terms: int) -> FieldPostings:
        """Every document in the base."""
        n = stats.n_docs
        return cls(TermPostings.of(stats, n_terms), None, n, n, None, n)

    def followed(self, stats: FieldCounts, kept: np.ndarray, n_terms: int) -> FieldPostings:
        """These postings after a reindex: ``stats`` is the field now, ``kept`` (per document
        before) whether each document is still there; the kept ones come first in ``stats``,
        in order, then the new ones. Touches only the base's numbering and the new documents;
        built whole when the tail and the masked documents pass ``MERGE_SHARE``."""
        if len(kept) != self.n_docs:
            raise ValueError("kept must have one flag per document")
        alive_now = kept[: self.n_alive]  # the base's surviving documents come first
        n_alive = int(np.count_nonzero(alive_now))
        if n_alive + int(np.count_nonzero(kept[self.n_alive :])) > stats.n_docs:
            raise ValueError("the kept documents must come first")
        n_tail = stats.n_docs - n_alive
        if n_tail + (self.n_base - n_alive) > MERGE_SHARE * max(stats.n_docs, 1):
            return FieldPostings.of(stats, n_terms)
        base_pos = self.base_pos
        if n_alive < self.n_alive:  # some base documents went: renumber the rest
            old = np.arange(self.n_base, dtype=np.int32) if base_pos is None else base_pos
            where = np.flatnonzero(old >= 0)  # base documents alive before, in order
            base_pos = np.full(self.n_base, -1, dtype=np.int32)
            base_pos[where[alive_now]] = np.arange(n_alive, dtype=np.int32)
        tail = TermPostings.of(tail_of(stats, n_alive), n_terms) if n_tail else None
        return FieldPostings(self.base, base_pos, self.n_base, n_alive, tail, stats.n_docs)

    def gather(self, ids: list[int]) -> list[Segment]:
        """The postings of ``ids`` (term ids) as one or two segments (the base's, the tail's),
        each (documents now, counts, how many each id has) in the order of ``ids``. Documents
        of the base that are gone are left out; each (id, document) pair comes once."""
        docs, tf, lengths = self.base.gather(ids)
        if self.base_pos is not None:
            docs = self.base_pos[docs]
            alive = docs >= 0
            ends = np.cumsum(lengths)
            kept = np.concatenate([[0], np.cumsum(alive)])[ends]  # alive ones up to each end
            lengths = np.diff(kept, prepend=0)
            docs, tf = docs[alive], tf[alive]
        if self.tail is None:
            return [(docs, tf, lengths)]
        tail_docs, tail_tf, tail_lengths = self.tail.gather(ids)
        return [
            (docs, tf, lengths),
            (tail_docs.astype(np.int64) + self.n_alive, tail_tf, tail_lengths),
        ]

    def first_docs(self, n_terms: int) -> np.ndarray:
        """Per term below ``n_terms``, the first document (as numbered now) holding it, or
        ``n_docs`` for none: each term's first posting (a term's documents are ascending, the
        base's before the tail's), past the base's gone documents. O(terms), plus the postings
        of the few terms whose first document went (``bm25.order`` sums in this order)."""
        first = np.full(n_terms, self.n_docs, dtype=np.int64)
        for postings, offset in ((self.tail, self.n_alive), (self.base, 0)):  # (base wins)
            if postings is None:
                continue
            held, docs = postings.first_docs(n_terms)
            if postings is self.base and self.base_pos is not None:
                docs = self.base_pos[docs].astype(np.int64)
                gone = docs < 0
                if gone.any():  # their first surviving document, if any (the next ones)
                    docs[gone] = self._first_alive(held[gone])
                held, docs = held[docs >= 0], docs[docs >= 0]
            first[held] = docs + offset
        return first

    def _first_alive(self, terms: np.ndarray) -> np.ndarray:
        """Per term (each with base postings), its first base document still there, numbered
        now; -1 for none."""
        assert self.base_pos is not None
        docs, _, lengths = self.base.gather(terms.tolist())
        now = self.base_pos[docs].astype(np.int64)
        # (alive documents keep their order: the first alive is the least)
        now[now < 0] = self.n_docs
        best = np.minimum.reduceat(now, np.cumsum(lengths) - lengths)
        best[best == self.n_docs] = -1
        return best

    def warm(self) -> None:
        """Build the term-major tables now (a server, before its first question)."""
        self.base.table()
        if self.tail is not None:
            self.tail.table()

    @property
    def built(self) -> bool:
        """Whether the term-major tables are made (``warm``, or a second question)."""
        return self.base.built and (self.tail is None or self.tail.built)

    def nbytes(self) -> int:
        tail = self.tail.nbytes() if self.tail is not None else 0
        pos = self.base_pos.nbytes if self.base_pos is not None else 0
        return self.base.nbytes() + tail + pos
