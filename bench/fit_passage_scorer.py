"""Fit ``index/retrieval/passage_scorer.py``'s learned passage scorer on the training question
sets, and cross-fit its settings among them (issue 10, rounds 4 and 13).

    .venv/bin/python -m bench.fit_passage_scorer [--fit tune train2 train3 train4]
        [--features NAME ...] [--penalty P] [--shrink S] [--loss post|passage]
        [--cv] [--select] [--backward] [--forward [--candidates NAME ...]] [--search] [--dense]

Only the training sets (``bench/questions/NAME.jsonl`` for ``TRAINING``, or a new training
set passed by name with ``--fit`` before it joins ``TRAINING``) are read here: dev and the held
sets never are. For each answerable question, the search's best
``passage_scorer.CANDIDATES`` passages (scored, re-ranked by ``rerank`` as the search does, the
learned scorer off) get the features; the targets are the candidates whose text holds the
answer span (``evaluation.holds``), or, for a question with none among them, its gold posts'
candidates at ``GOLD_POST`` of the weight (questions with neither are left out).

The fit matches how the model is used. The search re-scores the candidates, then groups them by
post: a post ranks by its best passage, and a post's passages are shown in the order of their
*choice* scores times the same factor (``SearchIndex._learned``, ``ranking``). So the loss
(``--loss post``, the default) is two softmaxes: over the candidate posts, each post's logit the
smooth maximum (log-sum-exp) of its passages' model scores, the gold posts the target; and
within the posts holding the answer, over their passages' choice-side scores, the answer
passages the target. (``--loss passage`` is round 4's one softmax over the passages.) The
weights maximise the log-likelihood minus ``penalty`` × |weights − start|² / 2, where ``start``
is the current ranking (weight 1 on ``score``, 0 elsewhere), by L-BFGS from ``start``; the
weights shipped are then moved back towards ``start`` by ``shrink``.

Every figure the script prints is the search's own result order: the candidates re-scored with
``passage_scorer.rescored`` and ranked by ``ranking.rank`` (grouping, the best post's lead, the
cap), then hit@1 (the first result's post is gold), ans@1 and ans@5 (the first one / five
results' passages hold the answer span), counted in questions; with ``--search``, the whole
search (``SearchIndex.search``, as ``briefbot eval`` runs it), which adds the headline and the
first page. ``--cv`` fits on all training
sets but one and counts on that one, for each in turn (cross-fitting); ``--select`` runs the
cross-fitting for every feature left out in turn and every penalty and shrink of a small grid.
``--backward`` drops features one at a time while the cross-fitted gain (all counts, all sets)
does not fall; ``--forward`` adds them (of ``--candidates``, by default all) while it rises.
Without these, it prints the weights fitted on ``--fit`` as ``passage_scorer.FEATURES`` and
``WEIGHTS`` are written (``tests/test_passage_scorer.py`` checks the shipped ones against this).
``--dense``: with the passages' vectors (``bench.passage_vectors``' cache, as
``bench.answer_quality`` reads it), for the dense features; ``--dense --features`` the shipped
dense form's (``passage_scorer.DENSE_MODEL_FEATURES``) prints ``DENSE_WEIGHTS``; ``--dense
--sentences``: the sentences' vectors too (``bench.answer_quality.with_cached_sentences``), for
the sentence features (``passage_scorer.SENTENCE_DENSE_FEATURES``, round 29a).

Round 13 (bench/README.md, "Answer quality"): of ``ALL_FEATURES``, cross-fitting kept ``score``,
``sentence``, ``window``, ``ordinal``, ``rare`` and ``post_length``, at penalty 0.3 and shrink
0.5 (the defaults here); cross-fitted over the four sets, hit@1 +27, ans@1 +22, ans@5 +11,
headline +13, first page +26 questions of 448 (the lead switched it on after held4). Round
18, six training sets (``--fit tune train2 train3 train4 train5 train6 --forward --search``):
``rare_window`` and ``form`` added, +2 headlines and +1 first page cross-fitted over 670
questions; not shipped (dev and the held sets lost 2 headlines). Round 20 (``--forward
--search --candidates assoc assoc_window``): ``assoc`` added, hit@1 +2, ans@1 +2, ans@5 +3,
headline −2, first page 0 over 672 questions; not shipped. Round 21 (``--forward --search
--candidates voice voice_asked heading_voice heading_voice_asked``): ``voice``, ``voice_asked``
and ``heading_voice_asked`` added, +4 questions in all, headline −1; not shipped (and
``bench.cross_fit_models``: the round-13 features fitted on five sets against three, no gain).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from bench.answer_quality import (
    HELD,
    TRAINING,
    set_path,
    with_cached_sentences,
    with_cached_vectors,
)
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.evaluation import evaluate, holds, load_questions
from index.retrieval import passage_scorer
from index.retrieval.passage_scorer import ALL_FEATURES, FEATURES, Model, learned_order
from index.search import SearchIndex

GOLD_POST = 0.3  # a gold post's passage, for a question with no passage holding its answer
PENALTY = 0.3
SHRINK = 0.5
LOSS = "post"


@dataclasses.dataclass(frozen=True)
class Case:
    """One question's candidates, as the search has them before the learned scorer."""

    set_name: str
    feats: np.ndarray  # candidates × ALL_FEATURES
    cand: np.ndarray  # the candidate passages, best first
    group: np.ndarray  # per candidate, its post's row among the candidates' posts
    chosen: np.ndarray  # per candidate, log(choice / score): how a post's passages are ordered
    answer: np.ndarray  # per candidate: its text holds the answer span
    gold: np.ndarray  # per candidate: of a gold post
    scores: np.ndarray  # the whole index's scores and choice scores (for ``ranking.rank``)
    choice: np.ndarray
    gold_posts: frozenset[int]
    answer_text: str

    @property
    def weight(self) -> float:
        return 1.0 if self.answer.any() else GOLD_POST


def cases(index: SearchIndex, names: Sequence[str]) -> list[Case]:
    """The training cases of the named sets' answerable questions (``index`` with the learned
    scorer off)."""
    index.weights = dataclasses.replace(index.weights, learned=0.0)
    post_row = {p.id: i for i, p in enumerate(index.posts)}
    out = []
    for name in names:
        path = set_path(name)
        if not path.exists():
            continue
        for q in load_questions(path):
            if not q.answerable:
                continue
            plan = index._plan(q.question)
            if not plan.term_ids:
                continue
            scores, choice = index._passage_scores(plan)
            if index.weights.rerank:
                scores = index._reranked(plan, scores)
            # (with ``index.dense`` pooling, the passages it joins, scores raised as served)
            cand, scores, choice = index.learned_pool(q.question, scores, choice)
            cand, feats = index.learned_features(q.question, plan, scores, ALL_FEATURES, cand)
            if len(cand) < 2:
                continue
            gold_posts = frozenset(post_row[g] for g in q.gold if g in post_row)
            posts = index.passage_post[cand].astype(np.int64)
            gold = np.array([int(p) in gold_posts for p in posts])
            answer = np.array(
                [bool(q.answer) and holds(index.passages[int(i)].text, q.answer) for i in cand]
            )
            if not answer.any() and not gold.any():
                continue
            _, group = np.unique(posts, return_inverse=True)
            chosen = np.log(np.maximum(choice[cand], 1e-9) / np.maximum(scores[cand], 1e-9))
            out.append(
                Case(
                    name,
                    feats,
                    cand,
                    group.ravel(),
                    chosen.astype(np.float64),
                    answer,
                    gold,
                    scores,
                    choice,
                    gold_posts,
                    q.answer or "",
                )
            )
    return out


def columns(names: Sequence[str]) -> list[int]:
    return [ALL_FEATURES.index(n) for n in names]


def _lse_grad(s: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """log-sum-exp of ``s`` over ``mask`` and its gradient (zero off the mask)."""
    m = np.where(mask, s, -np.inf)
    value = float(logsumexp(m))
    return value, np.where(mask, np.exp(m - value), 0.0)


def _case_loss(c: Case, x: np.ndarray, w: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """A case's negative log-likelihood and its gradient in ``w`` (``x``: its features)."""
    s = x @ w
    if loss == "passage":
        target = c.answer if c.answer.any() else c.gold
        a, ga = _lse_grad(s, target)
        b, gb = _lse_grad(s, np.ones(len(s), bool))
        return -(a - b), -(x.T @ (ga - gb))
    # Posts: each post's logit the log-sum-exp of its passages'.
    n_posts = int(c.group.max()) + 1
    post_logit = np.full(n_posts, -np.inf)
    np.logaddexp.at(post_logit, c.group, s)
    within = np.exp(s - post_logit[c.group])  # a passage's share of its post's logit
    gold_post = np.zeros(n_posts, bool)
    gold_post[c.group[c.gold]] = True
    total, grad = 0.0, np.zeros(len(w))
    if gold_post.any():
        a, ga = _lse_grad(post_logit, gold_post)
        b, gb = _lse_grad(post_logit, np.ones(n_posts, bool))
        total -= a - b
        grad -= x.T @ ((ga - gb)[c.group] * within)
    if c.answer.any():
        # A post's passages are shown by choice × the same factor: in log, the model's score
        # plus log(choice / score) on the scale of the weight on ``score``.
        t = s + w[0] * c.chosen
        in_post = np.isin(c.group, c.group[c.answer])
        a, ga = _lse_grad(t, c.answer)
        b, gb = _lse_grad(t, in_post)
        total -= a - b
        d = ga - gb
        grad -= x.T @ d
        grad[0] -= float(d @ c.chosen)
    return total, grad


def fit(
    data: list[Case],
    names: Sequence[str],
    penalty: float = PENALTY,
    shrink: float = SHRINK,
    loss: str = LOSS,
) -> np.ndarray:
    """The weights of the features ``names`` (``names[0]`` is ``score``) fitted on ``data``."""
    cols = columns(names)
    xs = [c.feats[:, cols] for c in data]
    start = np.zeros(len(names))
    start[0] = 1.0

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        d = w - start
        total, grad = penalty * float(d @ d) / 2, penalty * d
        for c, x in zip(data, xs, strict=True):
            v, g = _case_loss(c, x, w, loss)
            total += c.weight * v
            grad += c.weight * g
        return total, grad

    found = minimize(objective, start.copy(), jac=True, method="L-BFGS-B")
    return start + shrink * (np.asarray(found.x) - start)


def counts(
    index: SearchIndex, data: list[Case], names: Sequence[str], w: np.ndarray | None
) -> np.ndarray:
    """hit@1, ans@1 and ans@5 (questions) of the search's result order, the candidates
    re-scored by ``w`` (None: the learned scorer off)."""
    cols = columns(names)
    weights = None if w is None else w.tolist()
    return order_counts(
        index, data, None if weights is None else lambda c: learned_order(c.feats[:, cols], weights)
    )


def order_counts(
    index: SearchIndex, data: list[Case], order: Callable[[Case], np.ndarray] | None
) -> np.ndarray:
    """``counts`` with each case's candidates re-scored by ``order(case)`` (log scores, as a
    ``Model.order``; None: the learned scorer off)."""
    out = np.zeros(3, np.int64)
    for c in data:
        scores, choice = c.scores, c.choice
        if order is not None:
            scores, choice = passage_scorer.rescored(scores, choice, c.cand, order(c))
        ranked, _ = index._rank(scores, choice, 10)
        first = [p for p, _ in ranked[:5]]
        if not first:
            continue
        found = [
            bool(c.answer_text) and holds(index.passages[p].text, c.answer_text) for p in first
        ]
        out += (int(index.passage_post[first[0]]) in c.gold_posts, found[0], any(found))
    return out


def cross_fit(
    index: SearchIndex,
    data: list[Case],
    names: Sequence[str],
    penalty: float,
    shrink: float,
    loss: str,
    by_search: bool = False,
) -> dict[str, np.ndarray]:
    """Per training set, its counts with the weights fitted on the other sets: over the
    candidates (``counts``), or with ``by_search`` by the whole search (``search_counts``)."""
    out = {}
    for name in dict.fromkeys(c.set_name for c in data):
        train = [c for c in data if c.set_name != name]
        w = fit(train, names, penalty, shrink, loss)
        if by_search:
            out[name] = search_counts(index, name, names, w)
        else:
            out[name] = counts(index, [c for c in data if c.set_name == name], names, w)
    return out


SEARCH_COLUMNS = ("hit1", "answer1", "answer5", "headline", "first_page")


def search_counts(
    index: SearchIndex, name: str, names: Sequence[str], w: np.ndarray | None
) -> np.ndarray:
    """The whole search on a training set (the learned scorer off when ``w`` is None):
    hit@1, ans@1, ans@5, headline and first page, in questions."""
    model = None if w is None else Model(tuple(names), tuple(float(v) for v in w))
    return model_search_counts(index, name, model)


def model_search_counts(index: SearchIndex, name: str, model: Model | None) -> np.ndarray:
    """``search_counts`` with the scorer ``model`` (None: off)."""
    saved = index.weights, index.passage_model
    if model is not None:
        index.passage_model = model
    index.weights = dataclasses.replace(saved[0], learned=0.0 if model is None else 1.0)
    try:
        questions = load_questions(set_path(name))
        report, _ = evaluate(questions, lambda q, k: index.search(q, k=k))
    finally:
        index.weights, index.passage_model = saved
    o = report.overall
    spans = sum(1 for q in questions if q.answerable and q.answer)
    return np.array(
        [
            round((getattr(o, key) or 0.0) * (o.answerable if key == "hit1" else spans))
            for key in SEARCH_COLUMNS
        ]
    )


def weights_line(w: np.ndarray) -> str:
    """The weights as ``passage_scorer.WEIGHTS`` is written."""
    return "WEIGHTS: tuple[float, ...] = (" + ", ".join(f"{v:.2f}" for v in w) + ")"


def _row(label: str, by_set: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> str:
    cells = [f"{n} {'/'.join(f'{int(v):+d}' for v in by_set[n] - base[n])}" for n in by_set]
    total = np.sum(list(by_set.values()), axis=0) - np.sum(list(base.values()), axis=0)
    return f"{label}\n    {'  '.join(cells)}  | all {'/'.join(f'{int(v):+d}' for v in total)}"


def _gained(
    index: SearchIndex,
    data: list[Case],
    feats: Sequence[str],
    args: argparse.Namespace,
    run: Callable[..., dict[str, np.ndarray]],
    base: dict[str, np.ndarray],
) -> tuple[int, dict[str, np.ndarray]]:
    """Questions gained over ``base`` with the features ``feats`` (cross-fitted, every count and
    set summed), and the counts per set."""
    by_set = run(index, data, feats, args.penalty, args.shrink, args.loss)
    return int(sum(int((by_set[n] - base[n]).sum()) for n in by_set)), by_set


def backward(
    index: SearchIndex,
    data: list[Case],
    names: Sequence[str],
    args: argparse.Namespace,
    run: Callable[..., dict[str, np.ndarray]],
    base: dict[str, np.ndarray],
) -> list[str]:
    """Backward elimination: drop, one at a time, the feature whose removal leaves the most
    questions gained over every count and set (cross-fitted), while that is no fewer than
    with it."""

    def gained(feats: Sequence[str]) -> tuple[int, dict[str, np.ndarray]]:
        return _gained(index, data, feats, args, run, base)

    kept = list(names)
    best, by_set = gained(kept)
    print(_row(f"start ({best}): " + ",".join(kept[1:]), by_set, base), flush=True)
    while len(kept) > 1:
        tries = []
        for drop in kept[1:]:
            feats = [n for n in kept if n != drop]
            total, by_set = gained(feats)
            print(_row(f"  without {drop} ({total})", by_set, base), flush=True)
            tries.append((total, drop))
        total, drop = max(tries, key=lambda t: (t[0], -kept.index(t[1])))
        if total < best:
            break
        best = total
        kept.remove(drop)
        print(f"dropped {drop}: {best} -> " + ",".join(kept[1:]), flush=True)
    print("kept:", ",".join(kept), flush=True)
    return kept


def forward(
    index: SearchIndex,
    data: list[Case],
    names: Sequence[str],
    args: argparse.Namespace,
    run: Callable[..., dict[str, np.ndarray]],
    base: dict[str, np.ndarray],
) -> list[str]:
    """Forward selection: add, one at a time, the feature (of ``ALL_FEATURES``) whose addition
    gains the most questions over every count and set (cross-fitted), while that is more than
    without it."""

    def gained(feats: Sequence[str]) -> tuple[int, dict[str, np.ndarray]]:
        return _gained(index, data, feats, args, run, base)

    kept = list(names)
    best, by_set = gained(kept)
    print(_row(f"start ({best}): " + ",".join(kept[1:]), by_set, base), flush=True)
    while True:
        tries = []
        for add in args.candidates or ALL_FEATURES:
            if add in kept:
                continue
            total, by_set = gained([*kept, add])
            print(_row(f"  with {add} ({total})", by_set, base), flush=True)
            tries.append((total, add))
        if not tries:
            break
        total, add = max(tries, key=lambda t: (t[0], -ALL_FEATURES.index(t[1])))
        if total <= best:
            break
        best = total
        kept.append(add)
        print(f"added {add}: {best} -> " + ",".join(kept[1:]), flush=True)
    print("kept:", ",".join(kept), flush=True)
    return kept


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--fit", nargs="+", default=list(TRAINING))
    parser.add_argument("--features", nargs="+", default=list(FEATURES))
    parser.add_argument("--penalty", type=float, default=PENALTY)
    parser.add_argument("--shrink", type=float, default=SHRINK)
    parser.add_argument("--loss", choices=("post", "passage"), default=LOSS)
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--select", action="store_true")
    parser.add_argument("--search", action="store_true", help="count by the whole search")
    parser.add_argument("--backward", action="store_true", help="drop features while no worse")
    parser.add_argument("--forward", action="store_true", help="add features while better")
    parser.add_argument(
        "--candidates", nargs="+", default=None, help="the features --forward may add"
    )
    parser.add_argument("--dense", action="store_true", help="with the passages' vectors")
    parser.add_argument(
        "--sentences",
        action="store_true",
        help="with --dense, the sentences' vectors too (the sentence features)",
    )
    parser.add_argument(
        "--sentence-candidates",
        type=int,
        default=None,
        help="the candidates whose sentences are read (passage_scorer.SENTENCE_CANDIDATES)",
    )
    args = parser.parse_args()
    if args.sentence_candidates is not None:
        passage_scorer.SENTENCE_CANDIDATES = args.sentence_candidates
    for name in args.fit:
        # (a new training set is passed by name before it joins ``TRAINING``; dev and the held
        # sets never are)
        if name == "dev" or name in HELD or not set_path(name).exists():
            parser.error(f"{name}: only training sets are fitted on ({TRAINING}, or a new one)")
    if args.features[0] != "score" or not set(args.features) <= set(ALL_FEATURES):
        parser.error(f"--features: 'score' first, then any of {ALL_FEATURES}")
    require_shared()
    # (kept: the passages' texts are read from the index's file when shown)
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    if args.dense:
        with_cached_vectors(index)
        if index.dense is None:
            parser.error("--dense: no cached passage vectors (python -m bench.passage_vectors)")
        if args.sentences:
            with_cached_sentences(index)
    data = cases(index, args.fit)
    names = args.features
    if not (args.cv or args.select or args.backward or args.forward):
        w = fit(data, names, args.penalty, args.shrink, args.loss)
        print(
            f"fitted on {'+'.join(args.fit)} ({len(data)} questions): {args.loss} loss, "
            f"penalty {args.penalty}, shrink {args.shrink}"
        )
        for name, value in zip(names, w, strict=True):
            print(f"  {name:14s} {value:+.3f}")
        print("FEATURES = (" + ", ".join(f'"{n}"' for n in names) + ")")
        print(weights_line(w))
        if args.dense:
            print(weights_line(w).replace("WEIGHTS", "DENSE_WEIGHTS", 1))
        return
    sets = list(dict.fromkeys(c.set_name for c in data))
    if args.search:
        what = "hit@1/ans@1/ans@5/headline/first page"
        base = {n: search_counts(index, n, names, None) for n in sets}
    else:
        what = "hit@1/ans@1/ans@5"
        base = {n: counts(index, [c for c in data if c.set_name == n], names, None) for n in sets}
    print(f"learned off ({what}):", "  ".join(f"{n} {'/'.join(map(str, base[n]))}" for n in sets))
    print(f"cross-fitted, questions gained ({what}):")
    run = functools.partial(cross_fit, by_search=args.search)
    grid: list[tuple[Sequence[str], float, float, str]] = [
        (names, args.penalty, args.shrink, args.loss)
    ]
    if args.select:
        grid += [
            ([n for n in names if n != drop], args.penalty, args.shrink, args.loss)
            for drop in names[1:]
        ]
        grid += [
            (names, p, s, args.loss) for p, s in itertools.product((0.3, 1.0, 3.0), (0.5, 1.0))
        ]
        grid += [
            ([*names, add], args.penalty, args.shrink, args.loss)
            for add in ALL_FEATURES
            if add not in names
        ]
    if args.backward:
        backward(index, data, names, args, run, base)
        return
    if args.forward:
        forward(index, data, names, args, run, base)
        return
    for feats, penalty, shrink, loss in grid:
        label = f"{loss} p{penalty} s{shrink} " + ",".join(f for f in feats[1:])
        print(_row(label, run(index, data, feats, penalty, shrink, loss), base), flush=True)


if __name__ == "__main__":
    main()
