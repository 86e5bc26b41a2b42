"""Whether the first page seems to *state* an answer, not only to be about the question's
topic: a no-answer signal from the learned headline model (issue 10, round 28b; measured).

A question asking for an attribute of something the site covers ("How many employees does X
have?") matches X's posts as well as an answerable paraphrase does: coverage, the first
passage's share and the meaning's closeness cannot tell them apart (rounds 2, 8, 11, 15, 19,
24b). The headline model (``headline_model``) was fitted to pick, among a question's windows
of one or two sentences, the one holding the answer span: its value for a window is a
logit of "this window holds the answer". Read over *every* window of the first ``POOL``
results (not only those around the hand-set choice, as the headline reads them), the best
value says how answer-like the best sentence of the first page is, and how it stands out from
the rest of that page says whether one sentence answers or the page only talks about the topic.

``answerlike`` reads these from extraction's prepared evidence (``extraction.prepare``): the
best value, its softmax share among the page's windows, its margin over the best window
sharing no sentence with it, its standing in the question's own values ((best − mean) / sd),
and the best value in each of the first results. ``AnswerRule`` declines on them beside
``decline``'s rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from . import extraction, headline_model
from .headline_model import Window


@dataclass(frozen=True, slots=True)
class Answerlike:
    """How answer-like the first page's best window is (``headline_model`` values)."""

    best: float  # the highest window value over the first results
    share: float  # its softmax share among every window's
    margin: float  # its lead over the best window sharing no sentence with it (inf: none)
    standing: float  # (best − mean) / standard deviation over the windows (0: one window)
    firsts: tuple[float, ...]  # the best value in each of the first results (-inf: none)
    windows: int  # how many windows were read


def _overlap(a: Window, b: Window) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end


def answerlike(
    prepared: extraction.Prepared, weights: Sequence[float] = headline_model.WEIGHTS
) -> Answerlike | None:
    """``Answerlike`` of every window of the first results' passages (``prepared.pool``) under
    the headline model's ``weights``; None when no window fits (nothing to read)."""
    cands, rows = extraction.candidate_windows(prepared, None)
    if not cands:
        return None
    values = headline_model.values(rows, weights)
    top = max(range(len(values)), key=lambda n: (values[n], -n))
    best = values[top]
    total = math.fsum(math.exp(v - best) for v in values)
    others = [v for c, v in zip(cands, values, strict=True) if not _overlap(c, cands[top])]
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
    firsts = [-math.inf] * prepared.pool
    for c, v in zip(cands, values, strict=True):
        if c.source < len(firsts):
            firsts[c.source] = max(firsts[c.source], v)
    return Answerlike(
        best,
        1.0 / total,
        best - max(others) if others else math.inf,
        (best - mean) / sd if sd > 0 else 0.0,
        tuple(firsts),
        len(values),
    )
