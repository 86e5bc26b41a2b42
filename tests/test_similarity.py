"""``index.retrieval.similarity``: a question's cosines to the passages read as a no-answer
signal (issue 10, round 24b; measured with ``bench.fit_similarity_decline``, not shipped)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.retrieval.similarity import (
    Similarity,
    SimilarityRule,
    decided,
    declines,
    rescues,
    similarity,
)


def test_the_first_results_best_is_read_among_their_passages_only() -> None:
    cosines = np.array([0.5, 0.9, 0.6, 0.7, 0.4])
    found = similarity(cosines, [4, 3, 0, 1])
    assert found.best == pytest.approx(0.9)
    assert found.firsts == pytest.approx((0.4, 0.7, 0.7, 0.9))  # the best of the first 1, 2, …
    assert found.first(1) == pytest.approx(0.4)
    assert found.first(3) == pytest.approx(0.7)
    assert found.first(10) == pytest.approx(0.9)  # fewer results: the best of them
    assert found.first(0) == pytest.approx(0.9)  # 0: every passage
    assert similarity(cosines, []).first(5) == pytest.approx(0.9)  # no results: every passage


def test_the_typical_cosine_is_the_quantile_asked_for() -> None:
    cosines = np.linspace(0.0, 1.0, 101)
    assert similarity(cosines, [], 0.9).typical == pytest.approx(0.9)
    assert similarity(cosines, [], 0.5).typical == pytest.approx(0.5)


def test_declining_needs_the_meaning_far_and_the_words_missing_both() -> None:
    far = Similarity(best=0.90, firsts=(0.80, 0.82), typical=0.78)
    rule = SimilarityRule(cosine_below=0.85, cover_below=0.6, results=2)
    assert declines(far, 0.5, 1.0, rule)  # the first two results' best, 0.82, is under 0.85
    assert not declines(far, 0.6, 1.0, rule)  # the best post holds enough of the question
    assert not declines(far, 0.5, 1.0, SimilarityRule(0.85, cover_below=0.6, results=0))  # 0.9
    passage_rule = SimilarityRule(cosine_below=0.85, passage_below=0.4, results=2)
    assert declines(far, 1.0, 0.39, passage_rule)
    assert not declines(far, 1.0, 0.4, passage_rule)


def test_the_relative_reading_measures_a_question_against_its_own_typical_passage() -> None:
    # The same best cosine: one question close to everything on the site, one to one passage.
    general = similarity(np.array([0.90, 0.88, 0.87, 0.86, 0.85]), [])
    pointed = similarity(np.array([0.90, 0.70, 0.71, 0.72, 0.69]), [])
    rule = SimilarityRule(cosine_below=0.1, results=0, relative=True)
    assert declines(general, 0.0, 0.0, rule)  # 0.90 - 0.87
    assert not declines(pointed, 0.0, 0.0, rule)  # 0.90 - 0.71
    assert not declines(general, 0.0, 0.0, SimilarityRule(cosine_below=0.1, results=0))


def test_a_lexical_decline_is_undone_only_by_a_passage_standing_out() -> None:
    rule = SimilarityRule(cosine_below=-1.0, answer_margin=0.085)
    pointed = Similarity(best=0.90, firsts=(0.90,), typical=0.80)
    general = Similarity(best=0.90, firsts=(0.90,), typical=0.83)
    assert rescues(pointed, rule) and not rescues(general, rule)
    assert not decided(pointed, 0.2, 0.2, True, rule)  # declined by the words, answered
    assert decided(general, 0.2, 0.2, True, rule)
    assert not rescues(pointed, SimilarityRule(cosine_below=-1.0))  # no margin: never
    assert SimilarityRule(0.8).answer_margin == math.inf
    # Either rule declines: a rescued question is still declined by ``declines``.
    both = SimilarityRule(cosine_below=0.95, answer_margin=0.085, results=0)
    assert decided(pointed, 0.2, 0.2, True, both)
    assert decided(pointed, 0.2, 0.2, False, both)
    assert not decided(pointed, 0.2, 0.2, False, rule)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="one cosine per passage"):
        similarity(np.array([]), [])
    with pytest.raises(ValueError, match="one cosine per passage"):
        similarity(np.ones((2, 2)), [])
    with pytest.raises(ValueError, match="quantile"):
        similarity(np.ones(3), [], 1.5)
