"""A passage's voice (``index/terms/voice.py``): commentary against reporting, read from its
sentences and learned from the site's recurring section headings, and a question asking for a
view (issue 10, round 21)."""

from __future__ import annotations

import numpy as np
import pytest

from index.terms.voice import Voice, asks_opinion, in_voice, passage_voice


def test_a_sentence_in_the_writers_voice() -> None:
    assert in_voice("We think the ban goes too far.")
    assert in_voice("I'm not convinced.")
    assert in_voice("This is arguably the year's biggest story.")
    assert in_voice("Regulators should look again.")
    assert in_voice("Our readers wrote in.")
    # Reporting: no first person, no hedging ("US" is the country, "I" a numeral is not read).
    assert not in_voice("IBM stopped offering facial recognition in June 2020.")
    assert not in_voice("The US Army bought 40 robots from the company.")
    assert not in_voice("Microsoft and Amazon decided to pause sales to police.")


def test_a_passages_share_of_sentences_in_voice() -> None:
    text = "IBM stopped selling the software. We believe others will follow.\nAmazon paused."
    assert passage_voice(text) == pytest.approx(1 / 3)
    assert passage_voice("") == 0.0


def test_a_question_asking_for_a_view() -> None:
    assert asks_opinion("What do the editors think about IBM's decision?")
    assert asks_opinion("Why did IBM stop selling face recognition?")
    assert asks_opinion("Should police use facial recognition?")
    assert not asks_opinion("What did IBM decide about facial recognition?")
    assert not asks_opinion("When did Amazon pause its sales?")


def test_recurring_headings_carry_their_passages_voice_site_wide() -> None:
    # Six posts, each with the same two sections (called anything) and one with its own.
    texts, paths, posts = [], [], []
    for post in range(6):
        texts += [f"Company {post} shipped a robot in May.", "We think it is too early."]
        paths += [("Facts Of The Week",), ("Desk View",)]
        posts += [post, post]
    texts.append("We love this one.")
    paths.append(("A One-Off",))
    posts.append(0)
    voice = Voice.learn(texts, paths, posts, recur=5)
    assert voice.passage.tolist() == [0.0, 1.0] * 6 + [1.0]
    # "Desk View" recurs in six posts, all in the writers' voice; "Facts Of The Week" in none;
    # a heading in one post carries nothing.
    assert voice.heading[1] == pytest.approx(1.0) and voice.heading[0] == 0.0
    assert voice.heading[-1] == 0.0
    # The deepest recurring heading of a path is the one read; under five posts, none recurs.
    nested = Voice.learn(["We do.", "It did."], [("Desk View", "Item"), ("Desk View",)], [0, 1])
    assert np.all(nested.heading == 0.0)
