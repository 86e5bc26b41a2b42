"""``briefbot insights`` and ``briefbot insights export``, round-tripping through ``briefbot eval``,
on the bot's test site with a real SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from retrieval_support import run_cli

from bot.insights_store import InsightsStore
from index.storage.service import IndexService

SEED_POST = "briefs/2020-06-21-face-recog-police.md"
GOOD = "Which companies stopped selling face recognition to police?"
BAD = "Are deepfakes a danger to elections?"
DECLINED = "Who won the football world cup in 1998?"


pytestmark = pytest.mark.usefixtures("clean_cli_environment")


async def _fill_log(db: Path, content: Path) -> None:
    """What the bot records when people ask and vote (see tests/test_insights_bot.py)."""
    service = await IndexService.open(db, content)
    store = await InsightsStore.open(db)
    try:
        await service.ensure()
        index = service.current
        assert index is not None
        good = index.search(GOOD, 12)
        assert not good.declined and good.results[0].post_id == SEED_POST
        await store.vote(await store.log(1, good), helpful=True)
        await store.vote(await store.log(1, index.search(BAD, 12)), helpful=False)
        declined = index.search(DECLINED, 12)
        assert declined.declined
        await store.log(1, declined)
        await store.log(2, declined)
        await store.log(1, good)  # no vote: in neither file
    finally:
        await store.close()
        await service.close()


def test_export_round_trips_through_eval(
    bot_content_dir: Path, bot_db_path: Path, tmp_path: Path
) -> None:
    asyncio.run(_fill_log(bot_db_path, bot_content_dir))
    where = ["--content", str(bot_content_dir), "--db", str(bot_db_path)]
    usage = tmp_path / "out" / "usage.jsonl"
    code, out, err = run_cli(["insights", *where, "export", str(usage)])
    assert code == 0, err
    assert "Wrote 1 questions voted helpful" in " ".join(out.split())
    [line] = [json.loads(x) for x in usage.read_text(encoding="utf-8").splitlines()]
    assert line["question"] == GOOD and line["gold"] == [SEED_POST]
    assert line["answer"] and line["category"] == "briefs"
    review = [
        json.loads(x)
        for x in (tmp_path / "out" / "usage.review.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(r["kind"] for r in review) == ["declined", "declined", "unhelpful"]

    code, out, err = run_cli(["eval", *where, str(usage), "--json"])
    assert code == 0, err
    scores = json.loads(out)["overall"]
    assert scores["answerable"] == 1
    assert scores["hit1"] == 1.0 and scores["answer5"] == 1.0  # the cited sentence is found


def test_insights_report_in_the_terminal(bot_content_dir: Path, bot_db_path: Path) -> None:
    asyncio.run(_fill_log(bot_db_path, bot_content_dir))
    where = ["--content", str(bot_content_dir), "--db", str(bot_db_path)]
    code, out, err = run_cli(["insights", *where, "--days", "7", "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert (report["questions"], report["answered"], report["declined"]) == (5, 3, 2)
    assert (report["helpful"], report["unhelpful"]) == (1, 1)
    assert report["unanswered"][0] == {"question": DECLINED, "count": 2, "variants": []}
    assert report["top_posts"][0]["post_id"] == SEED_POST

    code, out, err = run_cli(["insights", *where])
    assert code == 0, err
    text = " ".join(out.split())
    assert "Questions in the last 30 days: 5 (3 answered, 2 declined" in text
    assert f"2× {DECLINED}" in text

    code, out, err = run_cli(["insights", *where, "--days", "0"])
    assert code == 2 and "expected a number of days" in err


def test_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite3"
    code, _, err = run_cli(["insights", "--db", str(missing), "export", str(tmp_path / "x")])
    assert code == 2 and "no database at" in err
    assert not missing.exists()


async def _log_aged(db: Path, content: Path, ages_in_days: list[int]) -> None:
    """A declined question logged that many days ago each (the bot not running meanwhile to
    prune: stopped, or the file a copy)."""
    service = await IndexService.open(db, content)
    store = await InsightsStore.open(db)
    try:
        index = await service.ensure()
        declined = index.search(DECLINED, 12)
        for days in ages_in_days:
            at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
            await store.vote(await store.log(1, declined, asked_at=at), helpful=False)
    finally:
        await store.close()
        await service.close()


def test_questions_past_retention_are_in_neither_the_report_nor_the_export(
    bot_content_dir: Path, bot_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: questions are deleted after BRIEFBOT_INSIGHTS_RETENTION_DAYS. A database the bot
    has not pruned (it was stopped) must not show or export older ones offline either."""
    asyncio.run(_log_aged(bot_db_path, bot_content_dir, [1, 100, 300]))
    where = ["--content", str(bot_content_dir), "--db", str(bot_db_path)]
    code, out, err = run_cli(["insights", *where, "--days", "365", "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["questions"] == 1 and report["days"] == 90  # the default retention

    usage = tmp_path / "usage.jsonl"
    code, out, err = run_cli(["insights", *where, "--days", "365", "export", str(usage)])
    assert code == 0, err
    review = (tmp_path / "usage.review.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(review) == 1

    monkeypatch.setenv("BRIEFBOT_INSIGHTS_RETENTION_DAYS", "200")
    code, out, err = run_cli(["insights", *where, "--days", "365", "--json"])
    assert code == 0, err
    assert json.loads(out)["questions"] == 2
