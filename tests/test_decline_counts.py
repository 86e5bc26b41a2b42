"""A "how many" question about a subject the site covers, asking for a number the site never
states, is declined with the closest titles (``extraction.states_count``,
``RankingWeights.count_results``); one whose number the site states is answered."""

from __future__ import annotations

import dataclasses

import pytest
from retrieval_support import built_index

from index.extraction import states_count
from index.intent import counted_words
from index.ranking import DEFAULT_WEIGHTS
from index.search import SearchIndex

POST = '---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n{body}\n'
PAGES = {
    "2024-03-01-acme.md": (
        "Acme Robotics grows",
        "## Shipping\n\nAcme Robotics shipped 1,200 warehouse robots last year, its founder "
        "said. Acme Robotics opened a second factory in Lyon to build them.\n\n"
        "## Plans\n\nAcme Robotics plans a robot for hospitals and, like many firms, "
        "hopes to hire more staff.\n",
    ),
    "2024-03-02-bakery.md": (
        "A bakery tries AI",
        "## Story\n\nThe bakery's employees tested a model that schedules the ovens.\n",
    ),
    **{
        f"2024-04-0{n}-filler.md": (
            f"Item {n}",
            f"## Story\n\nA drone of kind {n} mapped a field of wheat"
            + (" for the farm's employees.\n" if n % 2 else ".\n"),
        )
        for n in range(1, 8)
    },
}
UNSTATED = "How many employees does Acme Robotics have?"
STATED = "How many warehouse robots did Acme Robotics ship?"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("decline_counts")
    site = base / "site"
    posts = site / "_posts" / "briefs"
    posts.mkdir(parents=True)
    (site / "_config.yml").write_text("title: Test\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, body) in PAGES.items():
        (posts / name).write_text(POST.format(title=title, body=body), encoding="utf-8")
    return built_index(base / "index.sqlite3", site)


def with_count_results(index: SearchIndex, n: int) -> SearchIndex:
    weights = dataclasses.replace(DEFAULT_WEIGHTS, count_results=n)
    return SearchIndex(index.data, index.posts, index.passages, weights)


def test_a_number_the_site_never_states_is_declined_with_the_closest_titles(
    index: SearchIndex,
) -> None:
    answer = index.search(UNSTATED, k=3)
    assert answer.declined
    assert answer.suggestions and answer.suggestions[0].title == "Acme Robotics grows"
    assert "number" in answer.message


def test_without_the_rule_the_same_question_was_answered(index: SearchIndex) -> None:
    # (what the code did before: the subject is covered, so coverage alone does not decline)
    answer = with_count_results(index, 0).search(UNSTATED, k=3)
    assert not answer.declined
    assert answer.results[0].title == "Acme Robotics grows"


def test_a_number_the_site_states_is_answered(index: SearchIndex) -> None:
    answer = index.search(STATED, k=3)
    assert not answer.declined
    assert "1,200 warehouse robots" in answer.headline


def test_other_questions_are_not_judged_on_counts(index: SearchIndex) -> None:
    assert not index.search("Where did Acme Robotics open a second factory?", k=3).declined


def test_states_count() -> None:
    text = ["Acme shipped 1,200 warehouse robots. It has 3 sites."]
    known = {"robot", "warehous", "employe", "site"}
    assert counted_words("How many more warehouse robots shipped?") == ("warehouse", "robots")
    assert states_count("How many robots did Acme ship?", text, known) is True
    assert states_count("How many sites does it have?", text, known) is True
    assert states_count("How many employees does Acme have?", text, known) is False
    # not a count question; a counted word the content never uses (a misspelling)
    assert states_count("When did Acme ship robots?", text, known) is None
    assert states_count("How many fotos does Acme keep?", text, known) is None
