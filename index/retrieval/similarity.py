"""How close a question's meaning is to the site's passages: a no-answer signal beside
``decline``'s lexical evidence (issue 10, round 24b; measured, not used by ``SearchIndex``).

A question's cosine to every passage (both as unit text-embedding vectors; the caller embeds
them, this module only reads the numbers) says how near the closest passage is. The raw best
cosine is a poor judge on its own: some questions are close to everything on a site (short,
general ones, or any question on a site of one topic), some to nothing. What gives an
unanswered question away is the best passage standing out little from the site's *typical*
passage for that same question: ``margin`` is the best cosine less the cosine at the
``typical`` quantile of all passages (the median by default), so each question is measured
against itself.

``declines`` turns that into a rule: decline when the margin is under ``margin_below`` and the
lexical evidence is weak too (the best post holds under ``cover_below`` of the question's
weight): the two signals fail on different questions (a paraphrase shares few words with its
answer but its meaning is close; a detail no post states shares the topic's words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Similarity:
    """What the rule reads of a question's cosines to the site's passages."""

    best: float  # the highest cosine over every passage
    first: float  # the highest over the first results' passages (the lexical ranking's)
    typical: float  # the cosine at the ``typical`` quantile over every passage

    @property
    def margin(self) -> float:
        """How far the closest passage stands out from the site's typical one."""
        return self.best - self.typical


def similarity(cosines: np.ndarray, first: Sequence[int], typical: float = 0.5) -> Similarity:
    """``Similarity`` of one question's ``cosines`` (one per passage, in index order) and the
    passage indices of its ``first`` results (none: ``first`` is the best over all)."""
    if cosines.ndim != 1 or not len(cosines):
        raise ValueError("one cosine per passage expected, for at least one passage")
    if not 0.0 <= typical <= 1.0:
        raise ValueError(f"typical is a quantile in [0, 1], not {typical}")
    best = float(cosines.max())
    top = float(cosines[np.asarray(first, dtype=np.intp)].max()) if len(first) else best
    return Similarity(best, top, float(np.quantile(cosines, typical)))


@dataclass(frozen=True, slots=True)
class SimilarityRule:
    """Decline when the closest passage stands out from the typical one by under
    ``margin_below`` (the best over ``first`` results' passages if ``use_first``, else over all)
    and the lexical coverage (``decline.Evidence.coverage``) is under ``cover_below`` (1: any)."""

    margin_below: float
    cover_below: float = 1.0
    use_first: bool = False


def declines(found: Similarity, coverage: float, rule: SimilarityRule) -> bool:
    """Whether a question with this similarity and lexical coverage is declined by ``rule``
    (on top of ``decline.declines``: either declines)."""
    best = found.first if rule.use_first else found.best
    return best - found.typical < rule.margin_below and coverage < rule.cover_below
