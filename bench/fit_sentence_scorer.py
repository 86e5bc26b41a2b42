"""Would a linear sentence scorer learned on ``tune`` choose headlines better than the hand-made
one in ``index/extraction.py``? (Issue 10, round 2: it did not; nothing here is used by the bot.)

    .venv/bin/python -m bench.fit_sentence_scorer [--sets tune dev held held2]

For each answerable question of a set, the candidates are the sentences of the first three cited
results (the headline's pool), each described by a few lexical features: the question's weight
it holds in focus words and in title words, the weight held by the two sentences before (its
context), whether it states the answer form the question asks for (and that form's strength),
its result's rank, whether it is short, the share of its words that are the question's, whether
it opens its passage, and its length. A candidate is right when it holds the gold answer span.
Weights are fitted on the first set only (softmax over each question's candidates, a little L2,
L-BFGS); the figure is the share of questions whose top-scoring candidate is right, for the
hand-made scorer and the learned one, with the best possible share ("oracle") beside them.

Measured (the questions not declined): tune 0.568 hand-made vs 0.550 learned (oracle 0.910);
dev 0.368 vs 0.395 (0.842); held 0.518 vs 0.527 (0.929); held2 0.472 vs 0.481 (0.778): worse on
the set it was fitted on, within a question or two elsewhere, so not adopted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize

from bench.answer_quality import set_path
from bench.common import CORPUS, base_parser, build_index, require_shared, temp_dir
from index import extraction as X
from index import intent as Q
from index import sentence_scores as S
from index.answers import sentences
from index.evaluation import holds, load_questions

FEATURES = (
    "focus",
    "title",
    "context",
    "form",
    "form_strength",
    "rank",
    "short",
    "restates",
    "opens",
    "log_length",
)


def candidates(
    question: str, weights: Mapping[str, float], evidence: Sequence[X.Evidence]
) -> list[tuple[str, list[float], float]]:
    """Each pool sentence: its text, its features and the hand-made score (as ``extract``)."""
    kind = Q.intent(question)
    wants, strength = Q.WANTS[kind], Q.FORM_BONUS[kind]
    asked = {t for m in Q.INTENT_WORD.findall(question) for w in m if w for t in S.terms_of(w)}
    weights = {t: w for t, w in weights.items() if t not in asked} or dict(weights)
    total = sum(weights.values()) or 1.0
    out = []
    for rank, ev in enumerate(evidence[: X.POOL]):
        title_terms = S.terms_of_title(ev.title)
        texts = sentences(ev.text)
        matches = [S.match_sentence(s, weights, wants) for s in texts]
        for pos, (found, n_words, forms) in enumerate(matches):
            context: set[str] = set()
            for before in matches[max(0, pos - S.CONTEXT_SENTENCES) : pos]:
                context.update(before[0])
            hand = S.score_sentence(
                found, n_words, forms, context, weights, total, title_terms, strength
            )
            hand *= X.RANK_DECAY**rank
            context -= found.keys()
            features = [
                sum(weights[t] for t in found if t not in title_terms) / total,
                sum(weights[t] for t in found if t in title_terms) / total,
                sum(weights[t] for t in context) / total,
                float(bool(forms)),
                strength * bool(forms),
                float(rank),
                float(n_words < S.SHORT_WORDS),
                len(found) / max(n_words, 1),
                float(pos == 0),
                math.log1p(n_words),
            ]
            out.append((texts[pos], features, hand))
    return out


Rows = list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (features, right, hand-made score)


def loss(w: np.ndarray, rows: Rows, l2: float = 0.01) -> tuple[float, np.ndarray]:
    """Minus the log-probability of the right candidates, and its gradient."""
    total, grad = 0.0, np.zeros_like(w)
    for features, right, _ in rows:
        if not right.any():
            continue
        s = features @ w
        p = np.exp(s - s.max())
        p /= p.sum()
        total -= math.log(float((p * right).sum()) + 1e-12)
        posterior = p * right / (p * right).sum()
        grad -= features.T @ (posterior - p)
    return total + l2 * float(w @ w) * len(rows), grad + 2 * l2 * w * len(rows)


def accuracy(rows: Rows, w: np.ndarray | None = None) -> float:
    picks = [
        right[int(np.argmax(hand if w is None else features @ w))] for features, right, hand in rows
    ]
    return float(np.mean(picks)) if picks else 0.0


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sets", nargs="+", default=["tune", "dev", "held", "held2"])
    args = parser.parse_args()
    require_shared()
    with temp_dir() as tmp:
        index, _ = build_index(tmp / "bench.sqlite3", CORPUS)
    seen: list[tuple[str, dict[str, float], list[X.Evidence]]] = []
    extract = X.extract

    def spy(
        question: str,
        weights: Mapping[str, float],
        evidence: Sequence[X.Evidence],
        pool: int = X.POOL,
    ) -> X.Extracted:
        seen.append((question, dict(weights), list(evidence)))
        return extract(question, weights, evidence, pool)

    X.extract = spy  # (this script's own process only)
    data: dict[str, Rows] = {}
    for name in args.sets:
        if not set_path(name).exists():
            continue
        rows: Rows = []
        for q in load_questions(set_path(name)):
            if not q.answerable or not q.answer:
                continue
            seen.clear()
            if index.search(q.question, k=10).declined or not seen:
                continue
            found = candidates(*seen[-1])
            if not found:
                continue
            rows.append(
                (
                    np.array([f for _, f, _ in found]),
                    np.array([holds(t, q.answer) for t, _, _ in found], dtype=float),
                    np.array([h for _, _, h in found]),
                )
            )
        data[name] = rows
    fitted = minimize(
        loss, np.zeros(len(FEATURES)), args=(data[args.sets[0]],), jac=True, method="L-BFGS-B"
    ).x
    print(
        "weights fitted on",
        args.sets[0],
        dict(zip(FEATURES, np.round(fitted, 3).tolist(), strict=True)),
    )
    print("| set | questions | hand-made | learned | oracle |\n|---|---:|---:|---:|---:|")
    for name, rows in data.items():
        oracle = float(np.mean([right.max() for _, right, _ in rows]))
        print(
            f"| {name} | {len(rows)} | {accuracy(rows):.3f} | {accuracy(rows, fitted):.3f} "
            f"| {oracle:.3f} |"
        )


if __name__ == "__main__":
    main()
