"""The term statistics as rows per post: what a commit writes, what a load assembles, upgrades
from the one-blob format, and a commit that fails half-way.

Real SQLite files in tmp_path and a copy of the fixture site; rows are read back with the
standard library's sqlite3 (another connection, as another process would see them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import numpy as np
import pytest
from retrieval_support import field_docs

from index.ingest.loader import parse_post
from index.ingest.site import find_site, iter_post_files
from index.models import ParsedPost
from index.storage.migrations import migrate
from index.storage.service import IndexService, load_index
from index.storage.stat_rows import field_counts, index_data, post_stats
from index.storage.store import MIGRATIONS, ConcurrentIndexChange, FileState
from index.terms.analyzer import analyze
from index.terms.fields import FIELDS, IndexData, PostTerms, analyze_post

GLACIERFALL = "briefs/2022-03-03-glacierfall-avalanche-model.md"
DRONES = "editorials/2024-05-09-delivery-drone-noise.md"
QUILL = "briefs/2022-09-14-quill-3-endangered-languages.md"
NEW_POST = "briefs/2024-06-01-tidal-kite-turbines.md"
NEW_POST_TEXT = """---
title: "Tidal Kites Learn to Steer Themselves"
categories: [briefs]
---

## Summary

Underwater kites tethered to the seabed generate electricity as tidal currents sweep them.
"""


@pytest.fixture
async def built(tmp_path: Path, fixture_site: Path) -> AsyncIterator[IndexService]:
    service = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    await service.reindex()
    yield service
    await service.close()


def edit(site: Path, post_id: str, old: str, new: str) -> None:
    path = site / "_posts" / post_id
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as db:
        return db.execute(sql).fetchall()


def statistics_rows(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the statistics' tables, with its rowid (a rewritten row gets a new one)."""
    return {
        "post_stats": rows(db_path, "SELECT rowid, * FROM post_stats ORDER BY post_id"),
        "post_terms": rows(db_path, "SELECT rowid, * FROM post_terms ORDER BY post_id, field"),
        "vocab": rows(db_path, "SELECT * FROM vocab ORDER BY first_id"),
    }


def assert_same_data(ours: IndexData, theirs: IndexData) -> None:
    """The same arrays, term ids and types included."""
    assert ours.vocab == theirs.vocab and ours.post_ids == theirs.post_ids
    for attr in ("passage_counts", "sentence_counts", "states_amount", "sentence_hashes"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert a.dtype == b.dtype and np.array_equal(a, b), attr
    for name in FIELDS:
        for attr in ("doc_ptr", "term_ids", "counts"):
            a, b = getattr(ours.fields[name], attr), getattr(theirs.fields[name], attr)
            assert a.dtype == b.dtype and np.array_equal(a, b), (name, attr)


def scratch(site: Path, order: list[str]) -> IndexData:
    """The statistics of the site's posts built from nothing, posts in ``order``."""
    root, config = find_site(site)
    parsed = {}
    for path in iter_post_files(root):
        post = parse_post(path, root, config)
        assert isinstance(post, ParsedPost)
        parsed[post.post.id] = post
    assert sorted(parsed) == sorted(order)
    return IndexData.from_posts([analyze_post(parsed[pid]) for pid in order])


async def stored_data(service: IndexService) -> IndexData:
    loaded = await service.store.load_data()
    assert loaded is not None
    return loaded[0]


def live_data(service: IndexService) -> IndexData:
    assert service.current is not None
    return service.current.data


# ---------------------------------------------------------------------------- rows of one post


def test_rows_round_trip_to_the_same_arrays() -> None:
    # One post with a term 300 times in a sentence: its counts need two bytes, the others one;
    # the field comes back in the narrowest type holding them all, as the live index keeps it.
    def post(pid: str, words: list[str]) -> PostTerms:
        return PostTerms(
            post_id=pid,
            passages={"heading": [["intro"], []]},
            phrases=[[1, 2, 2], [7]],
            post={"title": [pid, "title"], "summary": []},
            sentences=[[words, ["short"]], [["end"]]],
            amounts=[True, False],
            hashes=[2**64 - 1, 0, len(words)],  # (the full 64 bits round-trip)
        )

    data = IndexData().updated(
        set(), [IndexData.from_posts([post("a", ["x", "y"]), post("b", ["many"] * 300)])]
    )
    assert data.fields["sentence"].flat().counts.dtype == np.uint16
    assert data.fields["title"].flat().counts.dtype == np.uint8
    stats = post_stats(data, ["a", "b"])
    assert [s.fields["sentence"].count_bytes for s in stats] == [1, 2]

    def of(name: str) -> list[tuple[bytes, bytes, bytes, int]]:
        return [
            (f.lengths, f.term_ids, f.counts, f.count_bytes)
            for f in (s.fields[name] for s in stats)
        ]

    fields = {name: field_counts(of(name)) for name in FIELDS}
    back = index_data(
        data.vocab,
        [(s.post_id, s.sentence_counts, s.states_amount, s.sentence_hashes) for s in stats],
        fields,
    )
    assert_same_data(back, data)
    back.fields["body"].flat().counts[0] += 1  # arrays the caller may write, like any other
    empty = index_data([], [], {name: field_counts([]) for name in FIELDS})
    assert empty.post_ids == [] and empty.n_passages == 0
    assert all(tc.n_docs == 0 for tc in empty.fields.values())


# ---------------------------------------------------------------------------- what a commit writes


async def test_a_one_post_commit_writes_only_that_posts_rows(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    db_path = tmp_path / "index.sqlite3"
    before = statistics_rows(db_path)
    assert len(before["post_stats"]) == 13 and len(before["post_terms"]) == 13 * len(FIELDS)
    edit(fixture_site, GLACIERFALL, "underwriters", "zephyrquant actuaries")
    report = await built.reindex()
    assert report.changed == (GLACIERFALL,)
    after = statistics_rows(db_path)

    # Every other post's rows are the very rows stored before (same rowid, same bytes).
    def others(table: str, snapshot: dict[str, list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
        return [r for r in snapshot[table] if r[1] != GLACIERFALL]

    for table in ("post_stats", "post_terms"):
        assert others(table, after) == others(table, before)
    # The edited post's rows were written by generation 2, after every other post in order.
    stats_row = next(r for r in after["post_stats"] if r[1] == GLACIERFALL)
    assert stats_row[3] == 2 and stats_row[2] == max(r[2] for r in after["post_stats"])
    assert {r[1] for r in after["post_stats"] if r[3] == 2} == {GLACIERFALL}
    # The vocabulary only grew at its end, by the terms new to the index.
    assert after["vocab"][: len(before["vocab"])] == before["vocab"]
    (added,) = after["vocab"][len(before["vocab"]) :]
    assert set(added[2].split("\n")) == set(analyze("zephyrquant actuaries"))
    # What is stored is what is served (term ids and all), and what a build from nothing holds.
    stored = await stored_data(built)
    assert_same_data(stored, live_data(built))
    assert field_docs(stored) == field_docs(scratch(fixture_site, stored.post_ids))


async def test_statistics_after_many_commits_from_two_processes_equal_a_fresh_build(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # ``built`` plays the bot, ``cli`` the command line committing to the same file in between:
    # each refresh starts from what the other stored, and appends to it.
    cli = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    try:
        edit(fixture_site, GLACIERFALL, "underwriters", "actuaries")
        await cli.reindex()
        (fixture_site / "_posts" / QUILL).unlink()
        (fixture_site / "_posts" / NEW_POST).write_text(NEW_POST_TEXT, encoding="utf-8")
        await built.reindex()
        edit(fixture_site, DRONES, "noise", "racket")
        await cli.reindex()
        edit(fixture_site, GLACIERFALL, "actuaries", "insurers")
        await built.reindex()
        assert await built.store.generation() == 5
        stored = await stored_data(cli)
        assert_same_data(stored, live_data(built))
        assert stored.post_ids[-2:] == [DRONES, GLACIERFALL]
        assert field_docs(stored) == field_docs(scratch(fixture_site, stored.post_ids))
        # And a load serves what the live index serves.
        loaded = await load_index(cli.store)
        assert loaded is not None
        for q in ("avalanche insurers", "drone racket", "tidal kites", "languages"):
            ours = [(r.post_id, r.score) for r in loaded.search(q, k=10).results]
            assert ours == [(r.post_id, r.score) for r in built.current.search(q, k=10).results]  # type: ignore[union-attr]
    finally:
        await cli.close()


async def test_posts_in_another_order_renumber_only_the_small_rows(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # Should a refresh keep a changed post in its place (today it moves to the end), its rows
    # are still the only large ones written: the others' ``post_stats`` rows change their seq.
    db_path = tmp_path / "index.sqlite3"
    before = statistics_rows(db_path)
    live = live_data(built)
    middle = live.post_ids[5]
    path = fixture_site / "_posts" / middle
    path.write_text(path.read_text(encoding="utf-8") + "\nZephyrquant actuaries.\n", "utf-8")
    root, config = find_site(fixture_site)
    parsed = parse_post(path, root, config)
    assert isinstance(parsed, ParsedPost)
    head, tail = live.post_ids[:5], live.post_ids[6:]
    data = live.select(set(head)).updated(
        set(head), [IndexData.from_posts([analyze_post(parsed)]), live.select(set(tail))]
    )
    assert data.post_ids == live.post_ids and len(data.vocab) > len(live.vocab)
    raw = path.read_bytes()
    store = built.store
    await store.commit_index(
        expected_generation=1,
        content_dir=await store.content_dir() or "",
        site=await store.get_meta("site") or "",
        data=data,
        removed=[],
        upserts=[
            (
                parsed.post,
                parsed.passages,
                FileState(hashlib.sha256(raw).hexdigest(), len(raw), path.stat().st_mtime_ns),
            )
        ],
        touched=[],
        issues=[],
        cleared_issue_paths=[],
        built_at=dt.datetime.now(dt.UTC),
    )
    after = statistics_rows(db_path)
    big = [r for r in after["post_terms"] if r[1] != middle]
    assert big == [r for r in before["post_terms"] if r[1] != middle]
    assert {r[1] for r in after["post_stats"] if r[3] == 2} == {middle}
    assert [r[1] for r in sorted(after["post_stats"], key=lambda r: r[2])] == data.post_ids
    assert_same_data(await stored_data(built), data)


async def test_a_commit_from_another_process_in_between_is_noticed_and_followed(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # The command line commits the same change between the bot's reading and its writing: the
    # bot's commit is refused (its statistics are of an older generation), and its retry starts
    # from what the other one stored instead of writing its rows a second time.
    cli = await IndexService.open(tmp_path / "index.sqlite3", fixture_site)
    commit = built.store.commit_index
    refused: list[BaseException] = []

    async def cli_first(**kwargs: Any) -> int:
        if not refused:
            await cli.reindex()
            try:
                return await commit(**kwargs)
            except ConcurrentIndexChange as exc:
                refused.append(exc)
                raise
        return await commit(**kwargs)

    built.store.commit_index = cli_first  # type: ignore[method-assign]
    try:
        edit(fixture_site, GLACIERFALL, "underwriters", "zephyrquant actuaries")
        report = await built.reindex()
        assert refused and report.changed == ()  # (the retry found it all stored)
        assert live_data(built) is not live_data(cli)
        assert await built.store.generation() == built.current.generation == 2  # type: ignore[union-attr]
        assert len(rows(tmp_path / "index.sqlite3", "SELECT * FROM post_stats")) == 13
        stored = await stored_data(built)
        assert_same_data(stored, live_data(built))
        assert_same_data(stored, live_data(cli))
        assert field_docs(stored) == field_docs(scratch(fixture_site, stored.post_ids))
    finally:
        await cli.close()


async def test_a_compacted_vocabulary_rewrites_every_row(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # A post of 2000 words of its own, then gone: the live index drops the terms no post uses
    # any more (ids move), and the store rewrites its rows with the new ids rather than keep a
    # mostly dead vocabulary.
    words = " ".join(
        "zq" + "".join(chr(97 + (i // 26**k) % 26) for k in range(3)) for i in range(2000)
    )
    odd = fixture_site / "_posts" / NEW_POST
    odd.write_text(NEW_POST_TEXT + words + "\n", encoding="utf-8")
    await built.reindex()
    terms_before = len(live_data(built).vocab)
    assert terms_before > 2000
    before = statistics_rows(tmp_path / "index.sqlite3")
    odd.unlink()
    await built.reindex()
    assert len(live_data(built).vocab) < terms_before / 2
    after = statistics_rows(tmp_path / "index.sqlite3")
    assert {r[3] for r in after["post_stats"]} == {3}  # every row written again
    assert sum(r[1] for r in before["vocab"]) == terms_before
    assert sum(r[1] for r in after["vocab"]) == len(live_data(built).vocab)  # dead terms gone
    stored = await stored_data(built)
    assert_same_data(stored, live_data(built))
    state = rows(tmp_path / "index.sqlite3", "SELECT vocab_size FROM index_state")
    assert state == [(len(stored.vocab),)]
    assert field_docs(stored) == field_docs(scratch(fixture_site, stored.post_ids))


async def test_a_commit_failing_half_way_leaves_the_stored_index_as_it_was(
    built: IndexService, tmp_path: Path, fixture_site: Path
) -> None:
    # The last field's rows of the edited post cannot be written (as if the disk filled up
    # there): nothing of the commit may remain, and the next refresh does it whole.
    db_path = tmp_path / "index.sqlite3"
    with sqlite3.connect(db_path) as db:
        db.execute(
            "CREATE TRIGGER full_disk BEFORE INSERT ON post_terms WHEN NEW.field = 'sentence'"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    everything = "SELECT name FROM sqlite_master WHERE type = 'table'"
    tables = [t for (t,) in rows(db_path, everything) if t != "schema_migrations"]

    def dump() -> dict[str, list[tuple[Any, ...]]]:
        return {t: sorted(rows(db_path, f"SELECT * FROM {t}")) for t in tables}

    before = dump()
    served = built.current
    edit(fixture_site, GLACIERFALL, "underwriters", "zephyrquant actuaries")
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        await built.reindex()
    assert dump() == before
    assert built.current is served and await built.store.generation() == 1
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TRIGGER full_disk")
    report = await built.reindex()
    assert report.changed == (GLACIERFALL,) and await built.store.generation() == 2
    stored = await stored_data(built)
    assert_same_data(stored, live_data(built))
    assert analyze("zephyrquant")[0] in stored.vocab


# ---------------------------------------------------------------------------- an older database


async def test_an_index_stored_as_one_blob_is_rebuilt_after_the_upgrade(
    built: IndexService, tmp_path: Path, fixture_site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database as the version before the rows left it: the first migration's tables only,
    # with posts, passages and a statistics snapshot (whose bytes are never read again).
    old_path = tmp_path / "old.sqlite3"
    first_only = tmp_path / "first-migration"
    first_only.mkdir()
    shutil.copy(MIGRATIONS / "001_index.sql", first_only)
    new_path = tmp_path / "index.sqlite3"
    with sqlite3.connect(old_path) as db:
        db.execute("PRAGMA journal_mode=WAL")
    async with aiosqlite.connect(old_path) as db:
        await migrate(db, "index", first_only)
        await db.execute("ATTACH ? AS new", (str(new_path),))
        for table in ("meta", "posts", "passages"):
            await db.execute(f"INSERT INTO main.{table} SELECT * FROM new.{table}")
        await db.execute(
            "INSERT INTO index_snapshot (id, generation, built_at, data)"
            " VALUES (1, 7, '2024-01-01T00:00:00+00:00', x'93554e554d5059')"
        )
        await db.commit()
    assert rows(old_path, "SELECT COUNT(*) FROM posts") == [(13,)]

    with caplog.at_level(logging.WARNING, logger="index.storage.store"):
        service = await IndexService.open(old_path, fixture_site)
    try:
        assert any(
            str(old_path) in r.getMessage() and "older format" in r.getMessage()
            for r in caplog.records
        ), caplog.text
        assert await service.store.generation() == 7  # (still counting up)
        assert await load_index(service.store) is None
        index = await service.ensure()  # rebuilt from the content, every post read again
        report = service.last_report
        assert report is not None and len(report.changed) == 13 and not report.first_index
        assert index.generation == 8
        assert index.search("avalanche").results[0].post_id == GLACIERFALL
        tables = {t for (t,) in rows(old_path, "SELECT name FROM sqlite_master")}
        assert "index_snapshot" not in tables and "post_stats" in tables
        assert_same_data(await stored_data(service), live_data(service))
    finally:
        await service.close()
    # Opened again: nothing to upgrade, nothing said, the index loads.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="index.storage.store"):
        again = await IndexService.open(old_path, fixture_site)
    try:
        assert not caplog.records
        assert (await again.ensure()).generation == 8 and again.last_report is None
    finally:
        await again.close()
