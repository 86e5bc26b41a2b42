"""The headline's window chosen by a learned linear model (issue 10, round 14).

Extraction's hand-set choice takes the best sentence of the first ``POOL`` results' passages by
its score (focus coverage, title words at 0.3, context, answer form, rank decay; with the
passages' vectors, each result's cosine: ``extraction.COSINE``) and a neighbour when the two
score as well. Here the windows of one or two adjacent sentences of that passage reaching at
most ``AROUND`` sentence beyond the hand-set window (the site's boilerplate left out, within
the headline's bounds) each get a handful of general features — that score's
parts apart (focus, title, heading and context shares, answer form), the window's place, length
and shape, whether it is the hand-set choice — and a linear model over them picks one. It was
fitted by ``bench/fit_headline.py`` on the training question sets (a softmax over each
question's windows, the target: the window's sentences hold the answer span, as
``index.evaluation`` judges it). ``WEIGHTS`` is what that script prints; all zero is the hand-set
choice. What it learned, mostly: leave out the section's heading line (the citation names it;
a digest item's title restates the question) for the sentence after the lead.

Measured and not kept (bench/README.md, round 14): every window of the first three passages as
candidates (it lost headlines on cross-fitting), the model ranking the snippets' sentences too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .sentence_scores import ANAPHORA, SHORT_WORDS, Sentence, coverage, terms_of_title
from .text import ends_sentence

Fits = Callable[[list[str]], bool]
_DIGIT = re.compile(r"\d")


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


FEATURES: tuple[str, ...] = (
    "hand",  # the hand-set score (rank-decayed), relative to the best candidate's
    "is_hand",  # the hand-set choice
    "focus",  # share of the question's weight held in words not in the post title
    "title",  # share held in title words
    "heading",  # share held in the section heading's words (not title words)
    "context",  # share held only by the two sentences before
    "form",  # states the answer form the question's intent asks for
    "form_bonus",  # the same, times that intent's bonus
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
    "after_line",  # follows a line without a sentence's end (a heading, an item's title)
    "digits",  # holds a digit
)


@dataclass(frozen=True, slots=True)
class Model:
    """A fitted chooser: its ``FEATURES``' weights (all zero: the hand-set choice) and which
    windows are its candidates."""

    weights: tuple[float, ...]
    # The candidates: the windows of the hand-set window's passage at most this many sentences
    # beyond it on either side; None: every window of the first ``POOL`` passages.
    around: int | None = None

    @property
    def active(self) -> bool:
        return any(self.weights)


# Printed by ``python -m bench.fit_headline`` (all zero: the hand-set choice).
WEIGHTS: tuple[float, ...] = (
    0.8921,
    1.0691,
    0.9896,
    0.3691,
    -0.3663,
    -0.4765,
    0.0112,
    0.2985,
    -0.2442,
    -1.0574,
    0.138,
    0.5924,
    -0.0993,
    0.0305,
    -0.6597,
    0.8338,
    -0.2716,
    0.0,
    0.7661,
    0.0406,
    0.4487,
)
AROUND = 1
SHIPPED = Model(WEIGHTS, AROUND)


def windows(
    per_evidence: Sequence[Sequence[Sentence]],
    pool: int,
    fits: Fits,
    hand: Window | None = None,
    around: int | None = None,
) -> list[Window]:
    """Every window of one or two adjacent sentences of the first ``pool`` passages that fits
    the headline's bounds; with ``around``, only those of ``hand``'s passage that reach at
    most ``around`` sentences beyond it."""
    out: list[Window] = []
    for i, scored in enumerate(per_evidence[:pool]):
        lo, hi = 0, len(scored)
        if around is not None and hand is not None:
            if i != hand.source:
                continue
            lo, hi = max(0, hand.start - around), min(hi, hand.end + around)
        for a in range(lo, hi):
            out.append(Window(i, a, a + 1))
            if a + 1 < hi and fits([scored[a].text, scored[a + 1].text]):
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
    """Each candidate window's ``FEATURES`` (in that order)."""
    terms: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # title, heading (less title)
    for i in {c.source for c in cands}:
        title = terms_of_title(passages[i].title)
        heading = terms_of_title(passages[i].heading) if passages[i].heading else frozenset()
        terms[i] = title, heading - title
    found_rows: list[dict[str, float]] = []
    for c in cands:
        scored = per_evidence[c.source]
        shown = scored[c.start : c.end]
        title, heading = terms[c.source]
        found: set[str] = set()
        for s in shown:
            found |= s.matched
        context: set[str] = set()
        for s in scored[max(0, c.start - 2) : c.start]:
            context |= s.matched
        n_words = sum(s.words for s in shown)
        form = any(s.forms for s in shown)
        first = shown[0]

        def share(held: Iterable[str]) -> float:
            return coverage(held, weights, frozenset()) / total

        focus = share(found - title)
        found_rows.append(
            {
                "hand": hand_score(c),
                "is_hand": float(c == hand),
                "focus": focus,
                "title": share(found & title),
                "heading": share(found & heading),
                "context": share(context - found),
                "form": float(form),
                "form_bonus": form_bonus * form,
                "first": float(c.start == 0),
                "heading_line": float(c.start == 0 and first.text == passages[c.source].heading),
                "position": math.log1p(c.start),
                "length": math.log(max(n_words, 1)),
                "short": float(n_words < SHORT_WORDS),
                "pronoun": float(bool(ANAPHORA.match(first.text))),
                "restates": float(bool(found) and found <= (title | heading)),
                "pair": float(c.end - c.start == 2),
                "question_mark": float(shown[-1].text.rstrip().endswith("?")),
                "novel": 1.0 - min(len(found), n_words) / max(n_words, 1),
                "focus_rel": focus,
                "after_line": float(c.start > 0 and not ends_sentence(scored[c.start - 1].text)),
                "digits": float(any(_DIGIT.search(s.text) for s in shown)),
            }
        )
    # Relative to the best candidate: what the hand-set choice compares.
    for name in ("hand", "focus_rel"):
        top = max(r[name] for r in found_rows) or 1.0
        for r in found_rows:
            r[name] /= top
    return [[r[name] for name in FEATURES] for r in found_rows]


def values(rows: Sequence[Sequence[float]], weights: Sequence[float] = WEIGHTS) -> list[float]:
    """Each row's value under ``weights``."""
    return [math.fsum(w * x for w, x in zip(weights, r, strict=True)) for r in rows]
