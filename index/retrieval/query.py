"""Query understanding: a question → a ``QueryPlan`` (terms, typo fixes, dates, intent).

Query terms missing from the vocabulary are treated as typos and replaced by the nearest
vocabulary terms by edit distance (weighted down); dates a question names ("in May 2024") and
whether it asks for an amount ("how much") are read here too, for the ranking to use.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass

import numpy as np

from ..terms.analyzer import (
    STOPWORDS,
    analyze,
    name_parts,
    term_for_word,
    terms_of_plain_words,
    words,
)
from ..terms.english import English
from ..terms.fields import pair_ids, term_hash

MIN_FIX_DF = 2  # a typo is corrected only to a word found in at least this many passages
# A word the content lacks that English uses at this Zipf frequency or more is no typo, unless a
# word of the site one edit away is ``LANGUAGE_GAP`` more common (``QueryReader.is_language_word``;
# issue 10, round 23: any level from 3.16 to 3.53 reads the same words of the training sets).
LANGUAGE_WORDS = 3.3
LANGUAGE_GAP = 2.0
# Longer "words" are pasted junk, not typos: the one-edit spellings of a word cost the square
# of its length (a 1,000-letter word: 1.4 s and 110 MB; 3,000 letters: 8.7 s and 1 GB).
MAX_TYPO_WORD = 40

# Contractions typed without their apostrophe ("whats", "dont", "im"): stopwords, not words of
# the topic, when the content lacks them (a site that has "well" or "shell" keeps them).
FUSED_STOPWORDS = frozenset(w.replace("'", "") for w in STOPWORDS if "'" in w)
_HAS_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?,?\s+(19[5-9]\d|20\d\d)\b",
    re.IGNORECASE,
)
# Questions asking for an amount ("how much", "what share"); ``fields.states_amount`` finds
# passages that state one.
ASKS_QUANTITY = re.compile(
    r"\b(?:how (?:much|many|often|big|long|large|fast|far|old|expensive)|by how much"
    r"|what (?:share|percentage|percent|fraction|proportion|number|price)|what did it cost)\b",
    re.IGNORECASE,
)
# News is written up a little after it happens (weekly digests, yearly reviews in late December).
DATE_GRACE = dt.timedelta(days=14)


def one_edit_away(word: str) -> set[str]:
    """Every word one deletion, transposition, substitution or insertion away (a-z)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in string.ascii_lowercase}
        | {a + c + b for a, b in splits for c in string.ascii_lowercase}
    ) - {word}


def question_periods(question: str) -> list[tuple[dt.date, dt.date]]:
    """Date ranges a question names: "May 2024" → May 2024; "in 2019" → the year 2019."""
    if ("19" not in question and "20" not in question) or not _YEAR.search(question):
        return []  # most questions name no year (the substring checks cost less than a search)
    periods = []
    for month, year in _MONTH_YEAR.findall(question):
        start = dt.date(int(year), _MONTHS[month.lower()], 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        periods.append((start, end + DATE_GRACE))
    if not periods:
        for year in _YEAR.findall(question):
            periods.append((dt.date(int(year), 1, 1), dt.date(int(year), 12, 31) + DATE_GRACE))
    return periods


TermInfo = tuple[int, float, int]  # a term's (id, weight in a question, ``term_hash``)
NOT_IN_USE: TermInfo = (-1, 0.0, 0)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """How the ranking reads a question."""

    term_ids: list[int]
    boosts: list[float]
    phrase_ids: list[int]
    terms: frozenset[str]  # analysed terms that matter for marking and coverage
    weight_of: dict[str, float]  # term → IDF weight used for coverage and best sentence
    unknown: int  # question terms found nowhere in the content
    periods: list[tuple[dt.date, dt.date]]  # dates the question names
    asks_quantity: bool  # "how much…": passages stating an amount answer it


class QueryReader:
    """Reads questions against one index's vocabulary (its typo fixes remembered)."""

    def __init__(
        self,
        vocab_list: list[str],
        vocab: dict[str, int],
        idf: np.ndarray,
        body_df: np.ndarray,
        in_use: list[bool],
        typo_weight: float,
        part_weight: float = 1.0,
        language: English | None = None,
        language_words: float = LANGUAGE_WORDS,
        language_gap: float = LANGUAGE_GAP,
    ) -> None:
        self.vocab_list = vocab_list
        self.idf = idf
        self.vocab = vocab
        self.body_df = body_df
        self.in_use = in_use
        self.typo_weight = typo_weight
        self.part_weight = part_weight
        # A word English (``language``) uses at this Zipf frequency or more is no typo (0, or no
        # ``language``: every unknown word may be one), unless one edit from a word of the site
        # ``language_gap`` more common. ``SearchIndex`` gives every reader ``english.ENGLISH``
        # (issue 10, round 23: 3.3 declined 3 more unanswerable training questions, 1 more
        # answerable one, moved no ranking or headline).
        self.language = language
        self.language_words = language_words if language is not None else 0.0
        self.language_gap = language_gap
        # Per term, as Python values: a question looks up a handful, where numpy scalars cost.
        # The rarest word's weight: what an unseen word weighs, and a word in no passage's text
        # (only in titles, headings or summaries), whose IDF of 0 (``bm25.okapi_idf``) says
        # nothing of its rarity. Not floored at 1: on a site of a few passages every word
        # weighs under 1, and an unseen one ("long" in "how long…") would outweigh the
        # question's words the site holds (a real site's rarest words weigh far more than 1).
        rarest = max(float(idf.max()) if len(idf) else 1.0, 0.1)
        weight = np.where(body_df[: len(idf)] > 0, np.maximum(idf, 0.1), rarest)
        self.term_weight: list[float] = weight.tolist()  # a word's weight
        self.idf_max = rarest
        self._spelling: dict[int, list[str]] | None = None  # made on the first unknown word
        self._typo_cache: dict[str, list[str]] = {}
        self._language: dict[str, bool] = {}  # see ``is_language_word``
        self._terms: dict[str, TermInfo] = {}  # see ``term``

    def with_language_words(
        self, language: English | None, at: float = LANGUAGE_WORDS, gap: float = LANGUAGE_GAP
    ) -> QueryReader:
        """A reader of the same index reading words against ``language`` (None: off, as
        before round 23), with ``language_words`` at ``at`` (0: off) and ``language_gap`` at
        ``gap``, its caches fresh (for measuring and tests)."""
        return QueryReader(
            self.vocab_list,
            self.vocab,
            self.idf,
            self.body_df,
            self.in_use,
            self.typo_weight,
            self.part_weight,
            language,
            at,
            gap,
        )

    def term(self, term: str) -> TermInfo:
        """What a question needs of a term (``NOT_IN_USE`` if no passage has it), remembered:
        one look-up for the next question with it instead of four, each a likely cache miss
        in a busy process."""
        known = self._terms.get(term)
        if known is not None:
            return known
        i = self.vocab.get(term)
        info = (
            (i, self.term_weight[i], term_hash(term))
            if i is not None and self.in_use[i]
            else NOT_IN_USE
        )
        if len(self._terms) > 100_000:  # questions bring new words: keep it bounded
            self._terms.clear()
        self._terms[term] = info
        return info

    def parts_of_names(self, question: str) -> set[str]:
        """The question's terms that are only parts of a compound name it uses ("gpt" and "3" of
        "GPT-3"), where the content knows the name itself: searched beside the name, they
        would count one word of the question three times, and a passage holding "3" anywhere
        would rank as if it named the thing. A part the question also uses on its own, and
        the parts of a name the content lacks (all there is to search), count in full."""
        if self.part_weight == 1.0 or ("-" not in question and not _HAS_DIGIT.search(question)):
            return set()  # (most questions have no compound name)
        parts: set[str] = set()
        alone: set[str] = set()
        for word in words(question):
            of_name = name_parts(word)
            if of_name and self.term(term_for_word(word)[0])[0] >= 0:
                parts.update(of_name)
            else:
                alone.update(term_for_word(word))
        return parts - alone

    def plan(self, question: str) -> QueryPlan:
        terms = list(dict.fromkeys(analyze(question)))
        parts = self.parts_of_names(question)
        ids: list[int] = []
        boosts: list[float] = []
        weight_of: dict[str, float] = {}
        hashes: list[int] = []  # of the terms kept, in order (for adjacent pairs)
        unknown = 0
        surface: dict[str, str] | None = None  # term → the question's word it came from
        for term in terms:
            i, weight, hashed = self.term(term)
            if i >= 0:
                boost = self.part_weight if term in parts else 1.0
                ids.append(i)
                boosts.append(boost)
                weight_of[term] = weight * boost
                hashes.append(hashed)
                continue
            if surface is None:
                surface = {t: w for w in words(question) for t in term_for_word(w)}
            word = surface.get(term, "")
            if self.language_words and word in FUSED_STOPWORDS:
                continue
            if self.is_language_word(word):  # a word of the language is no typo
                fixes: list[str] = []
            else:
                fixes = self.typo_fixes(term) or self.word_typo_fixes(word)
            if not fixes:
                unknown += 1
                weight_of[term] = self.idf_max  # an unseen word is as telling as the rarest
                continue
            boost = self.typo_weight / len(fixes)  # two guesses share one word's weight
            for fix in fixes:
                j, weight, hashed = self.term(fix)
                ids.append(j)
                boosts.append(boost)
                weight_of[fix] = weight * boost
                hashes.append(hashed)
        return QueryPlan(
            term_ids=ids,
            boosts=boosts,
            phrase_ids=pair_ids(hashes),
            terms=frozenset(weight_of),
            weight_of=weight_of,
            unknown=unknown,
            periods=question_periods(question),
            asks_quantity=bool(ASKS_QUANTITY.search(question)),
        )

    def has_unknown_word(self, plan: QueryPlan) -> bool:
        """Whether the question has a word found nowhere in the content (and no typo of one).
        (Pasted junk, a "word" too long to be one, tells nothing of the topic.)"""
        return bool(plan.unknown) and any(
            len(t) <= MAX_TYPO_WORD and self.term(t)[0] < 0 for t in plan.weight_of
        )

    def is_language_word(self, word: str) -> bool:
        """Whether ``word``, which the content lacks, is a word of the language, not a typo
        (``language_words``): "taxes" is no misspelling of "takes", nor "Lagos" of "lag". Unless
        a word one edit away is the site's and far more common in English (``language_gap``):
        a misspelling the list happens to hold ("teh") is still corrected."""
        if self.language is None or not self.language_words or not word.isalpha():
            return False
        known = self._language.get(word)
        if known is not None:
            return known
        found = self.language.zipf(word)
        real = found >= self.language_words and not any(
            self.term(t)[0] >= 0 and self.body_df[self.vocab[t]] >= MIN_FIX_DF
            for w in self.language.listed(one_edit_away(word), found + self.language_gap)
            for t in term_for_word(w)
        )
        if len(self._language) > 10_000:  # questions bring new words: keep it bounded
            self._language.clear()
        self._language[word] = real
        return real

    def typo_fixes(self, term: str) -> list[str]:
        """Nearest vocabulary terms for an unknown word: edit distance 1 (2 for long words)."""
        if not 4 <= len(term) <= MAX_TYPO_WORD or not term.isalpha():
            return []
        cached = self._typo_cache.get(term)
        if cached is not None:
            return cached
        max_dist = 1 if len(term) < 8 else 2
        # Only words of about the same length can be within the distance.
        spelling = self._words_by_length()
        candidates = [
            word
            for n in range(len(term) - max_dist, len(term) + max_dist + 1)
            for word in spelling.get(n, ())
        ]
        # (rapidfuzz imported here: most questions have no unknown word, and a process that
        # answers one, ``briefbot ask``, then spares its 3 MB)
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        found = process.extract(
            term, candidates, scorer=Levenshtein.distance, score_cutoff=max_dist, limit=None
        )
        # Nearest first; among equals the more common word, then alphabetical (deterministic).
        ranked = sorted(found, key=lambda f: (f[1], -int(self.body_df[self.vocab[f[0]]]), f[0]))
        fixes = [word for word, dist, _ in ranked if dist == ranked[0][1]][:2] if ranked else []
        return self._remember_fixes(term, fixes)

    def _words_by_length(self) -> dict[int, list[str]]:
        """The words typos are corrected to, by length: words in use in a few passages; not
        words of removed posts, nor one-off words (an unknown name is likelier another name than
        a typo of those). Made when first needed: a reindex need not wait for it."""
        if self._spelling is None:
            spelling: dict[int, list[str]] = {}
            usable = (self.body_df >= MIN_FIX_DF).tolist()
            for t, ok in zip(self.vocab_list, usable, strict=True):
                if ok and t.isalpha() and len(t) >= 3:
                    spelling.setdefault(len(t), []).append(t)
            self._spelling = spelling
        return self._spelling

    def word_typo_fixes(self, word: str) -> list[str]:
        """Vocabulary terms of the words one edit away from a misspelt word, most common first.

        Where ``typo_fixes`` compares stems, this edits the word as typed: a typo can keep the
        stemmer from stripping a suffix ("clssifier" stays whole, "classifier" → "classifi"), so
        the misspelt stem can be several edits from the right one although the word is one.
        """
        if not 4 <= len(word) <= MAX_TYPO_WORD or not word.isascii() or not word.isalpha():
            return []
        key = "\0" + word  # cached alongside the stem-level fixes
        cached = self._typo_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, int] = {}
        for term in terms_of_plain_words(list(one_edit_away(word))):
            i = self.vocab.get(term)
            if i is not None and self.body_df[i] >= MIN_FIX_DF:  # (so in use, too)
                found[term] = int(self.body_df[i])
        fixes = sorted(found, key=lambda t: (-found[t], t))[:2]
        return self._remember_fixes(key, fixes)

    def _remember_fixes(self, key: str, fixes: list[str]) -> list[str]:
        if len(self._typo_cache) > 10_000:  # questions bring new words: keep it bounded
            self._typo_cache.clear()
        self._typo_cache[key] = fixes
        return fixes
