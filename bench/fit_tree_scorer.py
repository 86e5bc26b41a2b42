"""A non-linear learned passage scorer: gradient-boosted trees with a ranking objective over the
learned scorer's candidate features, cross-fitted against the linear model (issue 10, round 22).

    .venv/bin/python -m bench.fit_tree_scorer [--features NAME ...] [--base linear|score]
        [--labels answer|graded] [--leaves N] [--min-leaf N] [--rate R] [--trees N] [--l2 L]
        [--scale S] [--grid] [--search] [--print]

The data are ``bench.fit_passage_scorer``'s (``cases``): each answerable training question's
best ``passage_scorer.CANDIDATES`` passages, as the search has them before the learned scorer,
with every feature of ``passage_scorer.ALL_FEATURES`` (the trees read ``CHEAP`` of them by
default: not those made from the site's texts at first use). Labels, as the linear fit's
targets (``--labels``): ``answer``, 1 for a candidate whose text holds the answer span, or, for
a question with none, for its gold posts' candidates; ``graded``, 2 for the answer's, 1 for
any other gold-post candidate (partial relevance). LightGBM's ``lambdarank`` (one query a
question) fits few shallow trees, strongly regularised (leaves, data per leaf, learning rate,
L2), starting from a base (LightGBM's ``init_score``): the linear model (``passage_scorer
.FEATURES``) fitted on the same sets (``--base linear``: the trees learn what it misses) or the
current ranking's log score alone (``--base score``). The scorer is then ``passage_scorer
.Model(features, base weights, trees)``: its order is the base's log score plus the trees' sum
times ``--scale`` (the trees moved towards the base, as the linear fit's ``shrink``), on the
scale ``rescored`` reads. ``index/retrieval/trees.py`` evaluates the trees with numpy (from
LightGBM's dump): LightGBM is needed here only (the ``bench`` extra).

Only the training sets (``TRAINING``) are read; dev and the held sets never are.

- ``--grid``: cross-fitting over the candidates' counts (hit@1, ans@1, ans@5 of the search's
  result order, as ``fit_passage_scorer --cv``): for each training set left out, fit on the
  others, count on it; every setting of a small grid, each at several numbers of trees (the
  first N of one fit) and scales, printed as questions gained over the linear model
  cross-fitted the same way.
- ``--search``: the whole search (``SearchIndex.search``, as ``briefbot eval`` runs it), as
  ``bench.cross_fit_models`` does: for each training set left out, the trees fitted on the
  other five, the headline model refitted on their search output, the left-out set searched;
  against the linear model fitted the same way on the same five sets.
- ``--print``: fit on every training set and print the model.
- ``--report dev ...``: the model fitted on every training set (the headline model refitted on
  its output), the figures ``bench.answer_quality`` prints on the sets named (dev, the held
  sets: aggregate figures only; never the lead's ``held6``).

Round 22 (bench/README.md, "Answer quality"): trees from the score alone lost to the linear
model at every setting (−6 to −71 questions on the candidates' counts); from the linear model,
``Settings()`` gained +16 on the candidates' counts, and on the whole search hit@1 +7, ans@1
+10, ans@5 −1, headline +1, first page +2 of 672 questions: not shipped (nothing ships from
here; the shipped scorer is linear).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from bench import answer_quality, cross_fit_models, fit_passage_scorer
from bench.answer_quality import HELD, TRAINING, set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from bench.fit_passage_scorer import Case
from index.answers import headline_model
from index.evaluation import evaluate, load_questions
from index.retrieval.passage_scorer import ALL_FEATURES, FEATURES, Model, learned_order
from index.retrieval.trees import Trees
from index.search import SearchIndex

# Features the trees may read: every candidate feature but those that need the site's texts or
# associations made at first use (``assoc*``, ``voice*``: a cost the answer would pay).
CHEAP = tuple(n for n in ALL_FEATURES if not n.startswith(("assoc", "voice", "heading_voice")))


@dataclass(frozen=True)
class Settings:
    """How the trees are fitted (the defaults: chosen by ``--grid``, cross-fitted)."""

    base: str = "linear"  # the trees start from: "linear" (the linear model) or "score"
    labels: str = "answer"  # "answer" or "graded" (``labels``)
    leaves: int = 8  # per tree
    min_leaf: int = 400  # candidates per leaf, at least
    rate: float = 0.02  # learning rate
    trees: int = 100
    l2: float = 10.0  # on the leaves' values
    scale: float = 0.2  # the trees' sum times this (towards the base, as ``shrink``)


COLUMNS = "hit@1/ans@1/ans@5"


def labels(c: Case, kind: str = "answer") -> np.ndarray:
    """A case's relevance: ``graded``, 2 holds the answer, 1 another passage of a gold post;
    ``answer``, 1 holds the answer, or, for a question with no such candidate, of a gold post
    (the linear fit's passage targets)."""
    if kind == "graded":
        return np.where(c.answer, 2, np.where(c.gold, 1, 0)).astype(np.int64)
    return (c.answer if c.answer.any() else c.gold).astype(np.int64)


def base_weights(data: Sequence[Case], features: Sequence[str], base: str) -> tuple[float, ...]:
    """The base model's weights over ``features``: the current score alone, or the linear
    model (``passage_scorer.FEATURES``, zero elsewhere) fitted on ``data``."""
    out = np.zeros(len(features))
    out[0] = 1.0
    if base == "linear":
        w = fit_passage_scorer.fit(list(data), FEATURES)
        for name, v in zip(FEATURES, w, strict=True):
            out[list(features).index(name)] = v
    return tuple(float(v) for v in out)


def fit_booster(data: Sequence[Case], features: Sequence[str], how: Settings) -> lgb.Booster:
    """LightGBM's lambdarank over the cases (one query each), from the base's log scores."""
    cols = fit_passage_scorer.columns(features)
    base = base_weights(data, features, how.base)
    x = np.vstack([c.feats[:, cols] for c in data])
    init = np.concatenate([learned_order(c.feats[:, cols], base) for c in data])
    dataset = lgb.Dataset(
        x,
        label=np.concatenate([labels(c, how.labels) for c in data]),
        group=[len(c.cand) for c in data],
        init_score=init,
        feature_name=list(features),
        free_raw_data=False,
    )
    params: dict[str, Any] = {
        "objective": "lambdarank",
        "num_leaves": how.leaves,
        "min_data_in_leaf": how.min_leaf,
        "learning_rate": how.rate,
        "lambda_l2": how.l2,
        "max_bin": 63,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "seed": 0,
        "verbose": -1,
    }
    return lgb.train(params, dataset, num_boost_round=how.trees)


def exported(booster: lgb.Booster, scale: float = 1.0, trees: int | None = None) -> Trees:
    """The booster's first ``trees`` trees (all: None) as ``index.retrieval.trees.Trees``,
    their leaves times ``scale`` (the trees moved towards the base, as the linear fit's
    ``shrink``)."""
    return Trees.from_dump(booster.dump_model(num_iteration=trees), scale)


def tree_model(data: Sequence[Case], features: Sequence[str], how: Settings) -> Model:
    """The scorer: the base's weights plus the trees fitted on ``data``."""
    booster = fit_booster(data, features, how)
    w = base_weights(data, features, how.base)
    return Model(tuple(features), w, exported(booster, how.scale))


def _of(orders: dict[int, np.ndarray], c: Case) -> np.ndarray:
    return orders[id(c)]


def grid(index: SearchIndex, data: list[Case], features: Sequence[str], base: str) -> None:
    """Cross-fitted candidates' counts for every setting of a small grid (see the docstring),
    against the linear model cross-fitted the same way."""
    sets = list(dict.fromkeys(c.set_name for c in data))
    cols = fit_passage_scorer.columns(features)
    lin = np.zeros(3, np.int64)
    for out in sets:
        w = fit_passage_scorer.fit([c for c in data if c.set_name != out], FEATURES)
        test = [c for c in data if c.set_name == out]
        lin += fit_passage_scorer.counts(index, test, FEATURES, w)
    print(f"linear cross-fitted ({COLUMNS}): {'/'.join(map(str, lin))}", flush=True)
    print("questions gained, at N trees x scale: hit@1/ans@1/ans@5 (sum)")
    rounds, scales = (50, 100, 200), (0.1, 0.2, 0.3, 0.5, 1.0)  # (the first N of one fit)
    for kind, leaves, min_leaf, rate in itertools.product(
        ("graded", "answer"), (4, 8), (100, 400), (0.02, 0.05)
    ):
        how = Settings(base, kind, leaves, min_leaf, rate, max(rounds))
        got = {(n, s): np.zeros(3, np.int64) for n in rounds for s in scales}
        for out in sets:
            train = [c for c in data if c.set_name != out]
            test = [c for c in data if c.set_name == out]
            booster = fit_booster(train, features, how)
            base_w = base_weights(train, features, base)
            x = np.vstack([c.feats[:, cols] for c in test])
            at = np.cumsum([0] + [len(c.cand) for c in test])
            init = np.concatenate([learned_order(c.feats[:, cols], base_w) for c in test])
            for n in rounds:
                trees = np.asarray(booster.predict(x, num_iteration=n, raw_score=True))
                for s in scales:
                    model = init + s * trees
                    of = {id(c): model[at[i] : at[i + 1]] for i, c in enumerate(test)}
                    order = functools.partial(_of, of)
                    got[n, s] += fit_passage_scorer.order_counts(index, test, order)
        cells = "  ".join(
            f"{n}x{s} {'/'.join(f'{int(v):+d}' for v in g - lin)} ({int((g - lin).sum()):+d})"
            for (n, s), g in got.items()
        )
        print(f"{kind} leaves {leaves} min {min_leaf} rate {rate} | {cells}", flush=True)


def search(index: SearchIndex, data: list[Case], features: Sequence[str], how: Settings) -> None:
    """The whole search cross-fitted, trees against the linear model (see the docstring)."""
    sets = list(dict.fromkeys(c.set_name for c in data))
    print(f"A: trees {how}; B: linear {','.join(FEATURES[1:])}")
    print(f"headline model refitted with each scorer; {cross_fit_models.COLUMNS}", flush=True)
    totals = np.zeros((2, 5), np.int64)
    for out in sets:
        fit_sets = [n for n in sets if n != out]
        train = [c for c in data if c.set_name != out]
        a_model = tree_model(train, features, how)
        w = fit_passage_scorer.fit(train, FEATURES)
        b_model = Model(FEATURES, tuple(float(v) for v in w))
        a_head = cross_fit_models.headline_for(index, a_model, fit_sets)
        b_head = cross_fit_models.headline_for(index, b_model, fit_sets)
        a = cross_fit_models.measured_model(index, out, a_model, a_head)
        b = cross_fit_models.measured_model(index, out, b_model, b_head)
        totals += np.vstack([a, b])
        print(
            f"{out}: A {'/'.join(map(str, a))}  B {'/'.join(map(str, b))}"
            f"  A−B {'/'.join(f'{int(v):+d}' for v in a - b)}",
            flush=True,
        )
    a, b = totals
    print(
        f"all: A {'/'.join(map(str, a))}  B {'/'.join(map(str, b))}"
        f"  A−B {'/'.join(f'{int(v):+d}' for v in a - b)}"
    )


def report(
    index: SearchIndex,
    data: list[Case],
    features: Sequence[str],
    how: Settings,
    names: Sequence[str],
) -> None:
    """The figures ``bench.answer_quality`` prints on the sets ``names`` (not fitted on), with
    the trees fitted on every training set and the headline model refitted on their output."""
    model = tree_model(data, features, how)
    headline = cross_fit_models.headline_for(index, model, list(TRAINING))
    saved = index.weights, index.passage_model, headline_model.SHIPPED
    index.passage_model, headline_model.SHIPPED = model, headline
    index.weights = dataclasses.replace(saved[0], learned=1.0)
    print(f"trees {how} on {'+'.join(TRAINING)}; the headline model refitted: {headline}")
    print(f"| set | n | {' | '.join(label for _, label in answer_quality.COLUMNS)} |")
    try:
        for name in names:
            questions = load_questions(set_path(name))
            o = evaluate(questions, lambda q, k: index.search(q, k=k))[0].overall
            cells = " | ".join(
                "–" if getattr(o, key) is None else f"{getattr(o, key):.3f}"
                for key, _ in answer_quality.COLUMNS
            )
            print(f"| {name} | {len(questions)} | {cells} |", flush=True)
    finally:
        index.weights, index.passage_model, headline_model.SHIPPED = saved


def main() -> None:
    parser = base_parser(__doc__ or "")
    default = Settings()
    parser.add_argument("--features", nargs="+", default=list(CHEAP))
    parser.add_argument("--base", choices=("score", "linear"), default=default.base)
    parser.add_argument("--labels", choices=("answer", "graded"), default=default.labels)
    parser.add_argument("--leaves", type=int, default=default.leaves)
    parser.add_argument("--min-leaf", type=int, default=default.min_leaf)
    parser.add_argument("--rate", type=float, default=default.rate)
    parser.add_argument("--trees", type=int, default=default.trees)
    parser.add_argument("--l2", type=float, default=default.l2)
    parser.add_argument("--scale", type=float, default=default.scale)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--search", action="store_true")
    parser.add_argument("--print", action="store_true", help="fit on all, print the trees")
    parser.add_argument(
        "--report", nargs="+", default=(), help="sets to measure the model fitted on all on"
    )
    args = parser.parse_args()
    if args.features[0] != "score" or not set(args.features) <= set(ALL_FEATURES):
        parser.error(f"--features: 'score' first, then any of {ALL_FEATURES}")
    if not set(FEATURES) <= set(args.features):
        parser.error(f"--features: the linear model's {FEATURES} among them")
    how = Settings(
        args.base,
        args.labels,
        args.leaves,
        args.min_leaf,
        args.rate,
        args.trees,
        args.l2,
        args.scale,
    )
    for name in args.report:
        # (dev and the held sets but the lead's last, for aggregate figures only)
        if name != "dev" and name not in HELD[:-1]:
            parser.error(f"--report {name}: dev or one of {HELD[:-1]}")
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    data = fit_passage_scorer.cases(index, list(TRAINING))
    if args.grid:
        grid(index, data, args.features, args.base)
    if args.search:
        search(index, data, args.features, how)
    if args.print:
        print(tree_model(data, args.features, how))
    if args.report:
        report(index, data, args.features, how, args.report)


if __name__ == "__main__":
    main()
