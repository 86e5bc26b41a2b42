"""The raw term statistics of one field (``TermCounts``): each document's terms and their counts.

This is what gets persisted and merged when posts change (documents grouped, selected,
concatenated, terms renumbered); BM25 weights are derived from it at load time (``bm25``).
After a reindex that kept most documents, a field is a ``KeptCounts``: the arrays it had
before, shared with the index before (never copied), the documents kept from them, and a
small tail of new documents, as the postings follow a reindex (``postings``). Readers go
through what both offer (``terms``, ``pairs``, ``span``, ``flat``).
Pure array code: no I/O, no text processing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

# Past this share of a field's documents added or dropped since its arrays were made whole,
# the next reindex makes them whole again (the dropped documents' pairs are dead weight).
MERGE_SHARE = 0.05


def concatenated_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions ``starts[i]:ends[i]`` back to back, and for each the ``i`` it came from."""
    lengths = ends - starts
    which = np.repeat(np.arange(len(starts), dtype=np.intp), lengths)
    # Position j of the output is starts[i] + (j - where range i begins in the output).
    begins = np.cumsum(lengths) - lengths
    positions = np.arange(len(which), dtype=np.int64) + (starts - begins)[which]
    return positions, which


def _runs(docs: np.ndarray) -> tuple[list[int], list[int]]:
    """Ascending document numbers as runs of consecutive ones: (starts, stops)."""
    if not len(docs):
        return [], []
    breaks = np.flatnonzero(np.diff(docs) != 1) + 1
    starts = docs[np.concatenate([[0], breaks])]
    stops = docs[np.concatenate([breaks - 1, [len(docs) - 1]])] + 1
    return starts.tolist(), stops.tolist()


def _unique_counts(
    keys: np.ndarray, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and, per key, how many there were (or the sum of ``counts``)."""
    if counts is None:
        return np.unique(keys, return_counts=True)
    distinct, inverse = np.unique(keys, return_inverse=True)
    totals = np.zeros(len(distinct), dtype=np.int64)
    np.add.at(totals, inverse, counts)
    return distinct, totals


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Raw statistics of one field: for each document, its terms and their counts (CSR by document).

    This is what gets persisted; BM25 weights are derived from it at load time.
    """

    doc_ptr: np.ndarray  # int64, n_docs + 1
    term_ids: np.ndarray  # int32, term of each (doc, term) pair
    counts: np.ndarray  # int32, occurrences of the term in the doc

    @property
    def n_docs(self) -> int:
        return len(self.doc_ptr) - 1

    @classmethod
    def from_docs(cls, docs: list[list[int]]) -> TermCounts:
        """Count term ids per document (documents given as lists of term ids, in any order)."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        flat = np.fromiter(
            itertools.chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum())
        )
        return cls.from_flat(flat, lengths)

    @classmethod
    def from_flat(cls, flat: np.ndarray, lengths: np.ndarray) -> TermCounts:
        """Like ``from_docs``, with all documents' term ids in one array and their lengths."""
        n_docs = len(lengths)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # Unique (doc, term) pairs with counts, ordered by doc then term.
        n_terms = int(flat.max()) + 1 if len(flat) else 1
        keys, counts = _unique_counts(doc_of * n_terms + flat)
        pair_doc = keys // n_terms
        doc_ptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_doc, minlength=n_docs), out=doc_ptr[1:])
        return cls(doc_ptr, (keys % n_terms).astype(np.int32), counts.astype(np.int32))

    def grouped(self, group_of_doc: np.ndarray, n_groups: int) -> TermCounts:
        """Documents merged into groups (e.g. sentences into passages): counts are summed."""
        pair_doc = np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.doc_ptr))
        n_terms = int(self.term_ids.max()) + 1 if len(self.term_ids) else 1
        keys = group_of_doc[pair_doc].astype(np.int64) * n_terms + self.term_ids
        keys, counts = _unique_counts(keys, self.counts)
        doc_ptr = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // n_terms, minlength=n_groups), out=doc_ptr[1:])
        return TermCounts(doc_ptr, (keys % n_terms).astype(np.int32), counts.astype(np.int32))

    @classmethod
    def concat(cls, parts: list[TermCounts]) -> TermCounts:
        parts = [p for p in parts if p.n_docs]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        ptrs = [parts[0].doc_ptr]
        offset = parts[0].doc_ptr[-1]
        for p in parts[1:]:
            ptrs.append(p.doc_ptr[1:] + offset)
            offset += p.doc_ptr[-1]
        return cls(
            np.concatenate(ptrs),
            np.concatenate([p.term_ids for p in parts]),
            np.concatenate([p.counts for p in parts]),
        )

    def select(self, keep: np.ndarray) -> TermCounts:
        """The documents where ``keep`` (bool, n_docs) is true, in order."""
        lengths = np.diff(self.doc_ptr)
        pair_keep = np.repeat(keep, lengths)
        doc_ptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
        np.cumsum(lengths[keep], out=doc_ptr[1:])
        return TermCounts(doc_ptr, self.term_ids[pair_keep], self.counts[pair_keep])

    def kept_then(self, keep: np.ndarray, added: list[TermCounts]) -> TermCounts:
        """``select(keep)`` followed by ``added``'s documents (``concat``), in one copy: each
        run of kept documents is copied as a slice straight into the new arrays, and counts
        come out in the narrowest type that holds them. (Selecting, then concatenating, then
        narrowing copied every pair two and a half times: at 10x, 180 MB beside the served
        index for a one-post reindex.)"""
        padded = np.concatenate([[False], keep, [False]])
        edges = np.flatnonzero(padded[1:] != padded[:-1])  # runs of kept documents
        ptr = self.doc_ptr
        pieces = [
            (self.term_ids[a:b], self.counts[a:b])
            for a, b in zip(ptr[edges[0::2]].tolist(), ptr[edges[1::2]].tolist(), strict=True)
        ]
        pieces += [(p.term_ids, p.counts) for p in added]
        top = max((int(c.max()) for _, c in pieces if len(c)), default=0)
        lengths = [np.diff(ptr)[keep], *(np.diff(p.doc_ptr) for p in added)]
        doc_ptr = np.zeros(sum(map(len, lengths)) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(lengths), out=doc_ptr[1:])
        return TermCounts(
            doc_ptr,
            np.concatenate([np.zeros(0, np.int32)] + [t for t, _ in pieces], dtype=np.int32),
            np.concatenate(
                [np.zeros(0, np.uint8)] + [c for _, c in pieces],
                dtype=np.min_scalar_type(top),
                casting="unsafe",  # (every count fits: ``top`` is their maximum)
            ),
        )

    def followed(self, keep: np.ndarray, added: list[TermCounts]) -> FieldCounts:
        """The documents where ``keep`` is true, then ``added``'s: these arrays shared (a
        ``KeptCounts``) while what changed stays within ``MERGE_SHARE``, else one copy."""
        base_docs = np.flatnonzero(keep).astype(np.int32)
        n_added = sum(p.n_docs for p in added)
        if _past_share(self.n_docs - len(base_docs) + n_added, len(base_docs) + n_added):
            return self.kept_then(keep, added)
        return KeptCounts(self, base_docs, _joined(added))

    def terms(self, lo: int, hi: int) -> np.ndarray:
        """The term ids of documents ``lo:hi``, back to back (a view)."""
        return self.term_ids[self.doc_ptr[lo] : self.doc_ptr[hi]]

    def pairs(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (term id, count) pairs of ``docs``, back to back, and each pair's index in
        ``docs``."""
        positions, row = concatenated_ranges(self.doc_ptr[docs], self.doc_ptr[docs + 1])
        return self.term_ids[positions], self.counts[positions], row

    def span(self, lo: int, hi: int) -> TermCounts:
        """Documents ``lo:hi`` (views, pointers rebased)."""
        a, b = int(self.doc_ptr[lo]), int(self.doc_ptr[hi])
        return TermCounts(self.doc_ptr[lo : hi + 1] - a, self.term_ids[a:b], self.counts[a:b])

    def flat(self) -> TermCounts:
        return self

    def mark_used(self, used: np.ndarray) -> None:
        """Set ``used`` (bool, per term) where a document holds the term."""
        used[self.term_ids] = True

    def remap_terms(self, mapping: np.ndarray) -> TermCounts:
        """Renumber terms through ``mapping`` (old id → new id)."""
        return TermCounts(self.doc_ptr, mapping[self.term_ids].astype(np.int32), self.counts)

    @classmethod
    def empty(cls) -> TermCounts:
        return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))


def _past_share(changed: int, n_docs: int) -> bool:
    """Whether ``changed`` documents (added or dropped) of ``n_docs`` call for whole arrays."""
    return changed > MERGE_SHARE * max(n_docs, 1)


def _joined(parts: list[TermCounts]) -> TermCounts:
    """``parts`` back to back, counts in the narrowest type (``kept_then`` keeping nothing)."""
    return TermCounts.empty().kept_then(np.zeros(0, bool), parts)


@dataclass(frozen=True, slots=True)
class KeptCounts:
    """A field's statistics after a reindex that kept most of its documents: the documents of
    ``base`` numbered in ``base_docs`` (in order), then ``tail``'s. ``base`` is the field's
    arrays as last made whole, shared by every index since (a one-post reindex at 10x copied
    79 MB of them beside the served ones, the most of its peak); the tail holds the documents
    added since. Made whole again past ``MERGE_SHARE``."""

    base: TermCounts
    base_docs: np.ndarray  # int32, ascending: per kept document, its number in ``base``
    tail: TermCounts

    @property
    def n_docs(self) -> int:
        return len(self.base_docs) + self.tail.n_docs

    def followed(self, keep: np.ndarray, added: list[TermCounts]) -> FieldCounts:
        """As ``TermCounts.followed``: the base stays shared, the tail is made again."""
        n = len(self.base_docs)
        base_docs = self.base_docs[keep[:n]]
        n_tail = int(np.count_nonzero(keep[n:])) + sum(p.n_docs for p in added)
        if _past_share(self.base.n_docs - len(base_docs) + n_tail, len(base_docs) + n_tail):
            in_base = np.zeros(self.base.n_docs, dtype=bool)
            in_base[base_docs] = True
            return self.base.kept_then(in_base, [self.tail.select(keep[n:]), *added])
        return KeptCounts(self.base, base_docs, self.tail.kept_then(keep[n:], added))

    def flat(self) -> TermCounts:
        """The same documents in arrays of their own (one copy)."""
        keep = np.zeros(self.base.n_docs, dtype=bool)
        keep[self.base_docs] = True
        return self.base.kept_then(keep, [self.tail])

    def terms(self, lo: int, hi: int) -> np.ndarray:
        n = len(self.base_docs)
        parts = []
        if lo < min(hi, n):
            docs = self.base_docs[lo : min(hi, n)]
            first, last = int(docs[0]), int(docs[-1])
            consecutive = last - first == len(docs) - 1
            parts.append(
                self.base.terms(first, last + 1)
                if consecutive
                else self.pairs(np.arange(lo, min(hi, n)))[0]
            )
        if hi > n:
            parts.append(self.tail.terms(max(lo - n, 0), hi - n))
        if not parts:
            return self.base.term_ids[:0]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def pairs(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        docs = np.asarray(docs, dtype=np.int64)
        n = len(self.base_docs)
        in_base = docs < n
        b_terms, b_counts, b_row = self.base.pairs(self.base_docs[docs[in_base]].astype(np.int64))
        t_terms, t_counts, t_row = self.tail.pairs(docs[~in_base] - n)
        return (
            np.concatenate([b_terms, t_terms]),
            np.concatenate([b_counts, t_counts]),
            np.concatenate([np.flatnonzero(in_base)[b_row], np.flatnonzero(~in_base)[t_row]]),
        )

    def span(self, lo: int, hi: int) -> TermCounts:
        n = len(self.base_docs)
        parts = []
        if lo < min(hi, n):
            docs = self.base_docs[lo : min(hi, n)]
            first, last = int(docs[0]), int(docs[-1])
            around = self.base.span(first, last + 1)  # (views)
            if last - first == len(docs) - 1:  # consecutive in the base: the views themselves
                parts.append(around)
            else:
                keep = np.zeros(last + 1 - first, dtype=bool)
                keep[docs - first] = True
                parts.append(around.kept_then(keep, []))
        if hi > n:
            parts.append(self.tail.span(max(lo - n, 0), hi - n))
        return TermCounts.concat(parts)

    def mark_used(self, used: np.ndarray) -> None:
        ptr = self.base.doc_ptr
        for a, b in zip(*_runs(self.base_docs), strict=True):
            used[self.base.term_ids[ptr[a] : ptr[b]]] = True
        self.tail.mark_used(used)

    def select(self, keep: np.ndarray) -> TermCounts:
        return self.flat().select(keep)

    def remap_terms(self, mapping: np.ndarray) -> TermCounts:
        return self.flat().remap_terms(mapping)


FieldCounts = TermCounts | KeptCounts  # what a field's statistics are (see the module's docstring)
