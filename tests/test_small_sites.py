"""A fresh operator's first test: a site of a handful of posts. Its answerable questions are
answered, clearly off-topic ones still declined (``decline``, and the weights ``query`` gives a
question's words, which it reads, and how common in English a word the site lacks is).

On a site of a few passages every word the site holds weighs little (it is in one of three
passages, or in every one), and a common word it happens to lack ("long" in "how long do cats
sleep") used to weigh at least 1, more than the rest together: "The content doesn't seem to
cover that" for the question the site was written to answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from retrieval_support import briefs_index

from index.retrieval import decline
from index.search import SearchIndex

CATS = (
    "Why cats sleep so much",
    "Cats sleep 12 to 16 hours a day. Their ancestors hunted at "
    "dawn and dusk, so they save energy for short bursts of activity.",
)
POSTS: dict[str, tuple[str, str]] = {
    "2024-01-01-cats.md": CATS,
    "2024-01-02-dogs.md": (
        "Walking your dog",
        "Most dogs need at least one walk every day. Larger breeds enjoy longer walks, while "
        "small dogs tire quickly.",
    ),
    "2024-01-03-garden.md": (
        "Starting a vegetable garden",
        "Tomatoes and beans grow well in sunny spots. Water the garden in the morning and add "
        "compost in spring.",
    ),
    "2024-01-04-bread.md": (
        "Baking sourdough bread",
        "A sourdough starter is flour and water left to ferment. Feed it daily for a week.",
    ),
    "2024-01-05-bikes.md": (
        "Choosing a city bike",
        "A city bike should have mudguards and lights. Check the tyre pressure every two weeks.",
    ),
    "2024-01-06-birds.md": (
        "Feeding garden birds in winter",
        "Birds need fat and seeds when the ground freezes. Clean the feeder every month.",
    ),
    "2024-01-07-tea.md": (
        "Brewing green tea",
        "Green tea tastes bitter when the water is too hot. Steep the leaves for two minutes.",
    ),
    "2024-01-08-running.md": (
        "Your first 5k run",
        "Start with run-walk intervals three times a week. Rest days prevent injuries.",
    ),
    "2024-01-09-plants.md": (
        "Houseplants that survive low light",
        "Snake plants and pothos grow in dim rooms. Water them only when the soil is dry.",
    ),
    "2024-01-10-moving.md": (
        "Packing for a house move",
        "Label every box with the room it belongs in. Start packing two weeks ahead.",
    ),
}
# One post of three sections (each a passage).
ONE_POST = {
    "2024-01-01-cats.md": (
        "All about cats",
        "## Sleep\n\nCats sleep 12 to 16 hours a day.\n\n"
        "## Food\n\nAdult cats eat two small meals of meat a day.\n\n"
        "## Play\n\nKittens play with string and chase light.\n",
    ),
}
DOGS = POSTS["2024-01-02-dogs.md"]
# A post on foods cats must not have: "is chocolate bad for cats" asks with words it lacks.
FOOD = (
    "Foods that harm cats",
    "Chocolate, onions and grapes are toxic to cats. Keep them off the kitchen counter.",
)
# Questions asking with common English words a small site lacks ("bad", "eat", "lot"): once
# declined, each of them, as the site's rarest words (issue 10, round 23: ``decline.BY_LANGUAGE``).
COMMON_WORDS = [
    "is chocolate bad for cats",
    "can cats eat onions",
    "what foods are bad for cats",
    "do cats sleep a lot",
]
SLEEP_FOOD = (
    "## Sleep\n\nCats sleep 12 to 16 hours a day, saving energy for the hunt.\n\n"
    "## Food\n\nAdult cats eat two small meals of meat a day.\n"
)
# Sites of one or two passages: rank-bm25's IDF there is zero or negative for every word, its
# mean too (``bm25``: such a field takes Lucene's IDF).
SITES = {
    "1 post, no headings": (
        {"2024-01-01-cats.md": CATS},
        ["how long do cats sleep", "why do cats sleep so much", "when did their ancestors hunt"],
    ),
    "1 post, 2 sections": (
        {"2024-01-01-cats.md": ("All about cats", SLEEP_FOOD)},
        [
            "how long do cats sleep",
            "how often do cats eat",
            "what do cats eat",
            "do cats sleep a lot",
        ],
    ),
    "2 posts, no headings": (
        {"2024-01-01-cats.md": CATS, "2024-01-02-dogs.md": DOGS},
        ["how long do cats sleep", "how often should I walk my dog", "do small dogs tire"],
    ),
    "2 posts, headings": (
        {
            "2024-01-01-cats.md": ("All about cats", SLEEP_FOOD),
            "2024-01-02-dogs.md": (DOGS[0], "## Walks\n\n" + DOGS[1]),
        },
        ["how long do cats sleep", "how often should I walk my dog", "what do cats eat"],
    ),
    "1 post": (
        ONE_POST,
        ["how long do cats sleep", "how often do cats eat", "tell me about kittens"],
    ),
    "3 posts": (
        dict(list(POSTS.items())[:3]),
        [
            "how long do cats sleep",
            "how often should I walk my dog",
            "when to water the garden",
            "tell me about cats",
            "what does the site say about compost?",
        ],
    ),
    "2 posts, cats and their food": (
        {"2024-01-01-cats.md": CATS, "2024-01-11-food.md": FOOD},
        ["how long do cats sleep", "are grapes bad for cats", *COMMON_WORDS],
    ),
    "4 posts, one on food": (
        dict(list(POSTS.items())[:3]) | {"2024-01-11-food.md": FOOD},
        [
            "how long do cats sleep",
            "how often should I walk my dog",
            "is it normal that cats sleep all day",
            *COMMON_WORDS,
        ],
    ),
    "10 posts": (
        POSTS,
        [
            "how long do cats sleep",
            "how often should I walk my dog",
            "how do I make a sourdough starter",
            "what do birds eat in winter",
            "how often should I check bike tyre pressure",
            "explain green tea",
            "anything about mudguards?",
        ],
    ),
}
OFF_TOPIC = [
    "recipe for lasagna",
    "what is the capital of france",
    "who won the world cup",
    "how do cats sleep on the moon during a solar eclipse",
    "tell me about the stock market",
    # (common words weigh less when the site lacks them: a topic word it lacks still counts)
    "is lasagna bad for cats",
    "can cats eat lasagna",
]


@pytest.fixture(scope="module", params=list(SITES))
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SearchIndex, list[str]]:
    posts, questions = SITES[request.param]
    base: Path = tmp_path_factory.mktemp("small-site")
    return briefs_index(base, posts), questions


def test_a_small_site_answers_what_it_covers(site: tuple[SearchIndex, list[str]]) -> None:
    index, questions = site
    for question in questions:
        answer = index.search(question)
        assert not answer.declined, (question, answer.message)
        assert answer.results


def test_a_small_site_declines_what_it_does_not_cover(
    site: tuple[SearchIndex, list[str]],
) -> None:
    index, _ = site
    for question in OFF_TOPIC:
        assert index.search(question).declined, question


def test_an_unseen_word_weighs_as_the_sites_rarest(site: tuple[SearchIndex, list[str]]) -> None:
    """Not more: "long" in "how long do cats sleep" is a word no passage holds, as telling as
    the rarest one, not worth more than the question's words the site holds together."""
    index, _ = site
    weights = index.reader.plan("how long do cats sleep").weight_of
    assert weights["long"] == max(weights.values())
    assert weights["long"] < weights["cat"] + weights["sleep"]


def test_words_of_the_asking_are_left_out_only_when_the_content_lacks_them() -> None:
    found = decline.asking_words_unknown
    assert found("How long do cats sleep?", {"cat", "sleep"}.__contains__) == {"long"}
    assert found("how long do cats sleep", {"long", "cat", "sleep"}.__contains__) == frozenset()
    assert found("tell me about the long cats", set().__contains__) == {"tell"}  # (no "how")
    assert found("what does the site say about compost", set().__contains__) == {"site", "say"}
