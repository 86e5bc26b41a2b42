"""Fit ``index/retrieval/rerank.py``'s post re-ranker on the tune set (issue 10, round 3).

    .venv/bin/python -m bench.fit_reranker [--penalty 1.0]

For each answerable question of ``bench/questions/tune.jsonl`` (only: held and held2 are never
looked at here), the search's candidate posts (the posts of its best ``CANDIDATES`` passages,
with re-ranking off) get ``rerank.FEATURES``; a post's score is log(its best passage score) +
weights · features. The weights maximise the log of the probability a softmax over each
question's candidate posts gives its gold posts (questions with no gold post among the
candidates are left out), minus ``penalty`` × |weights|² / 2, by L-BFGS from zero. It prints the
weights and, on tune, hit@1 over the candidates before and after.

Measured (issue 10, round 3): penalty 1 gives union 4.76, best 5.43, meta 1.97, matches 0.62,
length -1.13, candidate hit@1 on tune 0.875 → 0.884 (penalty 0.3 and 3 much the same); in the
search those weights ranked worse on every set (tune hit@1 0.866 → 0.866, dev 0.896 → 0.818,
held 0.911 → 0.830, held2 0.714 → 0.705) — the best-passage features repeat the BM25 score and
the fit ignores the result order's later steps — so ``rerank.WEIGHTS`` keeps ``union`` only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from bench.answer_quality import set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.evaluation import Question, load_questions
from index.retrieval.rerank import FEATURES
from index.search import SearchIndex

Case = tuple[np.ndarray, np.ndarray, np.ndarray]  # base log score, features, gold mask


def cases(index: SearchIndex, questions: list[Question]) -> list[Case]:
    out = []
    for q in questions:
        if not q.answerable:
            continue
        plan = index._plan(q.question)
        if not plan.term_ids:
            continue
        scores, _ = index._passage_scores(plan)
        cand, posts, group, feats = index.rerank_features(plan, scores)
        if len(cand) < 2:
            continue
        best = np.full(len(posts), -np.inf)
        np.maximum.at(best, group, scores[cand].astype(np.float64))
        gold = np.array([index.posts[p].id in q.gold for p in posts])
        if gold.any():
            out.append((np.log(best), feats, gold))
    return out


def loss(w: np.ndarray, data: list[Case], penalty: float) -> float:
    total = penalty * float(w @ w) / 2
    for base, feats, gold in data:
        s = base + feats @ w
        total -= float(logsumexp(s[gold]) - logsumexp(s))
    return total


def hit1(w: np.ndarray, data: list[Case]) -> float:
    return float(np.mean([gold[int(np.argmax(base + feats @ w))] for base, feats, gold in data]))


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--penalty", type=float, default=1.0)
    args = parser.parse_args()
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    index.weights = dataclasses.replace(index.weights, rerank=0.0)
    data = cases(index, load_questions(set_path("tune")))
    zero = np.zeros(len(FEATURES))
    fit = minimize(loss, zero, args=(data, args.penalty), method="L-BFGS-B")
    print(f"tune: {len(data)} questions with a gold post among the candidates")
    print("weights:", ", ".join(f"{n}={v:.3f}" for n, v in zip(FEATURES, fit.x, strict=True)))
    print(f"WEIGHTS = ({', '.join(f'{v:.2f}' for v in fit.x)})")
    print(f"candidate hit@1 on tune: {hit1(zero, data):.3f} before, {hit1(fit.x, data):.3f} after")


if __name__ == "__main__":
    main()
