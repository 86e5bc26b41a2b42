"""Term-major postings made when a second question needs them: the first question's terms are
found by a pass over the document-major postings, with the very same result (so a process that
answers one question, ``briefbot ask``, builds no table and imports no scipy)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.postings import SCANNED, TermPostings
from index.term_counts import TermCounts

doc_lists = st.lists(st.lists(st.integers(0, 40), max_size=12), max_size=30)
id_lists = st.lists(st.integers(0, 50), min_size=1, max_size=10)  # (a question has terms)


@settings(max_examples=200, deadline=None)
@given(doc_lists, id_lists)
def test_a_scan_gathers_what_the_table_gathers(docs: list[list[int]], ids: list[int]) -> None:
    # Ids repeat, come in any order, and may lie past the table's terms (41..50: none).
    stats = TermCounts.from_docs(docs)
    scanned = TermPostings.of(stats, 41).gather(ids)
    postings = TermPostings.of(stats, 41)
    built = postings.table().gather(ids)
    for a, b in zip(scanned, built, strict=True):
        np.testing.assert_array_equal(a, b)
    assert scanned[1].dtype == built[1].dtype  # the counts as stored: weights come out the same


def test_the_table_is_built_only_when_a_later_question_needs_it() -> None:
    stats = TermCounts.from_docs([[1, 2, 2], [2, 3], [], [1]])
    postings = TermPostings.of(stats, 4)
    for _ in range(SCANNED):
        docs, tf, lengths = postings.gather([2, 1])
        assert postings.nbytes() == 0  # answered by a scan: no table yet
        assert docs.tolist() == [0, 1, 0, 3] and tf.tolist() == [2, 1, 1, 1]
        assert lengths.tolist() == [2, 2]
    docs, _, _ = postings.gather([2, 1])
    assert postings.nbytes() > 0 and docs.tolist() == [0, 1, 0, 3]


@settings(max_examples=200, deadline=None)
@given(doc_lists, st.integers(0, 45))
def test_document_frequencies_and_first_documents_need_no_table(
    docs: list[list[int]], n_terms: int
) -> None:
    # A loaded index derives its BM25 model (document frequencies, the order of rank-bm25's
    # mean IDF) before any table is built, and must get what the table would give.
    stats = TermCounts.from_docs(docs)
    unbuilt = TermPostings.of(stats, 41)
    built = TermPostings.of(stats, 41)
    built.table()
    np.testing.assert_array_equal(unbuilt.doc_freqs(), built.doc_freqs())
    for a, b in zip(unbuilt.first_docs(n_terms), built.first_docs(n_terms), strict=True):
        np.testing.assert_array_equal(a, b)
    assert unbuilt.nbytes() == 0  # (still no table)
