"""Declining what no post states, on stored sentence vectors (issue 10, round 28e): after the
passages' vectors, the bot (and ``briefbot index``) embeds every sentence a first page can
show, stores it by its text's digest in the index's SQLite file, and only then switches on
``answerability.SENTENCE_MEANING``; a question reads its first page's sentences' vectors from
the file, with no model call. The site of ``test_answerability`` (an attribute no Acme post
states), a toy embedder behind the bot's embedder seam (a bag of the site's word stems: the
unanswerable question's closest sentence at ~.82, under .845; the answered one's at 1), the
real discord.py client and the Discord emulator.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiosqlite
import numpy as np
import pytest
from briefbot_support import ask
from discord_emulator import DiscordEmulator
from retrieval_support import BRIEF
from test_answerability import (
    NOT_STATED_QUESTION,
    POSTS,
    STATED_QUESTION,
    STEMS,
    toy_embed,
    toy_embed_texts,
)
from test_vectors import about_ranking, start_bot, until

from bot import cli
from index.answers import answerability
from index.retrieval import embedder as embedder_module
from index.search import NOT_STATED
from index.storage.migrations import migrate, migration_files
from index.storage.service import IndexService
from index.storage.store import MIGRATIONS
from index.storage.vectors import StoredSentences, index_digests, index_sentences


class Toy:
    """An embedder of toy vectors (``test_answerability.toy_embed``) recording what it is given,
    holding the texts from the ``hold_at``-th on until ``gate`` is set."""

    name = "toy 1"
    dim = len(STEMS) + 1

    def __init__(self, hold_at: int | None = None) -> None:
        self.hold_at = hold_at
        self.gate = threading.Event()
        self.texts: list[str] = []
        self.queries: list[str] = []

    def query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return toy_embed(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.hold_at is not None and len(self.texts) >= self.hold_at:
            self.gate.wait(60)  # (a test lets it go sooner; a slow machine gets time)
        self.texts.extend(texts)
        return toy_embed_texts(texts)


class FailingAfter(Toy):
    """A toy embedder whose model fails on every text from the ``after``-th on (a model out of
    memory, say): not one text's fault, so the fill is tried again later."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if len(self.texts) >= self.after:
            raise RuntimeError("out of memory")
        return super().passages(texts)


def write_site(base: Path) -> Path:
    posts = base / "_posts" / "briefs"
    posts.mkdir(parents=True)
    (base / "_config.yml").write_text("title: Test\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, body) in POSTS.items():
        (posts / name).write_text(BRIEF.format(title=title, body=body), encoding="utf-8")
    return base


@pytest.fixture
async def acme(tmp_path: Path) -> AsyncIterator[IndexService]:
    service = await IndexService.open(tmp_path / "db.sqlite3", write_site(tmp_path / "site"))
    await service.ensure()
    yield service
    await service.close()


def sentence_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM passage_vectors WHERE digest NOT IN (SELECT digest FROM passages)"
        ).fetchone()
    return int(n)


async def test_the_bot_declines_what_no_post_states_once_the_sentences_are_stored(
    emulator: DiscordEmulator, acme: IndexService
) -> None:
    index = acme.current
    assert index is not None
    passages = len(set(index_digests(index)))
    sentences = len(index_sentences(index))
    toy = Toy(hold_at=passages)  # (held at the first sentence: the passages are all embedded)
    bot = await start_bot(emulator, acme, lambda: toy, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: index.dense is not None and filler.status.sentences > 0)
        # Ranked by meaning, the sentences not stored yet: answered, as before the rule.
        _, message = await ask(emulator, NOT_STATED_QUESTION)
        assert NOT_STATED not in str(message.embeds[0]), message.embeds[0]
        assert "Acme Robotics" in message.embeds[0]["description"]
        assert await about_ranking(emulator) == (
            f"By words and meaning (0 of {sentences} sentences embedded)"
        )
        assert index.stated_rule is answerability.NOT_STATED_OFF

        toy.gate.set()
        await filler.wait()
        assert sentence_rows(acme.store.path) == sentences  # (none is a passage's text)
        assert index.stated_rule is answerability.SENTENCE_MEANING
        assert await about_ranking(emulator) == "By words and meaning"
        # Stored: declined, the closest posts offered; what a post states is answered. No
        # sentence is embedded to answer (the question is: its ``query`` side).
        embedded = list(toy.texts)
        _, message = await ask(emulator, NOT_STATED_QUESTION)
        assert NOT_STATED in str(message.embeds[0]), message.embeds[0]
        _, message = await ask(emulator, STATED_QUESTION)
        assert NOT_STATED not in str(message.embeds[0])
        assert "400" in message.embeds[0]["description"]
        assert toy.texts == embedded
        assert NOT_STATED_QUESTION in toy.queries and STATED_QUESTION in toy.queries
    finally:
        toy.gate.set()
        await emulator.stop_client(bot)


def test_briefbot_index_stores_the_sentences_and_ask_reads_them_without_the_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    toy = Toy()
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: toy)
    db = tmp_path / "db.sqlite3"
    where = ["--content", str(write_site(tmp_path / "site")), "--db", str(db)]

    # Passages only (their sentences not stored): answered, as before.
    assert cli.main(["index", *where, "--no-embed"]) == 0
    assert cli.main(["ask", *where, NOT_STATED_QUESTION]) == 0  # (embeds the passages first)
    out = capsys.readouterr()
    assert NOT_STATED not in out.out and "Acme Robotics" in out.out
    assert sentence_rows(db) == 0

    assert cli.main(["index", *where]) == 0
    printed = capsys.readouterr().out.replace("\n", " ")
    stored = sentence_rows(db)
    assert stored > 0 and f"Embedded {stored} sentences for declining what no post" in printed
    toy.texts.clear()
    assert cli.main(["ask", *where, NOT_STATED_QUESTION]) == 0
    assert NOT_STATED in capsys.readouterr().out
    assert toy.texts == []  # (the sentences read from the file, none embedded)
    assert cli.main(["ask", *where, STATED_QUESTION]) == 0
    answered = capsys.readouterr().out
    assert NOT_STATED not in answered and "400" in answered

    # The look-up: the stored rows, by text; None when one is missing.
    lookup = StoredSentences(db, toy.name, toy.dim)
    stated = "Acme Robotics shipped 400 warehouse robots in 2023."
    found = lookup([stated, "Beta Labs now has 40 employees."])
    assert found is not None and np.allclose(found[0], toy_embed(stated))
    assert lookup([stated, "A sentence no post has."]) is None

    # The sentences' vectors gone (a fill not done): the question is not judged.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "DELETE FROM passage_vectors WHERE digest NOT IN (SELECT digest FROM passages)"
        )
    assert lookup([stated]) is None
    assert cli.main(["ask", *where, NOT_STATED_QUESTION]) == 0
    assert NOT_STATED not in capsys.readouterr().out


async def test_the_vectors_stored_before_are_kept_in_the_packed_table(tmp_path: Path) -> None:
    """Migration 008: the vectors' table becomes a rowid one (a row of a WITHOUT ROWID table
    held its vector on an overflow page of its own: over twice the file), its rows kept."""
    before = tmp_path / "before"
    before.mkdir()
    for path in migration_files(MIGRATIONS):
        if path.name < "008":
            shutil.copy(path, before / path.name)
    row = (7, "toy 1", np.arange(4, dtype="<f4").tobytes())
    async with aiosqlite.connect(tmp_path / "db.sqlite3") as db:
        await migrate(db, "index", before)
        await db.execute(
            "INSERT INTO passage_vectors (digest, model, vector) VALUES (?, ?, ?)", row
        )
        await db.commit()
        assert await migrate(db, "index", MIGRATIONS) == ["008_vectors_by_rowid.sql"]
        async with db.execute("SELECT digest, model, vector FROM passage_vectors") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [row]
        async with db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'passage_vectors'"
        ) as cur:
            (sql,) = await cur.fetchone()  # type: ignore[misc]
        assert "WITHOUT ROWID" not in sql and "PRIMARY KEY (digest, model)" in sql


async def test_about_says_when_the_sentences_fill_failed_and_when_it_is_tried_again(
    emulator: DiscordEmulator, acme: IndexService
) -> None:
    index = acme.current
    assert index is not None
    passages = len(set(index_digests(index)))
    sentences = len(index_sentences(index))
    failing = FailingAfter(passages)  # (every passage embedded, then no sentence)
    bot = await start_bot(emulator, acme, lambda: failing, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: index.dense is not None and filler.status.retry_at is not None)
        line = await about_ranking(emulator)
        assert line.startswith(
            f"By words and meaning (0 of {sentences} sentences embedded, paused: embedding the"
            " sentences failed (RuntimeError: out of memory); trying again <t:"
        ), line
        assert line.endswith(":R>)"), line
        assert index.stated_rule is answerability.NOT_STATED_OFF
    finally:
        await emulator.stop_client(bot)
