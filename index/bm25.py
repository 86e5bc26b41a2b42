"""The BM25 core: rank-bm25's BM25Okapi scores, precomputed into a sparse term → documents matrix.

Scoring follows ``rank_bm25.BM25Okapi`` exactly (same IDF, same epsilon floor for common terms,
same length normalisation), so rankings are identical to rank-bm25 on the same tokens. What
differs is *when* the work happens: rank-bm25 walks every document in Python for every query term;
here each (term, document) weight is computed once at build time (the bm25s approach), and a query
only sums the postings of its terms (``np.add.at``, in query order or by id).

Known rank-bm25 quirks we keep on purpose (they are its scoring): a term in more than half of the
documents has a negative Robertson–Spärck Jones IDF, which BM25Okapi replaces with
``epsilon * mean(idf)``; a term in exactly half gets IDF 0; and on tiny corpora (one or two
documents) the mean IDF itself is negative, so matches can score below zero. Passages number in
the thousands, where none of this bites.

Its input is each field's persisted statistics, ``TermCounts`` (``term_counts``). This module is
pure array code: no I/O, no text processing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_array

from .term_counts import TermCounts

K1 = 1.5
B = 0.75
EPSILON = 0.25


def stable_order(ids: np.ndarray) -> np.ndarray:
    """``np.argsort(ids, kind="stable")`` of non-negative integer ids, in linear time.

    numpy's stable sort of ids wider than 16 bits is a merge sort; scipy's transpose of a
    sparse matrix from rows to columns is a counting sort: with one row per position, holding
    the position, the columns list each id's positions in order.
    """
    n = len(ids)
    if not n:
        return np.zeros(0, dtype=np.intp)
    positions = np.arange(n, dtype=np.int64 if n >= 2**31 else np.int32)
    rows = csr_array(
        (positions, ids, np.arange(n + 1, dtype=positions.dtype)), shape=(n, int(ids.max()) + 1)
    )
    return rows.tocsc().data


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """BM25Okapi weight of every (document, term) pair of one field, in document order."""

    n_docs: int
    idf: np.ndarray  # per term
    df: np.ndarray  # documents per term
    doc_len: np.ndarray  # per document
    avgdl: float
    pair_doc: np.ndarray  # per pair
    pair_term: np.ndarray  # per pair
    weights: np.ndarray  # per pair


def okapi_weights(
    stats: TermCounts, n_terms: int, k1: float = K1, b: float = B, epsilon: float = EPSILON
) -> FieldWeights:
    """rank-bm25's BM25Okapi, term for term: IDF with its epsilon floor, then the weights."""
    n_docs = stats.n_docs
    pair_doc = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(stats.doc_ptr))
    tf = stats.counts.astype(np.float64)
    # (astype: with no pairs at all, bincount comes back as integers)
    doc_len = np.bincount(pair_doc, weights=tf, minlength=n_docs).astype(np.float64, copy=False)
    avgdl = float(doc_len.sum() / n_docs) if n_docs else 0.0

    df = np.bincount(stats.term_ids, minlength=n_terms)
    # The IDF of each document frequency, once: far fewer distinct frequencies than terms.
    d = np.arange(int(df.max()) + 1 if len(df) else 1, dtype=np.float64)
    idf_of_df = np.log(n_docs - d + 0.5) - np.log(d + 0.5)
    idf_of_df[0] = 0.0  # absent terms
    idf = idf_of_df[df]
    if (idf_of_df[1:] < 0).any():  # some term may be in more than half the documents
        present = df > 0
        # A plain left-to-right float sum, as rank-bm25 does (numpy's pairwise ``sum`` differs
        # in the last bits, which can flip rankings when the mean is near zero; ``cumsum`` is
        # sequential).
        average_idf = float(np.cumsum(idf[present])[-1]) / int(present.sum())
        idf[present & (idf < 0)] = epsilon * average_idf

    # idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))): rank-bm25's operations in
    # its order, so the floats agree, done in place (these arrays have a row per pair).
    norm = doc_len[pair_doc]
    norm *= b
    norm /= max(avgdl, 1e-12)
    norm += 1 - b
    norm *= k1
    norm += tf
    weights = tf * (k1 + 1)
    weights /= norm
    weights *= idf[stats.term_ids]
    return FieldWeights(n_docs, idf, df, doc_len, avgdl, pair_doc, stats.term_ids, weights)


class Part(NamedTuple):
    """One field's pairs for a ``Postings`` table."""

    ids: np.ndarray  # per pair, its id within the part's block of ids
    docs: np.ndarray  # per pair, its position in the output
    weights: np.ndarray
    id_offset: int = 0  # where the part's block of ids starts in the table


def field_part(
    field: FieldWeights,
    factor: float | np.ndarray = 1.0,
    id_offset: int = 0,
    positions: np.ndarray | None = None,
    dtype: type = np.float64,
) -> Part:
    """One field's pairs for a ``Postings`` table: weights times ``factor`` (a number, or one per
    document) as ``dtype``, term ids shifted by ``id_offset``, documents sent to
    ``positions[doc]``. (In the table's own type: a table's parts are all held while it is
    built, the peak of loading an index.)"""
    if isinstance(factor, np.ndarray):
        weights = field.weights * factor[field.pair_doc]
    else:
        weights = field.weights if factor == 1.0 else field.weights * factor
    weights = weights.astype(dtype, copy=False)
    docs = field.pair_doc if positions is None else positions[field.pair_doc].astype(np.int32)
    return Part(field.pair_term, docs, weights, id_offset)


class Postings:
    """Term-major postings that several weighted fields share: gathering one id sums every
    field's weights for it, into one output array with a region per kind of document.

    Scores are linear in the fields, so they are folded together at build time: a question then
    costs one pass over its ids' postings however many fields there are.
    """

    __slots__ = ("_starts", "docs", "in_order", "n_out", "term_ptr", "weights")

    def __init__(
        self,
        parts: list[Part],
        n_ids: int,
        n_out: int,
        dtype: type = np.float64,
        in_order: bool = True,
    ) -> None:
        """``parts`` with the same ``id_offset`` share a block of ids; blocks must not overlap.

        Weights and sums are kept as ``dtype``. ``in_order``: each output's weights are added
        in the order the ids are given, as rank-bm25 adds a query's terms (its scores, bit for
        bit); else by id from the last (see ``scores``).
        """
        total = sum(len(p.ids) for p in parts)
        if max(n_out, total) >= 2**31:
            raise ValueError("postings and output positions must fit 32 bits")
        # Each id's count at [id + 1], summed into starts at the end. (32 bits: with a million
        # phrase buckets, 64 would take 4 MB more.)
        self.term_ptr = np.zeros(n_ids + 1, dtype=np.int32)
        self.docs = np.empty(total, dtype=np.int32)
        self.weights: np.ndarray = np.empty(total, dtype=dtype)
        start = end = 0  # where the block goes in the arrays; where the ids so far end
        # Sorted block by block (a block's ids are numbered from its offset).
        for offset in sorted({p.id_offset for p in parts}):
            block = [p for p in parts if p.id_offset == offset]
            ids = np.concatenate([p.ids for p in block])
            found = np.bincount(ids)
            if offset < end or offset + len(found) > n_ids:
                raise ValueError("blocks of ids overlap or exceed the table")
            self.term_ptr[offset + 1 : offset + 1 + len(found)] = found
            end = offset + len(found)
            order = stable_order(ids)
            del ids
            stop = start + len(order)
            for column, out in ((1, self.docs), (2, self.weights)):
                values = np.concatenate([p[column] for p in block]).astype(out.dtype, copy=False)
                np.take(values, order, out=out[start:stop])
                del values  # (loading an index peaks at this loop: keep one column at a time)
            start = stop
        np.cumsum(self.term_ptr, out=self.term_ptr)
        self._starts = self.term_ptr.data  # (a memoryview) a question reads a few: Python ints
        self.n_out = n_out
        self.in_order = in_order

    def _spans(self, ids: list[int], boosts: list[float] | None) -> list[tuple[int, int, float]]:
        """(start, end, boost) of each id's postings; ids outside the table are ignored (as
        rank-bm25 ignores unknown words)."""
        starts = self._starts
        n_ids = len(starts) - 1
        if boosts is None:
            boosts = [1.0] * len(ids)
        return [
            (starts[i], starts[i + 1], boost)
            for i, boost in zip(ids, boosts, strict=True)
            if 0 <= i < n_ids
        ]

    def gather(
        self, ids: list[int], boosts: list[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The postings of ``ids``: (output positions, weights). Repeated ids count again;
        ``boosts`` scales each id's weights (in the table's precision)."""
        return self._gathered(self._spans(ids, boosts))

    def _gathered(self, spans: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
        if not spans:
            return np.zeros(0, np.int32), np.zeros(0, self.weights.dtype)
        docs = np.concatenate([self.docs[a:b] for a, b, _ in spans])
        weights = np.concatenate([self.weights[a:b] for a, b, _ in spans])
        if any(boost != 1.0 for _, _, boost in spans):
            boosts = np.array([boost for _, _, boost in spans], self.weights.dtype)
            weights *= np.repeat(boosts, [b - a for a, b, _ in spans])
        return docs, weights

    def scores(self, ids: list[int], boosts: list[float] | None = None) -> np.ndarray:
        """Dense sums over the whole output (repeated ids count again)."""
        spans = self._spans(ids, boosts)
        if not self.in_order:
            # By id from the last: the order these sums have always been added in (with a
            # compiled kernel that wanted them so), kept so that rankings stay bit for bit.
            spans.sort(reverse=True)
        docs, weights = self._gathered(spans)
        out = np.zeros(self.n_out, self.weights.dtype)
        np.add.at(out, docs, weights)  # in posting order
        return out


class SegmentMax:
    """The maximum of each run of consecutive values (e.g. each passage's best sentence), via a
    padded layout: value ``j`` of segment ``s`` is placed at ``j * n_segments + s``, so the
    maxima are one reduction over ``width`` rows; values beyond ``width`` in a long segment go to
    an overflow area after the rows. The layout is where a table sends its values
    (``positions``); ``reduce`` reads it back."""

    __slots__ = ("n_segments", "n_slots", "overflow_segment", "positions", "width")

    def __init__(self, counts: np.ndarray, width: int) -> None:
        n = len(counts)
        counts = counts.astype(np.int64)
        segment = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        rank = np.arange(len(segment), dtype=np.int64) - np.repeat(starts, counts)
        over = rank >= width
        self.positions = rank * n + segment
        self.positions[over] = n * width + np.arange(int(over.sum()))
        self.overflow_segment = segment[over]
        self.n_segments = n
        self.width = width
        self.n_slots = n * width + len(self.overflow_segment)

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """Per segment, the maximum of its values (and of 0: empty slots hold 0)."""
        n, width = self.n_segments, self.width
        best = values[: n * width].reshape(width, n).max(axis=0, initial=0.0)
        if len(self.overflow_segment):
            np.maximum.at(best, self.overflow_segment, values[n * width : self.n_slots])
        return best


class BM25:
    """One field scored as rank-bm25's BM25Okapi, stored term-major for fast gathering."""

    __slots__ = ("avgdl", "doc_len", "idf", "n_docs", "postings")

    def __init__(
        self,
        stats: TermCounts,
        n_terms: int,
        k1: float = K1,
        b: float = B,
        epsilon: float = EPSILON,
    ) -> None:
        field = okapi_weights(stats, n_terms, k1, b, epsilon)
        self.n_docs = field.n_docs
        self.idf = field.idf
        self.doc_len = field.doc_len
        self.avgdl = field.avgdl
        self.postings = Postings([field_part(field)], n_terms, field.n_docs)

    @property
    def term_ptr(self) -> np.ndarray:
        return self.postings.term_ptr

    def scores(self, term_ids: list[int], boosts: list[float] | None = None) -> np.ndarray:
        """Dense BM25 scores of every document for a query given as term ids (repeats count again).

        ``boosts`` optionally scales each query term's contribution (1.0 = plain BM25).
        """
        return self.postings.scores(term_ids, boosts)

    def doc_freq(self, term_id: int) -> int:
        return int(self.term_ptr[term_id + 1] - self.term_ptr[term_id])


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties: lower index first)."""
    n = len(scores)
    if k >= n:
        return np.argsort(-scores, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    # The k-th best value (partitioning values, in place, is about twice as fast as their
    # indices), then everything at least as good, in index order.
    neg = -scores
    neg.partition(k - 1)
    kth = -neg[k - 1]
    chosen = np.flatnonzero(scores >= kth)
    top = scores[chosen]
    if len(chosen) > k:  # a tie at the cut: keep its lowest indices
        above = top > kth
        keep = above | (np.cumsum(~above) <= k - np.count_nonzero(above))
        chosen, top = chosen[keep], top[keep]
    return chosen[np.argsort(-top, kind="stable")]  # (chosen is in index order: ties stay so)
