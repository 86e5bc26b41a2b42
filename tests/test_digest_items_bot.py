"""Two issues of a newsletter cited on one answer, each at its section of one name, as the real
bot posts them to the Discord emulator: each citation names the story it cites (round 29d)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from briefbot_support import _build, ask
from discord_emulator import DiscordEmulator

from bot.client import Briefbot

ISSUES = {
    "2022-10-24-190.md": (
        "Last Week in AI #190",
        "* [Orchard robots raise $20 million to pick apples at night](https://example.com/a) - "
        '"The orchard robot maker raised $20 million to pick apples in the dark."\n'
        "* [A bakery chain buys dough-kneading robots](https://example.com/b) - "
        '"The chain bought forty kneading robots for its bakeries."\n',
    ),
    "2022-10-31-191.md": (
        "Last Week in AI #191",
        "* [Orchard robots startup doubles its apple picking fleet](https://example.com/c) - "
        '"The orchard robot maker now runs two hundred robots picking apples."\n'
        "* [A port orders crane robots](https://example.com/d) - "
        '"The port ordered twelve crane robots."\n',
    ),
}


@pytest.fixture(scope="module")
def bot_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(content folder, SQLite file with its index): two issues and a few other posts."""
    base = tmp_path_factory.mktemp("issues")
    content = base / "content"
    posts = content / "_posts" / "digests"
    posts.mkdir(parents=True)
    (content / "_config.yml").write_text("title: T\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, items) in ISSUES.items():
        (posts / name).write_text(
            f'---\ntitle: "{title}"\ncategories: [digests]\n---\n\n## Business\n\n{items}\n',
            encoding="utf-8",
        )
    for n, text in enumerate(("Cats sleep 12 to 16 hours a day.", "A chess engine won.")):
        (posts / f"2024-01-0{n + 1}-other.md").write_text(
            f'---\ntitle: "Other {n}"\ncategories: [digests]\n---\n\n{text}\n', encoding="utf-8"
        )
    db = base / "index.sqlite3"
    asyncio.run(_build(db, content))
    return content, db


async def test_two_issues_sections_of_one_name_are_told_apart_by_their_story(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    _, message = await ask(emulator, "orchard robots picking apples")
    description = message.embeds[0]["description"]
    assert "[Last Week in AI #190 › Business › Orchard robots raise $20 million" in description
    assert "[Last Week in AI #191 › Business › Orchard robots startup doubles" in description
    # (one issue's section alone on its answer is named as before)
    _, message = await ask(emulator, "how many crane robots did the port order")
    description = message.embeds[0]["description"]
    assert "[Last Week in AI #191 › Business](https://example.org/" in description, description
