"""A passage's answer-likeness (``extraction.answer_likeness``: the learned headline model over
its windows) and the learned passage scorer's ``answer`` features read from it (issue 10,
round 28a; measured, off in the shipped models)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from retrieval_support import briefs_index, with_filler
from test_passage_scorer import QUESTION, STRIKE

from index.answers.extraction import Evidence, answer_likeness
from index.retrieval import passage_scorer
from index.retrieval.passage_scorer import Model, answer_columns
from index.retrieval.ranking import DEFAULT_WEIGHTS
from index.search import SearchIndex
from index.terms.analyzer import analyze

# The question's words one a sentence, and a passage stating the answer: the words together,
# with the year "when" asks for.
RESTATES = Evidence(
    "Dockworkers gathered at the harbour at dawn. A walkout followed. Dockworkers sang. "
    "The walkout grew. Dockworkers cheered at the harbour.",
    title="Harbour news",
    score=0.0,
    heading="The Walkout",
)
STATES = Evidence(
    "In 2024 the port gave in to the dockworkers and the walkout ended: a driver stays in every "
    "crane.",
    title="Harbour news",
    score=0.0,
    heading="How It Ended",
)


@pytest.fixture(scope="module")
def strike_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = with_filler({"2024-01-02-strike.md": ("Harbour news", STRIKE)})
    return briefs_index(tmp_path_factory.mktemp("answer-likeness"), pages)


def test_the_passage_stating_the_answer_looks_likelier() -> None:
    weights = {t: 1.0 for t in analyze(QUESTION)}
    found = answer_likeness(QUESTION, weights, [RESTATES, STATES])
    assert found.share[1] > found.share[0]
    assert found.best[1] > found.best[0]
    assert sum(found.share) == pytest.approx(1.0)
    # The focus words where a window states the year asked for: only the answer's passage.
    assert found.form_focus[0] == 0.0 and found.form_focus[1] > 0.0
    # A passage with no sentence has no window: the worst value, no share.
    empty = dataclasses.replace(STATES, text="")
    found = answer_likeness(QUESTION, weights, [empty, STATES])
    assert found.best[0] == -math.inf and found.share == [0.0, 1.0]


def test_the_answer_columns_of_candidates_not_read() -> None:
    columns = answer_columns(
        np.array([1.0, -np.inf, 0.5]), np.array([0.7, 0.0, 0.3]), 5, np.array([0.2, 0.0, 0.4])
    )
    # Relative to the best; a candidate without a window, or not read, as the worst read.
    assert columns["answer"].tolist() == [0.0, -0.5, -0.5, -0.5, -0.5]
    assert columns["answer_share"].tolist() == [0.7, 0.0, 0.3, 0.0, 0.0]
    assert columns["answer_top"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert columns["answer_form_focus"].tolist() == [0.2, 0.0, 0.4, 0.0, 0.0]
    assert answer_columns(np.array([-np.inf]), np.array([0.0]), 2) == {}


def test_the_scorer_reads_the_first_candidates_answer_likeness(
    strike_index: SearchIndex,
) -> None:
    plan = strike_index.reader.plan(QUESTION)
    scores, _ = strike_index._passage_scores(plan)
    names = ("score", *sorted(passage_scorer.ANSWER_FEATURES))
    cand, feats = strike_index.learned_features(QUESTION, plan, scores, names)
    by_heading = {
        strike_index.passages[int(i)].heading: dict(zip(names, row, strict=True))
        for i, row in zip(cand, feats, strict=True)
    }
    walkout, ended = by_heading["The Walkout"], by_heading["How It Ended"]
    assert ended["answer_share"] > walkout["answer_share"]
    assert ended["answer"] == 0.0 > walkout["answer"]
    assert ended["answer_top"] == 1.0 and walkout["answer_top"] == 0.0
    assert ended["answer_form_focus"] > walkout["answer_form_focus"] == 0.0


def test_a_model_weighing_answer_likeness_shows_the_stating_passage_first(
    strike_index: SearchIndex,
) -> None:
    index = SearchIndex(
        strike_index.data,
        strike_index.posts,
        strike_index.passages,
        dataclasses.replace(DEFAULT_WEIGHTS, learned=1.0),
    )
    # BM25 alone puts the passage repeating the question's words first.
    index.passage_model = Model(("score",), (1.0,))
    assert index.search(QUESTION, k=2).results[0].heading == "The Walkout"
    index.passage_model = Model(("score", "answer_share"), (1.0, 4.0))
    assert index.search(QUESTION, k=2).results[0].heading == "How It Ended"
    # The shipped models read none of it (measured in round 28a, not adopted).
    assert not passage_scorer.ANSWER_FEATURES & set(passage_scorer.MODEL.features)
    assert not passage_scorer.ANSWER_FEATURES & set(passage_scorer.DENSE_MODEL.features)
