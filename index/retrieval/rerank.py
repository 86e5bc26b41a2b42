"""Post-level re-ranking of a question's best candidates: a small linear model over lexical
features of each candidate post.

A paraphrased question shares few words with any one passage of the post that answers it: the
post names the story in its title, the actor in one section and the outcome in another. BM25
scores passages one by one, so a post whose matching passages hold the question's words
*between them* can lose to another post's passage that repeats two of them. Each post among the
best ``CANDIDATES`` passages gets features (below); its passages' scores are multiplied by
``exp(WEIGHTS · features)``, which moves whole posts up or down and keeps each post's own
passages in their order.

Features of a post (``FEATURES``), all from the question's IDF weights (``weight_of``):
- ``union``: the share of the question's weight its candidate passages (text and headings)
  and its title and summary hold between them;
- ``best``: the share its best passage's text and headings hold;
- ``meta``: the share its title and summary hold;
- ``matches``: log(1 + its passages among the candidates);
- ``length``: log(1 + its passages), long digests hold many words by chance.

``search`` re-ranks only when the best candidate passage holds under ``rerank_below`` (0.4) of
the question's weight: a paraphrase. Re-ranking every question helped held2 but cost dev and
held (a question whose words one passage holds is better left in BM25's order). ``python -m
bench.fit_reranker`` fits the weights on ``bench/questions/tune.jsonl`` only (softmax over the
candidate posts, the gold post the target, L2 penalty); the fitted weights did worse on every
set than ``union`` alone, which is what ``WEIGHTS`` holds (issue 10, round 3; bench/README.md).

Pure numbers, read from the index's own term counts (text + headings of each passage, title +
summary of each post): nothing is built or held beside them, so a reindex has no tables of
presence to make again.
"""

from __future__ import annotations

import numpy as np

from ..terms.term_counts import FieldCounts

FEATURES = ("union", "best", "meta", "matches", "length")
# ``union`` alone at 0.5: of the settings measured, the one that helped tune without costing
# dev (bench/README.md, issue 10 round 3). bench/fit_reranker.py's fit (penalty 1: 4.76, 5.43,
# 1.97, 0.62, -1.13) ranked worse on every set: its best-passage features repeat the BM25 score.
WEIGHTS = (0.5, 0.0, 0.0, 0.0, 0.0)


def holds(fields: list[FieldCounts], docs: np.ndarray, term_ids: list[int]) -> np.ndarray:
    """Whether each of ``docs`` holds each of ``term_ids`` in any of ``fields`` (a boolean
    documents × terms table): a question's handful of terms against a hundred candidates'
    terms, read where the counts are."""
    unique, column = np.unique(np.asarray(term_ids, dtype=np.int64), return_inverse=True)
    found = np.zeros((len(docs), len(unique)), dtype=bool)
    docs = np.asarray(docs, dtype=np.int64)
    for field in fields:
        terms, _, row = field.pairs(docs)
        at = np.minimum(np.searchsorted(unique, terms), len(unique) - 1)
        hit = unique[at] == terms
        found[row[hit], at[hit]] = True
    return found[:, column.ravel()]


class Terms:
    """Which terms each passage (text, headings) and each post (title, summary) holds."""

    __slots__ = ("_passages", "_post_length", "_posts")

    def __init__(
        self,
        passage_fields: list[FieldCounts],
        post_fields: list[FieldCounts],
        passage_counts: np.ndarray,
        n_terms: int,
    ) -> None:
        self._passages = passage_fields
        self._posts = post_fields
        self._post_length = np.log1p(passage_counts.astype(np.float64))

    def passage_coverage(
        self, passage: int, term_ids: list[int], weights: list[float], total: float
    ) -> float:
        """The share of ``total`` that the given terms a passage (text, headings) holds weigh:
        the ``best`` feature of one passage, without the rest."""
        if not term_ids or total <= 0:
            return 0.0
        # (Plain Python: a passage's hundred terms against a question's handful cost less so
        # than numpy's set operations.)
        held: set[int] = set()
        for f in self._passages:
            held.update(f.terms(passage, passage + 1).tolist())
        return sum(w for t, w in zip(term_ids, weights, strict=True) if t in held) / total

    def features(
        self,
        passages: np.ndarray,
        posts: np.ndarray,
        term_ids: list[int],
        weights: list[float],
        total: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidate posts (in order of their best candidate), each candidate's row among
        them, and their features (one row per post, ``FEATURES`` order). ``passages`` are the
        candidates best first, ``posts`` their posts."""
        unique, first, group = np.unique(posts, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # posts by their best candidate
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        group = rank[group]
        unique, first = unique[order], first[order]
        n = len(unique)
        feats = np.zeros((n, len(FEATURES)))
        if term_ids and total > 0:
            w = np.asarray(weights, np.float64) / total
            held = holds(self._passages, passages, term_ids)  # candidates × terms
            meta = holds(self._posts, unique, term_ids)  # posts × terms
            union = meta.copy()
            np.logical_or.at(union, group, held)
            feats[:, 0] = union @ w
            feats[:, 1] = held[first] @ w
            feats[:, 2] = meta @ w
        feats[:, 3] = np.log1p(np.bincount(group, minlength=n))
        feats[:, 4] = self._post_length[unique]
        return unique, group, feats


def factors(feats: np.ndarray, weights: tuple[float, ...] = WEIGHTS) -> np.ndarray:
    """Each post's score factor, exp(weights · features), centred on the best post (so that the
    first candidate keeps its score and scores stay comparable with the decline rules')."""
    adjust = feats @ np.asarray(weights, np.float64)
    return np.exp(adjust - adjust[0]) if len(adjust) else adjust
