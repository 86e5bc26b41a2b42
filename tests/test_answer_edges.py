"""What a reader sees of an answer on a small site: a section heading is not run into the
headline it opens (the citation names the section), a post of only code still shows something,
and code lines keep their fences on lines of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from retrieval_support import briefs_index, run_cli

from bot.formatting.answers import answer_embed
from bot.formatting.code import result_snippet
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


@pytest.mark.parametrize("question", ["is chocolate bad for cats", "chocolate"])
def test_a_snippet_leaves_out_the_heading_its_next_sentence_says_again(
    pets: SearchIndex, question: str
) -> None:
    """Not the heading alone under its citation ("Chocolate …"), nor run into the sentence
    saying it again ("Onions · Onions damage…"): the citation names the section already."""
    answer = pets.search(question)
    by_heading = {r.heading: r.snippet for r in answer.results}
    assert by_heading["Chocolate"] == ""  # the headline holds all the rest of it
    assert "·" not in by_heading["Onions"]
    assert "Onions damage a" in by_heading["Onions"]


SCRIPT = (
    "A feeder timer script",
    '```python\nimport time\ndef feed(cat):\n    print("feeding", cat)\n```\n',
)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base: Path = tmp_path_factory.mktemp("scripts")
    return briefs_index(base, {"2024-01-03-script.md": SCRIPT, "2024-01-02-sleep.md": SLEEP})


def test_a_post_of_only_code_shows_the_start_of_its_code(scripts: SearchIndex) -> None:
    answer = scripts.search("feeder timer script")
    assert answer.results[0].title == "A feeder timer script"
    shown = result_snippet(answer.results[0])
    assert shown.startswith("*Code only:* `import time def feed(cat):")
    assert "```" not in shown
    # Discord: under its citation, and no code marks run into the quoted headline.
    description = answer_embed(answer).description or ""
    assert shown in description
    assert "```" not in description and "\\`\\`\\`" not in description


def test_the_cli_shows_a_code_only_post_as_discord_does(tmp_path: Path) -> None:
    site = tmp_path / "site" / "_posts"
    site.mkdir(parents=True)
    (site.parent / "_config.yml").write_text("title: T\nurl: https://example.org\n")
    (site / "2024-01-03-script.md").write_text(f"---\ntitle: {SCRIPT[0]}\n---\n{SCRIPT[1]}")
    db = str(tmp_path / "db.sqlite3")
    code, out, _ = run_cli(
        ["ask", "feeder timer script", "--content", str(site.parent), "--db", db]
    )
    assert code == 0
    assert "Code only: import time def feed(cat):" in out
    assert out.lstrip().startswith("[1] A feeder timer script")  # no empty headline above it


def test_json_text_holds_each_code_block_as_one_marked_line(tmp_path: Path) -> None:
    """What the README says ``text`` holds: a code block is a line of its own between marks."""
    site = tmp_path / "site" / "_posts"
    site.mkdir(parents=True)
    (site.parent / "_config.yml").write_text("title: T\nurl: https://example.org\n")
    body = f"Run this to feed the cat:\n\n{SCRIPT[1]}\nIt prints a line.\n"
    (site / "2024-01-03-script.md").write_text(f"---\ntitle: {SCRIPT[0]}\n---\n{body}")
    db = str(tmp_path / "db.sqlite3")
    argv = ["ask", "feeder timer script", "--json", "--content", str(site.parent), "--db", db]
    code, out, _ = run_cli(argv)
    assert code == 0
    lines = json.loads(out)["results"][0]["text"].split("\n")
    assert '```import time def feed(cat): print("feeding", cat)```' in lines
    assert all(line.startswith("```") == line.endswith("```") for line in lines)
