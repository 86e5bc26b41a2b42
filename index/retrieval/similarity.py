"""How close a question's meaning is to the site's passages: a no-answer signal beside
``decline``'s lexical evidence (issue 10, round 24b; measured, not used by ``SearchIndex``).

The caller embeds the question and the passages as unit vectors (a text-embedding model; this
module only reads the cosines, one per passage). A question no post answers is, on the whole,
further from the passages the lexical ranking puts first than a question one of them answers,
even in other words: ``Similarity.first(k)`` is the best cosine among the first ``k`` results'
passages. Its level is read as it is (a cosine of e5's query and passage sides is comparable
across questions and sites) or, with ``SimilarityRule.relative``, less the question's typical
cosine over the whole site (``typical``: a quantile, the median by default), in case some
questions are close to everything.

The other way round, a question the lexical rule declines may be answered when one passage
stands out far from the rest in meaning (``rescues``): a word the content lacks declines, and a
small site lacks many a word its readers ask with.

Alone it declines few questions within a small budget of wrong declines; with the lexical
evidence it does better: ``SimilarityRule`` declines when the meaning is far *and* the first
passage holds little of the question's weight (``decline.Evidence.passage``) or the best post
little of it (``coverage``): the two fail on different questions (a paraphrase shares few
words with its answer but is close in meaning; a detail no post states shares the topic's
words and is close to its posts too, but less).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Similarity:
    """What the rule reads of a question's cosines to the site's passages."""

    best: float  # the highest cosine over every passage
    firsts: tuple[float, ...]  # the highest over the first 1, 2, … results' passages
    typical: float  # the cosine at the ``typical`` quantile over every passage

    def first(self, k: int) -> float:
        """The best cosine among the first ``k`` results' passages (0 or none given: over every
        passage; fewer results than ``k``: over those)."""
        if k <= 0 or not self.firsts:
            return self.best
        return self.firsts[min(k, len(self.firsts)) - 1]


def similarity(cosines: np.ndarray, first: Sequence[int], typical: float = 0.5) -> Similarity:
    """``Similarity`` of one question's ``cosines`` (one per passage, in index order) and the
    passage indices of its ``first`` results, best first."""
    if cosines.ndim != 1 or not len(cosines):
        raise ValueError("one cosine per passage expected, for at least one passage")
    if not 0.0 <= typical <= 1.0:
        raise ValueError(f"typical is a quantile in [0, 1], not {typical}")
    firsts = np.maximum.accumulate(cosines[np.asarray(first, dtype=np.intp)]) if len(first) else ()
    return Similarity(
        float(cosines.max()),
        tuple(float(c) for c in firsts),
        float(np.quantile(cosines, typical)),
    )


@dataclass(frozen=True, slots=True)
class SimilarityRule:
    """Decline when the best cosine among the first ``results`` results' passages (0: every
    passage; less the typical cosine if ``relative``) is under ``cosine_below``, the first
    passage holds under ``passage_below`` of the question's weight and the best post under
    ``cover_below`` (``decline.Evidence``'s shares; inf and inf: the meaning alone decides)."""

    cosine_below: float
    passage_below: float = math.inf
    cover_below: float = math.inf
    results: int = 5
    relative: bool = False
    # A question the lexical rule declines is answered when its closest passage (over all)
    # stands out from its typical one by this much or more (``rescues``; inf: never).
    answer_margin: float = math.inf


def declines(found: Similarity, coverage: float, passage: float, rule: SimilarityRule) -> bool:
    """Whether a question with this similarity and lexical evidence is declined by ``rule``
    (beside ``decline.declines``: either declines)."""
    closest = found.first(rule.results) - (found.typical if rule.relative else 0.0)
    return (
        closest < rule.cosine_below and passage < rule.passage_below and coverage < rule.cover_below
    )


def rescues(found: Similarity, rule: SimilarityRule) -> bool:
    """Whether a question the lexical rule declines is answered all the same: one passage is
    much closer to it than the site's typical passage (``answer_margin``). A small site lacks
    many a word its readers ask with ("why does my cat scratch the *sofa*"), and a word the
    content lacks declines; the meaning is still close to the post that answers it."""
    return found.best - found.typical >= rule.answer_margin


def decided(
    found: Similarity, coverage: float, passage: float, lexical: bool, rule: SimilarityRule
) -> bool:
    """Whether a question is declined: by the lexical rule (``lexical``: ``decline.declines``)
    unless ``rescues`` answers it, or by ``declines``."""
    return (lexical and not rescues(found, rule)) or declines(found, coverage, passage, rule)
