"""The stored index: incremental refreshes, restarts, sharing one database, migrations, swaps.

Everything runs against real SQLite files in tmp_path and a copy of the fixture site.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import numpy as np
import pytest
from retrieval_support import copy_site, field_docs

from index.ingest.loader import parse_post
from index.ingest.site import find_site, iter_post_files
from index.models import Answer, IndexReport, ParsedPost, SearchFilters
from index.retrieval.passage_table import PassageTable
from index.search import SearchIndex
from index.storage import indexer as indexer_module
from index.storage.migrations import migrate, migration_files
from index.storage.service import IndexService, ReindexInProgress, load_index
from index.storage.store import MIGRATIONS, IndexStore
from index.terms.fields import IndexData, analyze_post

GLACIERFALL = "briefs/2022-03-03-glacierfall-avalanche-model.md"
DRONES = "editorials/2024-05-09-delivery-drone-noise.md"
QUILL = "briefs/2022-09-14-quill-3-endangered-languages.md"
NEW_POST = "briefs/2024-06-01-tidal-kite-turbines.md"
QUESTIONS = [
    "Which model forecasts avalanche danger?",
    "Why are towns complaining about delivery drone noise?",
    "Which endangered languages can Quill-3 translate?",
    "chess engine tournament",
    "face recogntion in shops",
    "sourdough bread recipe",
    "what is the",
]

NEW_POST_TEXT = """---
title: "Tidal Kites Learn to Steer Themselves"
categories: [briefs]
tags: [energy, robotics]
---

## Summary

Underwater kites tethered to the seabed generate electricity as tidal currents sweep them in
figure-of-eight loops. A reinforcement learning controller now steers them, and a pilot array off
the coast of Brennick produced a third more power than with the hand-tuned controller it replaced.
"""


class Progress:
    """Records the indexer's progress calls: how many files it set out to parse."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    @property
    def parsed(self) -> int:
        assert self.calls, "progress was never reported"
        return self.calls[0][1]


async def rebuild(service: IndexService) -> tuple[IndexReport, int]:
    progress = Progress()
    report = await service.reindex(progress)
    return report, progress.parsed


def current(service: IndexService) -> SearchIndex:
    """The service's index (a test that reads it has built it)."""
    assert service.current is not None, "no index yet"
    return service.current


async def one(cur: aiosqlite.Cursor) -> aiosqlite.Row:
    """A query's one row."""
    row = await cur.fetchone()
    assert row is not None, "no row"
    return row


def post_path(site: Path, post_id: str) -> Path:
    return site / "_posts" / post_id


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def outcome(answer: Answer) -> object:
    return answer.model_dump()


@pytest.fixture
async def service(tmp_path: Path, fixture_site: Path) -> AsyncIterator[IndexService]:
    svc = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    yield svc
    await svc.close()


@pytest.fixture
async def built(service: IndexService) -> IndexService:
    await service.reindex()
    return service


def all_ids(site: Path) -> list[str]:
    root, _ = find_site(site)
    return [p.relative_to(root).as_posix() for p in iter_post_files(root)]


# ---------------------------------------------------------------------------- incremental refresh


async def test_first_build_adds_everything(service: IndexService, fixture_site: Path) -> None:
    report, parsed = await rebuild(service)
    ids = all_ids(fixture_site)
    assert len(ids) == 13 and parsed == 13
    assert report.first_index
    assert report.added == tuple(sorted(ids))
    assert report.changed == report.removed == report.issues == ()
    assert report.posts == 13
    assert report.passages == len(current(service).passages) > 13
    assert report.seconds > 0
    assert current(service).generation == await service.store.generation() == 1
    assert service.last_report == report


async def test_refresh_without_changes_parses_nothing(built: IndexService) -> None:
    before = current(built)
    report, parsed = await rebuild(built)
    assert parsed == 0
    assert not report.first_index
    assert report.added == report.changed == report.removed == ()
    assert (report.posts, report.passages) == (13, len(before.passages))
    assert await built.store.generation() == 1
    assert current(built).generation == 1


async def test_changed_file_is_reparsed_alone(built: IndexService, fixture_site: Path) -> None:
    edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries")
    report, parsed = await rebuild(built)
    assert parsed == 1
    assert report.changed == (GLACIERFALL,)
    assert report.added == report.removed == ()
    assert current(built).generation == 2
    found = current(built).search("actuaries", k=3)
    assert found.results[0].post_id == GLACIERFALL
    assert "actuaries" in found.results[0].text
    assert not any("underwriters" in p.text for p in current(built).passages)
    for result in current(built).search("underwriters", k=10).results:
        assert "underwriters" not in result.text
    # Nothing else moved.
    again, parsed = await rebuild(built)
    assert parsed == 0 and again.changed == ()


async def test_touched_file_is_not_reparsed(built: IndexService, fixture_site: Path) -> None:
    path = post_path(fixture_site, DRONES)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    report, parsed = await rebuild(built)
    assert parsed == 0  # read and fingerprinted, but the same bytes: not parsed
    assert report.added == report.changed == report.removed == ()
    # The new modification time was stored: the next refresh does not even read the file.
    again, parsed = await rebuild(built)
    assert parsed == 0 and again.changed == ()


async def test_same_size_and_mtime_means_the_file_is_not_read(
    built: IndexService, fixture_site: Path
) -> None:
    # Size and modification time are the cheap check: a file that keeps both is not even read.
    # (Rewriting a file with a same-length text and forging its mtime is the price of that.)
    path = post_path(fixture_site, DRONES)
    st = path.stat()
    edit(path, "propellers", "propellors")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    _, parsed = await rebuild(built)
    assert parsed == 0
    assert any("propellers" in p.text for p in current(built).post_passages(DRONES))


async def test_added_file(built: IndexService, fixture_site: Path) -> None:
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    report, parsed = await rebuild(built)
    assert parsed == 1
    assert report.added == (NEW_POST,)
    assert report.changed == report.removed == ()
    assert report.posts == 14
    assert current(built).search("tidal kites steering").results[0].post_id == NEW_POST


async def test_removed_file(built: IndexService, fixture_site: Path) -> None:
    post_path(fixture_site, QUILL).unlink()
    report, parsed = await rebuild(built)
    assert parsed == 0
    assert report.removed == (QUILL,)
    assert report.added == report.changed == ()
    assert report.posts == 12
    assert current(built).post(QUILL) is None
    for question in ["Which endangered languages can Quill-3 translate?", "Quechua Sámi"]:
        answer = current(built).search(question, k=20)
        assert QUILL not in {r.post_id for r in answer.results}
    async with built.store.db.execute(
        "SELECT count(*) FROM passages WHERE post_id = ?", (QUILL,)
    ) as cur:
        assert (await one(cur))[0] == 0


async def test_not_utf8_file_is_skipped_then_indexed_once_fixed(
    built: IndexService, fixture_site: Path
) -> None:
    path = post_path(fixture_site, NEW_POST)
    path.write_bytes(NEW_POST_TEXT.replace("Brennick", "Brénnick").encode("latin-1"))
    report, parsed = await rebuild(built)
    assert parsed == 1
    assert report.posts == 13 and report.added == ()
    [issue] = report.issues
    assert (issue.path, issue.kind) == (NEW_POST, "skipped")
    assert "UTF-8" in issue.reason
    assert current(built).search("Which model forecasts avalanche danger?").results
    # Unchanged, it is reported again without being read again.
    again, parsed = await rebuild(built)
    assert parsed == 0 and again.issues == report.issues
    # Fixed: indexed, and no longer reported.
    path.write_text(NEW_POST_TEXT, encoding="utf-8")
    fixed, parsed = await rebuild(built)
    assert parsed == 1
    assert fixed.added == (NEW_POST,) and fixed.issues == ()
    assert current(built).search("tidal kites").results[0].post_id == NEW_POST


async def test_deleted_bad_file_is_no_longer_reported(
    built: IndexService, fixture_site: Path
) -> None:
    path = post_path(fixture_site, NEW_POST)
    path.write_bytes(b"---\ntitle: caf\xe9\n---\nbody\n")
    report, _ = await rebuild(built)
    assert [i.kind for i in report.issues] == ["skipped"]
    path.unlink()
    gone, parsed = await rebuild(built)
    assert parsed == 0 and gone.issues == () and gone.removed == ()


async def test_recovered_file_is_listed_and_kept(built: IndexService, fixture_site: Path) -> None:
    broken = NEW_POST_TEXT.replace('title: "Tidal', 'title: "Tidal: [unclosed').replace(
        "categories: [briefs]", "categories: [briefs"
    )
    post_path(fixture_site, NEW_POST).write_text(broken, encoding="utf-8")
    report, _ = await rebuild(built)
    assert report.added == (NEW_POST,)
    assert [(i.path, i.kind) for i in report.issues] == [(NEW_POST, "recovered")]
    assert "YAML" in report.issues[0].reason
    again, parsed = await rebuild(built)
    assert parsed == 0 and again.issues == report.issues


async def test_site_url_change_reparses_everything(built: IndexService, fixture_site: Path) -> None:
    edit(
        fixture_site / "_config.yml",
        "https://circuitnotes.example.org",
        "https://notes.example.com",
    )
    report, parsed = await rebuild(built)
    assert parsed == 13
    assert not report.first_index
    assert report.changed == tuple(sorted(all_ids(fixture_site)))
    assert report.added == report.removed == ()
    result = current(built).search("Which model forecasts avalanche danger?").results[0]
    assert result.url.startswith("https://notes.example.com/briefs/glacierfall-avalanche-model/#")


async def test_restart_loads_without_parsing(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    before = {q: outcome(current(built).search(q, k=10)) for q in QUESTIONS}
    generation = current(built).generation
    await built.store.close()
    # Without its files, the content can only come from the database.
    shutil.rmtree(fixture_site)
    restarted = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        index = await restarted.ensure()
        assert restarted.last_report is None  # loaded, not rebuilt
        assert index.generation == generation
        assert {q: outcome(index.search(q, k=10)) for q in QUESTIONS} == before
    finally:
        await restarted.close()
    built.store = await IndexStore.open(tmp_path / "index.sqlite3")  # for the fixture's close


async def test_a_reindex_after_a_restart_starts_from_the_loaded_statistics(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # The loaded index's statistics are those stored: the first reindex after a restart starts
    # from them instead of reading (and holding, beside the served ones) a second copy.
    await built.store.close()
    restarted = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        await restarted.ensure()
        reads = 0
        load_data = restarted.store.load_data

        async def counted() -> Any:
            nonlocal reads
            reads += 1
            return await load_data()

        restarted.store.load_data = counted  # type: ignore[method-assign]  # counts the reads
        edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries")
        report = await restarted.reindex()
        assert report.changed == (GLACIERFALL,)
        assert reads == 0
        assert current(restarted).search("actuaries avalanche").results[0].post_id == GLACIERFALL
    finally:
        await restarted.close()
    built.store = await IndexStore.open(tmp_path / "index.sqlite3")  # for the fixture's close


async def test_the_index_commands_update_stores_what_a_reindex_serves(
    service: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    """``briefbot index`` (``update_stored``) writes the index without making its search tables
    (the process exits next); a later load answers as the served index of a reindex does."""
    report = await service.update_stored()
    assert report.first_index and report.posts == 13
    assert service.current is None and service.last_report == report
    edit(post_path(fixture_site, GLACIERFALL), "avalanche", "avalanche and rockfall")
    again = await service.update_stored()
    assert again.changed == (GLACIERFALL,) and service.current is None
    stored = await load_index(service.store)
    assert stored is not None and stored.generation == 2

    served = await IndexService.open(tmp_path / "served.sqlite3", fixture_site)
    try:
        await served.reindex()
        assert {q: outcome(stored.search(q, k=10)) for q in QUESTIONS} == {
            q: outcome(current(served).search(q, k=10)) for q in QUESTIONS
        }
    finally:
        await served.close()


async def test_same_db_other_content_is_a_first_index(built: IndexService, tmp_path: Path) -> None:
    other = copy_site(tmp_path / "other")
    post_path(other, DRONES).unlink()
    service = await IndexService.open(tmp_path / "index.sqlite3", other)
    try:
        assert not await service.reload_if_changed()  # not this content's index
        report, parsed = await rebuild(service)
        assert report.first_index
        assert parsed == 12
        assert len(report.added) == 12 and report.changed == ()
        assert report.removed == (DRONES,)
        assert current(service).post(DRONES) is None
        # Back to the first folder: a first index again, not "unchanged".
        back, parsed = await rebuild(built)
        assert back.first_index and parsed == 13
    finally:
        await service.close()


async def test_an_index_stored_in_an_older_format_is_rebuilt_not_read(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # As an older version stored it: rows of another format, and a site key naming it.
    await built.store.db.execute("UPDATE index_state SET format = 2")
    stored_site = await built.store.get_meta("site")
    assert stored_site is not None
    site = json.loads(stored_site)
    await built.store.db.execute(
        "UPDATE meta SET value = ? WHERE key = 'site'", (json.dumps({**site, "format": 2}),)
    )
    await built.store.db.commit()
    await built.close()

    service = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        assert await load_index(service.store) is None
        index = await service.ensure()  # rebuilt from the content, not read
        report = service.last_report
        assert report is not None and len(report.changed) == 13  # every post read again
        assert index.search("avalanche").results[0].post_id == GLACIERFALL
        assert await load_index(service.store) is not None
    finally:
        await service.close()


async def test_reload_if_changed_picks_up_a_rebuild_elsewhere(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # ``built`` plays the running bot; ``cli`` is the command line rebuilding the same file.
    assert not await built.reload_if_changed()
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    cli = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        report = await cli.reindex()
        assert report.added == (NEW_POST,)
    finally:
        await cli.close()
    old = current(built)
    assert current(built).post(NEW_POST) is None
    assert await built.reload_if_changed()
    assert built.current is not old
    assert current(built).generation == 2
    assert current(built).search("tidal kites").results[0].post_id == NEW_POST
    assert not await built.reload_if_changed()
    # The bot's own refresh then finds nothing left to do.
    again, parsed = await rebuild(built)
    assert parsed == 0 and again.added == ()


async def test_two_loads_on_the_one_connection_do_not_collide(built: IndexService) -> None:
    # Each load is one read transaction; two at once on the shared connection used to fail with
    # "cannot start a transaction within a transaction".
    first, second = await asyncio.gather(built.store.load(), built.store.load())
    assert first is not None and second is not None
    assert first.generation == second.generation == current(built).generation


def add_posts(site: Path, count: int) -> None:
    """``count`` more posts of a few sections each (a site large enough that loading its index
    takes many steps on the connection)."""
    folder = site / "_posts" / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        sections = "\n\n".join(
            f"## Part {s}\n\nPost {n} part {s}: lorem ipsum turbine {n * 7 + s} kites steer."
            for s in range(8)
        )
        (folder / f"2021-01-{n % 28 + 1:02d}-generated-{n}.md").write_text(
            f'---\ntitle: "Generated {n}"\ncategories: [briefs]\n---\n\n{sections}\n',
            encoding="utf-8",
        )


async def served_then_a_post_added_elsewhere(bot: IndexService, db_path: Path, site: Path) -> None:
    """``bot`` serves its first index (generation 1); another process (``briefbot index``)
    then commits generation 2, with ``NEW_POST``."""
    await bot.reindex()
    post_path(site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    cli = await IndexService.open(db_path, site)
    try:
        await cli.reindex()
    finally:
        await cli.close()


async def test_a_watcher_reload_and_a_reindex_may_overlap(
    tmp_path: Path, fixture_site: Path
) -> None:
    # The watcher reloads an index rebuilt elsewhere (a long read transaction on a large site)
    # while a moderator's /reindex of one edit commits on the same connection.
    add_posts(fixture_site, 400)
    db_path = tmp_path / "index.sqlite3"
    bot = await IndexService.open(db_path, fixture_site)
    try:
        await served_then_a_post_added_elsewhere(bot, db_path, fixture_site)
        edit(post_path(fixture_site, DRONES), "Delivery", "Parcel")
        # (whether the reload swaps depends on which finishes first; the end state does not)
        _, report = await asyncio.gather(bot.reload_if_changed(), bot.reindex())
        assert report.changed == (DRONES,)
        assert current(bot).generation == await bot.store.generation() == 3
        assert current(bot).search("tidal kites").results[0].post_id == NEW_POST
    finally:
        await bot.close()


async def test_a_reload_that_finishes_after_a_reindex_does_not_swap_the_older_index_back(
    tmp_path: Path, fixture_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The watcher's reload reads another process's index (generation 2) slowly; a moderator's
    # /reindex commits and swaps in generation 3 meanwhile. The reload, finishing last, must not
    # put generation 2 back: answers would go back in time until the next change.
    db_path = tmp_path / "index.sqlite3"
    bot = await IndexService.open(db_path, fixture_site)
    try:
        await served_then_a_post_added_elsewhere(bot, db_path, fixture_site)
        loading, release = asyncio.Event(), asyncio.Event()
        real_load = load_index

        async def slow_first_load(store: IndexStore) -> SearchIndex | None:
            index = await real_load(store)
            if not loading.is_set():  # (the reload's read: held until the reindex is done)
                loading.set()
                await release.wait()
            return index

        monkeypatch.setattr("index.storage.service.load_index", slow_first_load)
        reload = asyncio.create_task(bot.reload_if_changed())
        await loading.wait()
        edit(post_path(fixture_site, DRONES), "Delivery", "Parcel")
        await bot.reindex()
        assert current(bot).generation == 3
        release.set()
        assert not await reload
        assert current(bot).generation == await bot.store.generation() == 3
        assert current(bot).search("parcel drones").results[0].post_id == DRONES
    finally:
        await bot.close()


async def test_every_index_swapped_in_is_announced(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    swapped: list[SearchIndex] = []
    built.on_swap = swapped.append
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    await built.reindex()  # followed in memory
    assert swapped == [current(built)] and swapped[0].post(NEW_POST) is not None
    await built.reindex()  # nothing changed: the same index stays, nothing to announce
    assert swapped == [current(built)]
    cli = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        post_path(fixture_site, NEW_POST).unlink()
        await cli.reindex()
    finally:
        await cli.close()
    assert await built.reload_if_changed()  # loaded from the store
    assert swapped == [swapped[0], current(built)] and current(built).post(NEW_POST) is None


async def test_two_services_rebuilding_at_once_both_succeed(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries")
    other = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        await other.ensure()
        a, b = await asyncio.gather(built.reindex(), other.reindex())
        assert await built.store.generation() in (2, 3)
        await built.reload_if_changed()
        await other.reload_if_changed()
        for svc in (built, other):
            assert current(svc).generation == await built.store.generation()
            assert current(svc).search("tidal kites").results[0].post_id == NEW_POST
            assert current(svc).search("actuaries").results[0].post_id == GLACIERFALL
        assert {NEW_POST} == set(a.added) | set(b.added)
    finally:
        await other.close()


async def test_second_concurrent_reindex_is_refused(
    service: IndexService, fixture_site: Path
) -> None:
    started = asyncio.Event()

    def progress(done: int, total: int) -> None:
        started.set()

    first = asyncio.create_task(service.reindex(progress))
    await started.wait()
    assert service.rebuilding
    with pytest.raises(ReindexInProgress):
        await service.reindex()
    assert not await service.reload_if_changed()  # no swap from disk mid-rebuild
    report = await first
    assert report.posts == 13 and not service.rebuilding
    assert (await service.reindex()).added == ()  # and the lock was released


async def test_searches_keep_working_during_a_reindex(
    built: IndexService, fixture_site: Path
) -> None:
    old = current(built)
    for post_id in all_ids(fixture_site):  # every file changes: a long rebuild
        path = post_path(fixture_site, post_id)
        path.write_text(path.read_text(encoding="utf-8") + "\nA closing note.\n", encoding="utf-8")
    rebuild_task = asyncio.create_task(built.reindex())
    generations: list[int] = []
    while not rebuild_task.done():
        index = current(built)
        answer = index.search("Which model forecasts avalanche danger?")
        assert not answer.declined and answer.results[0].post_id == GLACIERFALL
        assert all(index.post(r.post_id) is not None for r in answer.results)
        generations.append(index.generation)
        await asyncio.sleep(0)
    report = await rebuild_task
    assert len(report.changed) == 13
    assert generations[0] == 1 and len(generations) > 3
    assert generations == sorted(generations)  # old index until the swap, then the new one
    assert current(built).generation == 2
    # An index object already handed out keeps answering from the old content.
    assert old.search("Which model forecasts avalanche danger?").results[0].post_id == GLACIERFALL
    assert not any("closing note" in p.text for p in old.passages)
    assert any("closing note" in p.text for p in current(built).passages)


async def test_ensure_builds_when_the_db_is_empty(service: IndexService) -> None:
    index = await service.ensure()
    assert len(index) == 13
    assert service.last_report is not None and service.last_report.first_index
    assert await service.ensure() is index  # afterwards, the same object


# ---------------------------------------------------------------------------- migrations


async def applied(db: aiosqlite.Connection) -> list[tuple[str, str, str]]:
    async with db.execute(
        "SELECT namespace, name, applied_at FROM schema_migrations ORDER BY namespace, name"
    ) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    db_path = tmp_path / "m.sqlite3"
    names = [p.name for p in migration_files(MIGRATIONS)]
    assert names and names[0].startswith("001_")
    store = await IndexStore.open(db_path)
    try:
        first = [r for r in await applied(store.db) if r[0] == "index"]
        assert [name for _, name, _ in first] == names
        assert await migrate(store.db, "index", MIGRATIONS) == []
    finally:
        await store.close()
    store = await IndexStore.open(db_path)  # re-opening applies nothing again
    try:
        assert [r for r in await applied(store.db) if r[0] == "index"] == first
        async with store.db.execute("PRAGMA journal_mode") as cur:
            assert (await one(cur))[0] == "wal"
    finally:
        await store.close()


async def test_migrations_apply_in_order_per_namespace(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    (folder / "002_second.sql").write_text("INSERT INTO a VALUES (1);", encoding="utf-8")
    (folder / "notes.txt").write_text("not a migration", encoding="utf-8")
    async with aiosqlite.connect(tmp_path / "m.sqlite3") as db:
        assert await migrate(db, "demo", folder) == ["001_first.sql", "002_second.sql"]
        (folder / "003_third.sql").write_text("INSERT INTO a VALUES (3);", encoding="utf-8")
        assert await migrate(db, "demo", folder) == ["003_third.sql"]
        assert await migrate(db, "demo", folder) == []
        async with db.execute("SELECT x FROM a ORDER BY x") as cur:
            assert [r[0] for r in await cur.fetchall()] == [1, 3]
        # Another namespace keeps its own record.
        other = tmp_path / "other"
        other.mkdir()
        (other / "001_first.sql").write_text("CREATE TABLE b (y INTEGER);", encoding="utf-8")
        assert await migrate(db, "other", other) == ["001_first.sql"]
        assert len(await applied(db)) == 4


async def test_failed_migration_is_not_recorded_or_half_applied(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    (folder / "002_bad.sql").write_text(
        "CREATE TABLE half (y INTEGER);\nINSERT INTO missing VALUES (1);", encoding="utf-8"
    )
    db_path = tmp_path / "m.sqlite3"
    async with aiosqlite.connect(db_path) as db:
        with pytest.raises(aiosqlite.OperationalError):
            await migrate(db, "demo", folder)
    async with aiosqlite.connect(db_path) as db:
        assert [name for _, name, _ in await applied(db)] == ["001_ok.sql"]
        async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            tables = {r[0] for r in await cur.fetchall()}
        assert "a" in tables and "half" not in tables


# Each child opens the same new databases as the others, all starting at one signal.
_OPEN_MANY = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from index.storage.store import IndexStore
    folder, me, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    (folder / f"ready-{me}").touch()
    while not (folder / "go").exists():
        time.sleep(0.001)
    async def main():
        for n in range(count):
            try:
                store = await IndexStore.open(folder / f"db{n}.sqlite3")
                await store.close()
            except Exception as exc:
                print(f"db{n}: {type(exc).__name__}: {exc}")
    asyncio.run(main())
    """
)


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    # Two `briefbot index` runs on a new database used to race in the migrations ("table meta
    # already exists"): both saw no migration applied, both applied the first.
    children, databases = 4, 8
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_MANY, str(tmp_path), str(i), str(databases)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for i in range(children)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < children and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * children, outputs
    assert all(out.strip() == "" for out in outputs), outputs
    for n in range(databases):
        with sqlite3.connect(tmp_path / f"db{n}.sqlite3") as db:
            names = [r[0] for r in db.execute("SELECT name FROM schema_migrations")]
        assert names == [p.name for p in migration_files(MIGRATIONS)]


async def test_opening_waits_while_another_process_writes_a_new_database(tmp_path: Path) -> None:
    # Switching a new file to write-ahead logging while another connection is writing its first
    # tables: SQLite answers "database is locked" at once instead of waiting (seen as one of two
    # `briefbot index` runs on a new database failing). The writer here is another connection.
    db_path = tmp_path / "new.sqlite3"
    writer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE other_tool (x INTEGER)")
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, writer.execute, "COMMIT")
        store = await IndexStore.open(db_path)
        try:
            async with store.db.execute("PRAGMA journal_mode") as cur:
                assert (await one(cur))[0] == "wal"
        finally:
            await store.close()
    finally:
        writer.close()


async def test_opening_a_migrated_database_does_not_wait_for_a_writer(
    built: IndexService, tmp_path: Path
) -> None:
    """``briefbot ask`` while the bot commits a reindex (or ``briefbot index`` commits): nothing
    is left to migrate, so opening takes no write lock and answers at once, instead of waiting
    for the writer (up to 30 s, then "database is locked")."""
    db_path = tmp_path / "index.sqlite3"
    writer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE other_writer (x INTEGER)")
        opened = asyncio.ensure_future(IndexService.open(db_path, built.content))
        done, _ = await asyncio.wait({opened}, timeout=10)
        assert done, "opening waited for the writer"
        reader = opened.result()
        try:
            assert (await reader.ensure()).generation == current(built).generation
        finally:
            await reader.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        if not opened.done():
            with contextlib.suppress(Exception):
                await (await opened).close()


def test_migration_numbers_must_have_no_gaps(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("", encoding="utf-8")
    (tmp_path / "003_c.sql").write_text("", encoding="utf-8")
    with pytest.raises(RuntimeError, match="without gaps"):
        migration_files(tmp_path)


# ---------------------------------------------------------------------------- index data


def parsed_posts(site: Path) -> dict[str, ParsedPost]:
    root, config = find_site(site)
    out = {}
    for path in iter_post_files(root):
        parsed = parse_post(path, root, config)
        assert isinstance(parsed, ParsedPost)
        out[parsed.post.id] = parsed
    return out


def searchable(data: IndexData, parsed: dict[str, ParsedPost]) -> SearchIndex:
    posts = [parsed[pid].post for pid in data.post_ids]
    passages = [p for pid in data.post_ids for p in parsed[pid].passages]
    return SearchIndex(data, posts, passages)


def results(index: SearchIndex) -> dict[str, object]:
    return {
        q: [(r.post_id, r.url, r.score, r.text) for r in index.search(q, k=20).results]
        + [index.search(q).declined]
        for q in [*QUESTIONS, "avalanche", "tidal kites", "robot", "2023 review"]
    }


@pytest.mark.parametrize("compact", [False, True])
def test_updated_equals_a_build_from_scratch(
    fixture_site: Path, tmp_path: Path, compact: bool
) -> None:
    before = parsed_posts(fixture_site)
    # Change one post, remove one, add one.
    edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries")
    post_path(fixture_site, QUILL).unlink()
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    after = parsed_posts(fixture_site)

    old = IndexData.from_posts([analyze_post(p) for p in before.values()])
    keep = {pid for pid in before if pid in after and pid != GLACIERFALL}
    if compact:  # keep one post only: the vocabulary is then mostly dead terms
        keep = {DRONES}
    added_ids = sorted(set(after) - keep)
    batches = [
        IndexData.from_posts([analyze_post(after[pid]) for pid in added_ids[:2]]),
        IndexData.from_posts([analyze_post(after[pid]) for pid in added_ids[2:]]),
    ]
    updated = old.updated(keep, batches)
    if compact:
        updated = updated.compacted()
    expected_order = [pid for pid in before if pid in keep] + added_ids
    assert updated.post_ids == expected_order
    scratch = IndexData.from_posts([analyze_post(after[pid]) for pid in expected_order])

    assert field_docs(updated) == field_docs(scratch)
    assert np.array_equal(updated.passage_counts, scratch.passage_counts)
    assert np.array_equal(updated.sentence_counts, scratch.sentence_counts)
    assert np.array_equal(updated.states_amount, scratch.states_amount)
    assert len(updated.states_amount) == updated.n_passages
    if compact:
        assert len(updated.vocab) < len(old.vocab)
        assert len(updated.vocab) == updated.live_terms()
    assert results(searchable(updated, after)) == results(searchable(scratch, after))


async def test_stored_index_equals_a_build_from_scratch(
    built: IndexService, fixture_site: Path
) -> None:
    # Several incremental refreshes later, the stored index answers like a fresh build.
    edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries")
    await built.reindex()
    post_path(fixture_site, QUILL).unlink()
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    await built.reindex()
    parsed = parsed_posts(fixture_site)
    order = current(built).data.post_ids
    scratch = searchable(IndexData.from_posts([analyze_post(parsed[p]) for p in order]), parsed)
    assert results(current(built)) == results(scratch)
    assert current(built).search("x", filters=SearchFilters(post_id=QUILL)).declined


async def test_served_passages_after_reindexes_equal_the_parsed_ones(
    built: IndexService, fixture_site: Path
) -> None:
    # The live index keeps its passages in one compact table that a reindex copies post by post
    # (unchanged posts' bytes as they are): what it serves must be what the files say, in order,
    # and what a fresh load of the database gives.
    edit(post_path(fixture_site, GLACIERFALL), "underwriters", "actuaries ünïcödé")
    await built.reindex()
    post_path(fixture_site, QUILL).unlink()
    post_path(fixture_site, NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
    await built.reindex()
    parsed = parsed_posts(fixture_site)
    served = current(built)
    expected = [p for pid in served.data.post_ids for p in parsed[pid].passages]
    assert isinstance(served.passages, PassageTable)
    assert list(served.passages) == expected
    assert served.passages[-1] == expected[-1]
    assert served.passages[2:5] == expected[2:5]
    assert served.post_passages(GLACIERFALL) == list(parsed[GLACIERFALL].passages)
    assert any("ünïcödé" in p.text for p in served.post_passages(GLACIERFALL))
    loaded = await load_index(built.store)
    assert loaded is not None and list(loaded.passages) == expected


def test_term_counts_are_kept_in_their_narrowest_type(fixture_site: Path) -> None:
    # Every field's counts are held by the live index (30 million at 10x): one byte each when
    # they fit, and the same scores as wider ones.
    parsed = parsed_posts(fixture_site)
    fresh = IndexData.from_posts([analyze_post(p) for p in parsed.values()])
    data = IndexData().updated(set(), [fresh])
    assert {tc.flat().counts.dtype for tc in data.fields.values()} == {np.dtype(np.uint8)}


# ---------------------------------------------------------------------------- a damaged database

BRIEFBOT = Path(sys.executable).with_name("briefbot")


def run_briefbot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [str(BRIEFBOT), *args], capture_output=True, text=True, timeout=120, env=env
    )


def assert_one_line_about(done: subprocess.CompletedProcess[str], db_path: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(db_path) in lines[0] and "briefbot index" in lines[0]
    assert "alert" in lines[0]  # the one thing a rebuild cannot bring back


def test_a_file_that_is_not_sqlite_is_named_in_one_line_and_kept(
    tmp_path: Path, fixture_site: Path
) -> None:
    db_path = tmp_path / "index.sqlite3"
    garbage = os.urandom(20_000)
    db_path.write_bytes(garbage)
    done = run_briefbot("index", "--content", str(fixture_site), "--db", str(db_path))
    assert_one_line_about(done, db_path)
    assert "not an SQLite database" in done.stderr
    assert db_path.read_bytes() == garbage  # nothing deleted or overwritten


async def test_a_damaged_database_is_named_in_one_line_and_kept(
    tmp_path: Path, fixture_site: Path
) -> None:
    db_path = tmp_path / "index.sqlite3"
    svc = await IndexService.open(db_path, fixture_site)
    await svc.reindex()
    await svc.close()
    with open(db_path, "r+b") as f:  # the pages after the first few: the tables' contents
        f.seek(4096 * 3)
        f.write(b"\xa5" * (db_path.stat().st_size - 4096 * 3))
    damaged = db_path.read_bytes()
    done = run_briefbot("ask", "avalanche", "--content", str(fixture_site), "--db", str(db_path))
    assert_one_line_about(done, db_path)
    assert "malformed" in done.stderr
    assert db_path.read_bytes() == damaged


# ---------------------------------------------------------------------------- kill -9 mid-reindex

# A reindex large enough for worker processes, stopped (the event loop blocked) once the first
# chunk is back, with the workers alive: then the test kills this process with SIGKILL.
_REINDEX_AND_HANG = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from index.storage.indexer import Indexer
    from index.storage.store import IndexStore
    site, db_path = Path(sys.argv[1]), Path(sys.argv[2])
    def progress(done, total):
        if done:
            print("parsing", flush=True)
            time.sleep(600)
    async def main():
        store = await IndexStore.open(db_path)
        await Indexer(store, site, workers=2).refresh(progress)
    asyncio.run(main())
    """
)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (its new parent may be slow to reap it)


CHUNKS_LOG = "BRIEFBOT_TEST_CHUNKS_LOG"
_PARSE_CHUNK = indexer_module._parse_chunk


def _logged_slow_parse(jobs: list[tuple[Path, bytes]], posts_root: Path, site: Any) -> Any:
    """The indexer's chunk parser, run in its worker processes (forked: this module is there),
    noting each chunk it starts in a file and taking a little longer."""
    with open(os.environ[CHUNKS_LOG], "a", encoding="ascii") as log:
        log.write("chunk\n")
    time.sleep(0.2)  # (time for the cancellation to arrive while chunks are left)
    return _PARSE_CHUNK(jobs, posts_root, site)


async def test_a_cancelled_reindex_drops_the_chunks_not_yet_parsed(
    tmp_path: Path, fixture_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C on ``briefbot index`` (``asyncio.run`` cancels its task) or the bot stopping
    mid-reindex: the workers' queued chunks are dropped, not parsed to the end first (Ctrl-C
    four seconds into a cold 10x index took 39 s to stop)."""
    from index.storage import indexer

    add_posts(fixture_site, 400)
    log = tmp_path / "chunks.log"
    monkeypatch.setenv(CHUNKS_LOG, str(log))
    monkeypatch.setattr(indexer, "_parse_chunk", _logged_slow_parse)
    store = await IndexStore.open(tmp_path / "index.sqlite3")
    chunks = 0

    def progress(done: int, total: int) -> None:
        nonlocal chunks
        if done:
            chunks = -(-total // max(indexer.CHUNK_MIN, -(-total // 16)))
            refresh.cancel()  # (as asyncio.run does on Ctrl-C)

    try:
        refresh = asyncio.ensure_future(indexer.Indexer(store, fixture_site, 2).refresh(progress))
        with pytest.raises(asyncio.CancelledError):
            await refresh
    finally:
        await store.close()
    started = len(log.read_text(encoding="ascii").splitlines())
    assert chunks >= 12 and started < chunks - 4, (started, chunks)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_reindex_workers_end_when_the_process_is_killed(tmp_path: Path, fixture_site: Path) -> None:
    add_posts(fixture_site, 200)  # over the indexer's threshold for worker processes
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _REINDEX_AND_HANG, str(fixture_site), str(tmp_path / "i.sqlite3")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    workers: list[int] = []
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "parsing"
        workers = children_of(proc.pid)
        assert len(workers) >= 2
        proc.kill()  # SIGKILL: no clean-up runs in the parent
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if running(pid)], "workers outlived their parent"
    finally:
        proc.kill()
        for pid in workers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_storage_and_indexing_know_nothing_of_ranking() -> None:
    # Storage returns data; only the service builds the searchable index.
    code = (
        "import sys, index.storage.store, index.storage.indexer;"
        " print('index.search' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "False"
