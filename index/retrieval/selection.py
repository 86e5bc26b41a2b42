"""Array selections the ranking needs, apart from BM25 itself: the maximum of each run of values
(a passage's best sentence, ``SegmentMax``) and the best ``k`` of a score array (``top_k``).
Pure numpy.
"""

from __future__ import annotations

import numpy as np


class SegmentMax:
    """The maximum of each run of consecutive values (e.g. each passage's best sentence), via a
    padded layout: value ``j`` of segment ``s`` is placed at ``j * n_segments + s``, so the
    maxima are one reduction over ``width`` rows; values beyond ``width`` in a long segment go to
    an overflow area after the rows. The layout is where a table sends its values
    (``positions``); ``reduce`` reads it back."""

    __slots__ = ("n_segments", "n_slots", "overflow_segment", "positions", "width")

    def __init__(self, counts: np.ndarray, width: int) -> None:
        n = len(counts)
        counts = counts.astype(np.int64)
        segment = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        rank = np.arange(len(segment), dtype=np.int64) - np.repeat(starts, counts)
        over = rank >= width
        self.positions = rank * n + segment
        self.positions[over] = n * width + np.arange(int(over.sum()))
        self.overflow_segment = segment[over]
        self.n_segments = n
        self.width = width
        self.n_slots = n * width + len(self.overflow_segment)

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """Per segment, the maximum of its values (and of 0: empty slots hold 0)."""
        n, width = self.n_segments, self.width
        best = values[: n * width].reshape(width, n).max(axis=0, initial=0.0)
        if len(self.overflow_segment):
            np.maximum.at(best, self.overflow_segment, values[n * width : self.n_slots])
        return best


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (ties: lower index first)."""
    n = len(scores)
    if k >= n:
        return np.argsort(-scores, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    # The k-th best value (partitioning values, in place, is about twice as fast as their
    # indices), then everything at least as good, in index order.
    neg = -scores
    neg.partition(k - 1)
    kth = -neg[k - 1]
    chosen = np.flatnonzero(scores >= kth)
    top = scores[chosen]
    if len(chosen) > k:  # a tie at the cut: keep its lowest indices
        above = top > kth
        keep = above | (np.cumsum(~above) <= k - np.count_nonzero(above))
        chosen, top = chosen[keep], top[keep]
    return chosen[np.argsort(-top, kind="stable")]  # (chosen is in index order: ties stay so)
