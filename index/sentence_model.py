"""A learned linear scorer of headline windows (one sentence or two of the first page's
passages): which answers the question. ``WEIGHTS`` are fitted by ``python -m
bench.fit_sentence_scorer`` (softmax over each question's candidate windows, the right ones those
holding the gold answer span) on the training question sets; when any is not zero, the scorer
chooses the headline. The hand-made score (``sentence_scores.score_sentence``) and the hand-made
choice are features, so the model learns corrections to them from evidence any site has: how
much of the question a window holds and where (focus, title or section heading words), its
context, the answer form asked for, its passage's rank and retrieval score, its place in the
passage, and whether it is a heading, a fragment or commentary.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

# The intents whose answer form a sentence rarely states by chance (a date, a count, an amount).
STRONG_FORMS = frozenset({"when", "how_long", "how_many", "how_much", "share"})
_NUMBER = re.compile(r"\d")
_QUOTE = re.compile(r"[\"“”]")

FEATURES = (
    "hand",  # the hand-made score (rank decay applied)
    "focus",  # the question's weight it holds in words of neither the title nor the heading
    "heading",  # … in words of the section heading (not the title): restating the story
    "title",  # … in words of the post title
    "context",  # … in the two sentences before only
    "form_strong",  # it states the answer form of a when / how long / how many / how much question
    "form_weak",  # … of another intent (a name, a cause, a definition, a verdict)
    "rank1",  # its passage is the second result
    "rank2",  # … the third
    "score_ratio",  # its passage's retrieval score over the first result's
    "heading_line",  # it is the section's heading line
    "first",  # it is the first sentence after the heading (or the passage's first)
    "position",  # log(1 + its place in the passage)
    "short",  # fewer than six words
    "density",  # the question's terms per word
    "log_length",  # log(1 + words)
    "number",  # it holds a digit
    "quote",  # it holds a quotation mark
    "commentary",  # it is in a section or paragraph of commentary ("Our take: …")
    "pair",  # it is two sentences
    "hand_choice",  # it is the hand-made scorer's headline (added by ``extraction``)
)
# All zero: the hand-made scorer chooses. Fitted weights (``python -m bench.fit_sentence_scorer``)
# gained nothing on questions they were not fitted on (see there for the figures).
WEIGHTS: tuple[float, ...] = (0.0,) * len(FEATURES)


def features(
    found: Mapping[str, int],
    n_words: int,
    has_form: bool,
    context: set[str],
    weights: Mapping[str, float],
    total: float,
    title_terms: frozenset[str],
    heading_terms: frozenset[str],
    kind: str,
    hand: float,
    rank: int,
    score_ratio: float,
    heading_line: bool,
    first: bool,
    position: int,
    text: str,
    commentary: bool,
    sentences: int,
) -> list[float]:
    """A candidate window's (one sentence or two) features, in the order of ``FEATURES``, but
    for the last (whether it is the hand-made scorer's choice, known once all are scored)."""
    focus = heading = title = 0.0
    for t in found:
        if t in title_terms:
            title += weights[t]
        elif t in heading_terms:
            heading += weights[t]
        else:
            focus += weights[t]
    ctx = sum(weights[t] for t in context if t not in found)
    strong = kind in STRONG_FORMS
    return [
        hand,
        focus / total,
        heading / total,
        title / total,
        ctx / total,
        float(has_form and strong),
        float(has_form and not strong),
        float(rank == 1),
        float(rank == 2),
        score_ratio,
        float(heading_line),
        float(first),
        math.log1p(position),
        float(n_words < 6),
        len(found) / max(n_words, 1),
        math.log1p(n_words),
        float(bool(_NUMBER.search(text))),
        float(bool(_QUOTE.search(text))),
        float(commentary),
        float(sentences == 2),
    ]


def score(values: list[float]) -> float:
    return sum(w * v for w, v in zip(WEIGHTS, values, strict=True))
