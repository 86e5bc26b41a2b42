"""What a reader sees of an answer on a small site: a section heading is not run into the
headline it opens (the citation names the section), a post of only code still shows something,
and code lines keep their fences on lines of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from retrieval_support import briefs_index

from index.search import SearchIndex

FOODS = (
    "Foods that harm cats",
    "## Chocolate\n\nChocolate is toxic to cats.\n\n"
    "## Onions\n\nOnions damage a cat's red blood cells.\n",
)
SLEEP = ("Why cats sleep so much", "Cats sleep 12 to 16 hours a day.")


@pytest.fixture(scope="module")
def pets(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base: Path = tmp_path_factory.mktemp("pets")
    return briefs_index(base, {"2024-01-01-foods.md": FOODS, "2024-01-02-sleep.md": SLEEP})


@pytest.mark.parametrize("question", ["is chocolate bad for cats", "chocolate"])
def test_the_headline_leaves_out_the_heading_it_opens_with(
    pets: SearchIndex, question: str
) -> None:
    answer = pets.search(question)
    assert answer.results[answer.headline_from].heading == "Chocolate"
    assert answer.headline == "Chocolate is toxic to cats."
