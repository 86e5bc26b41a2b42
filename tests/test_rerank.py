"""Post-level re-ranking (``index/retrieval/rerank.py``): features of candidate posts, and a
post holding a question's words between its sections moved above a passage repeating a few of
them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from retrieval_support import briefs_index, with_filler

from index.retrieval import rerank
from index.retrieval.ranking import DEFAULT_WEIGHTS
from index.search import SearchIndex
from index.terms.term_counts import TermCounts


def test_features_of_candidate_posts() -> None:
    # Terms 0-3 weigh 1 each; passages 0-2 are post 0's, passage 3 post 1's.
    body = TermCounts.from_docs([[0], [1], [2, 2], [0, 1, 3]])
    heading = TermCounts.from_docs([[], [], [], []])
    title = TermCounts.from_docs([[3], []])
    terms = rerank.Terms([body, heading], [title], np.array([3, 1]), n_terms=4)
    # Candidates best first: post 1's passage, then post 0's passages 0 and 1 (not 2).
    posts, group, feats = terms.features(
        np.array([3, 0, 1]), np.array([1, 0, 0]), [0, 1, 2, 3], [1.0] * 4, 4.0
    )
    assert posts.tolist() == [1, 0]  # in order of their best candidate
    assert group.tolist() == [0, 1, 1]
    union, best, meta, matches, length = feats.T
    # Post 0: terms 0 and 1 in its candidates, 3 in its title; not 2 (its passage 2 is no
    # candidate).
    assert union.tolist() == [0.75, 0.75]
    assert best.tolist() == [0.75, 0.25]
    assert meta.tolist() == [0.0, 0.25]
    assert matches.tolist() == pytest.approx(np.log1p([1, 2]).tolist())
    assert length.tolist() == pytest.approx(np.log1p([1, 3]).tolist())
    factors = rerank.factors(feats, (0.0, 1.0, 0.0, 0.0, 0.0))
    assert factors.tolist() == pytest.approx([1.0, float(np.exp(-0.5))])


SPREAD = """## The Walkout

The dockworkers walked out for four days in March.

## The Machines

Twelve gantry cranes now run without a driver in the cab.

## The Settlement

A supervisor stays in every control room until 2025.
"""
REPEATS = """## Notes

The dockworkers of another harbour talked about gantry work, and more gantry work, and the
dockworkers said gantry work suited dockworkers.
"""


@pytest.fixture(scope="module")
def spread_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = with_filler(
        {
            "2024-01-02-harbour.md": ("Harbour news", SPREAD),
            "2024-01-03-other.md": ("Other harbour", REPEATS),
        }
    )
    return briefs_index(tmp_path_factory.mktemp("rerank"), pages)


QUESTION = (
    "Why did the dockworkers walk out over gantry work, and is a supervisor in the room until 2025?"
)


def test_a_post_holding_the_question_between_its_sections_is_moved_up(
    spread_index: SearchIndex,
) -> None:
    def first_post(question: str, rerank: float = 1.0, rerank_below: float = 0.4) -> str:
        # (The learned passage scorer off: this is re-ranking's own effect.)
        weights = dataclasses.replace(
            DEFAULT_WEIGHTS, rerank=rerank, rerank_below=rerank_below, learned=0.0
        )
        index = SearchIndex(spread_index.data, spread_index.posts, spread_index.passages, weights)
        answer = index.search(question, k=3)
        assert not answer.declined
        return answer.results[0].post_id

    assert (DEFAULT_WEIGHTS.rerank, DEFAULT_WEIGHTS.rerank_below) == (1.0, 0.4)
    # No passage holds much of the question (the best about a third): re-ranked (the default),
    # the post whose three sections hold most of it between them comes first; without, the
    # other post's passage repeating three of its words.
    assert first_post(QUESTION) == "briefs/2024-01-02-harbour.md"
    assert first_post(QUESTION, rerank=0.0) == "briefs/2024-01-03-other.md"
    # A question one passage holds much of is left in BM25's order, re-ranked or not.
    assert first_post(QUESTION, rerank_below=0.3) == "briefs/2024-01-03-other.md"


def test_declining_judges_the_passages_before_re_ranking(spread_index: SearchIndex) -> None:
    # "waterproof" and "klondike" are nowhere in the content: declined with re-ranking on too
    # (re-ranking favours the post holding most of the question, not a reason to answer).
    for scale in (0.0, 8.0):
        weights = dataclasses.replace(DEFAULT_WEIGHTS, rerank=scale)
        index = SearchIndex(spread_index.data, spread_index.posts, spread_index.passages, weights)
        assert index.search("Are gantry cranes waterproof in the klondike?").declined


def test_explaining_a_re_ranked_answer_names_the_factor(spread_index: SearchIndex) -> None:
    from index.explain import explain

    why = explain(spread_index, QUESTION, cited=1)
    factors = {w.post_id: w.rerank for w in (*why.cited, *why.next_posts)}
    # BM25's first post keeps its score; the post holding the question between its sections
    # was moved up, and its parts carry the factor, so they still add up to (about) the score
    # it was shown with.
    assert factors["briefs/2024-01-02-harbour.md"] > 1.0
    assert factors["briefs/2024-01-03-other.md"] == 1.0
    for w in (*why.cited, *why.next_posts):
        assert w.parts_total == pytest.approx(w.shown_score, rel=0.2)
