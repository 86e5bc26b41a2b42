"""``index.retrieval.similarity``: a question's cosines to the passages read as a no-answer
signal (issue 10, round 24b; measured with ``bench.fit_similarity_decline``, not shipped)."""

from __future__ import annotations

import numpy as np
import pytest

from index.retrieval.similarity import Similarity, SimilarityRule, declines, similarity


def test_the_margin_is_measured_against_the_questions_own_typical_passage() -> None:
    # Two questions with the same best cosine: one close to everything on the site (a general
    # question, or any question on a site of one topic), one close to one passage only.
    general = similarity(np.array([0.90, 0.88, 0.87, 0.86, 0.85]), [])
    pointed = similarity(np.array([0.90, 0.70, 0.71, 0.72, 0.69]), [])
    assert general.best == pointed.best == pytest.approx(0.90)
    assert general.typical == pytest.approx(0.87)  # the median
    assert general.margin == pytest.approx(0.03)
    assert pointed.margin == pytest.approx(0.19)
    rule = SimilarityRule(margin_below=0.1)
    assert declines(general, 0.2, rule)
    assert not declines(pointed, 0.2, rule)


def test_the_typical_cosine_is_the_quantile_asked_for() -> None:
    cosines = np.linspace(0.0, 1.0, 101)
    assert similarity(cosines, [], 0.9).typical == pytest.approx(0.9)
    assert similarity(cosines, [], 0.5).typical == pytest.approx(0.5)


def test_the_first_results_best_is_read_among_their_passages_only() -> None:
    cosines = np.array([0.5, 0.9, 0.6, 0.7, 0.4])
    found = similarity(cosines, [3, 0])
    assert found.best == pytest.approx(0.9)
    assert found.first == pytest.approx(0.7)
    assert similarity(cosines, []).first == pytest.approx(0.9)  # none given: the best of all
    # The rule reads the first results' best when told to: 0.7 - 0.6 = 0.1, 0.9 - 0.6 = 0.3.
    assert declines(found, 0.0, SimilarityRule(0.2, use_first=True))
    assert not declines(found, 0.0, SimilarityRule(0.2))


def test_a_question_the_words_cover_is_not_declined_on_its_meaning() -> None:
    found = Similarity(best=0.80, first=0.80, typical=0.79)  # a margin of 0.01
    rule = SimilarityRule(margin_below=0.05, cover_below=0.6)
    assert declines(found, 0.59, rule)
    assert not declines(found, 0.6, rule)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="one cosine per passage"):
        similarity(np.array([]), [])
    with pytest.raises(ValueError, match="one cosine per passage"):
        similarity(np.ones((2, 2)), [])
    with pytest.raises(ValueError, match="quantile"):
        similarity(np.ones(3), [], 1.5)
