"""A question nothing on the site is about is declined (``decline.off_topic``; issue 10, round
27d): on a site about robots, "who won the football game last night" matched the one post that
mentions a football game in passing, and was answered from it. The site favours none of its
words (uses none of them more than English does), while it favours "robot". The rule reads no
vector: the same with the passages' vectors (hand-made here) as without."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from retrieval_support import briefs_index

from index.retrieval import decline, dense
from index.search import SearchIndex

# The site's own words, many times over: what it is about.
TOPIC = [
    *("robot", "robots", "sensor", "sensors", "gripper", "arm", "arms", "lidar", "camera"),
    *("cameras", "model", "models", "neural", "network", "training", "dataset", "benchmark"),
    *("chip", "chips", "lab", "researchers", "algorithm", "learning", "vision"),
]
LINK = ["uses", "trains", "tests", "builds", "measures", "improves", "controls"]


def robot_text(seed: int, sentences: int = 160) -> str:
    """Sentences of the site's words (seeded): a long post about robots."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        a, b, c = rng.sample(TOPIC, 3)
        out.append(f"The {a} {rng.choice(LINK)} the {b} with a {c}.")
    return " ".join(out)


PASSING = "Last night, after the football game, the robot team won a prize for its gripper."
POSTS = {
    f"2024-01-0{n + 1}-robots.md": (f"Robot lab notes {n + 1}", robot_text(n)) for n in range(4)
} | {
    "2024-01-09-prize.md": ("A prize for a gripper", robot_text(9, 40) + " " + PASSING),
}
OFF_TOPIC = "who won the football game last night"
ON_TOPIC = "which robot team won a prize"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("off-topic"), POSTS)


def toy_embed(text: str) -> np.ndarray:
    """A unit vector of how many of the site's words ``text`` holds (and one for the rest)."""
    words = re.findall(r"[a-z]+", text.lower())
    v = np.array([sum(w == t for w in words) for t in TOPIC] + [0.1], np.float32)
    return v / np.linalg.norm(v)


def with_vectors(index: SearchIndex) -> SearchIndex:
    out = SearchIndex(index.data, index.posts, index.passages, index.weights)
    texts = [index.passages.text(i) for i in range(len(index.passages))]
    out.dense = dense.Dense(np.vstack([toy_embed(t) for t in texts]), toy_embed)
    return out


@pytest.mark.parametrize("vectors", [False, True])
def test_a_question_nothing_on_the_site_is_about_is_declined(
    index: SearchIndex, vectors: bool
) -> None:
    served = with_vectors(index) if vectors else index
    answer = served.search(OFF_TOPIC)
    assert answer.declined, answer.headline
    # The closest posts would share only common words with it: an example instead.
    assert not answer.suggestions
    assert answer.message.startswith("None of the posts is about that. Ask about something they")
    assert "for example “tell me about " in answer.message
    related = served.search(ON_TOPIC)
    assert not related.declined, related.message
    assert related.results[0].post_id == "briefs/2024-01-09-prize.md"


def test_without_the_rule_it_was_answered(index: SearchIndex) -> None:
    """(The evidence the other rules read holds all of it: the post says each word.)"""
    old = SearchIndex(index.data, index.posts, index.passages, index.weights)
    old.off_topic_rule = decline.NO_OFF_TOPIC
    assert not old.search(OFF_TOPIC).declined


def test_the_site_favours_its_own_words_not_common_ones(index: SearchIndex) -> None:
    found = {w.word: w for w in index.site_words(OFF_TOPIC)}
    assert set(found) >= {"footbal", "game", "night"}
    assert not any(decline.favoured(w, decline.OFF_TOPIC) for w in found.values())
    robot = {w.word: w for w in index.site_words(ON_TOPIC)}["robot"]
    assert decline.favoured(robot, decline.OFF_TOPIC)
    assert decline.keyness(list(found.values()), decline.OFF_TOPIC) < decline.OFF_TOPIC.gap


def test_the_rule_reads_the_site_and_english() -> None:
    rule = decline.OffTopicRule(gap=0.5)
    used = decline.SiteWord("robot", site=6.6, english=4.2)
    common = decline.SiteWord("today", site=5.6, english=5.5)
    unused = decline.SiteWord("lasagna", site=0.0, english=3.4)
    name = decline.SiteWord("casp", site=4.5, english=0.0)  # English's list lacks it
    fix = decline.SiteWord("happen", site=5.5, english=-1.0)  # a typo's fix
    assert decline.favoured(used, rule) and decline.favoured(name, rule)
    assert decline.favoured(fix, rule)
    assert not decline.favoured(common, rule) and not decline.favoured(unused, rule)
    assert decline.off_topic([common, unused], rule)
    assert not decline.off_topic([common, used], rule)
    assert not decline.off_topic([], rule)  # no word to judge: not this rule's to decline
    assert not decline.off_topic([common], decline.NO_OFF_TOPIC)
    assert decline.keyness([common, unused], rule) == pytest.approx(0.1)
    assert decline.keyness([unused], rule) == -np.inf
    # an unlisted word is taken at ``unlisted``: favoured or not by its use on the site
    assert not decline.favoured(name, decline.OffTopicRule(gap=0.5, unlisted=4.2))


def test_a_word_english_lists_read_as_a_typo_stands_for_itself(tmp_path: Path) -> None:
    """ "yolk", which the site lacks, read as "york", which it has: judged as the word typed
    (unused), not as the fix."""
    site = briefs_index(
        tmp_path,
        {
            f"2024-01-0{n + 1}-r.md": (f"Notes {n}", robot_text(n) + " New York labs.")
            for n in range(3)
        },
    )
    plan = site.reader.plan("egg yolk")
    if "york" not in plan.weight_of:  # (a list that knows "yolk" well reads it as no typo)
        pytest.skip("yolk not read as a typo here")
    york = {w.word: w for w in site.site_words("egg yolk", plan)}["york"]
    assert york.site == 0.0 and york.english > 0.0
