"""Where the answer's post sits when the first result is another post's, and whether the
post-level dense features tell them apart (issue 10, round 27c).

    .venv/bin/python -m bench.post_meaning [--features NAME ...] [--cost [--rounds N]]

With the passages' vectors (``bench.passage_vectors``' cache, as ``bench.answer_quality``
reads it) and the shipped dense scorer (``passage_scorer.DENSE_MODEL``), each answerable
question of the training sets (``TRAINING`` only: dev and the held sets are never read) is
ranked as ``fit_passage_scorer`` counts it (its candidates re-scored, then ``ranking``). Where
the first result's post is not gold, it prints the gold post's place (2–3, 4–5, 6–10, beyond,
not among the candidates), and for each feature of ``--features`` how often the gold post's best
candidate has the higher value than the first result's passage (higher, lower, equal), with
both means: a feature the first result's passage scores worse on is one a model can move.

``--cost``: the whole answer (``SearchIndex.search``) with the shipped dense scorer against the
one measured in round 27c (``dense_gap`` added, fitted on six), the question's vector given
(embedded beforehand: the features' own cost), interleaved question by question over the
training questions, ``--rounds`` times; medians and their ratio.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

import numpy as np

from bench import fit_passage_scorer
from bench.answer_quality import TRAINING, set_path, with_cached_vectors
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.evaluation import load_questions
from index.retrieval import dense, passage_scorer
from index.retrieval.passage_scorer import ALL_FEATURES, DENSE_MODEL, Model
from index.search import SearchIndex

# Round 27c's measured dense form: the shipped one and ``dense_gap``, fitted on the six training
# sets (``fit_passage_scorer --dense``); cross-fitted it gained, over dev and the held sets it
# lost a first page (bench/README.md).
WITH_GAP = Model(
    (*passage_scorer.DENSE_MODEL_FEATURES, "dense_gap"),
    (1.60, 2.11, 1.85, -0.22, 0.65, -0.22, -0.15, 0.23),
)

NEW = (
    "post_length",
    "ordinal",
    "dense_rank",
    "dense_post_rank",
    "dense_gap",
    "dense_post_gap",
    "dense_post_mean",
    "dense_post_mean_rank",
    "dense_in_post_rank",
)


def cost(index: SearchIndex, rounds: int) -> None:
    """The whole answer with ``DENSE_MODEL`` against ``WITH_GAP``, the question's vector given."""
    assert index.dense is not None
    questions = [q.question for n in TRAINING for q in load_questions(set_path(n))]
    ready = {q: np.asarray(index.dense.embed(q), np.float32) for q in questions}
    runs = {}
    for label, model in (
        ("shipped", DENSE_MODEL),
        ("+ dense_gap", WITH_GAP),
    ):
        on = SearchIndex(index.data, index.posts, index.passages, index.weights)
        on.dense = dense.Dense(index.dense.vectors, ready.__getitem__)
        on.passage_model = model
        on.search(questions[0])  # (warm)
        runs[label] = on
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(rounds):
        for q in questions:
            for label, on in runs.items():
                start = time.perf_counter()
                on.search(q)
                times[label].append(1000 * (time.perf_counter() - start))
    base = statistics.median(times["shipped"])
    for label, values in times.items():
        ms = statistics.median(values)
        print(f"{label}: p50 {ms:.2f} ms ({ms / base:.3f} x), {len(values)} answers")


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--features", nargs="+", default=list(NEW))
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    with_cached_vectors(index)
    if index.dense is None:
        raise SystemExit("no cached passage vectors")
    if args.cost:
        cost(index, args.rounds)
        return
    data = fit_passage_scorer.cases(index, list(TRAINING))
    cols = fit_passage_scorer.columns(DENSE_MODEL.features)
    show = [ALL_FEATURES.index(n) for n in args.features]
    places: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    top_vals, gold_vals = [], []
    for c in data:
        order = DENSE_MODEL.order(c.feats[:, cols])
        scores, choice = passage_scorer.rescored(c.scores, c.choice, c.cand, order)
        ranked, _ = index._rank(scores, choice, 10)
        posts = list(dict.fromkeys(int(index.passage_post[p]) for p, _ in ranked))
        if not posts or posts[0] in c.gold_posts:
            continue
        place = next((i + 1 for i, p in enumerate(posts) if p in c.gold_posts), None)
        if place is None:
            at = "not among the candidates" if not c.gold.any() else "beyond 10 (candidate)"
        else:
            at = "2-3" if place <= 3 else "4-5" if place <= 5 else "6-10"
        places[at] += 1
        first = ranked[0][0]
        row = {int(p): i for i, p in enumerate(c.cand)}
        if first not in row or not c.gold.any():
            continue
        # The gold post's candidate the model scores best.
        gold_rows = np.flatnonzero(c.gold)
        best_gold = int(gold_rows[np.argmax(order[gold_rows])])
        top = row[first]
        top_vals.append(c.feats[top, show])
        gold_vals.append(c.feats[best_gold, show])
        kinds["first result's post longer (passages)"] += int(
            c.feats[top, ALL_FEATURES.index("post_length")]
            > c.feats[best_gold, ALL_FEATURES.index("post_length")]
        )
        kinds["compared"] += 1
    total = sum(places.values())
    print(f"answerable training questions with a case: {len(data)}; first post not gold: {total}")
    for at, n in sorted(places.items()):
        print(f"  gold post at {at}: {n}")
    for k, n in kinds.items():
        print(f"  {k}: {n}")
    firsts, golds = np.array(top_vals), np.array(gold_vals)
    print("| feature | gold higher | gold lower | equal | mean first | mean gold |")
    print("|---|---:|---:|---:|---:|---:|")
    for j, name in enumerate(args.features):
        hi = int((golds[:, j] > firsts[:, j] + 1e-12).sum())
        lo = int((golds[:, j] < firsts[:, j] - 1e-12).sum())
        print(
            f"| {name} | {hi} | {lo} | {len(firsts) - hi - lo} | {firsts[:, j].mean():.3f} |"
            f" {golds[:, j].mean():.3f} |"
        )


if __name__ == "__main__":
    main()
