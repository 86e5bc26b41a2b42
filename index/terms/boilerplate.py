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
spaces and digits left out, so "© 2021" and "© 2022" are one line; a line's repeats within a
post as 0), stored per post with the other statistics and updated with them by a reindex (a
changed post's hashes are its own: nothing else is read again); a sentence found in at least
``threshold(n_posts)`` posts is boilerplate. Counting is one sort over the hashes (numpy), done
when an index is built, loaded or follows a reindex: 3 ms at our site's size, 30 ms at ten times.
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

_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
HASH_TYPE = np.dtype(np.uint64)


def normalised(sentence: str) -> str:
    """``sentence`` as compared: lower-cased, every digit a "0", without spaces ("© 2021" and
    "©2022" alike); empty when it has no letter (a year or a page number alone is no line of a
    template, and would match every other number). (Cheap: it runs on every sentence indexed.)"""
    if not _LETTER.search(sentence):
        return ""
    return "".join(_DIGIT.sub("0", sentence.casefold()).split())


def sentence_hash(sentence: str) -> int:
    """A stable 64-bit hash of ``normalised(sentence)`` (the same in every process and run), odd;
    0 for a sentence that is never boilerplate."""
    text = normalised(sentence)
    if not text:
        return 0
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") | 1


def post_hashes(sentences: Iterable[str]) -> list[int]:
    """One post's sentences' hashes, in order, a line's repeats within the post made even (its
    hash less one): a line is counted once per post (a digest's "Related:" under each item is
    not a hundred posts'), and each repeat is still known as that line (``passages``)."""
    seen: set[int] = set()
    out = []
    for sentence in sentences:
        h = sentence_hash(sentence)
        out.append(h - 1 if h and h in seen else h)
        seen.add(h)
    return out


def threshold(n_posts: int) -> int:
    """In how many posts a sentence must recur to be boilerplate."""
    return max(MIN_POSTS, math.ceil(SHARE * n_posts))


def recurring(hashes: np.ndarray, n_posts: int) -> np.ndarray:
    """The hashes (sorted, unique) found in at least ``threshold(n_posts)`` posts, given every
    post's ``post_hashes`` (one sort: 30 ms for the 440,000 sentences of a site ten times ours)."""
    hashes = np.asarray(hashes, HASH_TYPE)
    if not len(hashes) or n_posts < MIN_POSTS:
        return np.zeros(0, HASH_TYPE)
    values, counts = np.unique(hashes[(hashes & 1) == 1], return_counts=True)  # (firsts only)
    return values[counts >= threshold(n_posts)]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, without its check for a masked array: numpy 2's ``unique``
    imports ``numpy.ma`` for it (1.3 MB of a one-shot ``briefbot ask``'s peak, at load)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


class Boilerplate:
    """The site's boilerplate sentences (their hashes): ``sentence in boilerplate``."""

    __slots__ = ("_set", "hashes")

    def __init__(self, hashes: Iterable[int] = ()) -> None:
        self.hashes = sorted_unique(np.fromiter(hashes, HASH_TYPE))
        self._set = frozenset(self.hashes.tolist())

    @classmethod
    def of(cls, sentence_hashes: np.ndarray, n_posts: int) -> Boilerplate:
        """The boilerplate of an index: its sentence documents' ``post_hashes``, of ``n_posts``
        posts (``IndexData``)."""
        return cls(recurring(sentence_hashes, n_posts).tolist())

    def passages(self, sentence_hashes: np.ndarray, sentence_counts: np.ndarray) -> np.ndarray:
        """Which passages hold a boilerplate sentence, given each sentence document's
        ``post_hashes`` and each passage's count of them (``IndexData``): only their sentences
        need looking up when an answer shows them."""
        if not self._set:
            return np.zeros(len(sentence_counts), bool)
        hashes = np.asarray(sentence_hashes, HASH_TYPE)
        found = np.isin(hashes | 1, self.hashes) & (hashes != 0)
        passage = np.repeat(np.arange(len(sentence_counts)), sentence_counts)
        return np.bincount(passage, found, len(sentence_counts)) > 0

    def __contains__(self, sentence: object) -> bool:
        if not self._set or not isinstance(sentence, str):
            return False
        return sentence_hash(sentence) in self._set

    def __len__(self) -> int:
        return len(self._set)
