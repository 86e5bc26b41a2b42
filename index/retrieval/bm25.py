"""The BM25 core: rank-bm25's BM25Okapi builds each field's model; questions are scored from it.

What rank-bm25 builds. Whenever a field's model is made whole from all its documents at index
time — a cold index, a rebuild after a format change, and the reindex that makes a field's
arrays whole again past ``MERGE_SHARE`` — it is ``rank_bm25.BM25Okapi`` over that field's
documents (``FieldModel.okapi``, through its public API: the constructor, ``idf``, ``doc_len``,
``avgdl``, ``corpus_size``): its IDF of every term (epsilon floor included), its document
lengths and average length become the model's arrays. The document frequencies, which a later
reindex follows, are counted here (BM25Okapi keeps them in its constructor).

What follows it, and why. A reindex that changes a few posts does not run BM25Okapi again:
building it over every field takes 7.8 s of pure Python at 10x, 0.77 s at 1x (bench
``model_build``), and a one-post reindex must stay within 5 % of a cold index: it takes 0.8 s
at 10x, 1-3 % of one (bench ``scale``), and would take ~9 s, ~30 %, with BM25Okapi. It follows
the model instead, from what changed, by the same arithmetic (``FieldModel.followed``,
O(terms + documents)), and an index loaded from SQLite derives it from the stored counts
(``FieldModel.of``, O(pairs) numpy, no Python loop over every word). Both are rank-bm25's model
bit for bit — every IDF, the floor's mean summed in the order BM25Okapi meets the terms
(``order``), the lengths, the average — which the tests check against BM25Okapi built from
scratch on the corpus each time (``tests/test_bm25.py``, ``tests/test_followed_index.py``:
random corpora, the real one cold and with posts edited).

Scoring follows BM25Okapi's ``get_scores`` exactly (its operations in its order), so scores are
identical to rank-bm25's on the same tokens. What differs is the work: rank-bm25 walks every
document in Python for every query term; here a question reads only its terms' postings
(``postings``) and computes their weights there (``okapi``, vectorised). Nothing is precomputed
per (term, document): a weight depends on every document (IDF, the average length), and a table
of them would have to be built again whole whenever one post changes.

Known rank-bm25 quirks we keep on purpose (they are its scoring): a term in more than half of the
documents has a negative Robertson–Spärck Jones IDF, which BM25Okapi replaces with
``epsilon * mean(idf)``, and a term in exactly half gets IDF 0. Passages number in the thousands,
where this bites little.

One we do not keep: a field whose mean IDF is not positive. There the floor meant to keep every
match positive (BM25Okapi's docstring: "to prevent negative idf scores") is itself zero or
negative, and no word of the field weighs anything or every match scores below zero. It is a
field of too few documents for its IDF to mean anything: the body of a site of one post without
headings (one passage, every term in "more than half"), of two (a term is in half or all), the
titles of a site of one or two posts — ``jekyll new``'s site, one post, answered nothing. Such a
field takes Lucene's IDF instead, ``log(1 + (N - n + 0.5) / (n + 0.5))`` (``lucene_idf``): the
same Robertson–Spärck Jones ratio, positive for every n, falling as n grows, so a rarer word
still weighs more. Whole fields, not only their non-positive terms (the ratio's log beside
``log(1 + ratio)`` would weigh a word in two of five documents below one in three). rank-bm25
still builds the model, and decides it: the switch reads its mean IDF (``average_idf``, summed in
its order), and a field whose mean is positive — every field of a real site — is its model bit
for bit.

Its input is each field's persisted statistics, ``TermCounts`` (``term_counts``). This module is
pure array code (and rank-bm25): no I/O, no text processing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..terms.term_counts import FieldCounts, TermCounts
from .postings import FieldPostings, id_counts, tail_of

K1 = 1.5
B = 0.75
EPSILON = 0.25
# Tokens per distinct term from which ``okapi_corpus`` shares one int object per term.
SHARED_INTS = 4
CHUNK = 1 << 16  # tokens ``okapi_corpus`` makes Python objects of in one call
LENGTH_SLICE = 1 << 17  # (term, count) pairs ``doc_lengths`` sums at a time


def doc_lengths(stats: TermCounts) -> np.ndarray:
    """Each document's length (the sum of its counts), as int64."""
    n = stats.n_docs
    lengths = np.zeros(n, dtype=np.int64)
    filled = np.flatnonzero(stats.doc_ptr[1:] > stats.doc_ptr[:-1])
    starts = stats.doc_ptr[filled]
    # Each non-empty document's counts run to the next non-empty one's start (the empty ones
    # between hold nothing); no per-pair temporaries but a 64-bit copy of what ``reduceat``
    # reads, so it reads a slice of documents at a time (the body's counts at 10x: 36 MB).
    cuts = np.searchsorted(starts, np.arange(0, int(stats.doc_ptr[-1]), LENGTH_SLICE))
    # (a few cuts: a set, as ``np.unique`` would import numpy.ma at a one-shot ``ask``'s load)
    for lo, hi in itertools.pairwise([*sorted(set(cuts.tolist())), len(filled)]):
        if hi <= lo:
            continue
        first, end = int(starts[lo]), int(stats.doc_ptr[filled[hi - 1] + 1])
        lengths[filled[lo:hi]] = np.add.reduceat(
            stats.counts[first:end], starts[lo:hi] - first, dtype=np.int64
        )
    return lengths


def okapi_idf(
    df: np.ndarray,
    n_docs: int,
    first_docs: Callable[[], np.ndarray],
    epsilon: float = EPSILON,
) -> np.ndarray:
    """BM25Okapi's IDF of each document frequency ``0..max(df)`` (0 for 0: absent terms), with
    its epsilon floor; a term's IDF is ``okapi_idf(...)[df[term]]``. ``first_docs`` gives, per
    term, the first document holding it: asked only when the floor is needed (see ``order``)."""
    top = int(df.max()) + 1 if len(df) else 1
    d = np.arange(top, dtype=np.float64)
    idf_of_df = np.log(n_docs - d + 0.5) - np.log(d + 0.5)
    idf_of_df[0] = 0.0
    negative = idf_of_df < 0
    if negative[1:].any():  # some term may be in more than half the documents
        # rank-bm25's mean IDF: a plain left-to-right float sum over the terms in the order it
        # met them (numpy's pairwise ``sum``, or another order, differs in the last bits, which
        # can flip rankings when the mean is near zero; ``cumsum`` is sequential).
        idf = idf_of_df[df[order(df, first_docs())]]
        average_idf = float(np.cumsum(idf)[-1]) / len(idf)
        del idf
        if average_idf <= 0:
            return lucene_idf(n_docs, top)
        idf_of_df[negative] = epsilon * average_idf
    elif top > 1 and idf_of_df[int(df[df > 0].min())] <= 0:
        # (none negative: the mean is 0 when every term's IDF is, the rarest one's included)
        return lucene_idf(n_docs, top)
    return idf_of_df


def lucene_idf(n_docs: int, top: int) -> np.ndarray:
    """Lucene's BM25 IDF of each document frequency ``0..top - 1`` (0 for 0: absent terms):
    the model of a field whose mean rank-bm25 IDF is not positive (see the module's doc)."""
    # (Python's log1p, not numpy's, whose last bits differ by platform: one value per frequency)
    return np.array([0.0] + [math.log1p((n_docs - d + 0.5) / (d + 0.5)) for d in range(1, top)])


def order(df: np.ndarray, first_docs: np.ndarray) -> np.ndarray:
    """The field's terms in the order BM25Okapi meets them when each document's terms are given
    in id order (``okapi_corpus``): by the first document holding them, then by id."""
    present = np.flatnonzero(df > 0)
    return present[np.argsort(first_docs[present], kind="stable")]


def okapi_corpus(stats: FieldCounts) -> list[tuple[int, ...]]:
    """The field's documents as rank-bm25 takes them: per document its term ids, each repeated
    as often as it occurs, in id order. (The statistics keep no word order; within a document
    the order changes nothing of BM25Okapi's model but the order it sums its mean IDF in, so
    one fixed order makes the model one function of the counts: ``order``.)

    Each document is a tuple: tuples of ints leave the garbage collector's generations once
    they survive a young collection, so a whole field of them (345,000 sentences at 10x) never
    sets off a full collection, which would hold the interpreter and with it the event loop.
    Where terms repeat (``SHARED_INTS``: words, 20 tokens a term; hashed pairs at 10x, 5), the
    tuples share one int object per term: a third less memory while BM25Okapi builds the body
    field, and less time; pairs at 1x (2 tokens a term) get fresh ones, which BM25Okapi hashed
    faster than shared ones scattered over a million buckets (0.41 against 0.53 s CPU)."""
    stats = stats.flat()
    if not len(stats.term_ids):
        return [()] * stats.n_docs
    term_ids = stats.term_ids.astype(np.int64)
    counts = stats.counts
    doc_of = np.repeat(np.arange(stats.n_docs, dtype=np.int64), np.diff(stats.doc_ptr))
    top = int(term_ids.max()) + 1
    if not (np.diff(term_ids) > 0)[np.diff(doc_of) == 0].all():  # (merged batches: unsorted)
        by_id = np.argsort(doc_of * top + term_ids, kind="stable")
        term_ids, counts = term_ids[by_id], counts[by_id]
    del doc_of
    lengths = doc_lengths(stats)
    present = np.flatnonzero(np.bincount(term_ids, minlength=top))
    pool = None
    if lengths.sum() >= SHARED_INTS * len(present):
        pool = np.empty(top, dtype=object)
        pool[present] = present.tolist()
    flat = np.repeat(term_ids, counts)
    del term_ids, counts
    docs: list[tuple[int, ...]] = []
    # A slice of documents at a time: one ``tolist`` of a whole field (5 million tokens at 10x)
    # holds the interpreter, and the event loop, for a tenth of a second or more.
    ends = np.cumsum(lengths)
    cuts = np.unique(np.searchsorted(ends, np.arange(CHUNK, int(ends[-1]), CHUNK), "right"))
    for lo, hi in itertools.pairwise([0, *cuts.tolist(), len(lengths)]):
        part = flat[int(ends[lo] - lengths[lo]) : int(ends[hi - 1])] if hi > lo else flat[:0]
        tokens = iter(pool[part].tolist() if pool is not None else part.tolist())
        docs += [tuple(itertools.islice(tokens, n)) for n in lengths[lo:hi].tolist()]
    return docs


def _drain(items: list[Any]) -> None:
    """Empty ``items`` a slice at a time: freeing a whole field's objects in one go (one
    ``del``) holds the interpreter, and with it the event loop, until the last is freed."""
    step = max(CHUNK // 64, 1)  # (items of about 64 tokens or entries each)
    while items:
        del items[-step:]


def _array(values: Iterable[Any], dtype: type, n: int) -> np.ndarray:
    """``np.fromiter(values, dtype, n)`` a slice at a time (see ``_drain``)."""
    out: np.ndarray = np.empty(n, dtype)
    it = iter(values)
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        out[lo:hi] = np.fromiter(itertools.islice(it, hi - lo), dtype, hi - lo)
    return out


def length_norm(dl: np.ndarray, avgdl: float, k1: float = K1, b: float = B) -> np.ndarray:
    """k1 * (1 - b + b * dl / avgdl) of each document length, as float64: the part of BM25's
    denominator that depends on the document alone (see ``okapi``), once per document."""
    norm = dl.astype(np.float64)
    norm *= b
    norm /= max(avgdl, 1e-12)
    norm += 1 - b
    norm *= k1
    return norm


def okapi(tf: np.ndarray, norm: np.ndarray, idf: np.ndarray, k1: float = K1) -> np.ndarray:
    """idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))) per posting, as float64,
    the document's part (``norm``) from ``length_norm``: rank-bm25's operations in its order,
    so the floats agree bit for bit."""
    denominator = norm + tf
    weights = tf * (k1 + 1)
    weights /= denominator
    weights *= idf
    return weights


@dataclass(frozen=True, slots=True)
class FieldModel:
    """What BM25Okapi needs of one field besides a question's postings: per document its
    length, per term its document frequency, and what follows from them (IDF, average length).
    Built by rank-bm25 (``okapi``) or derived from the counts to the same values (``of``,
    ``followed``)."""

    n_docs: int
    df: np.ndarray  # documents per term (int32)
    doc_len: np.ndarray  # per document (int32)
    avgdl: float
    idf_of_df: np.ndarray  # IDF of each document frequency (see ``okapi_idf``)
    norm: np.ndarray  # per document, k1 * (1 - b + b * dl / avgdl) (float64, see ``okapi``)

    @classmethod
    def okapi(cls, stats: FieldCounts, n_terms: int, epsilon: float = EPSILON) -> FieldModel:
        """rank-bm25's model of the field, built by ``rank_bm25.BM25Okapi`` over its documents
        (``okapi_corpus``): its IDF of every term, its document lengths and average length.
        The document frequencies a reindex follows are counted here (BM25Okapi keeps them to
        itself); a term's IDF depends on nothing else, so each frequency's IDF is read off it."""
        from rank_bm25 import BM25Okapi  # (a process that only loads an index never needs it)

        stats = stats.flat()
        df = np.bincount(stats.term_ids, minlength=n_terms).astype(np.int32)
        if not len(stats.term_ids):  # (BM25Okapi divides by the number of terms: none here)
            return cls.made(df, doc_lengths(stats), lambda: np.zeros(n_terms, np.int64), epsilon)
        corpus = okapi_corpus(stats)
        bm25 = BM25Okapi(corpus, k1=K1, b=B, epsilon=epsilon)
        _drain(corpus)
        n = len(bm25.idf)
        terms = _array(bm25.idf.keys(), np.int64, n)
        idf = _array(bm25.idf.values(), np.float64, n)
        idf_of_df = np.zeros(int(df.max()) + 1)
        idf_of_df[df[terms]] = idf
        if bm25.corpus_size != stats.n_docs or not np.array_equal(idf_of_df[df[terms]], idf):
            raise RuntimeError("BM25Okapi's IDF is not one per document frequency")
        if bm25.average_idf <= 0:  # (too few documents for its IDF: see the module's doc)
            idf_of_df = lucene_idf(stats.n_docs, len(idf_of_df))
        lengths = _array(bm25.doc_len, np.int32, bm25.corpus_size)
        avgdl = float(bm25.avgdl)
        # (What it built goes a slice at a time too: freeing a field's dictionaries at once
        # held the interpreter 40-60 ms at 1x.)
        _drain(bm25.doc_freqs)
        _drain(bm25.doc_len)
        while bm25.idf:
            for _ in range(min(CHUNK, len(bm25.idf))):
                bm25.idf.popitem()
        return cls(stats.n_docs, df, lengths, avgdl, idf_of_df, length_norm(lengths, avgdl))

    @classmethod
    def of(
        cls,
        stats: FieldCounts,
        n_terms: int,
        postings: FieldPostings,
        epsilon: float = EPSILON,
    ) -> FieldModel:
        """The same model as ``okapi`` from the counts alone, in O(pairs) numpy (an index
        loaded from disk: no Python loop over every word). ``postings``: the field's, for the
        order rank-bm25 meets its terms in (``okapi_idf``)."""
        stats = stats.flat()
        whole = postings.tail is None and postings.base_pos is None
        if whole and postings.base.n_terms == n_terms:
            # (each term's documents are counted in its postings' table once it is built: no
            # per-pair counting, no 64-bit temporary of the million phrase buckets)
            df = postings.base.doc_freqs().astype(np.int32, copy=False)
        else:
            df = id_counts(stats.term_ids, n_terms)
        return cls.made(df, doc_lengths(stats), lambda: postings.first_docs(len(df)), epsilon)

    @classmethod
    def made(
        cls,
        df: np.ndarray,
        lengths: np.ndarray,
        first_docs: Callable[[], np.ndarray],
        epsilon: float = EPSILON,
    ) -> FieldModel:
        n_docs = len(lengths)
        avgdl = float(lengths.sum() / n_docs) if n_docs else 0.0
        idf_of_df = okapi_idf(df, n_docs, first_docs, epsilon)
        return cls(
            n_docs, df, lengths.astype(np.int32), avgdl, idf_of_df, length_norm(lengths, avgdl)
        )

    def followed(
        self,
        before: FieldCounts,
        kept: np.ndarray,
        now: FieldCounts,
        n_terms: int,
        postings: FieldPostings,
        epsilon: float = EPSILON,
    ) -> FieldModel:
        """The model after a reindex, from what changed: ``before``'s documents where ``kept``
        is false are gone, and ``now`` ends with the new ones (after the kept ones).
        ``postings``: the field's now (``of``)."""
        gone = np.flatnonzero(~kept)
        gone_terms = before.pairs(gone)[0]
        added = tail_of(now, len(kept) - len(gone))
        df = np.zeros(n_terms, dtype=np.int32)
        df[: len(self.df)] = self.df[:n_terms]
        # (one posting per document and term: each counts one document)
        np.subtract.at(df, gone_terms, 1)
        np.add.at(df, added.term_ids, 1)
        lengths = np.concatenate([self.doc_len[kept], doc_lengths(added).astype(np.int32)])
        return FieldModel.made(df, lengths, lambda: postings.first_docs(n_terms), epsilon)

    @property
    def idf(self) -> np.ndarray:
        """Every term's IDF (float64)."""
        return self.idf_of_df[self.df]

    def weights(
        self, ids: list[int], docs: np.ndarray, tf: np.ndarray, lengths: np.ndarray
    ) -> np.ndarray:
        """BM25Okapi weights of postings (``docs``, ``tf``): ``lengths[i]`` of them for term
        ``ids[i]``, in that order (``postings.Segment``)."""
        idf = np.repeat(self.idf_of_df[self.df[ids]], lengths)
        return okapi(tf, self.norm[docs], idf)


class BM25:
    """One field scored as rank-bm25's BM25Okapi (float64, query terms added in their order)."""

    __slots__ = ("model", "n_terms", "postings")

    def __init__(self, stats: FieldCounts, n_terms: int, epsilon: float = EPSILON) -> None:
        stats = stats.flat()  # (one copy for both, if it is not one array)
        self.postings = FieldPostings.of(stats, n_terms)
        self.model = FieldModel.of(stats, n_terms, self.postings, epsilon)
        self.n_terms = n_terms

    @property
    def n_docs(self) -> int:
        return self.model.n_docs

    @property
    def idf(self) -> np.ndarray:
        return self.model.idf

    @property
    def avgdl(self) -> float:
        return self.model.avgdl

    def scores(self, term_ids: list[int], boosts: list[float] | None = None) -> np.ndarray:
        """Dense BM25 scores of every document for a query given as term ids (repeats count
        again; ids outside the vocabulary are ignored, as rank-bm25 ignores unknown words).

        ``boosts`` optionally scales each query term's contribution (1.0 = plain BM25).
        """
        if boosts is None:
            boosts = [1.0] * len(term_ids)
        known = [(t, w) for t, w in zip(term_ids, boosts, strict=True) if 0 <= t < self.n_terms]
        out = np.zeros(self.model.n_docs)
        if not known:
            return out
        # One id at a time: rank-bm25 adds each query term's scores to every document in turn,
        # and floats must be added in its order to agree bit for bit.
        for i, (t, _) in enumerate(known):
            for docs, tf, lengths in self.postings.gather([t]):
                weights = self.model.weights([t], docs, tf, lengths)
                if known[i][1] != 1.0:
                    weights *= known[i][1]
                out[docs] += weights  # (each document once per term)
        return out

    def doc_freq(self, term_id: int) -> int:
        return int(self.model.df[term_id])
