"""Text → index terms: Unicode-aware, case-folded, stopwords removed, Snowball-stemmed.

The same analyzer runs over posts and questions, so whatever it does to one it does to the other.
Numbers and hyphenated names survive: "GPT-3" gives the name ``gpt3`` plus its parts ``gpt`` and
``3``, and so do "GPT3" and (as parts and a phrase) "GPT 3", however a post spells it;
"$150 billion" gives ``150`` and ``billion``; "1,000" gives ``1000``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import chain

import Stemmer

# Snowball's English stopword list (snowballstem.org/algorithms/english/stop.txt), plus the
# contraction fragments left after splitting on apostrophes.
STOPWORDS: frozenset[str] = frozenset(
    [
        "i",
        "me",
        "my",
        "myself",
        "we",
        "our",
        "ours",
        "ourselves",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "he",
        "him",
        "his",
        "himself",
        "she",
        "her",
        "hers",
        "herself",
        "it",
        "its",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "themselves",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "would",
        "should",
        "could",
        "ought",
        "i'm",
        "you're",
        "he's",
        "she's",
        "it's",
        "we're",
        "they're",
        "i've",
        "you've",
        "we've",
        "they've",
        "i'd",
        "you'd",
        "he'd",
        "she'd",
        "we'd",
        "they'd",
        "i'll",
        "you'll",
        "he'll",
        "she'll",
        "we'll",
        "they'll",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "hasn't",
        "haven't",
        "hadn't",
        "doesn't",
        "don't",
        "didn't",
        "won't",
        "wouldn't",
        "shan't",
        "shouldn't",
        "can't",
        "cannot",
        "couldn't",
        "mustn't",
        "let's",
        "that's",
        "who's",
        "what's",
        "here's",
        "there's",
        "when's",
        "where's",
        "why's",
        "how's",
        "a",
        "an",
        "the",
        "and",
        "but",
        "if",
        "or",
        "because",
        "as",
        "until",
        "while",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "s",
        "t",
        "can",
        "will",
        "just",
        "don",
        "now",
        "d",
        "ll",
        "m",
        "o",
        "re",
        "ve",
        "y",
        "ain",
    ]
)


def _mark_ranges() -> str:
    """A regex class body of the combining marks in the BMP (Python's \\w leaves them out)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in ranges)


# A token is a run of word characters joined by hyphens, apostrophes, or (in numbers and acronyms)
# dots and commas; _analyze_word sorts out which. \w is Unicode-aware ("Schrödinger", "東京").
# One simple pattern is markedly faster than alternatives spelled out in the regex.
# Combining marks, which \w leaves out, belong to the word they follow: Devanagari vowel signs
# ("हिन्दी"), the dot of a case-folded "İ", accents of text in decomposed (NFD) form.
# Possessive quantifiers: a run of word characters never has to give any back (what may follow it
# is never a word character), so the engine need not keep backtracking points.
_W = rf"\w[\w{_mark_ranges()}]*+"
_TOKEN_RE = re.compile(rf"{_W}(?:[-'’.,]{_W})*+")
# The same on case-folded ASCII text (no capitals, no marks, no "’"), where a plain class is faster.
_ASCII_TOKEN_RE = re.compile(r"[0-9a-z_]++(?:[-'.,][0-9a-z_]++)*+")
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
_LETTERS_DIGITS = re.compile(r"[^\d_]+|\d+")  # letters (with their marks) | digits

_stemmer = Stemmer.Stemmer("english")
_stemmer.maxCacheSize = 0  # we memoise whole words below, which is cheaper than its cache

_CACHE_LIMIT = 500_000


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    # Casefold again: compatibility forms may decompose to capitals ("ℌ" → "H").
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _useful_part(part: str) -> bool:
    return (len(part) > 1 or part.isdigit()) and part not in STOPWORDS


def _analyze_word(word: str) -> tuple[str, ...]:
    """Terms for one surface word (already case-folded)."""
    if word.isalpha() and word.isascii():  # most words: what the general path below gives them
        return () if word in STOPWORDS else (_stemmer.stemWord(word),)
    word = word.replace("’", "'")
    if not word.isascii():
        word = _strip_accents(word)
        if not _TOKEN_RE.fullmatch(word):  # a compatibility form may spell out several words
            return tuple(t for w in _TOKEN_RE.findall(word) for t in _terms_for(w))
    if word[0].isdigit():
        word = _THOUSANDS_RE.sub("", word)
    elif "." in word or "," in word:
        pieces = [p for p in re.split(r"[.,]", word) if p]
        if all(len(p) == 1 for p in pieces):  # an acronym: "u.s" → "us"
            word = "".join(pieces)
        else:  # words run together at a missing space: "end.start"
            return tuple(t for p in pieces for t in _terms_for(p))
    if word.endswith("'s"):
        word = word[:-2]
    if "-" not in word:
        if not word or word in STOPWORDS:
            return ()
        if "'" in word:  # "o'brien" → obrien; other contractions were stopwords
            word = word.replace("'", "")
        if word[0].isdigit():
            return (word.rstrip(".,"),)
        if not word.isalpha():
            parts = _LETTERS_DIGITS.findall(word)
            if len(parts) > 1:  # "gpt3", "covid19", "h100": the name, then its parts
                return (word, *(p for p in parts if _useful_part(p)))
        return (_stemmer.stemWord(word),)
    parts = [p.replace("'", "") for p in word.split("-") if p]
    stems = [p if not p.isalpha() else _stemmer.stemWord(p) for p in parts]
    kept = [s for p, s in zip(parts, stems, strict=True) if _useful_part(p)]
    if len(parts) < 2:
        return tuple(kept)
    # The whole name first, spelt without hyphens ("gpt3", "stateoftheart"), then its parts.
    return ("".join(parts), *kept)


class _TermCache(dict[str, tuple[str, ...]]):
    """Surface word → the terms it yields, computed on first lookup.

    Text has a small vocabulary (tens of thousands of distinct words) but millions of running
    words, so memoising per word is what makes analysis fast. A dict with ``__missing__`` lets
    ``analyze`` look every word up with ``map`` at C speed; only new words run Python code.
    """

    __slots__ = ()

    def __missing__(self, word: str) -> tuple[str, ...]:
        terms = _analyze_word(word)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[word] = terms
        return terms


_cache = _TermCache()
_terms_for = _cache.__getitem__


def words(text: str) -> list[str]:
    """The surface words of ``text``, case-folded, URLs removed (they are not words)."""
    if (":" in text and "://" in text) or "www." in text:
        text = _URL_RE.sub(" ", text)
    text = text.casefold()
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(text)
    text = unicodedata.normalize("NFC", text)  # "e" + U+0301 → "é", as most text spells it
    return _TOKEN_RE.findall(text)


def analyze(text: str) -> list[str]:
    """Index terms of ``text``, in order (so adjacent terms can form phrases)."""
    return list(chain.from_iterable(map(_terms_for, words(text))))


def analyze_many(texts: Iterable[str]) -> list[list[str]]:
    return [analyze(t) for t in texts]


def term_for_word(word: str) -> tuple[str, ...]:
    """The terms a single surface word yields (used by typo correction and highlighting)."""
    return _terms_for(word.casefold())


def name_parts(word: str) -> tuple[str, ...]:
    """The parts among a compound name's terms: "GPT-3" → ("gpt", "3"), "self-driving" →
    ("self", "drive"), "covid19" → ("covid", "19"); () for any other word. ``analyze`` gives
    such a word its whole name first and then its parts, so that "GPT-3", "GPT3" and "GPT 3"
    find each other; a question weighing each of them as a word would count one word three
    times (see ``QueryReader.plan``)."""
    terms = term_for_word(word)
    if len(terms) < 2:
        return ()
    folded = word.casefold().replace("’", "'")
    if not folded.isascii():
        folded = _strip_accents(folded)
    if folded.endswith("'s"):
        folded = folded[:-2]
    # (Words run together at a missing full stop, "end.start", give terms that are no name.)
    joined = folded.replace("-", "").replace("'", "")
    return terms[1:] if terms[0] == joined else ()


def terms_of_plain_words(words: list[str]) -> list[str]:
    """The terms of lower-case a–z words, as ``term_for_word`` gives them (a stem each, nothing
    for a stopword), in one batch and without memoising them: typo correction tries hundreds
    of spellings that are not words."""
    return _stemmer.stemWords([w for w in words if w not in STOPWORDS])
