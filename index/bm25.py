"""The BM25 core: rank-bm25's BM25Okapi scores, precomputed into a sparse term → documents matrix.

Scoring follows ``rank_bm25.BM25Okapi`` exactly (same IDF, same epsilon floor for common terms,
same length normalisation), so rankings are identical to rank-bm25 on the same tokens. What
differs is *when* the work happens: rank-bm25 walks every document in Python for every query term;
here each (term, document) weight is computed once at build time (the bm25s approach), and a query
only gathers the postings of its terms and sums them with one ``np.bincount``.

Known rank-bm25 quirks we keep on purpose (they are its scoring): a term in more than half of the
documents has a negative Robertson–Spärck Jones IDF, which BM25Okapi replaces with
``epsilon * mean(idf)``; a term in exactly half gets IDF 0; and on tiny corpora (one or two
documents) the mean IDF itself is negative, so matches can score below zero. Passages number in
the thousands, where none of this bites.

This module is pure array code: no I/O, no text processing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, much faster.

    numpy radix-sorts 16-bit keys in linear time but merge-sorts wider ones; so sort by 16 bits
    at a time, least significant first (each pass stable), as a radix sort does.
    """
    if not len(keys):
        return np.zeros(0, dtype=np.intp)
    top = int(keys.max())
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while top >> shift:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


def _unique_counts(
    keys: np.ndarray, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and, per key, how many there were (or the sum of ``counts``)."""
    order = stable_order(keys)
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else order
    if counts is None:
        totals = np.diff(np.r_[starts, len(keys)])
    else:
        totals = np.add.reduceat(counts[order], starts) if len(keys) else counts
    return keys[starts], totals


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Raw statistics of one field: for each document, its terms and their counts (CSR by document).

    This is what gets persisted; BM25 weights are derived from it at load time.
    """

    doc_ptr: np.ndarray  # int64, n_docs + 1
    term_ids: np.ndarray  # int32, term of each (doc, term) pair
    counts: np.ndarray  # int32, occurrences of the term in the doc

    @property
    def n_docs(self) -> int:
        return len(self.doc_ptr) - 1

    @classmethod
    def from_docs(cls, docs: list[list[int]]) -> TermCounts:
        """Count term ids per document (documents given as lists of term ids, in any order)."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        flat = np.fromiter(
            itertools.chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum())
        )
        return cls.from_flat(flat, lengths)

    @classmethod
    def from_flat(cls, flat: np.ndarray, lengths: np.ndarray) -> TermCounts:
        """Like ``from_docs``, with all documents' term ids in one array and their lengths."""
        n_docs = len(lengths)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # Unique (doc, term) pairs with counts, ordered by doc then term.
        n_terms = int(flat.max()) + 1 if len(flat) else 1
        keys, counts = _unique_counts(doc_of * n_terms + flat)
        pair_doc = keys // n_terms
        doc_ptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_doc, minlength=n_docs), out=doc_ptr[1:])
        return cls(doc_ptr, (keys % n_terms).astype(np.int32), counts.astype(np.int32))

    def grouped(self, group_of_doc: np.ndarray, n_groups: int) -> TermCounts:
        """Documents merged into groups (e.g. sentences into passages): counts are summed."""
        pair_doc = np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.doc_ptr))
        n_terms = int(self.term_ids.max()) + 1 if len(self.term_ids) else 1
        keys = group_of_doc[pair_doc].astype(np.int64) * n_terms + self.term_ids
        keys, counts = _unique_counts(keys, self.counts)
        doc_ptr = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // n_terms, minlength=n_groups), out=doc_ptr[1:])
        return TermCounts(doc_ptr, (keys % n_terms).astype(np.int32), counts.astype(np.int32))

    @classmethod
    def concat(cls, parts: list[TermCounts]) -> TermCounts:
        parts = [p for p in parts if p.n_docs]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        ptrs = [parts[0].doc_ptr]
        offset = parts[0].doc_ptr[-1]
        for p in parts[1:]:
            ptrs.append(p.doc_ptr[1:] + offset)
            offset += p.doc_ptr[-1]
        return cls(
            np.concatenate(ptrs),
            np.concatenate([p.term_ids for p in parts]),
            np.concatenate([p.counts for p in parts]),
        )

    def select(self, keep: np.ndarray) -> TermCounts:
        """The documents where ``keep`` (bool, n_docs) is true, in order."""
        lengths = np.diff(self.doc_ptr)
        pair_keep = np.repeat(keep, lengths)
        doc_ptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
        np.cumsum(lengths[keep], out=doc_ptr[1:])
        return TermCounts(doc_ptr, self.term_ids[pair_keep], self.counts[pair_keep])

    def remap_terms(self, mapping: np.ndarray) -> TermCounts:
        """Renumber terms through ``mapping`` (old id → new id)."""
        return TermCounts(self.doc_ptr, mapping[self.term_ids].astype(np.int32), self.counts)

    @classmethod
    def empty(cls) -> TermCounts:
        return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))


def gather(
    term_ptr: np.ndarray,
    docs: np.ndarray,
    weights: np.ndarray,
    term_ids: list[int],
    boosts: list[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The postings of the query's terms from term-major arrays: (documents, weights).

    Terms outside the table are ignored (as rank-bm25 ignores unknown words); repeated terms
    count again; ``boosts`` scales each term's weights.
    """
    n_terms = len(term_ptr) - 1
    picked = [
        (slice(term_ptr[t], term_ptr[t + 1]), 1.0 if boosts is None else boosts[n])
        for n, t in enumerate(term_ids)
        if 0 <= t < n_terms
    ]
    if not picked:
        return np.zeros(0, np.int32), np.zeros(0)
    return (
        np.concatenate([docs[s] for s, _ in picked]),
        np.concatenate([weights[s] if w == 1.0 else weights[s] * w for s, w in picked]),
    )


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
    doc_len = np.bincount(pair_doc, weights=tf, minlength=n_docs)
    avgdl = float(doc_len.sum() / n_docs) if n_docs else 0.0

    df = np.bincount(stats.term_ids, minlength=n_terms)
    present = df > 0
    idf = np.zeros(n_terms, dtype=np.float64)
    dfp = df[present].astype(np.float64)
    idf[present] = np.log(n_docs - dfp + 0.5) - np.log(dfp + 0.5)
    if present.any():
        # A plain left-to-right float sum, as rank-bm25 does (numpy's pairwise ``sum`` differs
        # in the last bits, which can flip rankings when the mean is near zero; ``cumsum`` is
        # sequential).
        average_idf = float(np.cumsum(idf[present])[-1]) / int(present.sum())
        idf[present & (idf < 0)] = epsilon * average_idf

    # Same operation order as rank-bm25, so the floats agree.
    dl = doc_len[pair_doc]
    weights = idf[stats.term_ids] * (
        tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / max(avgdl, 1e-12)))
    )
    return FieldWeights(n_docs, idf, df, doc_len, avgdl, pair_doc, stats.term_ids, weights)


class Postings:
    """Term-major postings of one or more weighted fields over the same documents, summed when
    gathered: one look-up per query term instead of one per field."""

    __slots__ = ("docs", "n_docs", "term_ptr", "weights")

    def __init__(self, parts: list[tuple[FieldWeights, float | np.ndarray]], n_terms: int) -> None:
        """``parts``: each field's weights with a factor (a number, or one per document)."""
        self.n_docs = parts[0][0].n_docs
        term = np.concatenate([f.pair_term for f, _ in parts])
        docs = np.concatenate([f.pair_doc for f, _ in parts])
        weights = np.concatenate(
            [
                f.weights * (factor[f.pair_doc] if isinstance(factor, np.ndarray) else factor)
                for f, factor in parts
            ]
        )
        # One stable sort by term for all the fields; documents stay in order within a term.
        order = stable_order(term)
        self.docs = docs[order]
        self.weights = weights[order]
        self.term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(term, minlength=n_terms), out=self.term_ptr[1:])

    def gather(
        self, term_ids: list[int], boosts: list[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return gather(self.term_ptr, self.docs, self.weights, term_ids, boosts)

    def scores(self, term_ids: list[int], boosts: list[float] | None = None) -> np.ndarray:
        """Dense summed scores of every document (repeated terms count again)."""
        docs, data = self.gather(term_ids, boosts)
        # astype: for terms with no postings left (their posts were removed), bincount of
        # nothing comes back as integers, which the callers' float sums reject.
        return np.bincount(docs, weights=data, minlength=self.n_docs).astype(np.float64, copy=False)


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
        self.postings = Postings([(field, 1.0)], n_terms)

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
    part = np.argpartition(-scores, k - 1)[:k]
    kth = scores[part].min()
    # argpartition picks arbitrary members of a tie at the cut: take the lowest indices instead.
    above = part[scores[part] > kth]
    ties = np.flatnonzero(scores == kth)[: k - len(above)]
    chosen = np.concatenate([above, ties])
    return chosen[np.lexsort((chosen, -scores[chosen]))]
