"""How an answer reads as the real bot posts it to the Discord emulator: no bold inside a word or
a number, a citation's label without its digest's long subtitle, and no snippet that only says
its citation's heading again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from briefbot_support import _build, ask
from discord_emulator import DiscordEmulator
from test_answer_reading import HAND, _bold_inside_words

from bot.client import Briefbot

ISSUE_TITLE = "Robot Week #7: hands, cubes, cats, dogs, drones, boats and a great deal more besides"
ISSUE_HEADING = "Robot hands now stack cups faster than people in a new test at a lab"
ISSUE = (
    f'---\ntitle: "{ISSUE_TITLE}"\ncategories: [digests]\n---\n\n## {ISSUE_HEADING}\n\n'
    "A pair of robot hands stacked ten cups in 4 seconds, twice as fast as the lab's staff.\n\n"
    "## Cats\n\nA cat feeder learned when each cat eats.\n"
)
OTHERS = {
    "2024-01-02-sleep.md": ("Why cats sleep so much", "Cats sleep 12 to 16 hours a day."),
    "2024-01-03-chess.md": ("Chess", "A chess engine beat a grandmaster in a blitz match."),
    "2024-01-04-mail.md": (
        "Drones in towns",
        "Drones now carry letters to a small town in Norway, the post office said.",
    ),
}
# Issues of a digest whose items are linked titles over a template's placeholder ("one paragraph
# summary", in every issue: the site's boilerplate, never shown).
TOPICS = (
    "Drones deliver mail in a small town",
    "A robot arm folds towels",
    "A model writes recipes",
    "Boats that steer themselves",
    "A camera counts birds",
    "Trains run on a new timetable model",
)


def _issue(n: int, topic: str) -> str:
    return (
        f'---\ntitle: "Robot Week #{n}"\ncategories: [digests]\n---\n\n## News\n\n'
        f"#### [{topic}](https://example.com/{n})\n\none paragraph summary\n\n"
        f"#### [Other news {n}](https://example.com/o{n})\n\n"
        f"A short story about item {n} and its makers.\n"
    )


@pytest.fixture(scope="module")
def bot_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(content folder, SQLite file with its index): this module's small site."""
    base = tmp_path_factory.mktemp("reading")
    content = base / "content"
    posts = content / "_posts"
    (posts / "briefs").mkdir(parents=True)
    (posts / "digests").mkdir()
    (content / "_config.yml").write_text("title: T\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, body) in {"2024-01-01-hand.md": HAND, **OTHERS}.items():
        (posts / "briefs" / name).write_text(
            f'---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n{body}\n', encoding="utf-8"
        )
    (posts / "digests" / "2024-01-08-week-7.md").write_text(ISSUE, encoding="utf-8")
    for n, topic in enumerate(TOPICS, 1):
        (posts / "digests" / f"2024-02-0{n}-week-{n}.md").write_text(_issue(n, topic))
    db = base / "index.sqlite3"
    asyncio.run(_build(db, content))
    return content, db


async def test_the_posted_answer_bolds_no_part_of_a_number(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, "how many times did the robot hand solve the cube")
    description = message.embeds[0]["description"]
    assert "in 2020 with a video" in description and "by 1,100 people" in description
    assert _bold_inside_words(description) == []


async def test_a_long_citation_label_leaves_out_the_digest_titles_subtitle(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """ "Robot Week #7 › Robot hands now stack cups…", not the issue's list of topics before
    the section it cites, in each of its citations alike."""
    shown = []
    for question in ("how fast did the robot hands stack cups", "when does each cat eat"):
        _, message = await ask(emulator, question)
        shown.append(message.embeds[0]["description"])
    assert f"[Robot Week #7 › {ISSUE_HEADING}](https://example.org/" in shown[0]
    assert "[Robot Week #7 › Cats](https://example.org/" in shown[1]
    assert not any("a great deal more besides" in description for description in shown)


async def test_a_snippet_only_repeating_its_citations_heading_is_not_shown(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    """A digest item with no summary of its own is cited by its linked title: under it, no
    "**Drones** deliver mail in a **small town**" saying the label again."""
    _, message = await ask(emulator, "do drones carry letters to a small town")
    description = message.embeds[0]["description"]
    label = "[Robot Week #1 › Drones deliver mail in a small town](https://example.org/"
    assert label in description
    citation = next(b for b in description.split("\n\n") if label in b)
    assert citation.count("\n") == 0, citation  # the citation line alone
    assert "one paragraph summary" not in description
