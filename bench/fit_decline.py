"""Choose ``index/retrieval/decline.py``'s rule on the four training sets, cross-fitted (issue 10,
round 15).

    .venv/bin/python -m bench.fit_decline [--budget 0.02]

For every question of ``tune``, ``train2``, ``train3`` and ``train4`` (bench/questions/; held sets
and dev are never looked at here), the search's own decline evidence (``search.explain_decline``:
the best of the first three posts' coverage, the first passage's, the best post's lead, an
unknown word, compounds of the content's words known). A rule (``decline.Rule``) is chosen from
``grid()`` as the one that declines the most unanswerable questions of the fitting sets while
wrongly declining at most ``budget`` of their answerable ones (a margin under issue 10's 3 %),
fewer wrong declines breaking a tie, then the grid's order (lower thresholds first). Printed:

- round 2's rule (``decline.FIRST_POST``) and its thresholds over the round's evidence
  (``decline.BEST_OF_THREE``, the default since), on each set: unanswerable declined,
  answerable wrongly;
- leave-one-set-out: the rule chosen on three sets, judged on the fourth, for each set, and the
  sums (the figure that says whether the rule generalises);
- the rule chosen on all four: ``decline.CROSS_FITTED`` (``tests/test_decline.py`` refits it;
  measured, not shipped);
- for comparison, a logistic model over the same evidence (coverage, passage, log lead, unknown,
  unknown × coverage; L2 penalty 1, standardised), its threshold set the same way, cross-fitted.

Output (issue 10, round 15; ``decline.CROSS_FITTED`` = the all-four line):

    round 2's rule: 16/56, 11/448 (tune 8/1, train2 0/2, train3 5/7, train4 3/1)
    its thresholds, the round's evidence: 15/56, 2/448 (tune 8/0, train2 0/0, train3 4/2, …)
    held tune: chosen Rule(0.6, 0.25, 2, 0.6, 0.25) -> 9/14 unanswerable, 0/112 wrongly
    held train2: chosen Rule(0.55, 0.25, 2, 0.7, 0.325) -> 1/14 unanswerable, 3/112 wrongly
    held train3: chosen Rule(0.55, 0.25, 2, 0.7, 0.325) -> 4/14 unanswerable, 3/112 wrongly
    held train4: chosen Rule(0.55, 0.25, 2, 0.7, 0.325) -> 5/14 unanswerable, 1/112 wrongly
    leave-one-set-out: 19/56 unanswerable declined, 7/448 answerable wrongly
    all four: Rule(0.55, 0.25, 2, 0.7, 0.325) -> 21/56, 7/448
    logistic, leave-one-set-out: 15/56 unanswerable declined, 10 wrongly
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from bench.answer_quality import TRAINING, set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.evaluation import load_questions
from index.retrieval.decline import (
    BEST_OF_THREE,
    CROSS_FITTED,
    FIRST_POST,
    Evidence,
    Rule,
    declines,
)
from index.search import SearchIndex, explain_decline

BUDGET = 0.02  # of the fitting sets' answerable questions, at most, wrongly declined


@dataclass(frozen=True, slots=True)
class Row:
    set: str
    unanswerable: bool
    evidence: Evidence | None  # None: declined whatever the rule (no searchable word)


def rows(
    index: SearchIndex, read_as: Rule = CROSS_FITTED, sets: Sequence[str] = TRAINING
) -> list[Row]:
    """Each question's evidence, read as ``read_as`` says (its ``posts`` and ``compounds``)."""
    out = []
    for name in sets:
        for q in load_questions(set_path(name)):
            out.append(Row(name, q.unanswerable, explain_decline(index, q.question, read_as)))
    return out


def grid() -> list[Rule]:
    """The rules searched: the unknown word's and the passage's thresholds, the low-coverage
    rule's, and the third rule off (its thresholds 0) or on."""
    third = [(0.0, 0.0)] + [
        (c, y)
        for c in np.round(np.arange(0.4, 0.851, 0.05), 3).tolist()
        for y in np.round(np.arange(0.15, 0.451, 0.025), 3).tolist()
    ]
    return [
        Rule(a, b, 2.0, c, y, posts=3, compounds=True)
        for a, b, (c, y) in itertools.product((0.5, 0.55, 0.6, 0.65, 0.7), (0.25, 0.3, 0.35), third)
    ]


def decisions(rules: Sequence[Rule], data: Sequence[Row]) -> np.ndarray:
    """rules × questions: declined or not."""
    return np.array(
        [[r.evidence is None or declines(r.evidence, rule) for r in data] for rule in rules]
    )


def choose(data: Sequence[Row], budget: float = BUDGET) -> Rule:
    """The rule of ``grid()`` declining the most unanswerable questions of ``data`` within the
    budget of wrong declines (fewer wrong, then the grid's order, breaking ties)."""
    rules = grid()
    d = decisions(rules, data)
    unans = np.array([r.unanswerable for r in data])
    declined, wrong = d[:, unans].sum(1), d[:, ~unans].sum(1)
    allowed = math.floor(budget * int((~unans).sum()) + 1e-9)
    ok = [i for i in range(len(rules)) if wrong[i] <= allowed]
    return rules[min(ok, key=lambda i: (-declined[i], wrong[i], i))]


def counts(decided: np.ndarray, data: Sequence[Row]) -> tuple[int, int]:
    unans = np.array([r.unanswerable for r in data])
    return int(decided[unans].sum()), int(decided[~unans].sum())


@dataclass(frozen=True)
class Logistic:
    """A logistic model over standardised features (L2 penalty 1 on the weights, not the
    intercept): ``scores`` are its log-odds of a row being unanswerable."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # the intercept, then one per feature

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray) -> Logistic:
        mean, scale = X.mean(0), X.std(0) + 1e-9
        Z = (X - mean) / scale

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = Z @ w[1:] + w[0]
            p = 1 / (1 + np.exp(-z))
            grad = np.concatenate([[np.sum(p - y)], Z.T @ (p - y) + 2 * w[1:]])
            return float(np.sum(np.logaddexp(0, z) - y * z) + w[1:] @ w[1:]), grad

        w = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B").x
        return cls(mean, scale, w)

    def scores(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.weights[1:] + self.weights[0]


def logistic_cross_fit(data: Sequence[Row], budget: float) -> tuple[int, int]:
    """A logistic model over the evidence, its threshold within ``budget`` on the fitting sets,
    judged on each left-out set: (unanswerable declined, answerable wrongly) summed."""

    def x(e: Evidence) -> list[float]:
        return [e.coverage, e.passage, math.log(e.lead), float(e.unknown), e.unknown * e.coverage]

    total = (0, 0)
    for held in TRAINING:
        fit = [r for r in data if r.set != held and r.evidence is not None]
        test = [r for r in data if r.set == held]
        X = np.array([x(r.evidence) for r in fit if r.evidence is not None])
        y = np.array([r.unanswerable for r in fit], dtype=np.float64)
        model = Logistic.fit(X, y)
        answerable = np.sort(model.scores(X)[y == 0])[::-1]
        allowed = math.floor(budget * len(answerable) + 1e-9)
        threshold = answerable[allowed]
        decided = np.array(
            [
                r.evidence is None or float(model.scores(np.array([x(r.evidence)]))[0]) > threshold
                for r in test
            ]
        )
        u, a = counts(decided, test)
        total = (total[0] + u, total[1] + a)
    return total


def show(rule: Rule) -> str:
    r = rule
    return (
        f"Rule({r.unknown_below:g}, {r.cover_below:g}, {r.cover_lead:g}, "
        f"{r.passage_cover_below:g}, {r.passage_below:g})"
    )


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--budget", type=float, default=BUDGET)
    args = parser.parse_args()
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    data = rows(index)
    n_u = sum(r.unanswerable for r in data)
    for name, rule, read in (
        ("round 2's rule", FIRST_POST, rows(index, FIRST_POST)),
        ("its thresholds, the round's evidence", BEST_OF_THREE, data),
    ):
        per_set = []
        for s in TRAINING:
            part = [r for r in read if r.set == s]
            u, a = counts(decisions([rule], part)[0], part)
            per_set.append(f"{s} {u}/{a}")
        u, a = counts(decisions([rule], read)[0], read)
        print(f"{name}: {u}/{n_u}, {a}/{len(read) - n_u} ({', '.join(per_set)})")
    total_u = total_a = 0
    for held in TRAINING:
        rule = choose([r for r in data if r.set != held], args.budget)
        test = [r for r in data if r.set == held]
        u, a = counts(decisions([rule], test)[0], test)
        total_u, total_a = total_u + u, total_a + a
        held_u = sum(r.unanswerable for r in test)
        print(
            f"held {held}: chosen {show(rule)} -> {u}/{held_u} unanswerable, "
            f"{a}/{len(test) - held_u} wrongly"
        )
    print(
        f"leave-one-set-out: {total_u}/{n_u} unanswerable declined, "
        f"{total_a}/{len(data) - n_u} answerable wrongly"
    )
    rule = choose(data, args.budget)
    u, a = counts(decisions([rule], data)[0], data)
    print(f"all four: {show(rule)} -> {u}/{n_u}, {a}/{len(data) - n_u}")
    lu, la = logistic_cross_fit(data, args.budget)
    print(f"logistic, leave-one-set-out: {lu}/{n_u} unanswerable declined, {la} wrongly")


if __name__ == "__main__":
    main()
