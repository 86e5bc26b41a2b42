"""How an answer reads in Discord, checked on what the bot's embed shows: no bold inside a word
or a number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from retrieval_support import briefs_index

from bot.formatting.answers import answer_embed
from index.search import SearchIndex

HAND = (
    "A robot hand solves a cube",
    "## Results\n\nThe robot hand solved the cube 20 times in 100 tries. "
    "Each try took the hand about four minutes. "
    "The hand was shown in 2020 with a video of the cube, and noted by 1,100 people.\n",
)
SLEEP = ("Why cats sleep so much", "Cats sleep 12 to 16 hours a day.")


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base: Path = tmp_path_factory.mktemp("hand")
    return briefs_index(base, {"2024-01-01-hand.md": HAND, "2024-01-02-sleep.md": SLEEP})


def _bold_inside_words(markdown: str) -> list[str]:
    """Bold spans touching a letter or digit outside them (``1,**100**``, ``**20**20``)."""
    found = []
    for m in re.finditer(r"\*\*([^*\n]+?)\*\*", markdown):
        a, b = m.span()
        if re.fullmatch(r"\[\d+\]", m.group(1)):  # (a citation's number)
            continue
        before, after = markdown[a - 1 : a], markdown[b : b + 1]
        if before.isalnum() or after.isalnum() or re.search(r"\d[.,]$", markdown[:a]):
            found.append(markdown[max(0, a - 12) : b + 12])
    return found


def test_the_answers_form_is_not_bolded_inside_a_longer_number(hand: SearchIndex) -> None:
    """The headline's amounts ("20", "100") are bold where the snippet says them on their own,
    not as the "20" of "2020" or the "100" of "1,100" (as a reader saw "October 1**5**, 2019",
    "**not**ed", "Open**AI**")."""
    answer = hand.search("how many times did the robot hand solve the cube")
    assert answer.headline.startswith("The robot hand solved the cube 20 times")
    description = answer_embed(answer).description or ""
    assert "2020" in description and "1,100" in description
    assert _bold_inside_words(description) == []


@pytest.mark.parametrize(
    ("text", "phrase", "at"),
    [
        ("It was noted that it did not work.", "not", 25),
        ("Musk's xAI and OpenAI, and AI.", "AI", 27),
        ("On October 15, 2019 it was 5.", "5", 27),
        ("In 2023, or 20 in all.", "20", 12),
        ("$24 a month, or $2 a day.", "$2", 16),
        ("Up 1,100 or 100.", "100", 12),
        ("It rose 20% in 2020.", "20%", 8),
        ("A tie", "", -1),
        ("Nothing here", "not", -1),
    ],
)
def test_phrase_at_finds_a_phrase_standing_on_its_own(text: str, phrase: str, at: int) -> None:
    from index.answers.text import phrase_at  # (here: the test above runs on older code too)

    assert phrase_at(text, phrase) == at
