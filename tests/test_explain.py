"""Explaining an answer from the ranking's own data (the bot's test site, a real index)."""

from __future__ import annotations

import pytest

from index.explain import explain
from index.search import SearchIndex
from index.storage.service import IndexService

SEED_POST = "briefs/2020-06-21-face-recog-police.md"


@pytest.fixture
def index(bot_service: IndexService) -> SearchIndex:
    assert bot_service.current is not None
    return bot_service.current


def test_explains_cited_passages_field_by_field(index: SearchIndex) -> None:
    question = "Which companies stopped selling face recognition to police?"
    why = explain(index, question, cited=3)
    answer = index.search(question, 12)
    assert not why.declined
    assert [c.post_id for c in why.cited] == [r.post_id for r in answer.results[:3]]
    first = why.cited[0]
    assert first.post_id == SEED_POST
    fields = {p.field: p for p in first.parts}
    assert {"sell", "face", "recognit"} <= set(fields["body"].terms)
    assert "polic" in fields["title"].terms
    assert "sentence" in fields and any(" " in t for t in fields["phrase"].terms)
    # The parts add up to (about) the ranking's own score, before its post-level bonus.
    assert first.parts_total == pytest.approx(first.shown_score, rel=0.2)
    assert first.parts_total <= first.shown_score * 1.01
    # The next posts scored lower, and we say which words they lack.
    for runner in why.next_posts:
        assert runner.post_id not in {c.post_id for c in why.cited}
        assert runner.shown_score <= first.shown_score


def test_explains_typo_fixes_and_unknown_words(index: SearchIndex) -> None:
    why = explain(index, "recogniton moratorium zzqxv")
    assert "recognit" in why.typo_fixes.get("recogniton", ())
    assert "zzqxv" in why.unknown
