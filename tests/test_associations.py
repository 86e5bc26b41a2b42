"""Word associations learned from the site's own headings and texts
(``index/terms/associations.py``), and the learned passage scorer's ``assoc`` feature, which
reads them: a small real index where a question's word is found only through its associate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from retrieval_support import FILLER, briefs_index

from index.retrieval import passage_scorer
from index.search import SearchIndex
from index.terms import associations
from index.terms.associations import Associations

# Three stories whose headings say "lawsuit" and whose texts say "plaintiffs"; a fourth tells
# of a lawsuit in other words ("plaintiffs", never "lawsuit").
STORIES = {
    "2024-01-02-photos.md": (
        "Acme and the photographers",
        "## The Lawsuit Against Acme\n\nThe plaintiffs say Acme copied their photographs.\n",
    ),
    "2024-01-03-authors.md": (
        "Novelists and a chatbot",
        "## A Lawsuit From Novelists\n\nThe plaintiffs, three novelists, ask for damages.\n",
    ),
    "2024-01-04-dismissed.md": (
        "A judge rules on scraping",
        "## Lawsuit Dismissed\n\nA judge told the plaintiffs their claim came too late.\n",
    ),
    "2024-01-05-drone.md": (
        "Ashford and the drone maker",
        "## What Happened\n\nThe plaintiffs, the town of Ashford, want the drone maker to pay "
        "for the crash on its market square.\n",
    ),
}
QUESTION = "Why is Ashford's lawsuit aimed at the drone maker?"
# A line the site repeats under many posts (its boilerplate, shown in no answer): under the
# three lawsuit stories, it is no evidence of what a lawsuit is about.
SIGN_OFF = "Subscribe for weekly updates."
# A town's other news, saying "town" as often: without the association, no reason to prefer
# the drone story for a question on the town's lawsuit.
FAIR = {
    "2024-01-06-fair.md": (
        "A robot at the fair",
        "## The Fair\n\nThe town of Ashford held its fair, and a robot sold lemonade in the "
        "town.\n",
    )
}
SHORT_QUESTION = "Ashford town lawsuit"


def _filler(n: int, signed: int) -> dict[str, tuple[str, str]]:
    """``n`` short posts about other things (a site's usual headings and words), so that the
    stories' words are rare, as a real site's are; the first ``signed`` end on ``SIGN_OFF``."""
    return {
        f"2023-{1 + i // 28:02d}-{1 + i % 28:02d}-item.md": (
            f"Item {i}",
            f"## Story\n\n{FILLER[i % len(FILLER)]} Number {i} of the series."
            + (f" {SIGN_OFF}" if i < signed else "")
            + "\n",
        )
        for i in range(n)
    }


@pytest.fixture(scope="module")
def lawsuit_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    lawsuits = {
        name: (title, body.rstrip() + f" {SIGN_OFF}\n")
        for name, (title, body) in STORIES.items()
        if "Lawsuit" in body
    }
    pages = {**STORIES, **lawsuits, **FAIR, **_filler(120, signed=2)}
    return briefs_index(tmp_path_factory.mktemp("associations"), pages)


def _neighbours(index: SearchIndex, word: str) -> list[str]:
    table = Associations.learn(index.data)
    near, strength = table.of(index.vocab[word])
    assert np.all(np.diff(strength) <= 0)  # strongest first
    return [index.data.vocab[int(t)] for t in near]


def test_a_heading_word_is_associated_with_its_texts_words(lawsuit_index: SearchIndex) -> None:
    assert "plaintiff" in _neighbours(lawsuit_index, "lawsuit")
    # Never itself, and never the site's boilerplate (every filler post's "Story" heading).
    assert "lawsuit" not in _neighbours(lawsuit_index, "lawsuit")
    assert _neighbours(lawsuit_index, "stori") == []
    # Nor the site's boilerplate line under the lawsuit stories (its words are in no more
    # pairs than "plaintiffs" are).
    assert not {"subscrib", "week", "updat"} & set(_neighbours(lawsuit_index, "lawsuit"))


def test_learning_is_deterministic(
    lawsuit_index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = Associations.learn(lawsuit_index.data), Associations.learn(lawsuit_index.data)
    # Read in small pieces (a pair's sentences split between two; words in many blocks), the
    # same table.
    monkeypatch.setattr(associations, "CHUNK", 7)
    monkeypatch.setattr(associations, "BLOCK", 3)
    c = Associations.learn(lawsuit_index.data)
    assert len(a.neighbours)
    for name in ("ptr", "neighbours", "strength"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
        assert np.array_equal(getattr(a, name), getattr(c, name))


def test_the_feature_credits_a_passage_holding_an_associate(lawsuit_index: SearchIndex) -> None:
    index = lawsuit_index
    plan = index.reader.plan(QUESTION)
    scores, _ = index._passage_scores(plan)
    names = ("score", "assoc")
    cand, feats = index.learned_features(QUESTION, plan, scores, names)
    by_title = {
        index.posts[int(index.passage_post[int(i)])].title: row[1]
        for i, row in zip(cand, feats, strict=True)
    }
    weight = plan.weight_of
    near, strength = Associations.learn(index.data).of(index.vocab["lawsuit"])
    at = [index.data.vocab[int(t)] for t in near].index("plaintiff")
    # The drone story lacks "lawsuit" but holds its associate "plaintiffs": the word counts at
    # the association's strength (its other words lack associates it holds, or are literal).
    drone = by_title["Ashford and the drone maker"]
    assert drone >= weight["lawsuit"] / sum(weight.values()) * float(strength[at]) - 1e-9
    assert drone > 0
    # A story saying "lawsuit" itself gains nothing for that word.
    photos = by_title.get("Acme and the photographers")
    if photos is not None:
        assert photos < drone


def test_a_model_reading_associations_ranks_the_paraphrase_first(
    lawsuit_index: SearchIndex,
) -> None:
    index = lawsuit_index
    before = index.search(SHORT_QUESTION, k=3)
    saved = index.passage_model
    index.passage_model = passage_scorer.Model(("score", "assoc"), (1.0, 20.0))
    try:
        after = index.search(SHORT_QUESTION, k=3)
    finally:
        index.passage_model = saved
    assert not after.declined
    assert after.results[0].title == "Ashford and the drone maker"
    # The shipped model (no ``assoc``) puts the town's other story first.
    assert before.results[0].title == "A robot at the fair"


def test_a_tiny_or_headless_site_has_no_associations(tmp_path: Path) -> None:
    # Posts without a heading; their titles' words once each.
    pages = {f"2024-01-0{n + 1}-post.md": (f"Post {n}", text) for n, text in enumerate(FILLER)}
    index = briefs_index(tmp_path, pages)
    table = Associations.learn(index.data)
    assert len(table.neighbours) == 0 and table.n_terms == len(index.data.vocab)
    assert table.of(0)[0].size == 0 and table.of(10**6)[0].size == 0
    saved = index.passage_model
    index.passage_model = passage_scorer.Model(("score", "assoc"), (1.0, 1.0))
    try:
        answer = index.search("chess engine", k=3)
    finally:
        index.passage_model = saved
    assert not answer.declined
