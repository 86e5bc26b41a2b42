"""A request for the newest posts ("what's new?") is answered by date, not by its words: they
would find old posts that say "new" (on the reference site, a 2019 digest's items)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alerts_support import Launcher, Site
from briefbot_support import ask
from discord_emulator import DiscordEmulator
from retrieval_support import briefs_index

from index.models import SearchFilters
from index.retrieval.intent import asks_for_latest
from index.search import SearchIndex

POSTS = {
    "2019-03-01-new-chips.md": (
        "New chips for new models",
        "A new chip and a new model: the newest news of 2019, all of it new.",
    ),
    "2024-05-02-robot-arms.md": ("Robot arms learn to sort", "Robot arms sorted parcels."),
    "2024-06-10-drones.md": ("Drones map the coast", "Drones mapped the coast in a week."),
    "2024-07-20-translation.md": ("Translation gets faster", "Translation models got faster."),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("newest"), POSTS)


@pytest.mark.parametrize("request_", ["what's new?", "Latest news", "any recent posts?"])
def test_the_newest_posts_newest_first(index: SearchIndex, request_: str) -> None:
    answer = index.search(request_, k=3)
    assert not answer.declined, answer.message
    assert [r.title for r in answer.results] == [
        "Translation gets faster",
        "Drones map the coast",
        "Robot arms learn to sort",
    ]
    assert answer.headline  # (the newest post's opening)


def test_filters_apply(index: SearchIndex) -> None:
    until = SearchFilters(until=dt.date(2024, 6, 30))
    titles = [r.title for r in index.search("what's new?", k=2, filters=until).results]
    assert titles == ["Drones map the coast", "Robot arms learn to sort"]
    none = index.search("what's new?", filters=SearchFilters(since=dt.date(2030, 1, 1)))
    assert none.declined


def test_a_topic_after_it_is_a_question_about_the_topic(index: SearchIndex) -> None:
    answer = index.search("what's new in chips?", k=1)
    assert answer.results[0].title == "New chips for new models"


def test_requests_are_told_from_questions() -> None:
    for request in ("What is new", "show me the newest briefs", "What is the latest?"):
        assert asks_for_latest(request), request
    for question in (
        "what's the latest on robots?",
        "latest news on Tesla",
        "When was the latest GPT released?",
        "tell me about new chips",
    ):
        assert not asks_for_latest(question), question


async def test_asked_in_discord(
    emulator: DiscordEmulator, launcher: Launcher, tmp_path: Path
) -> None:
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    for name, (title, body) in POSTS.items():
        (posts / name).write_text(f"---\ntitle: {title}\n---\n\n{body}\n")
    await launcher.start(Site(tmp_path / "site", tmp_path / "db.sqlite3"))
    _, answer = await ask(emulator, "What's new?", user=emulator.world.alice)
    text = answer.embeds[0]["description"]
    newest = ["Translation gets faster", "Drones map the coast", "Robot arms learn to sort"]
    assert all(title in text for title in newest), text
    assert sorted(newest, key=text.index) == newest, text  # (newest first)
