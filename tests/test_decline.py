"""Declining (``index/retrieval/decline.py``): the rules, the evidence they read, and questions a
small site answers or declines because of them (issue 10, round 15). The default is
``decline.BY_LANGUAGE`` (``BEST_OF_THREE`` reading how common in English a missing word is,
round 23: ``test_language_words.py``); round 2's rule (``FIRST_POST``) and the cross-fitted one
(``CROSS_FITTED``) are tested on indexes set to them."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
from pathlib import Path

import pytest
from retrieval_support import CORPUS, ROOT, SharedIndex, briefs_index, built_index, copy_site

from index.retrieval import decline
from index.retrieval.decline import (
    BEST_OF_THREE,
    CROSS_FITTED,
    FIRST_POST,
    Evidence,
    Rule,
    declines,
)
from index.search import SearchIndex, explain_decline
from index.storage.service import IndexService

HARBOUR = """## The Walkout

The dockworkers walked out for four days in March.

## The Machines

Twelve gantry cranes now run without a driver in the cab.

## The Settlement

A supervisor stays in every control room until 2025.
"""
# A digest: its items each hold a few of a question's words.
WEEK = """## Robots

Gantry cranes, gantry cranes: the harbour's gantry cranes were painted blue.

## Chess

A chess engine beat a grandmaster in a blitz match.

## Floods

Researchers trained a model to forecast river floods.
"""
PAGES = {
    "2024-01-02-harbour.md": ("Harbour news", HARBOUR),
    "2024-01-03-week.md": ("Last week", WEEK),
    "2024-01-04-speech.md": ("Speech", "A startup released a speech model for call centres."),
    "2024-01-05-museum.md": ("Museum", "A museum used vision models to sort old photographs."),
    "2024-01-06-bakery.md": ("Bakery", "A bakery chain tested a scheduling model for its ovens."),
    "2024-01-07-ships.md": ("Ships", "Container ships wait longer when the harbour is full."),
}
HARBOUR_POST = "briefs/2024-01-02-harbour.md"
WEEK_POST = "briefs/2024-01-03-week.md"
BAKERY_POST = "briefs/2024-01-06-bakery.md"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("decline"), PAGES)


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("decline-fixture")
    return built_index(base / "index.sqlite3", copy_site(base / "site"))


def with_rule(index: SearchIndex, rule: Rule) -> SearchIndex:
    """The same content, declining by ``rule``."""
    other = SearchIndex(index.data, index.posts, index.passages, weights=index.weights)
    other.decline_rule = rule
    return other


# ---------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("evidence", "declined"),
    [
        # a word the content lacks, and no post holding enough of the rest
        (Evidence(0.5, 0.5, 3.0, True), True),
        (Evidence(0.6, 0.5, 3.0, True), False),
        # little held, no post standing out
        (Evidence(0.2, 0.2, 1.5, False), True),
        (Evidence(0.2, 0.4, 2.5, False), False),
        # no post holding most of it, and the first passage holding little
        (Evidence(0.6, 0.3, 3.0, False), True),
        (Evidence(0.6, 0.4, 3.0, False), False),
        (Evidence(0.75, 0.1, 3.0, False), False),
    ],
)
def test_each_rule_declines_on_its_own(evidence: Evidence, declined: bool) -> None:
    assert declines(evidence, CROSS_FITTED) is declined
    assert not declines(evidence, decline.NEVER)


def test_the_shipped_rules_have_no_passage_rule() -> None:
    by_language = dataclasses.replace(
        BEST_OF_THREE, common_from=4.5, common_to=5.5, common_weight=0.5
    )
    assert decline.RULE == decline.BY_LANGUAGE == by_language
    assert BEST_OF_THREE.posts == 3 and BEST_OF_THREE.compounds
    assert BEST_OF_THREE.passage_below == 0 and FIRST_POST.posts == 1 and not FIRST_POST.compounds
    assert not declines(Evidence(0.4, 0.0, 3.0, False), FIRST_POST)
    assert declines(Evidence(0.4, 0.0, 3.0, False), CROSS_FITTED)
    assert declines(Evidence(0.58, 0.5, 3.0, True), FIRST_POST)
    assert not declines(Evidence(0.58, 0.5, 3.0, True), CROSS_FITTED)


@pytest.mark.parametrize("rule", [FIRST_POST, BEST_OF_THREE, CROSS_FITTED])
def test_a_coverage_of_enough_declines_nothing(rule: Rule) -> None:
    for passage in (0.0, 0.5):
        for lead in (1.0, 3.0):
            for unknown in (False, True):
                assert not declines(Evidence(rule.enough, passage, lead, unknown), rule)


def test_compounds_of_known_words() -> None:
    known = {"auto", "crop", "second", "gen", "gpt", "6", "pictur"}.__contains__
    found = decline.compounds_of_known_words
    assert found("what about the biased auto-crop of pictures?", known) == {"autocrop"}
    assert found("Google's second-gen model", known) == {"secondgen"}
    # A name with a digit is a thing the content may not mention; a part the content lacks
    # leaves the compound unknown; no hyphen, no compound.
    assert found("When is GPT-6 out?", known) == frozenset()
    assert found("the auto-pilot crash", known) == frozenset()
    assert found("autocrop", known) == frozenset()
    assert found("auto-crop", lambda t: True) == frozenset()  # the whole word is known
    weights = {"autocrop": 8.0, "auto": 4.0, "crop": 5.0}
    assert decline.weights_judged(weights, frozenset({"autocrop"})) == {"auto": 4.0, "crop": 5.0}


# ---------------------------------------------------------------------------- in the search


def test_a_compound_of_the_sites_words_is_no_unknown_word(fixture_index: SearchIndex) -> None:
    # "avalanche-model" as one word is nowhere in the content, but "avalanche" and "model" are,
    # and the question's words weigh them already: round 2's rule declines it as about something
    # the site never mentions (its whole word weighed as the rarest, the rest held under 0.6).
    question = "How good is the avalanche-model?"
    first = explain_decline(fixture_index, question, FIRST_POST)
    assert first is not None and first.unknown and first.coverage < FIRST_POST.unknown_below
    assert with_rule(fixture_index, FIRST_POST).search(question).declined
    evidence = explain_decline(fixture_index, question, BEST_OF_THREE)
    assert evidence is not None and not evidence.unknown and evidence.coverage == 1.0
    answer = fixture_index.search(question)  # (the default rule)
    assert not answer.declined
    assert answer.results[0].post_id == "briefs/2022-03-03-glacierfall-avalanche-model.md"


def test_a_name_with_a_digit_the_site_lacks_is_an_unknown_word(fixture_index: SearchIndex) -> None:
    evidence = explain_decline(
        fixture_index, "When will Quill-9 translate more languages?", BEST_OF_THREE
    )
    assert evidence is not None and evidence.unknown


def test_coverage_is_the_best_of_the_first_posts(small: SearchIndex) -> None:
    # BM25 ranks the digest first (it repeats "gantry cranes"); it holds under half of the
    # question, with a word the content lacks ("left"): declined when only the first post's
    # share counted. The harbour post, second, holds more than enough.
    question = "When were the painted gantry cranes left without a driver?"
    plan = small.reader.plan(question)
    assert small.post_coverage(plan, small.post_index[WEEK_POST]) < 0.5
    assert with_rule(small, FIRST_POST).search(question).declined
    evidence = explain_decline(small, question, BEST_OF_THREE)
    assert evidence is not None and evidence.unknown
    assert evidence.coverage >= BEST_OF_THREE.unknown_below
    answer = small.search(question)  # (the default rule)
    assert not answer.declined
    assert HARBOUR_POST in [r.post_id for r in answer.results]


def test_words_scattered_over_posts_are_declined_with_the_closest_titles(
    small: SearchIndex,
) -> None:
    # Every word is the site's, and the digest holds over half of them (answered before), but
    # no post holds most of the question and the first passage a quarter of it: the words are
    # about three different stories.
    question = "Were gantry cranes in the blitz match at the bakery ovens?"
    assert not small.search(question).declined  # (the default rule)
    assert not with_rule(small, FIRST_POST).search(question).declined
    evidence = explain_decline(small, question, CROSS_FITTED)
    assert evidence is not None and not evidence.unknown
    assert 0.5 < evidence.coverage < CROSS_FITTED.passage_cover_below
    assert evidence.passage < CROSS_FITTED.passage_below
    answer = with_rule(small, CROSS_FITTED).search(question)
    assert answer.declined and not answer.results and answer.message
    offered = [ref.post_id for ref in answer.suggestions]
    assert offered and set(offered) <= set(small.post_index)
    assert {WEEK_POST, BAKERY_POST} & set(offered)
    titles = {p.id: p.title for p in small.posts}
    assert all(titles[ref.post_id] == ref.title for ref in answer.suggestions)


@pytest.mark.parametrize("rule", [FIRST_POST, BEST_OF_THREE, CROSS_FITTED])
def test_a_question_the_site_answers_is_not_declined(small: SearchIndex, rule: Rule) -> None:
    index = with_rule(small, rule)
    for question in (
        "Why did the dockworkers walk out over the gantry cranes?",
        "Which model forecasts river floods?",
    ):
        answer = index.search(question)
        assert not answer.declined, question


# ---------------------------------------------------------------------------- the fit


@pytest.mark.shared
def test_the_shipped_rule_is_the_one_the_fit_chooses(
    shared_corpus_index: SharedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (bench/fit_decline.py's choice on the four training sets, refitted: the evidence of 504
    # questions, a grid of some 2,000 rules.)
    monkeypatch.syspath_prepend(str(ROOT))  # (``bench`` is the project's scripts, not installed)
    fit = importlib.import_module("bench.fit_decline")
    assert shared_corpus_index.exit_code == 0

    async def load(db: Path) -> SearchIndex:
        service = await IndexService.open(db, CORPUS)
        try:
            return await service.ensure()
        finally:
            await service.close()

    index = asyncio.run(load(shared_corpus_index.db))
    four = ("tune", "train2", "train3", "train4")  # (the sets it was fitted on)
    assert fit.choose(fit.rows(index, sets=four)) == CROSS_FITTED
