"""A compound name's parts in a question ("gpt" and "3" of "GPT-3") count as a part of one
word, not as two more words (``QueryReader.parts_of_names``, ``RankingWeights.name_parts``)."""

from __future__ import annotations

import dataclasses

import pytest
from retrieval_support import briefs_index

from index.retrieval.ranking import DEFAULT_WEIGHTS
from index.search import SearchIndex
from index.terms.analyzer import name_parts

PAGES = {
    # The answer: it never names the model, the question's other words are all there.
    "2024-03-01-lawsuit.md": (
        "Publishers go to court",
        "## What happened\n\nEight newspapers sued a chatbot's maker over copyright, "
        "saying it copied their archives without a licence.\n",
    ),
    # Names the model, with its version and family again and again, and one word of the
    # question.
    "2024-03-02-review.md": (
        "A new model",
        "## Review\n\nGPT-4 beats the GPT 3 family on 4 of 4 tests; GPT-4 also writes for "
        "newspapers, and 4 more GPT models follow.\n",
    ),
    "2024-03-03-chess.md": ("Chess", "## Story\n\nA chess engine beat a grandmaster in 4 games.\n"),
    "2024-03-04-floods.md": ("Floods", "## Story\n\nA model forecast 3 river floods early.\n"),
    "2024-03-05-ovens.md": ("Ovens", "## Story\n\nA bakery tested a model for its ovens.\n"),
    "2024-03-06-photos.md": ("Photos", "## Story\n\nA museum sorted photographs with GPT-4.\n"),
    **{
        f"2024-04-0{n}-filler.md": (
            f"Item {n}",
            f"## Story\n\nA robot of kind {n} sorted parcels.\n",
        )
        for n in range(1, 8)
    },
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("name_parts"), PAGES)


def first_post(index: SearchIndex, question: str, parts: float) -> str:
    # (The learned passage scorer off: this is the name parts' own effect on BM25's order.)
    weights = dataclasses.replace(DEFAULT_WEIGHTS, name_parts=parts, learned=0.0)
    answer = SearchIndex(index.data, index.posts, index.passages, weights).search(question, k=3)
    assert not answer.declined
    return answer.results[0].post_id


QUESTION = "Which newspapers sued the makers of GPT-4?"


def test_a_names_parts_do_not_outweigh_the_questions_other_words(index: SearchIndex) -> None:
    assert DEFAULT_WEIGHTS.name_parts == 0.25
    # "GPT-4" is searched as gpt4, gpt and 4: weighed as three words (1.0, before), the post
    # repeating them beats the one holding every other word of the question.
    assert first_post(index, QUESTION, 0.25) == "briefs/2024-03-01-lawsuit.md"
    assert first_post(index, QUESTION, 1.0) == "briefs/2024-03-02-review.md"


def test_parts_count_in_full_when_used_alone_or_when_the_name_is_unknown(
    index: SearchIndex,
) -> None:
    reader = index.reader
    assert reader.parts_of_names(QUESTION) == {"gpt", "4"}
    # "4" is asked about on its own too; the rest of the name's parts still count less.
    assert reader.parts_of_names("Did GPT-4 pass 4 exams?") == {"gpt"}
    # No post says "GPT-9": its parts are all there is to search.
    assert reader.parts_of_names("What can GPT-9 do?") == set()
    plan = reader.plan(QUESTION)
    assert plan.weight_of["gpt"] == pytest.approx(0.25 * reader.term("gpt")[1])
    assert plan.weight_of["gpt4"] == pytest.approx(reader.term("gpt4")[1])


def test_name_parts() -> None:
    assert name_parts("GPT-4") == ("gpt", "4")
    assert name_parts("gpt4") == ("gpt", "4")
    assert name_parts("GPT-4's") == ("gpt", "4")
    assert name_parts("self-driving") == ("self", "drive")
    # Not names: one word, a number, words run together at a missing space.
    assert name_parts("copyright") == ()
    assert name_parts("3.5") == ()
    assert name_parts("end.start") == ()
