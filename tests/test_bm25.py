"""The BM25 core against rank-bm25 (same tokens → same scores and ranking) and TermCounts' algebra.

Scores must agree with ``rank_bm25.BM25Okapi.get_scores`` to 1e-12 and ``top_k`` must order
documents exactly as a stable argsort of rank-bm25's scores, including on the small corpora where
BM25Okapi's IDF does odd things (negative IDFs floored to ``epsilon * mean IDF``, a term in
exactly half of the documents getting IDF 0). Where its mean IDF is not positive (one or two
documents), the floor would be too and nothing would score above zero: there the index takes
Lucene's IDF (``okapi_support.served``), and BM25Okapi's scores with it.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from okapi_support import assert_is_rank_bm25s, rank_bm25_of, served
from rank_bm25 import BM25Okapi

from index.retrieval import bm25 as bm25_module
from index.retrieval import postings as postings_module
from index.retrieval.bm25 import BM25, FieldModel
from index.retrieval.postings import MERGE_SHARE, FieldPostings
from index.retrieval.scoring import add_in_order
from index.retrieval.selection import SegmentMax, top_k
from index.terms import term_counts as term_counts_module
from index.terms.analyzer import analyze
from index.terms.term_counts import KeptCounts, TermCounts

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
DEV = SHARED / "eval" / "dev.jsonl"

TERMS = [f"t{i}" for i in range(12)]
UNKNOWN = "nowhere"  # never in any document


def ids_of(docs: list[list[str]]) -> dict[str, int]:
    """Term ids in order of first occurrence (as the indexer assigns them)."""
    vocab: dict[str, int] = {}
    for doc in docs:
        for t in doc:
            vocab.setdefault(t, len(vocab))
    return vocab


def both(docs: list[list[str]]) -> tuple[BM25Okapi, BM25, dict[str, int]]:
    vocab = ids_of(docs)
    ours = BM25(TermCounts.from_docs([[vocab[t] for t in d] for d in docs]), len(vocab))
    return served(BM25Okapi(docs)), ours, vocab


def query_ids(query: list[str], vocab: dict[str, int]) -> list[int]:
    # Unknown terms get an id past the vocabulary: ``scores`` must ignore it, as rank-bm25 does.
    return [vocab.get(t, len(vocab)) for t in query]


def assert_top_k_follows(scores: np.ndarray, reference: np.ndarray, k: int) -> None:
    """top_k(scores, k) is exactly a stable descending argsort of reference, cut at k."""
    got = top_k(scores, k).tolist()
    expected = np.argsort(-reference, kind="stable")[: min(k, len(reference))].tolist()
    assert got == expected


def assert_same_ranking(docs: list[list[str]], query: list[str]) -> None:
    theirs_model, ours_model, vocab = both(docs)
    theirs = theirs_model.get_scores(query)
    ours = ours_model.scores(query_ids(query, vocab))
    assert np.array_equal(ours, theirs)
    for k in sorted({1, 3, len(docs)}):
        assert_top_k_follows(ours, theirs, k)


# ------------------------------------------------------------------ random corpora

documents = st.lists(st.lists(st.sampled_from(TERMS), max_size=15), min_size=1, max_size=30).filter(
    lambda docs: any(docs)  # rank-bm25 divides by the mean length
)
queries = st.lists(st.sampled_from([*TERMS, UNKNOWN]), min_size=1, max_size=6)  # repeats count


@settings(max_examples=300, deadline=None)
@given(documents, queries)
def test_random_corpora_score_and_rank_as_rank_bm25(docs, query):
    assert_same_ranking(docs, query)


def test_larger_seeded_corpora_score_and_rank_as_rank_bm25():
    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    weights = [1 / (i + 1) for i in range(len(words))]  # Zipf-like: some terms in most documents
    for _ in range(5):
        docs = [rng.choices(words, weights, k=rng.randint(0, 60)) for _ in range(300)]
        for _ in range(20):
            assert_same_ranking(docs, rng.choices(words, k=rng.randint(1, 8)))


# ------------------------------------------------------------------ small-corpus IDF quirks


@pytest.mark.parametrize(
    ("docs", "query"),
    [
        # One document: every IDF is negative, so is the mean (Lucene's IDF: see ``served``).
        ([["a", "b", "a"]], ["a"]),
        ([["a", "b", "a"]], ["b", "a", UNKNOWN]),
        # Two documents: "a" in both, "b" and "c" in exactly half (IDF 0): the mean is negative.
        ([["a", "b"], ["a", "c"]], ["a"]),
        ([["a", "b"], ["a", "c"]], ["b", "c"]),
        ([["a", "b"], ["a", "c", "c"]], ["a", "c"]),
        # Two documents sharing nothing: every IDF is 0, and so is the mean.
        ([["a", "b"], ["c"]], ["a", "c"]),
        # Three documents: a term in every one, one in two, one in one.
        ([["a", "b", "c"], ["a", "b"], ["a"]], ["a"]),
        ([["a", "b", "c"], ["a", "b"], ["a"]], ["c", "b", "a"]),
        # A term in exactly half of four documents: IDF exactly 0, not floored.
        ([["a", "x"], ["a", "y"], ["z"], ["w", "w"]], ["a"]),
        ([["a", "x"], ["a", "y"], ["z"], ["w", "w"]], ["a", "x", "w"]),
        # A term in every document of a larger corpus, next to rare ones.
        ([["common", f"r{i}"] + ["common"] * (i % 3) for i in range(10)], ["common", "r3"]),
        # Empty documents, repeated query terms, nothing matching at all.
        ([[], ["a"], [], ["a", "b"]], ["a", "a", "b"]),
        ([["a"], ["b"], ["c"]], [UNKNOWN]),
    ],
)
def test_small_corpus_quirks(docs, query):
    assert_same_ranking(docs, query)


def test_quirks_are_really_exercised():
    """The cases above do hit the floored and zero IDFs they claim to."""
    rb, ours, vocab = both([["a", "x"], ["a", "y"], ["z"], ["w", "x"]])
    assert rb.average_idf > 0
    assert ours.idf[vocab["x"]] == 0.0 == rb.idf["x"]  # (in two of four)
    rb, ours, vocab = both([["common", f"r{i}"] for i in range(10)])
    assert rb.average_idf > 0
    assert ours.idf[vocab["common"]] == pytest.approx(rb.epsilon * rb.average_idf)


@pytest.mark.parametrize(
    "docs",
    [
        [["a", "b", "a"]],  # one document: every IDF negative (-1.1), the floor too (-0.27)
        [["a", "b"], ["a", "c"]],  # two: IDF 0 (in one) or negative (in both), and the floor
        [["a", "b"], ["c"]],  # two sharing no word: every IDF 0
        [["a", "b"], ["a", "b"], ["a", "c"]],  # three, most words in most: a negative mean
    ],
)
def test_a_field_of_too_few_documents_scores_every_match_above_zero(docs):
    """Where BM25Okapi's mean IDF is not positive, its floor (``epsilon`` x the mean) is not
    either, and nothing of the field scored above zero: ``jekyll new``'s site of one post
    answered nothing. Such a field takes Lucene's IDF: every match positive, a rarer word
    weighing more."""
    rb = BM25Okapi(docs)
    assert rb.average_idf <= 0
    # (rank-bm25's own scores: a word of the site matched scores zero or below)
    assert any(rb.get_scores([t])[j] <= 0 for j, d in enumerate(docs) for t in d)
    _, ours, vocab = both(docs)
    df = {t: sum(t in d for d in docs) for t in vocab}
    for t, i in vocab.items():
        scores = ours.scores([i])
        holding = [j for j, d in enumerate(docs) if t in d]
        assert (scores[holding] > 0).all(), t
        assert ours.idf[i] == pytest.approx(np.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5)))
    for t, u in itertools.combinations(vocab, 2):
        if df[t] < df[u]:
            assert ours.idf[vocab[t]] > ours.idf[vocab[u]]
    # rank-bm25 still builds the model indexing serves; a load derives the same from the counts.
    stats = TermCounts.from_docs([[vocab[t] for t in d] for d in docs])
    built = FieldModel.okapi(stats, len(vocab))
    np.testing.assert_array_equal(built.idf, ours.idf)
    assert_is_rank_bm25s(built, rank_bm25_of(stats))


def test_boosts_scale_each_terms_contribution():
    docs = [["a", "b"], ["a"], ["b", "b", "c"], ["c"]]
    _, ours, vocab = both(docs)
    a, b = vocab["a"], vocab["b"]
    boosted = ours.scores([a, b], [2.0, 0.5])
    np.testing.assert_allclose(boosted, 2 * ours.scores([a]) + 0.5 * ours.scores([b]), atol=1e-12)
    np.testing.assert_array_equal(ours.scores([a, b], [1.0, 1.0]), ours.scores([a, b]))


def test_scores_are_bit_identical():
    rng = random.Random(3)
    words = [f"w{i}" for i in range(200)]
    weights = [1 / (i + 1) for i in range(len(words))]
    docs = [rng.choices(words, weights, k=rng.randint(1, 40)) for _ in range(200)]
    rb, ours, vocab = both(docs)
    common = [w for w in words if rb.idf.get(w) == rb.epsilon * rb.average_idf]
    assert common, "the corpus must have floored terms"
    query = common[:3] + words[100:103]
    np.testing.assert_array_equal(ours.scores(query_ids(query, vocab)), rb.get_scores(query))
    # Where the mean IDF cancels out to ~0, the floored IDF's very sign depends on the order of
    # summation, and with it the ranking.
    docs = [["a"], ["a", "b", "c", "d", "e"], ["b", "c", "d", "f"], ["a", "b", "c", "d", "g", "h"]]
    rb, ours, vocab = both(docs)
    theirs = rb.get_scores(["a"])
    assert (
        top_k(ours.scores([vocab["a"]]), 4).tolist() == np.argsort(-theirs, kind="stable").tolist()
    )


# ------------------------------------------------------------------ top_k


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=40), st.integers(1, 45))
def test_top_k_is_a_descending_sort_lower_index_first(values, k):
    scores = np.array(values, dtype=np.float64) / 2  # many ties
    assert_top_k_follows(scores, scores, k)


def test_top_k_breaks_ties_at_the_cut_by_index():
    scores = np.array([0.0, 0.0, 0.0, 0.0, 1.0])
    assert top_k(scores, 3).tolist() == [4, 0, 1]
    scores = np.array([2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0])
    assert top_k(scores, 4).tolist() == [11, 0, 1, 2]


# ------------------------------------------------------------------ the real corpus


@pytest.fixture(scope="module")
def real_body_tokens() -> list[list[str]]:
    """The analysed text of every passage of the real corpus (what the body field indexes)."""
    if not (CORPUS / "_posts").is_dir():
        pytest.skip(f"needs the shared corpus (../shared/corpus/skynet-today), not at {CORPUS}")
    from index.ingest.loader import parse_post
    from index.ingest.site import find_site, iter_post_files
    from index.models import LoadIssue

    root, site = find_site(CORPUS)
    docs: list[list[str]] = []
    for path in iter_post_files(root):
        parsed = parse_post(path, root, site)
        if not isinstance(parsed, LoadIssue):
            docs += [analyze(passage.text) for passage in parsed.passages]
    return docs


@pytest.mark.shared
def test_real_corpus_body_field_ranks_as_rank_bm25(real_body_tokens):
    import json

    docs = real_body_tokens
    rb, ours, vocab = both(docs)
    questions = []
    if DEV.exists():
        with DEV.open(encoding="utf-8") as f:
            questions = [analyze(json.loads(line)["question"]) for line in f if line.strip()]
    # Single terms across the frequency range, including the epsilon-floored common ones.
    by_df = sorted(vocab, key=lambda t: ours.doc_freq(vocab[t]))
    questions += [[t] for t in by_df[-5:] + by_df[:: max(1, len(by_df) // 40)]]
    for query in questions:
        theirs = rb.get_scores(query)
        mine = ours.scores(query_ids(query, vocab))
        assert np.array_equal(mine, theirs)
        for k in (5, 10, 400, len(docs)):  # 400: the candidates search.py takes
            assert_top_k_follows(mine, theirs, k)


# ------------------------------------------------------------------ rank-bm25 builds the model


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=8), min_size=1, max_size=12))
def test_rank_bm25_builds_the_model_the_counts_derive(docs):
    """``FieldModel.okapi`` is BM25Okapi's model of the documents (what indexing serves), and
    ``FieldModel.of`` (an index loaded from disk) derives the same one from the counts."""
    stats = TermCounts.from_docs(docs)
    if not len(stats.term_ids):
        return
    built = FieldModel.okapi(stats, 10)
    assert_is_rank_bm25s(built, rank_bm25_of(stats))
    same_model(built, FieldModel.of(stats, 10, FieldPostings.of(stats, 10)))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), max_size=10), min_size=1, max_size=20),
    st.sampled_from([1, 3, 1 << 16]),
)
def test_the_corpus_rank_bm25_is_given_is_each_documents_tokens_in_id_order(docs, chunk):
    """Whatever order the counts are stored in (batches merged from worker processes are
    numbered apart), made a slice of documents at a time."""
    stats = TermCounts.from_docs(docs)
    shuffled = np.random.default_rng(len(docs)).permutation(31)
    stats = stats.remap_terms(shuffled)  # (no longer in id order within a document)
    with patch.object(bm25_module, "CHUNK", chunk):
        corpus = bm25_module.okapi_corpus(stats)
    assert corpus == [tuple(sorted(shuffled[t] for t in doc)) for doc in docs]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 9), max_size=6), max_size=20),
    st.sampled_from([1, 2, 5, 1 << 20]),
)
def test_document_lengths_are_summed_a_slice_at_a_time(docs, pairs):
    with patch.object(bm25_module, "LENGTH_SLICE", pairs):
        lengths = bm25_module.doc_lengths(TermCounts.from_docs(docs))
    assert lengths.tolist() == [len(d) for d in docs]


def test_the_mean_idf_is_summed_in_the_order_rank_bm25_meets_the_terms():
    """The epsilon floor is ``epsilon`` times the mean IDF, which rank-bm25 adds up in the order
    it first meets each term; summed by term id (as the index numbers terms, not as a field's
    documents meet them) it differs in the last bits here, and the model must not."""
    rng = random.Random(11)
    weights = [1 / (i + 1) for i in range(300)]
    ids = list(range(300))
    rng.shuffle(ids)  # term ids unrelated to where the terms first occur
    docs = [
        [ids[t] for t in rng.choices(range(300), weights, k=rng.randint(1, 40))] for _ in range(80)
    ]
    stats = TermCounts.from_docs(docs)
    rb = rank_bm25_of(stats)
    raw = {
        t: np.log(80 - n + 0.5) - np.log(n + 0.5) for t, n in enumerate(np.bincount(stats.term_ids))
    }
    by_id = 0.0
    for t in sorted(rb.idf):
        by_id += raw[t]
    assert by_id / len(rb.idf) != rb.average_idf  # (else this corpus proves nothing)
    model = FieldModel.of(stats, 300, FieldPostings.of(stats, 300))
    assert_is_rank_bm25s(model, rb)


# ------------------------------------------------------------------ TermCounts


def same_counts(a: TermCounts, b: TermCounts) -> None:
    np.testing.assert_array_equal(a.doc_ptr, b.doc_ptr)
    np.testing.assert_array_equal(a.term_ids, b.term_ids)
    np.testing.assert_array_equal(a.counts, b.counts)


def test_from_docs_counts_terms_per_document_in_term_order():
    tc = TermCounts.from_docs([[2, 0, 2], [], [1], [5, 5, 5]])
    assert tc.n_docs == 4
    assert tc.doc_ptr.tolist() == [0, 2, 2, 3, 4]
    assert tc.term_ids.tolist() == [0, 2, 1, 5]
    assert tc.counts.tolist() == [1, 2, 1, 3]
    assert (tc.doc_ptr.dtype, tc.term_ids.dtype, tc.counts.dtype) == (np.int64, np.int32, np.int32)


def test_from_docs_of_nothing_is_empty():
    cases: tuple[list[list[int]], ...] = ([], [[]], [[], []])
    for docs in cases:
        tc = TermCounts.from_docs(docs)
        assert tc.n_docs == len(docs)
        assert tc.doc_ptr.tolist() == [0] * (len(docs) + 1)
        assert len(tc.term_ids) == len(tc.counts) == 0
    same_counts(TermCounts.from_docs([]), TermCounts.empty())


def test_concat_appends_documents():
    a, b = [[1, 2, 2], [0]], [[], [3, 1]]
    same_counts(
        TermCounts.concat([TermCounts.from_docs(a), TermCounts.empty(), TermCounts.from_docs(b)]),
        TermCounts.from_docs(a + b),
    )
    same_counts(TermCounts.concat([]), TermCounts.empty())
    same_counts(TermCounts.concat([TermCounts.empty()]), TermCounts.empty())


def test_select_keeps_the_chosen_documents_in_order():
    docs = [[1], [2, 2], [], [3, 1, 3], [0]]
    keep = np.array([True, False, True, True, False])
    same_counts(
        TermCounts.from_docs(docs).select(keep),
        TermCounts.from_docs([d for d, k in zip(docs, keep, strict=True) if k]),
    )
    assert TermCounts.from_docs(docs).select(np.zeros(5, bool)).n_docs == 0


def test_remap_terms_renumbers_as_compaction_does():
    docs = [[0, 4, 4], [2], [4, 0]]
    used = np.zeros(5, bool)
    used[[0, 2, 4]] = True
    mapping = np.cumsum(used) - 1  # what IndexData.compacted passes: 0→0, 2→1, 4→2
    remapped = TermCounts.from_docs(docs).remap_terms(mapping)
    same_counts(remapped, TermCounts.from_docs([[int(mapping[t]) for t in d] for d in docs]))
    assert remapped.term_ids.dtype == np.int32


doc_lists = st.lists(st.lists(st.integers(0, 9), max_size=8), max_size=12)


@settings(max_examples=150, deadline=None)
@given(doc_lists, st.data())
def test_incremental_update_equals_a_fresh_count(docs, data):
    """What re-indexing does (select the kept documents, concat the new) equals counting afresh,
    and so do the BM25 weights built from it."""
    keep = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))), bool
    )
    added = data.draw(doc_lists)
    updated = TermCounts.concat(
        [TermCounts.from_docs(docs).select(keep), TermCounts.from_docs(added)]
    )
    kept = [d for d, k in zip(docs, keep, strict=True) if k]
    fresh = TermCounts.from_docs(kept + added)
    same_counts(updated, fresh)
    if fresh.n_docs:
        query = data.draw(st.lists(st.integers(0, 9), min_size=1, max_size=4))
        np.testing.assert_array_equal(
            BM25(updated, 10).scores(query), BM25(fresh, 10).scores(query)
        )


@settings(max_examples=150, deadline=None)
@given(doc_lists, st.lists(doc_lists, max_size=3), st.data())
def test_kept_then_is_select_then_concat_in_the_narrowest_counts(docs, added, data):
    keep = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))), bool
    )
    stats = TermCounts.from_docs(docs)
    parts = [TermCounts.from_docs(a) for a in added]
    got = stats.kept_then(keep, parts)
    same_counts(got, TermCounts.concat([stats.select(keep), *parts]))
    top = int(got.counts.max()) if len(got.counts) else 0
    assert got.counts.dtype == np.min_scalar_type(top)
    assert got.term_ids.dtype == np.int32


def test_a_followed_field_shares_the_kept_documents_arrays():
    stats = TermCounts.from_docs([[i % 7, i % 5, 20 + i % 3] for i in range(100)])
    keep = np.ones(100, bool)
    keep[40] = False  # one document changed: it goes, and comes back at the end
    added = [TermCounts.from_docs([[3, 3, 9]])]
    now = stats.followed(keep, added)
    assert isinstance(now, KeptCounts) and now.base is stats
    # Not copied: documents before and after the dropped one read the arrays they had.
    assert np.shares_memory(now.terms(0, 40), stats.term_ids)
    assert np.shares_memory(now.span(40, 99).counts, stats.counts)
    same_counts(now.flat(), TermCounts.concat([stats.select(keep), *added]))
    # Followed again, the arrays are still the first ones; past MERGE_SHARE, one copy.
    again = now.followed(np.arange(100) != 7, added)
    assert isinstance(again, KeptCounts) and again.base is stats
    many = np.arange(100) >= 10
    whole = now.followed(many, [])
    assert isinstance(whole, TermCounts)
    assert not np.shares_memory(whole.term_ids, stats.term_ids)
    same_counts(whole, now.flat().select(many))


@settings(max_examples=150, deadline=None)
@given(doc_lists, st.data())
def test_followed_fields_read_as_the_same_documents_in_one_array(docs, data):
    """``followed`` (shared or copied) against ``select`` then ``concat``, over a few reindexes:
    every way of reading documents gives what one array of the same documents gives."""
    share = data.draw(st.sampled_from([MERGE_SHARE, 0.5, float("inf")]))
    with patch.object(term_counts_module, "MERGE_SHARE", share):
        now: TermCounts | KeptCounts = TermCounts.from_docs(docs)
        same = TermCounts.from_docs(docs)
        for _ in range(data.draw(st.integers(1, 3))):
            keep = np.array(
                data.draw(st.lists(st.booleans(), min_size=now.n_docs, max_size=now.n_docs)), bool
            )
            added = [TermCounts.from_docs(a) for a in data.draw(st.lists(doc_lists, max_size=2))]
            now = now.followed(keep, added)
            same = TermCounts.concat([same.select(keep), *added])
            assert now.n_docs == same.n_docs
            same_counts(now.flat(), same)
            lo = data.draw(st.integers(0, same.n_docs))
            hi = data.draw(st.integers(lo, same.n_docs))
            np.testing.assert_array_equal(now.terms(lo, hi), same.terms(lo, hi))
            same_counts(now.span(lo, hi), same.span(lo, hi))
            picked = np.array(
                data.draw(
                    st.lists(
                        st.integers(0, max(same.n_docs - 1, 0)), max_size=5 if same.n_docs else 0
                    )
                ),
                np.int64,
            )
            got, want = now.pairs(picked), same.pairs(picked)
            assert sorted(zip(*(a.tolist() for a in got), strict=True)) == sorted(
                zip(*(a.tolist() for a in want), strict=True)
            )
            used, expected = np.zeros(12, bool), np.zeros(12, bool)
            now.mark_used(used)
            same.mark_used(expected)
            np.testing.assert_array_equal(used, expected)


@settings(max_examples=150, deadline=None)
@given(doc_lists, st.data())
def test_grouped_merges_documents_as_counting_their_union(docs, data):
    n_groups = data.draw(st.integers(1, 5))
    group = data.draw(
        st.lists(st.integers(0, n_groups - 1), min_size=len(docs), max_size=len(docs))
    )
    merged: list[list[int]] = [[] for _ in range(n_groups)]
    for doc, g in zip(docs, group, strict=True):
        merged[g] += doc
    grouped = TermCounts.from_docs(docs).grouped(np.array(group, np.int64), n_groups)
    same_counts(grouped, TermCounts.from_docs(merged))


# ------------------------------------------------------------------ a reindex followed


def postings_of(postings: FieldPostings, n_terms: int) -> set[tuple[int, int, int]]:
    """Every (term, document, count) the postings return."""
    ids = list(range(n_terms))
    return {
        (t, int(d), int(c))
        for docs, tf, lengths in postings.gather(ids)
        for t, d, c in zip(
            np.repeat(ids, lengths).tolist(), docs.tolist(), tf.tolist(), strict=True
        )
    }


def same_model(a: FieldModel, b: FieldModel) -> None:
    assert (a.n_docs, a.avgdl) == (b.n_docs, b.avgdl)
    np.testing.assert_array_equal(a.df, b.df)
    np.testing.assert_array_equal(a.doc_len, b.doc_len)
    # (Each term's IDF: the IDF of a document frequency no term has is never read.)
    np.testing.assert_array_equal(a.idf, b.idf)
    np.testing.assert_array_equal(a.norm, b.norm)


@settings(max_examples=150, deadline=None)
@given(st.lists(doc_lists, min_size=1, max_size=4), st.data())
def test_followed_postings_and_model_equal_a_fresh_build(rounds, data):
    """Reindex after reindex (documents dropped, new ones appended): the followed postings
    return exactly a fresh build's (no dropped document ever), and the model is a fresh one's."""
    n_terms = 10
    docs = rounds[0]
    stats = TermCounts.from_docs(docs)
    postings = FieldPostings.of(stats, n_terms)
    model = FieldModel.of(stats, n_terms, postings)
    # (Tiny corpora: never merge, or every round would build the postings whole.)
    merge = data.draw(st.sampled_from([MERGE_SHARE, float("inf")]))
    for added in rounds[1:]:
        keep = np.array(
            data.draw(st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))), bool
        )
        docs = [d for d, k in zip(docs, keep.tolist(), strict=True) if k] + added
        now = TermCounts.concat([stats.select(keep), TermCounts.from_docs(added)])
        with patch.object(postings_module, "MERGE_SHARE", merge):
            postings = postings.followed(now, keep, n_terms)
        model = model.followed(stats, keep, now, n_terms, postings)
        stats = now
        fresh = FieldPostings.of(now, n_terms)
        assert postings_of(postings, n_terms) == postings_of(fresh, n_terms)
        same_model(model, FieldModel.of(now, n_terms, fresh))
        if len(now.term_ids):  # (BM25Okapi divides by its number of terms)
            # The followed model is the one rank-bm25 builds from scratch on the new corpus.
            assert_is_rank_bm25s(model, rank_bm25_of(now))
            same_model(model, FieldModel.okapi(now, n_terms))


def test_one_document_changed_is_masked_and_appended_not_rebuilt():
    docs = [[i % 7, (i * 3) % 7] for i in range(100)]
    stats = TermCounts.from_docs(docs)
    base = FieldPostings.of(stats, 8)
    keep = np.ones(100, bool)
    keep[40] = False  # document 40 changed: it comes back last, with a new term
    now = TermCounts.concat([stats.select(keep), TermCounts.from_docs([[7, 7]])])
    followed = base.followed(now, keep, 8)
    assert followed.base is base.base  # the big segment is shared, not copied
    assert followed.n_alive == 99 and followed.tail is not None
    assert postings_of(followed, 8) == postings_of(FieldPostings.of(now, 8), 8)
    assert (7, 99, 2) in postings_of(followed, 8)
    # Past MERGE_SHARE of changed documents, it is built whole again.
    many = np.ones(100, bool)
    many[: int(MERGE_SHARE * 100) + 1] = False
    rebuilt = base.followed(stats.select(many), many, 8)
    assert rebuilt.base is not base.base and rebuilt.tail is None and rebuilt.base_pos is None


@settings(max_examples=100, deadline=None)
@given(doc_lists, st.data())
def test_followed_bm25_scores_are_bit_identical_to_a_fresh_one(docs, data):
    keep = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))), bool
    )
    added = data.draw(doc_lists)
    stats = TermCounts.from_docs(docs)
    now = TermCounts.concat([stats.select(keep), TermCounts.from_docs(added)])
    if not now.n_docs:
        return
    fresh = BM25(now, 10)
    followed = BM25(stats, 10)
    with patch.object(postings_module, "MERGE_SHARE", float("inf")):
        followed.postings = followed.postings.followed(now, keep, 10)
    followed.model = followed.model.followed(stats, keep, now, 10, followed.postings)
    query = data.draw(st.lists(st.integers(0, 9), min_size=1, max_size=4))
    np.testing.assert_array_equal(followed.scores(query), fresh.scores(query))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_sums_are_added_by_id_then_field_as_a_folded_table_added_them(data):
    """Float32 sums depend on their order: ``add_in_order`` adds every (rank, field) group in
    turn, bit for bit as a loop over them would (the order one folded table of weights used)."""
    n_ranks, n_out = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 8))
    fields, ranks_of = [], []
    for _ in range(data.draw(st.integers(1, 4))):
        ranks = sorted(data.draw(st.sets(st.integers(0, n_ranks - 1))))
        counts = [data.draw(st.integers(0, 4)) for _ in ranks]
        n = sum(counts)
        ranks_of.append(ranks)
        fields.append(
            (
                np.array([data.draw(st.integers(0, n_out - 1)) for _ in range(n)], np.int64),
                np.array([data.draw(st.floats(-100, 100, width=32)) for _ in range(n)], np.float32),
                np.array(counts, np.int64),
            )
        )
    expected = np.zeros(n_out, np.float32)
    for rank in range(n_ranks):
        for field_ranks, (slots, weights, lengths) in zip(ranks_of, fields, strict=True):
            of_rank = np.repeat(field_ranks, lengths) == rank
            for s, w in zip(slots[of_rank], weights[of_rank], strict=True):
                expected[s] += w
    got = np.zeros(n_out, np.float32)
    add_in_order(got, ranks_of, fields)
    np.testing.assert_array_equal(got, expected)


# ------------------------------------------------------------------ segment maxima


@given(
    st.lists(st.lists(st.floats(0, 100), min_size=1, max_size=12), max_size=30), st.integers(1, 5)
)
def test_segment_max_is_each_runs_maximum(runs: list[list[float]], width: int) -> None:
    layout = SegmentMax(np.array([len(r) for r in runs], dtype=np.int64), width)
    values = np.zeros(layout.n_slots)
    values[layout.positions] = [v for r in runs for v in r]
    assert layout.reduce(values).tolist() == [max(r) for r in runs]


def test_the_bm25_core_uses_public_apis_only() -> None:
    # scipy's compiled kernels through ``scipy.sparse``'s public arrays, not ``_sparsetools``.
    for module in (
        "bm25.py",
        "postings.py",
        "scoring.py",
        "term_counts.py",
        "rerank.py",
        "selection.py",
    ):
        source = next((Path(__file__).resolve().parents[1] / "index").rglob(module)).read_text()
        assert not re.search(r"\b(?:scipy|numpy|np)(?:\.\w+)*\._\w", source), module
        assert "_sparsetools" not in source, module
