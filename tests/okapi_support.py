"""rank-bm25 as the oracle of a field's model: ``rank_bm25.BM25Okapi`` built here, in plain
Python, over a field's documents, and the check that a ``bm25.FieldModel`` is that model.

The statistics keep counts, not word order, so each document is given as its terms in id order,
each as often as it occurs. Within a document the order changes nothing of BM25Okapi's model but
the order it adds up its mean IDF in (the last bits of the floor of common terms); this is the
order the index's model follows (``bm25.okapi_corpus``, ``bm25.order``).

Where BM25Okapi's mean IDF is not positive (a field of one or two documents), the index serves
Lucene's IDF instead (``bm25.lucene_idf``): ``served_idf`` writes that rule out here, from what
BM25Okapi counted, and the oracle is BM25Okapi with it (``served``).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
from rank_bm25 import BM25Okapi

from index.retrieval.bm25 import FieldModel
from index.terms.term_counts import FieldCounts


def rank_bm25_of(stats: FieldCounts) -> BM25Okapi:
    """BM25Okapi over the documents of ``stats`` (written out one by one, not by the index)."""
    flat = stats.flat()
    ptr = flat.doc_ptr.tolist()
    term_ids, counts = flat.term_ids.tolist(), flat.counts.tolist()
    docs = []
    for a, b in itertools.pairwise(ptr):
        pairs = sorted(zip(term_ids[a:b], counts[a:b], strict=True))
        docs.append([t for t, c in pairs for _ in range(c)])
    return BM25Okapi(docs)


def served_idf(rb: BM25Okapi) -> dict[object, float]:
    """``rb``'s IDF of each term, or where its mean IDF is not positive, Lucene's,
    log(1 + (N - n + 0.5) / (n + 0.5)), of every term (n: the documents holding it)."""
    if rb.average_idf > 0:
        return dict(rb.idf)
    n = Counter(t for doc in rb.doc_freqs for t in doc)
    return {t: math.log1p((rb.corpus_size - n[t] + 0.5) / (n[t] + 0.5)) for t in rb.idf}


def served(rb: BM25Okapi) -> BM25Okapi:
    """``rb`` scoring as the index serves it: its IDF replaced by ``served_idf`` (its
    ``get_scores`` reads ``idf``)."""
    rb.idf = served_idf(rb)
    return rb


def assert_is_rank_bm25s(model: FieldModel, rb: BM25Okapi) -> None:
    """``model`` is ``rb``'s, bit for bit: every term's IDF (epsilon floor included; Lucene's
    where the mean is not positive, ``served_idf``), every document's length, the average
    length; terms rank-bm25 never saw are in no document."""
    assert model.n_docs == rb.corpus_size
    assert model.avgdl == rb.avgdl
    assert model.doc_len.tolist() == rb.doc_len
    terms = np.fromiter(rb.idf.keys(), np.int64, len(rb.idf))
    assert model.idf[terms].tolist() == list(served_idf(rb).values())
    unseen = np.ones(len(model.df), bool)
    unseen[terms] = False
    assert not model.df[unseen].any()
