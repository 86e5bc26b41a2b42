"""Sentence scoring for answer extraction: which of the question's terms a sentence holds, whether
it states the answer form asked for, and its score (focus coverage, context, answer form).

Shared by the headline choice (``extraction``) and the snippet windows (``snippets``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..retrieval.intent import form_pattern
from ..terms.analyzer import analyze, term_for_word

WORD = re.compile(r"\w+(?:[-'’.,]\w+)*")


# Words that make a sentence lean on the one before it.
ANAPHORA = re.compile(
    r"^(?:it|this|that|these|those|they|he|she|its|their|his|her|such|the (?:company|firm|"
    r"model|system|tool|project|study|paper|group|team|startup|researchers|move|decision|"
    r"program)|also|however|but|so|then|meanwhile|instead|still|yet)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def terms_of(word: str) -> tuple[str, ...]:
    terms = term_for_word(word.casefold())
    if "-" in word:  # "plug-ins" holds "plugins" too (the analyzer joins it, unstemmed)
        terms = (*terms, *term_for_word(word.casefold().replace("-", "")))
    return terms


@dataclass(slots=True)
class Sentence:
    text: str
    source: int  # which evidence
    position: int  # which sentence of it
    score: float
    matched: frozenset[str]
    forms: list[tuple[int, int]]  # where it states the answer's form (the first place)
    words: int = 0  # its word count


def match_sentence(
    sentence: str, weights: Mapping[str, float], wants: tuple[str, ...]
) -> tuple[dict[str, int], int, list[tuple[int, int]]]:
    """The question's terms in ``sentence`` (with the position of each one's first word), its
    word count and where it states the answer form asked for."""
    found: dict[str, int] = {}  # term → position of its first word
    words = WORD.findall(sentence)
    for n, w in enumerate(words):
        for t in terms_of(w):
            if t in weights and t not in found:
                found[t] = n
    forms: list[tuple[int, int]] = []
    for kind in wants:
        m = form_pattern(kind).search(sentence)  # (the first is enough to score it)
        if m:
            forms = [m.span()]
            break
    return found, len(words), forms


def coverage(
    terms: Iterable[str], weights: Mapping[str, float], title_terms: frozenset[str]
) -> float:
    # fsum: exact, so the same whatever order a set of terms is walked in (string hashing
    # differs per process; a plain sum's last bits, and so a tie, could differ with it).
    return math.fsum(weights[t] * (TITLE_SHARE if t in title_terms else 1.0) for t in terms)


def score_sentence(
    found: dict[str, int],
    n_words: int,
    forms: list[tuple[int, int]],
    context: set[str],
    weights: Mapping[str, float],
    total: float,
    title_terms: frozenset[str],
    form_bonus: float,
) -> float:
    """A sentence's score: its share of the question's weight (focus words first), plus a
    little for question words in the sentences just before it (the subject it continues),
    more for stating the answer's form. (Not for the question's words side by side: a bonus
    for proximity favoured sentences restating the question, and cost headlines on every set.)"""
    if not n_words:
        return 0.0
    cover = coverage(found, weights, title_terms)
    cover += CONTEXT * coverage(context - found.keys(), weights, title_terms)
    cover /= total
    if forms:
        cover *= 1.0 + form_bonus
    if n_words < SHORT_WORDS:  # a fragment or heading rarely answers alone
        cover *= SHORT_FACTOR
    return cover


TITLE_SHARE = 0.3  # a title word counts this much of a focus word
CONTEXT = 0.5  # a question word in the two sentences before counts this much
CONTEXT_SENTENCES = 2
SHORT_WORDS = 6
SHORT_FACTOR = 0.7


def terms_of_title(title: str) -> frozenset[str]:
    return frozenset(analyze(title))


def terms_of_word(token: str) -> tuple[str, ...]:
    m = WORD.search(token)
    return terms_of(m.group()) if m else ()
