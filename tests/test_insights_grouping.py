"""Grouping the question log's near-duplicates: the same groups as comparing every question
with every earlier group (the definition), without those comparisons on a busy log."""

from __future__ import annotations

import importlib
import random
from collections import Counter

import pytest
from retrieval_support import ROOT

from index.insights import SAME_QUESTION, QuestionGrouper, group_questions, question_terms

# Words the analyzer keeps as distinct terms; few of them, so that questions overlap often and
# shares land on and around the threshold (3/5, 2/3, 3/4, ...).
WORDS = [
    "football",
    "scores",
    "robot",
    "tesla",
    "chess",
    "vision",
    "music",
    "weather",
    "ibm",
    "police",
    "face",
    "drone",
]
FILLER = ["the", "what", "?", "of", "about", "  "]  # stopwords and punctuation: no terms


def generated_log(rng: random.Random, n: int) -> list[str]:
    asked: list[str] = []
    for _ in range(n):
        if asked and rng.random() < 0.4:  # a rewording of an earlier question
            words = asked[rng.randrange(len(asked))].split()
            if words and rng.random() < 0.5:
                words.pop(rng.randrange(len(words)))
            if rng.random() < 0.5:
                words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS + FILLER))
            rng.shuffle(words)
        else:
            size = rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 6, 8])
            words = rng.sample(WORDS, size) + rng.sample(FILLER, rng.randrange(3))
        asked.append(" ".join(words) or "?")
    return asked


@pytest.mark.parametrize("same", [SAME_QUESTION, 0.5, 0.75, 1.0, 0.0])
def test_the_groups_are_those_of_comparing_every_pair(
    same: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The definition: the grouping before the prefix filter, kept as bench/insights' baseline.
    monkeypatch.syspath_prepend(str(ROOT))  # (``bench`` is the project's scripts, not installed)
    pairwise_groups = importlib.import_module("bench.insights").pairwise_groups
    rng = random.Random(7)
    for _ in range(60):
        log = generated_log(rng, rng.randrange(1, 120))
        grouper = QuestionGrouper({}, same)  # no rarity order: any order gives the same groups
        for q in log:
            grouper.add(q, question_terms(q))
        expected = pairwise_groups(log, same)
        assert grouper.members == expected
        got = group_questions(log, same)
        assert [(g.question, g.count) for g in got] == [
            (" ".join(m[0].split()), len(m)) for m in sorted(expected, key=lambda m: -len(m))
        ]


def test_a_busy_log_is_not_compared_with_every_earlier_group() -> None:
    # 3,000 different questions, each of its own two rare words and a common one: comparing
    # each with every earlier group (the old grouping) makes 4.5 million comparisons.
    log = [f"football w{i}x w{i}y" for i in range(3000)]
    counts = Counter(t for q in log for t in question_terms(q))
    rarest = sorted(counts, key=lambda t: (counts[t], t))  # as ``group_questions`` orders them
    grouper = QuestionGrouper({t: i for i, t in enumerate(rarest)})
    for q in log:
        grouper.add(q, question_terms(q))
    assert len(grouper.members) == 3000
    assert grouper.compared < 3000
