"""Word associations learned from the site's own structure: which words a passage holds when
its heading (or its post's title and summary) holds another.

A paraphrased question ("what went wrong with the media coverage of …") shares few words with
the passage that answers it. The site pairs question-like text with the text it introduces,
with no labels needed: a section's (a digest item's) heading against its text, and a post's
title and summary against its first passage. Over these pairs, a heading-side word ``w`` and a
text-side word ``v`` are associated by their normalised pointwise mutual information (how much
more often they meet in a pair than chance, scaled to [-1, 1]), kept when they meet in at least
``MIN_PAIRS`` pairs, for the ``TOP`` strongest per word. A word is never its own associate (the
literal match is the rest of the ranking's business); words in more than ``MAX_SHARE`` of the
pairs on their side (the site's section names, "news", "week") are no evidence of a topic.

The text side is read sentence by sentence without the site's boilerplate lines
(``boilerplate``): a digest template's unfilled line ("one paragraph summary", under 184
items of 78 posts) made "paragraph" the associate of 83 words.

Built from the index's term counts (``IndexData``), the same stems, in one vectorised pass
(a sparse product, in blocks of heading-side words, the pairs read in chunks, so that its
temporaries stay bounded on a large site); derived, not stored: an index (and every reindex)
makes its own from its statistics, when a model first reads it (``passage_scorer``'s
``assoc``, not in the shipped model: bench/README.md, issue 10 round 20) or at ``warm``.
``python -m bench.associations``: 0.16 s at 1x, 1.8 s and a 150 MB peak at 10x (2-3 % of
the cold index build); the table 0.2-0.7 MB. Pure array code: no I/O, no text processing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .boilerplate import HASH_TYPE, recurring
from .fields import IndexData
from .term_counts import FieldCounts

MIN_PAIRS = 3  # pairs two words must meet in (fewer: chance)
MAX_SHARE = 0.05  # a word in more of its side's pairs than this is the site's boilerplate
TOP = 8  # associates kept per word
MIN_STRENGTH = 0.2  # normalised PMI below this: no association
BLOCK = 1024  # heading-side words per block of the co-occurrence product
CHUNK = 20_000  # documents read at a time


Side = tuple[np.ndarray, np.ndarray]  # one side of the pairs: (pair, term) arrays


def _distinct(keys: np.ndarray) -> np.ndarray:
    """``keys`` sorted (in place), each once (``np.unique`` hashes: slower here)."""
    keys.sort()
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def _keys(field: FieldCounts, docs: np.ndarray, rows: np.ndarray, n_terms: int) -> np.ndarray:
    """The terms of documents ``docs`` as pair ``rows[i]``'s (of ``docs[i]``), each as one key
    (pair × ``n_terms`` + term), read ``CHUNK`` documents at a time: at 10x a side holds
    millions of pairs, and whole temporaries of them took 250 MB."""
    out = [np.zeros(0, np.int64)]
    for a in range(0, len(docs), CHUNK):
        terms, _, row = field.pairs(np.asarray(docs[a : a + CHUNK], np.int64))
        keys = rows[a : a + CHUNK][row].astype(np.int64) * n_terms + terms
        out.append(_distinct(keys))
    return np.concatenate(out)


def _side(keys: list[np.ndarray], n_terms: int) -> Side:
    """One side of the pairs from ``_keys``: each pair's terms once, sorted by pair then term
    (pair and term ids as int32)."""
    joined = _distinct(np.concatenate(keys))
    return (joined // n_terms).astype(np.int32), (joined % n_terms).astype(np.int32)


@dataclass(frozen=True, slots=True)
class Associations:
    """Per heading-side term (CSR): its associates, strongest first, and their strengths
    (normalised PMI, in (``MIN_STRENGTH``, 1])."""

    ptr: np.ndarray  # int64, n_terms + 1
    neighbours: np.ndarray  # int32
    strength: np.ndarray  # float32

    @property
    def n_terms(self) -> int:
        return len(self.ptr) - 1

    def of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """A term's associates and their strengths (empty for a term the site never paired)."""
        if not 0 <= term < self.n_terms:
            return self.neighbours[:0], self.strength[:0]
        a, b = int(self.ptr[term]), int(self.ptr[term + 1])
        return self.neighbours[a:b], self.strength[a:b]

    def table(self, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The associates of ``terms`` back to back: (associate, strength, index in
        ``terms``)."""
        terms = np.asarray(terms, np.int64)
        inside = (terms >= 0) & (terms < self.n_terms)
        at = np.flatnonzero(inside)
        lo, hi = self.ptr[terms[at]], self.ptr[terms[at] + 1]
        lengths = hi - lo
        which = np.repeat(at, lengths)
        begins = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(lo - begins, lengths)
        return self.neighbours[positions], self.strength[positions], which

    @classmethod
    def empty(cls, n_terms: int = 0) -> Associations:
        return cls(np.zeros(n_terms + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))

    @classmethod
    def learn(
        cls,
        data: IndexData,
        min_pairs: int = MIN_PAIRS,
        max_share: float = MAX_SHARE,
        top: int = TOP,
        min_strength: float = MIN_STRENGTH,
        titles: bool = True,
    ) -> Associations:
        """The associations of ``data``'s heading/text and (with ``titles``) title +
        summary/first-passage pairs."""
        n_terms = len(data.vocab)
        f = data.fields
        heading, sentence = f["heading"], f["sentence"]
        n_passages = data.n_passages
        # Passages under a heading: the heading against the text; posts: their title and
        # summary against their first passage. The text is read sentence by sentence, the
        # site's boilerplate lines left out (a digest template's unfilled "one paragraph
        # summary", under 184 items' headings, made "paragraph" their associate).
        headed = _headed(heading, n_passages)
        n_posts = len(data.post_ids) if titles else 0
        if not len(headed) and not n_posts:
            return cls.empty(n_terms)
        posts = np.arange(n_posts, dtype=np.int64)
        n_headed = len(headed)
        first_passage = np.concatenate([[0], np.cumsum(data.passage_counts, dtype=np.int64)])
        passage_of = np.repeat(
            np.arange(n_passages, dtype=np.int64), np.asarray(data.sentence_counts, np.int64)
        )
        hashes = np.asarray(data.sentence_hashes, HASH_TYPE)
        shown = ~(np.isin(hashes | 1, recurring(hashes, len(data.post_ids))) & (hashes != 0))
        # Each shown sentence's pair: its passage's place among the headed ones, and its post
        # (when its passage is the post's first).
        at = np.minimum(np.searchsorted(headed, passage_of), max(n_headed - 1, 0))
        in_headed = shown & (headed[at] == passage_of) if n_headed else np.zeros_like(shown)
        post_of = np.searchsorted(first_passage, passage_of, side="right") - 1
        in_first = shown & (first_passage[post_of] == passage_of) & (post_of < n_posts)

        width = max(n_terms, 1)
        query = _side(
            [
                _keys(heading, headed, np.arange(n_headed), width),
                _keys(f["title"], posts, n_headed + posts, width),
                _keys(f["summary"], posts, n_headed + posts, width),
            ],
            width,
        )
        on_heading, on_first = np.flatnonzero(in_headed), np.flatnonzero(in_first)
        text = _side(
            [
                _keys(sentence, on_heading, at[on_heading], width),
                _keys(sentence, on_first, n_headed + post_of[on_first], width),
            ],
            width,
        )
        return _associations(
            query,
            text,
            n_headed + n_posts,
            n_terms,
            min_pairs,
            max_share,
            top,
            min_strength,
        )


def _headed(heading: FieldCounts, n_passages: int) -> np.ndarray:
    """The passages whose heading holds a term."""
    if not n_passages:
        return np.zeros(0, np.int64)
    _, _, row = heading.pairs(np.arange(n_passages, dtype=np.int64))
    return np.unique(row).astype(np.int64)


def _associations(
    query: Side,
    text: Side,
    n_pairs: int,
    n_terms: int,
    min_pairs: int,
    max_share: float,
    top: int,
    min_strength: float,
) -> Associations:
    """``Associations`` of ``n_pairs`` pairs, each side given as (pair, term) arrays sorted by
    pair (``_side``)."""
    if not n_pairs:
        return Associations.empty(n_terms)
    from scipy.sparse import csr_array  # (only where a table is learned: ``postings``' reason)

    q_df = np.bincount(query[1], minlength=n_terms)
    t_df = np.bincount(text[1], minlength=n_terms)
    limit = max(max_share * n_pairs, min_pairs)
    q_ok = (q_df >= min_pairs) & (q_df <= limit)
    t_ok = (t_df >= min_pairs) & (t_df <= limit)
    q_rows, q_terms = query[0][q_ok[query[1]]], query[1][q_ok[query[1]]]
    t_rows, t_terms = text[0][t_ok[text[1]]], text[1][t_ok[text[1]]]
    # Heading-side terms × pairs, and pairs × text-side terms (sorted by pair: built whole).
    by_term = csr_array(
        (np.ones(len(q_terms), np.float32), (q_terms, q_rows)), shape=(n_terms, n_pairs)
    )
    t_ptr = np.zeros(n_pairs + 1, np.int64)
    np.cumsum(np.bincount(t_rows, minlength=n_pairs), out=t_ptr[1:])
    by_pair = csr_array(
        (np.ones(len(t_terms), np.float32), t_terms, t_ptr), shape=(n_pairs, n_terms)
    )
    del q_rows, t_rows, t_terms
    heads = np.unique(q_terms)
    rows, cols, vals = [], [], []
    for start in range(0, len(heads), BLOCK):
        block = heads[start : start + BLOCK]
        met = (by_term[block] @ by_pair).tocoo()  # this block's heading terms × text terms
        keep = met.data >= min_pairs
        w, v, c = block[met.row[keep]], met.col[keep].astype(np.int64), met.data[keep]
        keep = w != v  # a word is not its own associate
        w, v, c = w[keep], v[keep], c[keep].astype(np.float64)
        joint = c / n_pairs
        pmi = np.log(joint / ((q_df[w] / n_pairs) * (t_df[v] / n_pairs)))
        # (joint < 1 always: a word in every pair is past ``limit``)
        npmi = pmi / -np.log(joint)
        keep = npmi > min_strength
        rows.append(w[keep])
        cols.append(v[keep])
        vals.append(npmi[keep])
    w = np.concatenate([np.zeros(0, np.int64), *rows])
    v = np.concatenate([np.zeros(0, np.int64), *cols])
    s = np.concatenate([np.zeros(0), *vals])
    # The strongest ``top`` per word (ties: the lower term id), deterministic.
    order = np.lexsort((v, -s, w))
    w, v, s = w[order], v[order], s[order]
    starts = np.searchsorted(w, w, side="left")
    keep = np.arange(len(w)) - starts < top
    w, v, s = w[keep], v[keep], s[keep]
    ptr = np.zeros(n_terms + 1, np.int64)
    np.cumsum(np.bincount(w, minlength=n_terms), out=ptr[1:])
    return Associations(ptr, v.astype(np.int32), s.astype(np.float32))
