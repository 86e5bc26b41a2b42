"""The headline's window chosen by a learned linear model (issue 10, round 14).

Extraction's candidates for the headline are windows of one or two adjacent sentences of the
first ``POOL`` results' passages (the site's boilerplate left out, within the headline's bounds).
The hand-set choice takes the window of the best sentence by its score (focus coverage, title
words at 0.3, context, answer form, rank decay). Here each window gets a handful of general
features — that score's parts apart (focus, title, heading and context shares, answer form),
the passage's rank and retrieval score, the window's place, length and shape — and a linear
model over them, fitted by ``bench/fit_headline.py`` on the training question sets (a softmax
over each question's windows, the target: the headline made from the window holds the answer
span), picks the window. ``WEIGHTS`` is what that script prints; all zero means the hand-set
choice (the model is off).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .sentence_scores import ANAPHORA, SHORT_WORDS, Sentence, coverage, terms_of_title
from .text import ends_sentence

Fits = Callable[[list[str]], bool]


@dataclass(frozen=True, slots=True)
class Window:
    """Sentences ``start`` to ``end`` (exclusive) of evidence ``source``."""

    source: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """What the features need of a candidate passage."""

    title: str
    heading: str
    score: float  # its retrieval score


FEATURES: tuple[str, ...] = (
    "hand",  # the hand-set score (rank-decayed), relative to the best candidate's
    "is_hand",  # the hand-set choice
    "focus",  # share of the question's weight held in words not in the post title
    "title",  # share held in title words
    "heading",  # share held in the section heading's words (not title words)
    "context",  # share held only by the two sentences before
    "form",  # states the answer form the question's intent asks for
    "form_bonus",  # the same, times that intent's bonus
    "rank1",  # the second result
    "rank2",  # the third result
    "rel_score",  # log of its retrieval score relative to the first result's
    "first",  # opens its passage
    "heading_line",  # is (or opens on) the section's heading line
    "position",  # log(1 + its place in the passage)
    "length",  # log(words)
    "short",  # under SHORT_WORDS words
    "pronoun",  # opens on a word leaning on the sentence before
    "restates",  # holds question words, only title or heading words
    "pair",  # two sentences
    "question_mark",  # ends on "?"
    "novel",  # share of its words that are not question words
    "focus_rel",  # focus share relative to the best candidate's
    "passage_cover",  # share of the question its whole passage holds (title words at 0.3)
    "passage_rel",  # that share relative to the best passage's
    "in_passage",  # its hand-set score relative to its passage's best window's
    "after_line",  # follows a line without a sentence's end (a heading, an item's title)
    "digits",  # holds a digit
)

# Printed by ``python -m bench.fit_headline`` (zero: the hand-set choice).
WEIGHTS: tuple[float, ...] = (0.0,) * len(FEATURES)


def active(weights: Sequence[float] = WEIGHTS) -> bool:
    return any(weights)


def windows(per_evidence: Sequence[Sequence[Sentence]], pool: int, fits: Fits) -> list[Window]:
    """Every window of one or two adjacent sentences of the first ``pool`` passages that fits
    the headline's bounds."""
    out: list[Window] = []
    for i, scored in enumerate(per_evidence[:pool]):
        for a in range(len(scored)):
            out.append(Window(i, a, a + 1))
            if a + 1 < len(scored) and fits([scored[a].text, scored[a + 1].text]):
                out.append(Window(i, a, a + 2))
    return out


def features(
    cands: Sequence[Window],
    per_evidence: Sequence[Sequence[Sentence]],
    passages: Sequence[Passage],
    weights: Mapping[str, float],
    total: float,
    form_bonus: float,
    hand: Window | None,
    hand_score: Callable[[Window], float],
) -> list[list[float]]:
    """Each candidate window's ``FEATURES``."""
    titles = [terms_of_title(p.title) for p in passages[: max(c.source for c in cands) + 1]]
    headings = [terms_of_title(p.heading) if p.heading else frozenset() for p in passages]
    top_score = passages[0].score if passages and passages[0].score > 0 else 1.0
    covers: dict[int, float] = {}
    for i in {c.source for c in cands}:
        held = {t for s in per_evidence[i] for t in s.matched}
        covers[i] = coverage(held, weights, titles[i]) / total
    rows: list[list[float]] = []
    for c in cands:
        scored = per_evidence[c.source]
        shown = scored[c.start : c.end]
        title, heading = titles[c.source], headings[c.source] - titles[c.source]
        found: set[str] = set()
        for s in shown:
            found |= s.matched
        context: set[str] = set()
        for s in scored[max(0, c.start - 2) : c.start]:
            context |= s.matched
        context -= found
        n_words = sum(s.words for s in shown)
        focus = coverage(found - title, weights, frozenset()) / total
        passage = passages[c.source]
        first = shown[0]
        rows.append(
            [
                hand_score(c),
                float(c == hand),
                focus,
                coverage(found & title, weights, frozenset()) / total,
                coverage(found & heading, weights, frozenset()) / total,
                coverage(context, weights, frozenset()) / total,
                float(any(s.forms for s in shown)),
                form_bonus * any(s.forms for s in shown),
                float(c.source == 1),
                float(c.source == 2),
                math.log(max(passage.score, 1e-9) / top_score),
                float(c.start == 0),
                float(c.start == 0 and bool(passage.heading) and first.text == passage.heading),
                math.log1p(c.start),
                math.log(max(n_words, 1)),
                float(n_words < SHORT_WORDS),
                float(bool(ANAPHORA.match(first.text))),
                float(bool(found) and found <= (title | heading)),
                float(c.end - c.start == 2),
                float(shown[-1].text.rstrip().endswith("?")),
                1.0 - min(len(found), n_words) / max(n_words, 1),
                focus,
                covers[c.source],
                0.0,  # (relative: below)
                0.0,  # (relative: below)
                float(c.start > 0 and not ends_sentence(scored[c.start - 1].text)),
                float(any(ch.isdigit() for s in shown for ch in s.text)),
            ]
        )
    best_hand = max((r[0] for r in rows), default=0.0) or 1.0
    best_focus = max((r[21] for r in rows), default=0.0) or 1.0
    best_cover = max((r[22] for r in rows), default=0.0) or 1.0
    passage_best: dict[int, float] = {}
    for c, r in zip(cands, rows, strict=True):
        passage_best[c.source] = max(passage_best.get(c.source, 0.0), r[0])
    for c, r in zip(cands, rows, strict=True):
        r[24] = r[0] / (passage_best[c.source] or 1.0)
        r[0] /= best_hand
        r[21] /= best_focus
        r[23] = r[22] / best_cover
    return rows


def best(rows: Sequence[Sequence[float]], weights: Sequence[float] = WEIGHTS) -> int:
    """The row scoring best under ``weights`` (the first on a tie)."""
    values = [math.fsum(w * x for w, x in zip(weights, r, strict=True)) for r in rows]
    return max(range(len(values)), key=lambda n: (values[n], -n))
