"""Query latency: our top-5 retrieval and full answers against rank-bm25 and bm25s, 1x and 10x.

    .venv/bin/python -m bench.retrieval [--scales 1 10] [--quick] [--profile] [--json OUT]

Every system answers the same questions in the same run, twice over: warm (the verdict), each
system answering blocks of 25 questions in turn, the blocks and the systems' order shuffled, as a
server answers a stream of questions; and cold, one round interleaved question by question, so
that every call comes right after another system's (rank-bm25's pure-Python loop, our own answer
building) has evicted its code and data from the caches. The systems:

- ``ours top-5``     what ``SearchIndex.search`` does before presentation: ``_plan`` (analysis,
                     vocabulary look-up, typo correction) + ``_passage_scores`` (all fields) +
                     ``_rank`` (top candidates grouped by post), k=5;
- ``ours answer``    ``SearchIndex.search(q, k=5)``: the above plus the no-answer decision, best
                     sentence and snippet of each result;
- ``ours answer, learned on/off`` (1x only) the same with ``RankingWeights.learned`` flipped
                     (the learned passage scorer, ``index/retrieval/passage_scorer.py``): the
                     other setting's cost, in the same run;
- ``ours answer, dense`` / ``…, dense + stated`` (``--stated``, 1x only) answers with the
                     passages' vectors (``bench.passage_vectors``' cache; the questions' embedded
                     before timing), and the same with round 28e's decline on what no first-page
                     sentence states, its sentences' vectors stored in the index's file as the
                     bot stores them (those ``bench.fit_answerability`` cached, a seeded random
                     unit vector for the rest: the look-up's cost, not its decisions) and read
                     by ``StoredSentences``; the rows and megabytes they add are printed;
- ``rank-bm25``      ``BM25Okapi.get_scores`` + stable argsort, over our analysed passage tokens
                     (the body field, exactly the terms our index holds);
- ``bm25s …``        bm25s over the same tokens, ``method="robertson"`` (closest to BM25Okapi: the
                     same Robertson IDF, but negative IDFs clamped to 0 instead of rank-bm25's
                     ``epsilon * mean IDF``, and float32 scores), indexed from pre-tokenised ids
                     (``bm25s.tokenization.Tokenized``); ``retrieve(k=5)`` one query per call with
                     ``n_threads=1`` (a one-worker thread pool per call) and with its default
                     ``n_threads=0`` (plain loop in the caller), and its core path
                     ``get_scores`` + ``selection.topk`` without the ``retrieve`` wrapper.

Baselines are handed ``analyze(question)`` computed inside the timed call, as ours analyses
inside ``_plan``; they score one field, ours six (see ``index/terms/fields.py``).
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized
from rank_bm25 import BM25Okapi

from bench.common import (
    CORPUS,
    Stats,
    base_parser,
    build_index,
    build_site,
    field_token_lists,
    kept_temp_dir,
    machine_note,
    print_table,
    question_set,
    require_shared,
    time_interleaved,
    verdict,
    write_json,
)
from index.retrieval.bm25 import BM25
from index.retrieval.selection import top_k
from index.search import SearchIndex
from index.terms.analyzer import analyze

K = 5
# Questions each system answers in a row, warm: enough to run on warm caches, few enough that
# machine drift between blocks falls on every system alike.
WARM_BLOCK = 25
OURS_TOP5 = "ours top-5"
OURS_ANSWER = "ours answer"
RANK_BM25 = "rank-bm25 get_scores+argsort"
BM25S_T1 = "bm25s retrieve n_threads=1"
BM25S_T0 = "bm25s retrieve default (n_threads=0)"
BM25S_CORE = "bm25s get_scores+topk"
BM25S_ALL = (BM25S_T1, BM25S_T0, BM25S_CORE)


def ours_top5(index: Any) -> Callable[[str], object]:
    """Retrieval exactly as ``SearchIndex.search`` runs it (no filters), minus presentation."""

    def run(question: str) -> object:
        plan = index._plan(question.strip())
        if not plan.term_ids:
            return []
        scores, choice = index._passage_scores(plan)
        return index._rank(scores, choice, K)

    return run


def baselines(tokens: list[list[str]]) -> tuple[BM25Okapi, dict[str, Callable[[str], object]]]:
    """rank-bm25 (also returned, for the sanity check) and bm25s over the same token lists."""
    rb = BM25Okapi(tokens)
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
    retriever = bm25s.BM25(method="robertson", k1=1.5, b=0.75)
    retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
    n_docs = len(tokens)

    def rank_bm25(question: str) -> object:
        return np.argsort(-rb.get_scores(analyze(question)), kind="stable")[:K]

    def retrieve(n_threads: int) -> Callable[[str], object]:
        def run(question: str) -> object:
            return retriever.retrieve(
                [analyze(question)], k=K, show_progress=False, n_threads=n_threads
            )

        return run

    def core(question: str) -> object:
        terms = analyze(question)
        scores = retriever.get_scores(terms) if terms else np.zeros(n_docs, np.float32)
        return bm25s.selection.topk(scores, K, backend="numpy")

    return rb, {
        RANK_BM25: rank_bm25,
        BM25S_T1: retrieve(1),
        BM25S_T0: retrieve(0),
        BM25S_CORE: core,
    }


def sanity_check(index: Any, rb: BM25Okapi, queries: Sequence[str]) -> tuple[int, int, int]:
    """Our body-field BM25 against rank-bm25 on the same tokens: (same top-5 passages, same top-5
    scores to 1e-9, questions). Copies of a passage tie, so at 10x only the scores can agree
    until ``top_k`` breaks ties by index (see tests/test_bm25.py)."""
    body = BM25(index.data.fields["body"], len(index.data.vocab))
    same = same_scores = 0
    for q in queries:
        terms = analyze(q)
        ids = [index.vocab[t] for t in terms if t in index.vocab]
        theirs = rb.get_scores(terms)
        expected = np.argsort(-theirs, kind="stable")[:K]
        got = top_k(body.scores(ids), K)
        same += bool(np.array_equal(got, expected))
        same_scores += bool(np.allclose(theirs[got], theirs[expected], rtol=0, atol=1e-9))
    return same, same_scores, len(queries)


def profile(systems: dict[str, Callable[[str], object]], queries: Sequence[str]) -> None:
    for name, fn in systems.items():
        prof = cProfile.Profile()
        prof.enable()
        for q in queries:
            fn(q)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(f"\ncProfile of {name} over {len(queries)} questions (by own time):")
        print("\n".join(out.getvalue().splitlines()[:40]))


def with_stored_sentences(index: SearchIndex, db: Path, queries: Sequence[str]) -> dict[str, Any]:
    """Systems answering with the passages' vectors, without and with the stated rule reading
    stored sentence vectors (see the module's text); {} when the passages' are not cached."""
    import os

    from bench.answer_quality import with_cached_vectors
    from bench.passage_vectors import DEFAULT_CACHE, ByText, text_key
    from index.answers import answerability
    from index.retrieval.dense import Dense
    from index.retrieval.embedder import load_embedder
    from index.storage.vectors import StoredSentences, StoredVectors, index_sentences

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    model = load_embedder()
    with_cached_vectors(index)
    if index.dense is None:
        return {}
    vectors, index.dense = index.dense.vectors, None  # (the other systems answer without)
    asked = {q.strip(): model.query(q.strip()) for q in queries}
    systems: dict[str, Any] = {}
    for name in ("dense", "dense + stated"):
        one = SearchIndex(index.data, index.posts, index.passages, index.weights)
        one.dense = Dense(vectors, asked.__getitem__)
        systems[f"{OURS_ANSWER}, {name}"] = one
    started = time.perf_counter()
    sentences = index_sentences(index)
    listed = time.perf_counter() - started
    cached = ByText(DEFAULT_CACHE, "sentences").rows
    random = np.random.default_rng(0)
    rows = []
    for text in sentences.values():
        row = cached.get(text_key(text))
        if row is None:
            row = random.standard_normal(model.dim).astype(np.float32)
            row /= np.linalg.norm(row)
        rows.append(row)
    before = db.stat().st_size
    store = StoredVectors(db)
    try:
        store.put(model.name, list(sentences), np.vstack(rows))
    finally:
        store.close()
    stated = systems[f"{OURS_ANSWER}, dense + stated"]
    stated.sentence_vectors = StoredSentences(db, model.name, model.dim)
    stated.stated_rule = answerability.SENTENCE_MEANING
    print(
        f"   stored sentence vectors: {len(sentences):,} rows ({len(rows) - len(cached):,} not in"
        f" the bench cache: random), +{(db.stat().st_size - before) / 1e6:.1f} MB; listing"
        f" them from the passages took {listed:.1f} s"
    )
    return {name: partial(one.search, k=K) for name, one in systems.items()}


def run_scale(copies: int, quick: bool, want_profile: bool, stated: bool = False) -> dict[str, Any]:
    tmp = kept_temp_dir()  # (the index reads its texts from its database)
    content = CORPUS if copies == 1 else build_site(tmp / "site", copies)
    index, _report = build_index(tmp / "index.sqlite3", content)
    titles = [p.title for p in index.posts]
    headings = [
        (index.posts[int(index.passage_post[i])].title, p.heading)
        for i, p in enumerate(index.passages)
        if p.heading
    ]
    queries = question_set(titles, headings)
    if quick:
        queries = queries[:: max(1, len(queries) // 150)]
    tokens = field_token_lists(index.data, "body")
    systems: dict[str, Callable[[str], object]] = {
        OURS_TOP5: ours_top5(index),
        OURS_ANSWER: lambda q: index.search(q, k=K),
    }
    if copies == 1:  # (a second index's tables: at 1x only)
        flipped = 0.0 if index.weights.learned else 1.0
        other = SearchIndex(
            index.data,
            index.posts,
            index.passages,
            dataclasses.replace(index.weights, learned=flipped),
        )
        systems[f"{OURS_ANSWER}, learned {'on' if flipped else 'off'}"] = lambda q: other.search(
            q, k=K
        )
    if stated and copies == 1:
        systems.update(with_stored_sentences(index, tmp / "index.sqlite3", queries))
    rb, base = baselines(tokens)
    systems.update(base)
    rounds = (1 if quick else 3) if copies == 1 else (1 if quick else 2)
    rank_sample = len(queries) if copies == 1 else (40 if quick else 150)
    print(
        f"\n== {copies}x: {len(index.posts)} posts, {len(index.passages)} passages, "
        f"{len(rb.idf)} body terms; {len(queries)} questions x {rounds} round(s)"
        + (f" (rank-bm25: {rank_sample} of them)" if rank_sample < len(queries) else "")
    )
    for fn in systems.values():  # warm-up: caches, lazy imports, first-call costs
        for q in queries[:50]:
            fn(q)
    same, same_scores, checked = sanity_check(index, rb, queries[:: max(1, len(queries) // 60)])
    print(
        f"   our body-field BM25 vs rank-bm25 on the same tokens: same top-5 passages for "
        f"{same}/{checked} questions, same top-5 scores for {same_scores}/{checked}"
    )

    only_some = {RANK_BM25: rank_sample} if copies > 1 else None
    samples = time_interleaved(systems, queries, rounds, only_some=only_some, block=WARM_BLOCK)
    stats = {name: Stats.of(s) for name, s in samples.items()}
    print_table(
        f"Latency at {copies}x, warm (ms; blocks of {WARM_BLOCK} questions per system)",
        ["system", "calls", "p50", "p99", "mean"],
        [[n, s.n, s.p50, s.p99, s.mean] for n, s in stats.items()],
    )
    ratio_rows = []
    for ours in (OURS_TOP5, OURS_ANSWER):
        for base_name in (*BM25S_ALL, RANK_BM25):
            o, b = stats[ours], stats[base_name]
            ratio_rows.append([f"{ours} / {base_name}", o.p50 / b.p50, o.p99 / b.p99])
    print_table(f"Ratios at {copies}x, warm (< 1: ours faster)", ["", "p50", "p99"], ratio_rows)
    cold_samples = time_interleaved(systems, queries, 1, seed=1, only_some=only_some, block=1)
    cold = {name: Stats.of(s) for name, s in cold_samples.items()}
    print_table(
        f"Latency at {copies}x, cold (ms; one round, every call right after another system's)",
        ["system", "calls", "p50", "p99", "p50 ratio ours top-5 / it"],
        [
            [n, s.n, s.p50, s.p99, cold[OURS_TOP5].p50 / s.p50]
            for n, s in cold.items()
            if n != OURS_TOP5
        ],
    )
    if want_profile:
        profile({OURS_TOP5: systems[OURS_TOP5], OURS_ANSWER: systems[OURS_ANSWER]}, queries)
    return {
        "copies": copies,
        "posts": len(index.posts),
        "passages": len(index.passages),
        "questions": len(queries),
        "rounds": rounds,
        "same_top5_as_rank_bm25": {"passages": same, "scores": same_scores, "of": checked},
        "latency_ms": {n: vars(s) for n, s in stats.items()},
        "cold_latency_ms": {n: vars(s) for n, s in cold.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10], metavar="N")
    parser.add_argument("--profile", action="store_true", help="cProfile ours afterwards")
    parser.add_argument(
        "--stated",
        action="store_true",
        help="at 1x, answers with the passages' vectors without and with the decline reading"
        " stored sentence vectors (round 28e)",
    )
    args = parser.parse_args(argv)
    require_shared()
    print(f"Retrieval latency ({machine_note()})")
    results = [run_scale(n, args.quick, args.profile, args.stated) for n in args.scales]

    rows = []
    for r in results:
        for protocol, key in (("warm", "latency_ms"), ("cold", "cold_latency_ms")):
            lat = r[key]
            fastest_bm25s = min(lat[n]["p50"] for n in BM25S_ALL)
            rows.append(
                [
                    f"{r['copies']}x top-5 p50 ≤ every bm25s p50 ({protocol})",
                    f"{lat[OURS_TOP5]['p50'] / fastest_bm25s:.2f}x of fastest",
                    verdict(lat[OURS_TOP5]["p50"] <= fastest_bm25s),
                ]
            )
        lat = r["latency_ms"]
        if r["copies"] == 1:
            p50 = lat[OURS_ANSWER]["p50"]
            # (issue 10: headline and snippets chosen by answer extraction; was 2 ms before)
            rows.append(["1x full answer p50 ≤ 5 ms", f"{p50:.2f} ms", verdict(p50 <= 5.0)])
    print_table("Targets", ["target", "measured", "verdict"], rows)
    write_json(args.json, {"benchmark": "retrieval", "machine": machine_note(), "scales": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
