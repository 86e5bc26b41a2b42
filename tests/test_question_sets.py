"""The bench question sets are well formed: a figure measured on a set with a missing gold post or
an answer span no post holds would count a question as failed whatever the bot shows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from retrieval_support import CORPUS, ROOT, needs_shared

from index.evaluation import load_questions, normalise

SETS = sorted((ROOT / "bench" / "questions").glob("*.jsonl"))
KINDS = {"paraphrase", "fact", "keyword", "typo", "broad", "unanswerable"}


def test_every_set_is_found() -> None:
    names = {path.stem for path in SETS}
    training = {"tune", "train2", "train3", "train4", "train5", "train6"}
    assert training | {"held", "held2", "held3", "held4", "held5", "held6"} <= names


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_ids_kinds_and_categories(path: Path) -> None:
    questions = load_questions(path)
    counts = Counter(q.id for q in questions)
    assert [i for i, n in counts.items() if n > 1] == []
    for q in questions:
        assert q.kind in KINDS, q.id
        if q.kind == "unanswerable":
            assert (q.gold, q.answer, q.category) == ([], "", "none"), q.id
        else:
            assert q.gold and q.answer, q.id
            assert len(set(q.gold)) == len(q.gold), q.id
            assert q.category == q.gold[0].split("/")[0], q.id


@needs_shared
@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_gold_posts_exist_and_hold_the_answer(path: Path) -> None:
    posts = CORPUS / "_posts"
    for q in load_questions(path):
        for gold in q.gold:
            assert (posts / gold).is_file(), (q.id, gold)
        if q.gold:
            text = normalise((posts / q.gold[0]).read_text(encoding="utf-8"))
            assert normalise(q.answer) in text, q.id
