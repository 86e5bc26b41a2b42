"""Words of the language, not of the site (issue 10, round 23; off by default: measured, not
adopted): a real English word the site lacks is no typo of a site word, and a common one the
site lacks weighs less when declining (``english``, ``QueryReader.is_language_word``,
``decline.BY_LANGUAGE``), read against wordfreq's small English list. wordfreq is not a
dependency of the app (the bench extra has it): skipped without it."""

from __future__ import annotations

import dataclasses

import pytest
from retrieval_support import briefs_index
from test_small_sites import CATS, OFF_TOPIC, POSTS

from index.retrieval import decline
from index.retrieval.query import FUSED_STOPWORDS
from index.search import SearchIndex
from index.terms.english import English

wordfreq = pytest.importorskip("wordfreq", reason="wordfreq (the bench extra) not installed")
ENGLISH = English(wordfreq.get_frequency_dict("en", wordlist="small"))

# Ten posts, "takes" and "morning" in two passages each (a typo is corrected only to a word in
# two or more), and one post on foods cats must not have.
SITE = dict(POSTS) | {
    "2024-01-04-bread.md": (
        "Baking sourdough bread",
        "A sourdough starter is flour and water left to ferment. It takes a week of feeding, "
        "best in the morning.",
    ),
    "2024-01-08-running.md": (
        "Your first 5k run",
        "Start with run-walk intervals three times a week. It takes most people two months. "
        "Run in the morning.",
    ),
    "2024-01-11-food.md": (
        "Foods that harm cats",
        "Chocolate, onions and grapes are toxic to cats. Keep them off the kitchen counter.",
    ),
}
# One post on sleep and one on food: every word the site holds weighs little.
TWO = {
    "2024-01-01-cats.md": CATS,
    "2024-01-11-food.md": SITE["2024-01-11-food.md"],
}


def with_language(index: SearchIndex, on: bool, at: float = 3.3) -> SearchIndex:
    """``index`` reading questions with language words on (``at``) or off, as it ships."""
    index.reader = index.reader.with_language_words(ENGLISH if on else None, at)
    index.language = ENGLISH
    index.decline_rule = decline.BY_LANGUAGE if on else decline.RULE
    return index


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("language-site"), SITE)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("language-two"), TWO)


def test_zipf_reads_the_small_english_list() -> None:
    assert ENGLISH.zipf("the") > ENGLISH.zipf("bad") > ENGLISH.zipf("taxes") > 4.0
    assert ENGLISH.zipf("Lagos") == ENGLISH.zipf("lagos") > 3.0
    assert ENGLISH.zipf("happend") == 0.0 and ENGLISH.zipf("goverment") == 0.0  # misspellings
    assert ENGLISH.listed(["weird", "wierd", "taxes"], 4.0) == ["weird", "taxes"]


def test_a_real_word_the_site_lacks_is_no_typo(site: SearchIndex) -> None:
    question = "what do cats think about taxes"
    # As shipped: "taxes" is read as a typo of "takes" (one edit), which two posts hold.
    assert "take" in with_language(site, False).reader.plan(question).weight_of
    plan = with_language(site, True).reader.plan(question)
    assert "take" not in plan.weight_of and "tax" in plan.weight_of
    assert site.reader.has_unknown_word(plan)
    assert site.search(question).declined


def test_a_misspelling_is_still_corrected(site: SearchIndex) -> None:
    with_language(site, True)
    assert "water" in site.reader.plan("how much watter does a starter need").weight_of
    # "mornin" is listed (Zipf 3.1) but one edit from "morning" (5.3), which the site has.
    with_language(site, True, at=3.0)
    assert ENGLISH.zipf("mornin") >= 3.0 and not site.reader.is_language_word("mornin")
    assert "morn" in site.reader.plan("when to run, mornin or evening").weight_of


def test_a_contraction_without_its_apostrophe_is_a_stopword(site: SearchIndex) -> None:
    assert {"whats", "dont", "im"} <= FUSED_STOPWORDS
    plan = with_language(site, True).reader.plan("whats a sourdough starter")
    assert set(plan.weight_of) == {"sourdough", "starter"} and not plan.unknown


@pytest.mark.parametrize("name", ["site", "two"])
def test_a_common_word_the_site_lacks_does_not_decline_what_it_covers(
    name: str, request: pytest.FixtureRequest
) -> None:
    index: SearchIndex = request.getfixturevalue(name)
    covered = ["is chocolate bad for cats", "can cats eat onions", "what foods are bad for cats"]
    if name == "two":  # (as shipped, "bad" and "eat" weigh as the site's rarest words)
        with_language(index, False)
        assert all(index.search(q).declined for q in covered)
    with_language(index, True)
    for question in covered:
        assert not index.search(question).declined, question
    for question in [*OFF_TOPIC, "is lasagna bad for cats", "can cats eat lasagna"]:
        assert index.search(question).declined, question


def test_a_common_words_weight_falls_with_its_frequency() -> None:
    rule = decline.BY_LANGUAGE
    assert rule.missing_share(ENGLISH.zipf("chocolate")) == 1.0  # (4.49: a topic word)
    assert 0.5 < rule.missing_share(ENGLISH.zipf("eat")) < 1.0
    assert rule.missing_share(ENGLISH.zipf("think")) == 0.5
    assert dataclasses.replace(rule, common_from=0.0).missing_share(7.0) == 1.0  # (off)
    weights = {"chocol": 2.0, "bad": 2.0, "cat": 1.0}
    judged = decline.by_language(weights, {"chocol": 4.49, "bad": 5.53}, rule)
    assert judged == {"chocol": 2.0, "bad": 1.0, "cat": 1.0}
    asking = dataclasses.replace(rule, asking_from=5.0)
    assert decline.by_language(weights, {"chocol": 4.49, "bad": 5.53}, asking) == {
        "chocol": 2.0,
        "cat": 1.0,
    }
