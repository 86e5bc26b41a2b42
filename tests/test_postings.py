"""Term-major postings made when a second question needs them: the first question's terms are
found by a pass over the document-major postings, with the very same result (so a process that
answers one question, ``briefbot ask``, builds no table and imports no scipy)."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.retrieval import postings as postings_module
from index.retrieval.postings import SCANNED, Segment, TermPostings
from index.terms.term_counts import TermCounts

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


class _PausedStats(TermPostings):
    """A field's postings whose first read of the document-major postings by another thread
    than the one that made them waits until that thread has built the term-major table: the
    moment a concurrent question reads them while a build ends."""

    __slots__ = ("_inner", "_owner", "_reader", "reading", "table_done")

    def __init__(self, stats: TermCounts, n_terms: int) -> None:
        self._owner = threading.get_ident()
        self._reader: int | None = None
        self.reading = threading.Event()
        self.table_done = threading.Event()
        super().__init__(stats, n_terms)

    @property
    def _stats(self) -> TermCounts | None:
        if threading.get_ident() != self._owner and self._reader is None:
            self._reader = threading.get_ident()
            self.reading.set()
            assert self.table_done.wait(10)
        return self._inner

    @_stats.setter
    def _stats(self, value: TermCounts | None) -> None:
        self._inner = value


def test_a_question_while_the_table_is_being_finished_still_gets_its_postings() -> None:
    stats = TermCounts.from_docs([[1, 2, 2], [2, 3], [], [1]])
    postings = _PausedStats(stats, 4)
    out: list[Segment | BaseException] = []
    asker = threading.Thread(target=lambda: out.append(_gathered(postings, [2, 1])))
    asker.start()
    assert postings.reading.wait(10)  # the question has begun: another thread builds the table
    postings.table()
    postings.table_done.set()
    asker.join(10)
    result = out[0]
    assert not isinstance(result, BaseException), result
    docs, tf, lengths = result
    assert docs.tolist() == [0, 1, 0, 3] and tf.tolist() == [2, 1, 1, 1]
    assert lengths.tolist() == [2, 2]


def _gathered(postings: TermPostings, ids: list[int]) -> Segment | BaseException:
    try:
        return postings.gather(ids)
    except BaseException as exc:  # (reported to the test's thread)
        return exc


def test_questions_at_once_build_the_table_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = TermCounts.from_docs([[1, 2, 2], [2, 3], [], [1]])
    postings = TermPostings.of(stats, 4)
    build = postings_module._Table.of
    both_in = threading.Barrier(2)
    builds: list[int] = []

    def slow_build(stats: TermCounts, n_terms: int) -> object:
        builds.append(1)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_in.wait(1)  # (two builders meet here; one alone waits a second)
        return build(stats, n_terms)

    monkeypatch.setattr(postings_module._Table, "of", slow_build)
    threads = [threading.Thread(target=postings.table) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(builds) == 1
    assert postings.gather([2, 1])[0].tolist() == [0, 1, 0, 3]


def test_id_counts_are_bincounts_a_range_at_a_time() -> None:
    """``id_counts`` (a hashed field's 2^20 buckets a range at a time, as int32) counts as
    ``np.bincount(ids, minlength=n)`` does, ids past ``n`` included."""
    rng = np.random.default_rng(5)
    for n, top in (
        (10, 10),
        (postings_module.ID_SLICE * 3 + 7, postings_module.ID_SLICE * 3 + 7),
        (5, 12),
    ):
        ids = rng.integers(0, top, 300_000).astype(np.int32)  # (over PAIR_SLICE)
        got = postings_module.id_counts(ids, n)
        assert got.dtype == np.int32
        assert np.array_equal(got, np.bincount(ids, minlength=n))
    assert np.array_equal(postings_module.id_counts(np.zeros(0, np.int32), 4), np.zeros(4))
