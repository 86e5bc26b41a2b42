"""Words of the language, not of the site (issue 10, round 23; on by default since): a real
English word the site lacks is no typo of a site word, and a common one the site lacks weighs
less when declining (``english``, ``QueryReader.is_language_word``, ``decline.BY_LANGUAGE``),
read against wordfreq's small English list. These test the app as shipped; ``off`` is the
reading before round 23 (``bench.common.language_off``'s, for measuring)."""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys

import pytest
from retrieval_support import briefs_index
from test_small_sites import CATS, FOOD, OFF_TOPIC, POSTS

from index.retrieval import decline
from index.retrieval.query import FUSED_STOPWORDS, LANGUAGE_WORDS
from index.search import SearchIndex
from index.terms.english import ENGLISH, English, small_list

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
    "2024-01-11-food.md": FOOD,
}
# One post on sleep and one on food: every word the site holds weighs little.
TWO = {
    "2024-01-01-cats.md": CATS,
    "2024-01-11-food.md": FOOD,
}


def off(index: SearchIndex) -> SearchIndex:
    """A copy of ``index`` reading questions as before round 23 (``index`` is left as shipped)."""
    other = copy.copy(index)
    other.reader = index.reader.with_language_words(None, 0.0)
    other.language = None
    other.decline_rule = decline.BEST_OF_THREE
    return other


def at(index: SearchIndex, level: float) -> SearchIndex:
    """A copy of ``index`` with language words at ``level`` (shipped: ``LANGUAGE_WORDS``)."""
    other = copy.copy(index)
    other.reader = index.reader.with_language_words(ENGLISH, level)
    return other


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("language-site"), SITE)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("language-two"), TWO)


def test_it_is_on_as_shipped(site: SearchIndex) -> None:
    assert site.language is ENGLISH and site.reader.language is ENGLISH
    assert site.reader.language_words == LANGUAGE_WORDS == 3.3 and site.reader.language_gap == 2
    assert site.decline_rule is decline.RULE is decline.BY_LANGUAGE
    # One list for every index, read once per process (``small_list``, at its first look-up).
    assert English().frequencies is ENGLISH.frequencies is small_list()


def test_the_list_is_read_at_its_first_look_up_not_at_import() -> None:
    """wordfreq's import brings ftfy and ~0.1 s: a process answering a question whose words the
    site all has never needs it."""
    code = (
        "import sys; from index.search import SearchIndex; from index.terms.english import ENGLISH;"
        "assert 'wordfreq' not in sys.modules; ENGLISH.zipf('cat');"
        "assert 'wordfreq' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_zipf_reads_the_small_english_list() -> None:
    assert ENGLISH.zipf("the") > ENGLISH.zipf("bad") > ENGLISH.zipf("taxes") > 4.0
    assert ENGLISH.zipf("Lagos") == ENGLISH.zipf("lagos") > 3.0
    assert ENGLISH.zipf("happend") == 0.0 and ENGLISH.zipf("goverment") == 0.0  # misspellings
    assert ENGLISH.listed(["weird", "wierd", "taxes"], 4.0) == ["weird", "taxes"]


def test_a_real_word_the_site_lacks_is_no_typo(site: SearchIndex) -> None:
    question = "what do cats think about taxes"
    # Before round 23: "taxes" was read as a typo of "takes" (one edit), which two posts hold.
    assert "take" in off(site).reader.plan(question).weight_of
    plan = site.reader.plan(question)
    assert "take" not in plan.weight_of and "tax" in plan.weight_of
    assert site.reader.has_unknown_word(plan)
    assert site.search(question).declined


def test_a_misspelling_is_still_corrected(site: SearchIndex) -> None:
    assert "water" in site.reader.plan("how much watter does a starter need").weight_of
    # "mornin" is listed (Zipf 3.1) but one edit from "morning" (5.3), which the site has.
    low = at(site, 3.0)
    assert ENGLISH.zipf("mornin") >= 3.0 and not low.reader.is_language_word("mornin")
    assert "morn" in low.reader.plan("when to run, mornin or evening").weight_of


def test_a_contraction_without_its_apostrophe_is_a_stopword(site: SearchIndex) -> None:
    assert {"whats", "dont", "im"} <= FUSED_STOPWORDS
    plan = site.reader.plan("whats a sourdough starter")
    assert set(plan.weight_of) == {"sourdough", "starter"} and not plan.unknown
    assert off(site).reader.plan("whats a sourdough starter").weight_of != plan.weight_of


@pytest.mark.parametrize("name", ["site", "two"])
def test_a_common_word_the_site_lacks_does_not_decline_what_it_covers(
    name: str, request: pytest.FixtureRequest
) -> None:
    index: SearchIndex = request.getfixturevalue(name)
    covered = ["is chocolate bad for cats", "can cats eat onions", "what foods are bad for cats"]
    if name == "two":  # (before round 23, "bad" and "eat" weighed as the site's rarest words)
        assert all(off(index).search(q).declined for q in covered)
    for question in covered:
        assert not index.search(question).declined, question
    for question in [*OFF_TOPIC, "is lasagna bad for cats", "can cats eat lasagna"]:
        assert index.search(question).declined, question


def test_a_server_reads_the_list_when_it_warms_the_index(two: SearchIndex) -> None:
    other = copy.copy(two)
    other.language = English()  # (not read yet)
    assert not other.language.loaded
    other.warm()
    assert other.language.loaded


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
