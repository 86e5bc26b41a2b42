"""Passage texts stay on disk: a loaded index holds none, reads the few it shows from the SQLite
file by digest, and always its own generation's, while a reindex here or in another process
commits another (real SQLite files, a copy of the fixture site)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import aiosqlite
import pytest

import index.storage.store
from index.retrieval.passage_table import PassageTable, TextsGone
from index.search import SearchIndex
from index.storage.migrations import migrate
from index.storage.service import IndexService
from index.storage.store import MIGRATIONS, StoredTexts

GLACIERFALL = "briefs/2022-03-03-glacierfall-avalanche-model.md"
QUESTION = "Which insurers use the avalanche model?"  # answered from GLACIERFALL's "underwriters"


def edit(site: Path, post_id: str, old: str, new: str) -> None:
    path = site / "_posts" / post_id
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def shown(index: SearchIndex, question: str = QUESTION) -> str:
    """Every text an answer shows, joined."""
    return "\n".join(r.text for r in index.search(question, k=5).results)


@pytest.fixture
async def db(tmp_path: Path, fixture_site: Path) -> AsyncIterator[Path]:
    """A database with the fixture site indexed (generation 1), closed again."""
    path = tmp_path / "index.sqlite3"
    service = await IndexService.open(path, fixture_site)
    try:
        await service.reindex()
    finally:
        await service.close()
    yield path


async def loaded(db: Path, site: Path) -> IndexService:
    service = await IndexService.open(db, site)
    await service.ensure()
    return service


async def test_a_loaded_index_holds_no_text_and_reads_only_what_it_shows(
    db: Path, fixture_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[int] = []
    real = StoredTexts.texts

    def recording(self: StoredTexts, digests: Sequence[int]) -> Mapping[int, str]:
        read.extend(digests)
        return real(self, digests)

    monkeypatch.setattr(StoredTexts, "texts", recording)
    service = await loaded(db, fixture_site)
    try:
        index = service.current
        assert index is not None and isinstance(index.passages, PassageTable)
        assert read == []  # loading read no text
        answer = index.search(QUESTION, k=3)
        assert "underwriters" in answer.results[0].text
        cited = len({r.text for r in answer.results})
        # The cited sections' passages (a few each), not the site's.
        assert 0 < len(set(read)) <= 3 * cited + 2 < len(index.passages)
        read.clear()
        brief = index.post_passages(GLACIERFALL)
        assert len(read) == len(brief) and any("underwriters" in p.text for p in brief)
    finally:
        await service.close()


async def test_an_index_shows_its_own_generation_after_another_process_rebuilt(
    db: Path, fixture_site: Path
) -> None:
    bot = await loaded(db, fixture_site)  # the running bot
    try:
        served = bot.current
        assert served is not None and "underwriters" in shown(served)
        edit(fixture_site, GLACIERFALL, "underwriters", "actuaries")
        cli = await IndexService.open(db, fixture_site)  # `briefbot index` meanwhile
        try:
            report = await cli.reindex()
            assert report.changed == (GLACIERFALL,)
        finally:
            await cli.close()
        # The bot still serves generation 1: its texts, not those committed since.
        assert served.generation == 1
        assert "underwriters" in shown(served) and "actuaries" not in shown(served)
        assert await bot.reload_if_changed()
        assert bot.current is not None and bot.current.generation == 2
        now = shown(bot.current, "Which actuaries use the avalanche model?")
        assert "actuaries" in now and "underwriters" not in now
        assert "underwriters" in shown(served)  # the old index object, still its own
    finally:
        await bot.close()


async def test_answers_during_a_reindex_show_the_answered_generation(
    db: Path, fixture_site: Path
) -> None:
    service = await loaded(db, fixture_site)
    try:
        edit(fixture_site, GLACIERFALL, "underwriters", "actuaries")
        answers: list[tuple[int, str]] = []
        done = asyncio.Event()

        async def ask_meanwhile() -> None:
            # As the bot answers: in worker threads, on whatever index is served at the time.
            while not done.is_set() or not answers:
                index = service.current
                assert index is not None
                text = await asyncio.to_thread(shown, index)
                answers.append((index.generation, text))

        asking = asyncio.create_task(ask_meanwhile())
        await service.reindex()
        done.set()
        await asking
        answers.append((2, shown(service.current)))  # type: ignore[arg-type]
        for generation, text in answers:
            if generation == 1:
                assert "underwriters" in text and "actuaries" not in text
            else:
                assert "actuaries" in text and "underwriters" not in text
    finally:
        await service.close()


async def test_unused_texts_are_kept_a_while_then_purged(
    db: Path, fixture_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = await loaded(db, fixture_site)
    try:
        first = service.current
        assert first is not None
        edit(fixture_site, GLACIERFALL, "underwriters", "actuaries")
        await service.reindex()
        second = service.current
        db_ = service.store.db
        async with db_.execute(
            "SELECT COUNT(*) FROM passage_texts WHERE unused_since IS NOT NULL"
        ) as cur:
            (unused,) = await cur.fetchone() or (0,)
        assert unused > 0  # the changed post's old texts, kept for indexes still serving them
        assert "underwriters" in shown(first)
        # Past UNUSED_TEXT_SECONDS, the next commit purges them: an index that old says so
        # plainly rather than show another generation's text.
        monkeypatch.setattr(index.storage.store, "UNUSED_TEXT_SECONDS", -1.0)
        edit(fixture_site, GLACIERFALL, "actuaries", "assessors")
        await service.reindex()
        async with db_.execute(
            "SELECT COUNT(*) FROM passage_texts WHERE digest NOT IN (SELECT digest FROM passages)"
        ) as cur:
            (orphans,) = await cur.fetchone() or (0,)
        assert orphans == 0
        with pytest.raises(TextsGone, match="no longer stored"):
            shown(first)
        with pytest.raises(TextsGone):
            shown(second)  # type: ignore[arg-type]
        assert service.current is not None and "assessors" in shown(
            service.current, "Which assessors use the avalanche model?"
        )
    finally:
        await service.close()


async def test_an_index_stored_with_texts_in_its_passages_is_rebuilt(
    tmp_path: Path, fixture_site: Path
) -> None:
    # A database as the version before stored it: migrations 001-002, texts in `passages`.
    old = tmp_path / "old-migrations"
    old.mkdir()
    for name in ("001_index.sql", "002_post_statistics.sql"):
        shutil.copy(MIGRATIONS / name, old / name)
    path = tmp_path / "index.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await migrate(conn, "index", old)
        await conn.execute(
            "INSERT INTO posts VALUES (?, 't', '2020-01-01', '[]', '[]', '[]', '', 'u', NULL, 0,"
            " 'f', 1, 1)",
            (GLACIERFALL,),
        )
        await conn.execute(
            "INSERT INTO passages VALUES (?, 0, '[]', NULL, 'an old text')", (GLACIERFALL,)
        )
        await conn.commit()
    service = await IndexService.open(path, fixture_site)
    try:
        index = await service.ensure()
        assert service.last_report is not None and len(service.last_report.added) == 13
        assert "underwriters" in shown(index)
    finally:
        await service.close()
