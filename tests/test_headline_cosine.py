"""The headline's choice between the first results reads each one's cosine to the question when
the index has its passages' vectors (``extraction.COSINE``, issue 10 round 27a): a result
answering in other words is preferred to one ranked above it that restates the question; without
vectors (CI, a site not yet embedded) the choice is the lexical one, as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from retrieval_support import briefs_index, with_filler

from index.answers import extraction
from index.answers.extraction import Evidence, extract, prepare, priors
from index.retrieval import dense
from index.search import SearchIndex
from index.terms.analyzer import analyze

QUESTION = "When did the dockworkers' walkout at the harbour end?"
# Result 1 restates the question's subject in its words; result 2 answers it, in fewer of them.
WALKOUT = Evidence(
    "The Walkout\nDockworkers gathered at the harbour at dawn as the walkout began. "
    "The walkout at the harbour grew by the hour.",
    title="Harbour news",
    score=8.0,
    heading="The Walkout",
)
SETTLED = Evidence(
    "The dockworkers' stoppage ended in March, once the quay's owners agreed to keep a driver "
    "in every crane.",
    title="A deal at the port",
    score=6.0,
    heading="Settlement",
)


def weights(question: str) -> dict[str, float]:
    return {t: 1.0 for t in analyze(question)}


def with_cosines(*cosines: float | None) -> list[Evidence]:
    return [
        dataclasses.replace(e, similarity=c)
        for e, c in zip((WALKOUT, SETTLED), cosines, strict=True)
    ]


def test_the_result_nearer_the_question_in_meaning_gives_the_headline() -> None:
    assert extraction.COSINE > 0
    w = weights(QUESTION)
    # Without vectors, the rank prior and the words held choose result 1.
    assert extract(QUESTION, w, with_cosines(None, None)).source == 0
    # Result 2 is nearer the question in meaning (cosines as e5's differ: a few hundredths).
    found = extract(QUESTION, w, with_cosines(0.80, 0.86))
    assert found.source == 1
    assert found.headline.startswith("The dockworkers' stoppage ended in March")
    # Nearer still to result 1: it keeps the headline.
    assert extract(QUESTION, w, with_cosines(0.86, 0.80)).source == 0


def test_without_every_cosine_the_prior_is_the_rank_alone() -> None:
    rank_only = [extraction.RANK_DECAY**i for i in range(2)]
    assert priors(with_cosines(None, None)) == rank_only
    assert priors(with_cosines(0.80, None)) == rank_only  # (one missing: no cosine at all)
    near = priors(with_cosines(0.80, 0.86))
    assert near[1] == rank_only[1]  # the nearest keeps its rank's prior
    assert near[0] == pytest.approx(np.exp(extraction.COSINE * -0.06))
    # The learned window's hand-set score reads the same prior.
    assert prepare(QUESTION, weights(QUESTION), with_cosines(0.80, 0.86)).priors == near


STRIKE = """## The Walkout

Dockworkers gathered at the harbour at dawn as the walkout began. The walkout at the harbour
grew by the hour. Dockworkers sang at the harbour.
"""
DEAL = """## Settlement

The dockworkers' stoppage ended in March, once the quay's owners agreed to keep a driver in
every crane.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = with_filler(
        {
            "2024-01-02-strike.md": ("Harbour news", STRIKE),
            "2024-01-09-deal.md": ("A deal at the port", DEAL),
        }
    )
    return briefs_index(tmp_path_factory.mktemp("headline-cosine"), pages)


def words_only(site: SearchIndex) -> SearchIndex:
    """``site`` ranked by words alone (no learned scorer): only the headline reads vectors."""
    return SearchIndex(
        site.data, site.posts, site.passages, dataclasses.replace(site.weights, learned=0.0)
    )


def hand_made(index: SearchIndex) -> dense.Dense:
    """Unit vectors: the question's cosine is 0.86 to the deal, 0.80 to the strike."""
    titles = [index.post_of(i).title for i in range(len(index.passages))]
    near = {"Harbour news": 0.80, "A deal at the port": 0.86}
    vectors = np.array(
        [[near.get(t, 0.0), np.sqrt(1 - near.get(t, 0.0) ** 2), 0.0] for t in titles],
        np.float32,
    )
    return dense.Dense(vectors, lambda q: np.array([1.0, 0.0, 0.0], np.float32))


def test_a_search_hands_extraction_each_results_cosine(site: SearchIndex) -> None:
    index = words_only(site)
    before = index.search(QUESTION, k=3)
    assert [r.title for r in before.results[:2]] == ["Harbour news", "A deal at the port"]
    assert before.headline_from == 0
    index.dense = hand_made(index)
    after = index.search(QUESTION, k=3)
    assert [r.title for r in after.results[:2]] == ["Harbour news", "A deal at the port"]
    assert after.headline_from == 1
    assert after.headline.startswith("The dockworkers' stoppage ended in March")


def test_a_model_failing_on_a_question_is_asked_once(
    site: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    # The learned scorer and the headline read one look-up: a failing model is tried once, and
    # the answer is the one without vectors.
    calls: list[str] = []

    def failing(text: str) -> np.ndarray:
        calls.append(text)
        raise RuntimeError("the engine refused the text")

    index = SearchIndex(site.data, site.posts, site.passages, site.weights)
    index.dense = hand_made(index)
    index.dense.embed = failing
    answer = index.search(QUESTION, k=3)
    assert len(calls) == 1 and caplog.text.count("answered by words alone") == 1
    index.dense = None
    assert answer == index.search(QUESTION, k=3)
