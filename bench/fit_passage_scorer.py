"""Fit ``index/passage_scorer.py``'s learned passage scorer on the training questions (issue 10,
round 4).

    .venv/bin/python -m bench.fit_passage_scorer [--fit tune train2] [--check tune train2]
                                                 [--penalty 1.0] [--shrink 0.5]

For each answerable question of the ``--fit`` sets (``bench/questions/NAME.jsonl``: only tune and
train2 are ever used here; held, held2 and held3 are never looked at), the search's best
``passage_scorer.CANDIDATES`` passages (the learned scorer off) get ``passage_scorer.FEATURES``.
The target: the candidates whose text holds the question's answer span (``evaluation.holds``);
for a question with none among them, its gold posts' candidates, at ``GOLD_POST`` of the weight
(questions with neither are left out: nothing to learn from them). The weights maximise the log
of the probability a softmax over each question's candidates gives its targets, minus
``penalty`` × |weights − start|² / 2, where ``start`` is the current ranking (weight 1 on
``score``, 0 elsewhere), by L-BFGS from ``start``; the weights shipped are then moved back
towards ``start`` by ``shrink`` (0.5: halfway), which ranked better when fitted on one training
set and run on the other (bench/README.md, "Answer quality", round 4).

It prints the weights as ``passage_scorer.WEIGHTS`` is written, and on each ``--check`` set how
often the first candidate holds the answer (``ans@1``) and is of a gold post (``post@1``),
before and with the weights. A check set that is also a fit set is no test: fit on one, check
the other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from bench.answer_quality import set_path
from bench.common import CORPUS, base_parser, build_index, require_shared, temp_dir
from index.evaluation import holds, load_questions
from index.passage_scorer import FEATURES
from index.search import SearchIndex

TRAINING_SETS = ("tune", "train2")
GOLD_POST = 0.3  # a gold post's passage, for a question with no passage holding its answer
START = np.array([1.0] + [0.0] * (len(FEATURES) - 1))


@dataclasses.dataclass(frozen=True)
class Case:
    feats: np.ndarray  # candidates × features
    target: np.ndarray  # per candidate: 1 if it is a target, else 0
    gold: np.ndarray  # per candidate: of a gold post
    weight: float  # 1, or GOLD_POST when only gold posts are targets


def cases(index: SearchIndex, names: Sequence[str]) -> list[Case]:
    """The training cases of the named sets' answerable questions (``index`` with the learned
    scorer off)."""
    out = []
    for name in names:
        for q in load_questions(set_path(name)):
            if not q.answerable:
                continue
            plan = index._plan(q.question)
            if not plan.term_ids:
                continue
            scores, _ = index._passage_scores(plan)
            if index.weights.rerank:
                scores = index._reranked(plan, scores)
            cand, feats = index.learned_features(q.question, plan, scores)
            if len(cand) < 2:
                continue
            gold = np.array([index.post_of(int(i)).id in q.gold for i in cand])
            answer = np.array(
                [bool(q.answer) and holds(index.passages[int(i)].text, q.answer) for i in cand]
            )
            if answer.any():
                out.append(Case(feats, answer.astype(float), gold, 1.0))
            elif gold.any():
                out.append(Case(feats, gold.astype(float), gold, GOLD_POST))
    return out


def loss(w: np.ndarray, data: list[Case], penalty: float) -> tuple[float, np.ndarray]:
    """The penalised negative log-likelihood and its gradient."""
    d = w - START
    total = penalty * float(d @ d) / 2
    grad = penalty * d
    for c in data:
        s = c.feats @ w
        p = np.exp(s - logsumexp(s))
        tp = c.target * p
        total -= c.weight * float(np.log(tp.sum()))
        grad -= c.weight * (c.feats.T @ (tp / tp.sum() - p))
    return total, grad


def fit(data: list[Case], penalty: float, shrink: float) -> np.ndarray:
    found = minimize(loss, START.copy(), args=(data, penalty), jac=True, method="L-BFGS-B")
    return START + shrink * (np.asarray(found.x) - START)


def at_first(w: np.ndarray, data: list[Case]) -> tuple[float, float]:
    """How often the first candidate holds the answer, and is of a gold post."""
    answer = post = 0.0
    for c in data:
        first = int(np.argmax(c.feats @ w))
        answer += float(c.weight == 1.0 and c.target[first] > 0)
        post += float(c.gold[first])
    return answer / len(data), post / len(data)


def weights_line(w: np.ndarray) -> str:
    """The weights as ``passage_scorer.WEIGHTS`` is written."""
    return "WEIGHTS: tuple[float, ...] = (" + ", ".join(f"{v:.2f}" for v in w) + ")"


def fitted_weights(
    index: SearchIndex,
    names: Sequence[str] = TRAINING_SETS,
    penalty: float = 1.0,
    shrink: float = 0.5,
) -> np.ndarray:
    """The weights fitted on the named sets (``index``'s learned scorer is turned off)."""
    index.weights = dataclasses.replace(index.weights, learned=0.0)
    return fit(cases(index, names), penalty, shrink)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--fit", nargs="+", default=list(TRAINING_SETS))
    parser.add_argument("--check", nargs="*", default=[])
    parser.add_argument("--penalty", type=float, default=1.0)
    parser.add_argument("--shrink", type=float, default=0.5)
    args = parser.parse_args()
    for name in args.fit + args.check:
        if name not in TRAINING_SETS:
            parser.error(f"{name}: only the training sets (tune, train2) are fitted or checked")
    require_shared()
    with temp_dir() as tmp:
        index, _ = build_index(tmp / "bench.sqlite3", CORPUS)
    w = fitted_weights(index, args.fit, args.penalty, args.shrink)
    print(f"fitted on {'+'.join(args.fit)}: penalty {args.penalty}, shrink {args.shrink}")
    for name, value in zip(FEATURES, w, strict=True):
        print(f"  {name:14s} {value:+.3f}")
    print(weights_line(w))
    for name in args.check:
        check = cases(index, [name])
        a0, p0 = at_first(START, check)
        a1, p1 = at_first(w, check)
        print(f"{name} ({len(check)}): ans@1 {a0:.3f} → {a1:.3f}, post@1 {p0:.3f} → {p1:.3f}")


if __name__ == "__main__":
    main()
