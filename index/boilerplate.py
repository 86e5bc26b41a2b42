"""Site boilerplate: sentences that recur verbatim in many posts of the site.

A site repeats lines in post after post: a footer ("Copyright © 2022 …, All rights reserved."),
a sign-off ("That's all for this week!"), a call to subscribe, a template's placeholder left in
("one paragraph summary"), the fixed section headings of a digest. They hold no answer, yet they
match questions' words ("week", "subscribe") and take the places of evidence: boilerplate is never
a headline sentence nor shown in a snippet (``extraction``). Ranking is left as it is: scoring
boilerplate sentences as no sentence evidence, and passages of nothing else as no evidence at all,
changed no figure of the tuning sets (their words are common, so they weigh little already).

What recurs is worked out from the indexed corpus, not from a list of phrases: each sentence
document of the index keeps a hash of its normalised text (``IndexData.sentence_hashes``: case,
spacing, punctuation and digits left out, so "© 2021" and "© 2022" are one line), stored per
post with the other statistics and updated with them by a reindex; a sentence found in at
least ``threshold(n_posts)`` posts is boilerplate. Counting is one sort over the hashes (numpy),
done when an index is built or follows a reindex: a few milliseconds per 100,000 sentences.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable

import numpy as np

# A sentence in this share of the posts, and in at least MIN_POSTS of them, is boilerplate.
# The share scales with the site (each post copied ten times, a real sentence recurs ten times,
# a footer hundreds); the floor keeps a small site's few retellings of one story (a brief, its
# digest item, a yearly review: two to four posts) out of it. On Skynet Today (439 posts) the
# line falls at 9 posts: the footer, sign-offs, podcast and subscribe lines, the placeholder and
# the digests' fixed headings recur in 9 to 211 posts; below, a quoted byline (9) and a few
# headings, the month names of one timeline (3 or 4), nothing that answers.
SHARE = 0.02
MIN_POSTS = 5

_WORD = re.compile(r"[^\W\d_]+|\d+")
_LETTER = re.compile(r"[^\W\d_]")
HASH_TYPE = np.dtype(np.uint64)


def normalised(sentence: str) -> str:
    """``sentence`` as compared: lower-cased, its words (letters, or digits as "0") joined by
    single spaces; empty when it has no letter (a year or a page number alone is no line of a
    template, and would match every other number)."""
    if not _LETTER.search(sentence):
        return ""
    return " ".join("0" if w[0].isdigit() else w for w in _WORD.findall(sentence.casefold()))


def sentence_hash(sentence: str) -> int:
    """A stable 64-bit hash of ``normalised(sentence)`` (the same in every process and run);
    0 for a sentence that is never boilerplate."""
    text = normalised(sentence)
    if not text:
        return 0
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return value or 1


def threshold(n_posts: int) -> int:
    """In how many posts a sentence must recur to be boilerplate."""
    return max(MIN_POSTS, math.ceil(SHARE * n_posts))


def recurring(hashes: np.ndarray, sentence_post: np.ndarray, n_posts: int) -> np.ndarray:
    """The hashes (sorted, unique) found in at least ``threshold(n_posts)`` distinct posts, given
    each sentence's hash and its post's number (``sentence_post``)."""
    hashes = np.asarray(hashes, HASH_TYPE)
    if not len(hashes) or n_posts < MIN_POSTS:
        return np.zeros(0, HASH_TYPE)
    order = np.lexsort((sentence_post, hashes))
    h, p = hashes[order], sentence_post[order]
    # One per (hash, post): a line repeated within one post counts once.
    first = np.ones(len(h), bool)
    first[1:] = (h[1:] != h[:-1]) | (p[1:] != p[:-1])
    values, counts = np.unique(h[first], return_counts=True)
    found = values[(counts >= threshold(n_posts)) & (values != 0)]
    return found.astype(HASH_TYPE)


class Boilerplate:
    """The site's boilerplate sentences (their hashes): ``sentence in boilerplate``."""

    __slots__ = ("_set", "hashes")

    def __init__(self, hashes: Iterable[int] = ()) -> None:
        self.hashes = np.unique(np.fromiter(hashes, HASH_TYPE))
        self._set = frozenset(self.hashes.tolist())

    @classmethod
    def of(
        cls, sentence_hashes: np.ndarray, passage_counts: np.ndarray, sentence_counts: np.ndarray
    ) -> Boilerplate:
        """The boilerplate of an index: its sentence documents' hashes, its posts' passage
        counts and its passages' sentence counts (``IndexData``)."""
        passage_post = np.repeat(np.arange(len(passage_counts)), passage_counts)
        sentence_post = np.repeat(passage_post, sentence_counts)
        return cls(recurring(sentence_hashes, sentence_post, len(passage_counts)))

    def __contains__(self, sentence: object) -> bool:
        if not self._set or not isinstance(sentence, str):
            return False
        return sentence_hash(sentence) in self._set

    def __len__(self) -> int:
        return len(self._set)
