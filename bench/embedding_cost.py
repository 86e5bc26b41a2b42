"""What meaning-based ranking costs a process (issue 10, round 24): the embedding model's
load time and resident memory, a question's and a passage's embedding time, against a
BM25 answer's time on the same index in the same run (a ratio, as the other benches).

    .venv/bin/python -m bench.embedding_cost [--passages N] [--quick]

Resident memory (VmRSS) is read before the model is loaded, once loaded, after a question and
after the passages: the engine maps its weights and grows its buffers as it first runs.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from index.retrieval.dense import Dense
from index.retrieval.embedder import load_embedder

from .common import (
    CORPUS,
    base_parser,
    build_index,
    dev_questions,
    machine_note,
    memory_mb,
    require_shared,
    temp_dir,
    write_json,
)
from .passage_vectors import cached_passage_vectors


def _ms(seconds: list[float]) -> float:
    return 1000 * statistics.median(seconds)


def _answers_with_cached_vectors(index: Any, model: Any, questions: list[str]) -> list[float]:
    """Each question's whole answer with the passages' vectors (``SearchIndex.dense``, as served
    once embedded), from ``bench.passage_vectors``' cache; none when it is not there."""
    vectors = cached_passage_vectors(index)
    if vectors is None:
        return []
    index.dense = Dense(vectors, model.query)
    seconds = []
    for q in questions:
        start = time.perf_counter()
        index.search(q)
        seconds.append(time.perf_counter() - start)
    index.dense = None
    return seconds


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--passages", type=int, default=40, help="passages embedded (default 40)")
    args = parser.parse_args()
    require_shared()
    n = 8 if args.quick else args.passages
    with temp_dir() as folder:
        index, _ = build_index(folder / "index.sqlite", CORPUS)
        questions = dev_questions()[: 10 if args.quick else 40]
        step = max(1, len(index.passages) // n)
        texts = [index.passages.text(i) for i in range(0, len(index.passages), step)][:n]
        answer = []
        for q in questions:  # (the BM25 answer: the baseline, same run)
            start = time.perf_counter()
            index.search(q)
            answer.append(time.perf_counter() - start)
        before = memory_mb()["rss"]
        start = time.perf_counter()
        model = load_embedder()
        load = time.perf_counter() - start
        loaded = memory_mb()["rss"]
        query = []
        for q in questions:
            start = time.perf_counter()
            model.query(q)
            query.append(time.perf_counter() - start)
        asked = memory_mb()["rss"]
        passage = []
        for text in texts:
            start = time.perf_counter()
            model.passages([text])
            passage.append(time.perf_counter() - start)
        embedded = memory_mb()["rss"]
        with_dense = _answers_with_cached_vectors(index, model, questions)
    words = statistics.mean(len(t.split()) for t in texts)
    figures = {
        "load_ms": 1000 * load,
        "rss_before_mb": before,
        "rss_loaded_mb": loaded,
        "rss_after_questions_mb": asked,
        "rss_after_passages_mb": embedded,
        "question_ms_p50": _ms(query),
        "answer_ms_p50": _ms(answer),
        "passage_ms_p50": _ms(passage),
        "passage_words_mean": words,
        "passages": len(index.passages),
    }
    print(machine_note())
    print(
        f"model load {1000 * load:.0f} ms; RSS {before:.0f} MB before, +{loaded - before:.0f}"
        f" loaded, +{asked - before:.0f} after {len(query)} questions, +{embedded - before:.0f}"
        f" after {len(passage)} passages"
    )
    print(
        f"a question: {_ms(query):.1f} ms p50 ({_ms(query) / _ms(answer):.1f}x a BM25 answer's"
        f" {_ms(answer):.1f} ms)"
    )
    print(
        f"a passage ({words:.0f} words on average): {_ms(passage):.0f} ms p50; the site's"
        f" {len(index.passages)} passages: ~{len(index.passages) * _ms(passage) / 60000:.0f} min"
    )
    if with_dense:
        figures["answer_with_vectors_ms_p50"] = _ms(with_dense)
        print(
            f"a whole answer with the vectors: {_ms(with_dense):.1f} ms p50 (without:"
            f" {_ms(answer):.1f} ms)"
        )
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
