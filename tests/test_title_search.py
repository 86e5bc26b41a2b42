"""Title look-ups for /brief's autocomplete and a declined question's closest titles: titles
starting with or containing the typed text first, as searching every title per keystroke finds
them (the titles folded and ordered once per index); then titles holding most of the typed
words, in any order, with slips, the last word half-typed; no unrelated titles."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import numpy as np
import pytest
from retrieval_support import ROOT

from index.models import Post
from index.retrieval.catalogue import Catalogue

WORDS = ["Last", "Week", "in", "AI", "Face", "Recognition", "Police", "GPT-3", "Ünïcode", "ß"]


def test_titles_containing_the_text_come_first_as_searching_every_title_per_keystroke_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # (``bench`` is the project's scripts, not installed)
    per_keystroke = importlib.import_module("bench.autocomplete").before
    rng = random.Random(3)
    posts = [
        Post(
            id=f"p{i}.md",
            # Few words and few dates: many titles share prefixes, many posts share a date.
            title=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))) + f" #{i % 7}",
            date=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(30)),
            url=f"https://example.org/p{i}",
            fingerprint=str(i),
        )
        for i in range(400)
    ]
    catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))
    typed = ["", "  ", "l", "LAST WEEK", "ss", "ünï", "#3", "police face", "recogniton polce"]
    for post in rng.sample(posts, 40):
        typed += [post.title[:n] for n in range(1, len(post.title) + 1)]
    for text in typed:
        needle = text.casefold().strip()
        for limit in (25, 3, 1):
            found = catalogue.find_titles(text, limit)
            assert len(found) <= limit
            expected = per_keystroke(posts, text, limit)
            if needle:  # (the rest of the reference's list is whole-title fuzzy matches)
                expected = [p for p in expected if needle in p.title.casefold()]
            assert found[: len(expected)] == expected, text


# Titles of the shared site (Skynet Today), with their dates.
SITE = [
    ("Why We Find Self-Driving Cars So Scary", "2018-08-11"),
    ("Tesla's Lethal Autopilot Crash — A Failing of UI as Much as AI", "2018-04-19"),
    ("Sophia the Robot, More Marketing Machine Than AI Marvel", "2018-11-20"),
    ("The Curious Case of OpenAI's Unsupervised Sentiment Neuron", "2017-04-18"),
    ("Boston Dynamics' robots — impressive, but far from the Terminator", "2019-04-08"),
    ("Why Your AI Might Be Racist", "2018-12-20"),
    ("OpenAI’s GPT2 - Food to Media hype or Wake Up Call?", "2019-03-10"),
    ("AI as a Hype Tool", "2021-08-24"),
    ("Media Messages and U.S. Public Opinion about AI", "2020-09-02"),
    ("Biased Facial Recognition - a Problem of Data and Diversity", "2018-05-08"),
    ("Police Misuse of Facial Recognition - Three Wrongful Arrests and Counting", "2021-08-12"),
    ("The State of Deepfakes in 2020", "2020-11-19"),
    ("Deepfakes - Is Seeing Still Believing?", "2018-03-29"),
    ("The Evolving Impact of Robots on Jobs", "2020-09-19"),
    ("GPT-3 is No Longer the Only Game in Town", "2021-11-05"),
    ("Futuristic Hardware for Intelligent Robots", "2021-11-19"),
    ("Has AI surpassed humans at translation? Not even close!", "2018-07-22"),
    ("Last Week in AI #1", "2020-12-07"),
    ("Last Week in AI #10", "2021-02-08"),
    ("Last Week in AI #11", "2021-02-15"),
    ("Last Week in AI #2", "2020-12-14"),
    ("Last Week in AI #187: Tesla's Optimus Bot, Limiting Facial Recognition", "2022-10-03"),
]


@pytest.fixture(scope="module")
def site() -> Catalogue:
    posts = [
        Post(
            id=f"s{i}.md",
            title=title,
            date=dt.date.fromisoformat(day),
            url=f"https://example.org/s{i}",
            fingerprint=str(i),
        )
        for i, (title, day) in enumerate(SITE)
    ]
    return Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))


def titles(catalogue: Catalogue, text: str, limit: int = 25) -> list[str]:
    return [p.title for p in catalogue.find_titles(text, limit)]


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        # Words in another order than the title's.
        ("cars self driving", "Why We Find Self-Driving Cars So Scary"),
        ("robots jobs", "The Evolving Impact of Robots on Jobs"),
        # A slip in one word (a letter dropped, two swapped).
        ("facial recogntion police", "Police Misuse of Facial Recognition"),
        ("sohpia robot", "Sophia the Robot"),
        # The last word half-typed, as while typing.
        ("jobs robots evol", "The Evolving Impact of Robots on Jobs"),
        ("scary self-dri", "Why We Find Self-Driving Cars So Scary"),
        # A compound typed run together; rare words count more than "ai".
        ("gpt3 town", "GPT-3 is No Longer the Only Game in Town"),
        ("ai hype media", "OpenAI’s GPT2 - Food to Media hype"),
    ],
)
def test_the_title_meant_comes_first(site: Catalogue, text: str, meant: str) -> None:
    assert titles(site, text)[0].startswith(meant)


@pytest.mark.parametrize(
    "text", ["uber", "zzzz qqqq", "recipe for lasagna", "the weather today", "elections 2019 the"]
)
def test_a_text_no_title_holds_lists_no_unrelated_titles(site: Catalogue, text: str) -> None:
    assert titles(site, text) == []


def test_only_titles_holding_most_of_the_text_are_listed(site: Catalogue) -> None:
    # Each title sharing one short word ("the", "ai") with the text used to be listed.
    listed = titles(site, "deepfakes elections the")
    assert listed and all("Deepfakes" in t for t in listed)
    assert titles(site, "self driving car crash") == ["Why We Find Self-Driving Cars So Scary"]


def test_titles_starting_with_the_text_still_come_first(site: Catalogue) -> None:
    assert titles(site, "last week in ai #1", 4) == [
        "Last Week in AI #187: Tesla's Optimus Bot, Limiting Facial Recognition",
        "Last Week in AI #11",
        "Last Week in AI #10",
        "Last Week in AI #1",
    ]
    assert titles(site, "") == [p.title for p in site.latest(25)]
    assert titles(site, "hype")[:2] == ["AI as a Hype Tool", SITE[6][0]]
