"""Titles matched word by word, for /brief's autocomplete and the closest titles of a declined
question: people type a few words they remember of a title, in any order, with typos, the last
one often half-typed.

Each typed word is matched to the titles' words exactly, by prefix or (four letters or more)
fuzzily against the titles' vocabulary, and weighs as much as it is rare among titles ("the",
"ai", "last week in" little). A title is scored by the share of the typed weight it holds; one
holding too little of it is no match at all (an empty list beats unrelated titles).
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..terms.analyzer import STOPWORDS

# A word: letters and digits, apostrophes inside ("don't"); hyphens and other marks split.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def title_words(text: str) -> list[str]:
    """``text``'s words, folded as titles' are: casefolded, accents dropped, a possessive's
    "'s" dropped and other apostrophes removed ("OpenAI's" → "openai", "don't" → "dont")."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    out = []
    for word in _WORD.findall(folded):
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word.replace("'", ""))
    return out


def _compounds(title: str) -> list[str]:
    """A hyphenated title word's parts joined, as people type them: "GPT-3" → "gpt3",
    "Self-Driving" → "selfdriving" (its parts are words of the title too)."""
    return ["".join(title_words(m)) for m in re.findall(r"\w+(?:-\w+)+", title)]


@dataclass(frozen=True)
class TitleMatchWeights:
    """How typed words match title words, and how much of the typed text a title must hold.
    Chosen on one seed's generated queries of ``bench/autocomplete.py``, reported on another's."""

    # A title is listed when it holds at least this share of the typed words' weight.
    min_share: float = 0.5
    # A typed word this similar to a title word is taken as a slip for it (rapidfuzz's
    # normalized optimal string alignment: 1 - edits / longer length, a swap one edit; 0.75 is
    # one slip in four letters, two in eight).
    fuzzy_cutoff: float = 0.75
    # Typed words shorter than this are not matched fuzzily (too many near-misses).
    fuzzy_min_length: int = 4
    # A finished typed word that starts a title word ("robot" → "robots") counts this much.
    prefix_strength: float = 0.9
    # A stopword's weight is its rarity times this: "the" is in few of a site's titles when
    # most are digests, yet says nothing of which title is meant.
    stopword_factor: float = 0.25
    # A finished typed word needs this many letters to match by prefix.
    prefix_min_length: int = 3


class TitleWords:
    """The titles' vocabulary, each word's titles and rarity, made once per index."""

    def __init__(self, titles: Sequence[str], weights: TitleMatchWeights | None = None) -> None:
        self.weights = weights or TitleMatchWeights()
        self.size = len(titles)
        per_word: dict[str, set[int]] = {}
        for i, title in enumerate(titles):
            for word in title_words(title) + _compounds(title):
                per_word.setdefault(word, set()).add(i)
        # Sorted, so the words a prefix starts are one contiguous range (``bisect``).
        self.vocab = sorted(per_word)
        self.word_id = {w: j for j, w in enumerate(self.vocab)}
        self.postings = [np.fromiter(sorted(per_word[w]), dtype=np.int64) for w in self.vocab]
        # Per length n, each distinct n-letter start of the longer words and its vocab range:
        # a half-typed word with a typo is matched against these (made as lengths are typed).
        self._starts: dict[int, tuple[list[str], list[tuple[int, int]]]] = {}

    def warm(self, longest: int = 16) -> None:
        """Make now what half-typed words of up to ``longest`` letters would make later."""
        for n in range(self.weights.fuzzy_min_length, longest + 1):
            self._starts_of(n)

    def shares(self, text: str) -> np.ndarray:
        """Per title, the share of ``text``'s word weight it holds (0 to 1; all 0 for no
        words). The last word is taken as half-typed unless the text ends after it."""
        words = title_words(text)
        if not words or not self.size:
            return np.zeros(self.size)
        typing = bool(re.search(r"[^\W_]$", text))  # the last word may be unfinished
        strengths = [self._strength(w, typing and n == len(words) - 1) for n, w in enumerate(words)]
        matched = [int(np.count_nonzero(s)) for s in strengths]
        # Smoothed as BM25's idf: a word in one title weighs most, one in every title ~0.
        weights = [math.log1p((self.size - m + 0.5) / (m + 0.5)) for m in matched]
        # A word in no title (a slip too short to match, a word no title has) weighs no more
        # than the rarest word matched: one such word should not hide the titles holding the
        # others.
        cap = max((w for w, m in zip(weights, matched, strict=True) if m), default=0.0)
        factor = self.weights.stopword_factor
        weights = [
            (w if m else cap) * (factor if word in STOPWORDS else 1.0)
            for w, m, word in zip(weights, matched, words, strict=True)
        ]
        total = sum(weights)
        if not total:
            return np.zeros(self.size)
        held = np.zeros(self.size)
        for weight, strength in zip(weights, strengths, strict=True):
            held += weight * strength
        return held / total

    def _strength(self, word: str, unfinished: bool) -> np.ndarray:
        """Per title, how well its best word matches ``word`` (1 exact, 0 none)."""
        w = self.weights
        strength = np.zeros(self.size)
        exact = self.word_id.get(word)
        if exact is not None:
            strength[self.postings[exact]] = 1.0
        if unfinished or len(word) >= w.prefix_min_length:
            lo = bisect_left(self.vocab, word)
            hi = bisect_left(self.vocab, word + "\U0010ffff", lo)
            longer = [self.postings[j] for j in range(lo, hi) if j != exact]
            if longer:
                found = np.concatenate(longer)
                value = 1.0 if unfinished else w.prefix_strength
                strength[found] = np.maximum(strength[found], value)
        # A slip only when no title word is or starts with the word: fuzzy neighbours of a word
        # the titles have are other words ("present" for "president"), and would make it
        # seem common.
        if not strength.any() and len(word) >= w.fuzzy_min_length:
            self._fuzzy(word, strength, unfinished)
        return strength

    def _fuzzy(self, word: str, strength: np.ndarray, unfinished: bool) -> None:
        """Raise ``strength`` where a title word is a typo of ``word`` (of its start, when the
        word is unfinished)."""
        from rapidfuzz import process  # (only here: see ``QueryReader.typo_fixes``)
        from rapidfuzz.distance import OSA

        cutoff = self.weights.fuzzy_cutoff
        for _, score, j in process.extract(
            word, self.vocab, scorer=OSA.normalized_similarity, score_cutoff=cutoff, limit=None
        ):
            found = self.postings[j]
            strength[found] = np.maximum(strength[found], score)
        if not unfinished:
            return
        starts, ranges = self._starts_of(len(word))
        for _, score, k in process.extract(
            word, starts, scorer=OSA.normalized_similarity, score_cutoff=cutoff, limit=None
        ):
            lo, hi = ranges[k]
            found = np.concatenate(self.postings[lo:hi])
            strength[found] = np.maximum(strength[found], score)

    def _starts_of(self, n: int) -> tuple[list[str], list[tuple[int, int]]]:
        made = self._starts.get(n)
        if made is None:
            starts: list[str] = []
            ranges: list[tuple[int, int]] = []
            for j, word in enumerate(self.vocab):
                if len(word) <= n:
                    continue
                if starts and starts[-1] == word[:n] and ranges[-1][1] == j:
                    ranges[-1] = (ranges[-1][0], j + 1)
                else:
                    starts.append(word[:n])
                    ranges.append((j, j + 1))
            made = self._starts[n] = (starts, ranges)
        return made
