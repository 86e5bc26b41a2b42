"""The term statistics (``IndexData``) as database rows: a few per post, and the vocabulary.

The store used to keep the statistics as one blob rewritten on every commit (78 MB at 10x); as
rows, a one-post change writes that post's rows and appends its new terms, nothing else. Each
post has one ``PostStats`` (its passages' sentence counts and amount flags, its sentences'
hashes for the site's boilerplate) and one ``FieldRow``
per field: its documents' lengths (distinct terms), term ids and counts, each array as the bytes
of a fixed little-endian type (counts in the narrowest type that holds them, named in the row),
so a load joins every post's bytes of one array and reads them as one array. Term ids are the
vocabulary's positions, which the store keeps stable (new terms are appended).

Pure array code: no I/O (the store runs the SQL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..terms.boilerplate import HASH_TYPE
from ..terms.fields import FIELDS, PASSAGE_FIELDS, POST_FIELDS, IndexData
from ..terms.term_counts import TermCounts

# Fixed byte layouts (little-endian), so rows written on one machine read on any other.
_LENGTH = np.dtype("<u4")
_TERM = np.dtype("<i4")
_SENTENCES = np.dtype("<i4")
_HASH = np.dtype("<u8")
_COUNT_TYPES: dict[int, np.dtype[Any]] = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One post's documents of one field."""

    lengths: bytes  # per document, its number of distinct terms
    term_ids: bytes
    counts: bytes
    count_bytes: int  # the width of each count: 1, 2 or 4


@dataclass(frozen=True, slots=True)
class PostStats:
    """One post's statistics."""

    post_id: str
    sentence_counts: bytes  # per passage, its number of sentences
    states_amount: bytes  # per passage, 1 when it states an amount
    sentence_hashes: bytes  # per sentence document, ``boilerplate.post_hashes``
    fields: dict[str, FieldRow]


def vocab_digests(vocab: Sequence[str], prefix: int) -> tuple[str, str]:
    """Fingerprints of the first ``prefix`` terms and of the whole vocabulary (each the sha256
    of the terms "\n"-joined). The store compares the first with the stored one to know whether
    terms were only appended since (else term ids moved, and every row is written again)."""
    head = hashlib.sha256("\n".join(vocab[:prefix]).encode())
    whole = head.copy()
    rest = "\n".join(vocab[prefix:])
    whole.update((("\n" if prefix and rest else "") + rest).encode())
    return head.hexdigest(), whole.hexdigest()


def _counts_bytes(counts: np.ndarray) -> tuple[bytes, int]:
    top = int(counts.max()) if len(counts) else 0
    width = 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4
    return counts.astype(_COUNT_TYPES[width]).tobytes(), width


def post_stats(data: IndexData, post_ids: Iterable[str]) -> list[PostStats]:
    """The rows of ``post_ids`` (posts of ``data``), in that order."""
    position = {pid: i for i, pid in enumerate(data.post_ids)}
    first_passage = np.zeros(len(data.post_ids) + 1, np.int64)
    np.cumsum(data.passage_counts, out=first_passage[1:])
    first_sentence = np.zeros(len(data.sentence_counts) + 1, np.int64)
    np.cumsum(data.sentence_counts, out=first_sentence[1:])
    out = []
    for pid in post_ids:
        i = position[pid]
        p0, p1 = int(first_passage[i]), int(first_passage[i + 1])
        docs = {name: (p0, p1) for name in PASSAGE_FIELDS}
        docs.update({name: (i, i + 1) for name in POST_FIELDS})
        docs["sentence"] = (int(first_sentence[p0]), int(first_sentence[p1]))
        s0, s1 = docs["sentence"]
        fields = {}
        for name in FIELDS:
            tc = data.fields[name].span(*docs[name])  # (views, when in one array)
            counts, width = _counts_bytes(tc.counts)
            fields[name] = FieldRow(
                np.diff(tc.doc_ptr).astype(_LENGTH).tobytes(),
                tc.term_ids.astype(_TERM).tobytes(),
                counts,
                width,
            )
        out.append(
            PostStats(
                pid,
                data.sentence_counts[p0:p1].astype(_SENTENCES).tobytes(),
                data.states_amount[p0:p1].astype(np.uint8).tobytes(),
                data.sentence_hashes[s0:s1].astype(_HASH).tobytes(),
                fields,
            )
        )
    return out


def _joined(parts: list[bytes], dtype: np.dtype[Any]) -> np.ndarray:
    # (a bytearray: one copy, and an array that may be written like any other)
    return np.frombuffer(bytearray().join(parts), dtype)


def field_counts(rows: list[tuple[bytes, bytes, bytes, int]]) -> TermCounts:
    """One field's ``TermCounts`` from its rows (lengths, term ids, counts, count width), posts
    in order. Counts come out in the narrowest type that holds them all, as ``updated`` keeps
    them."""
    lengths = _joined([r[0] for r in rows], _LENGTH)
    doc_ptr = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=doc_ptr[1:])
    del lengths
    term_ids = _joined([r[1] for r in rows], _TERM).astype(np.int32, copy=False)
    widths = {r[3] for r in rows}
    widest = _COUNT_TYPES[max(widths, default=1)]
    if len(widths) <= 1:
        counts = _joined([r[2] for r in rows], widest)
    else:  # (posts whose counts need more bytes than others: rare)
        counts = np.concatenate([np.frombuffer(r[2], _COUNT_TYPES[r[3]]) for r in rows])
        counts = counts.astype(widest)
    return TermCounts(doc_ptr, term_ids, counts.astype(widest.newbyteorder("="), copy=False))


def index_data(
    vocab: list[str],
    posts: list[tuple[str, bytes, bytes, bytes]],
    fields: dict[str, TermCounts],
) -> IndexData:
    """``IndexData`` from the vocabulary, each post's (id, sentence counts, amount flags,
    sentence hashes) in order, and each field's counts (``field_counts``)."""
    sentence_counts = _joined([p[1] for p in posts], _SENTENCES).astype(np.int32, copy=False)
    passage_counts = np.fromiter(
        (len(p[1]) // _SENTENCES.itemsize for p in posts), np.int32, len(posts)
    )
    return IndexData(
        vocab=vocab,
        post_ids=[p[0] for p in posts],
        passage_counts=passage_counts,
        sentence_counts=sentence_counts,
        states_amount=_joined([p[2] for p in posts], np.dtype(np.uint8)).astype(bool),
        sentence_hashes=_joined([p[3] for p in posts], _HASH).astype(HASH_TYPE, copy=False),
        fields=fields,
    )
