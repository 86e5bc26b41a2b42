"""Every passage of a live index, held compactly: the texts as one UTF-8 buffer with offsets.

A served index reads the text of the few passages it shows, yet held them all as pydantic
objects: at 10x (53,600 passages) 124 MB of Python objects, a fifth of the serving process. Here
the texts are ``bytes`` buffers (what they weigh in UTF-8), headings and anchors are shared
between the passages that have the same, and a ``Passage`` is made when one is asked for. The
table is a read-only sequence of ``Passage``, so what reads ``index.passages[i]`` is unchanged.

A reindex shares the buffers of the passages it keeps with the table before (each passage
points into a buffer: its chunk, start and end) and adds one buffer for the new passages: a
one-post reindex copies no text. Text no passage points to any more is dropped when it passes
``DEAD_SHARE`` of what the buffers hold (the kept texts are then copied into one buffer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from .models import Passage

DEAD_SHARE = 0.05  # text no passage uses, beyond this share of the buffers: copied out whole


def _coalesced(
    parts: Iterable[range | Sequence[Passage]],
) -> Iterator[range | Sequence[Passage]]:
    """``parts`` with back-to-back ranges joined (a reindex keeps most posts in a row: a few
    slices to copy instead of one per post)."""
    pending: range | None = None
    for part in parts:
        if isinstance(part, range) and pending is not None and pending.stop == part.start:
            pending = range(pending.start, part.stop)
            continue
        if pending is not None:
            yield pending
            pending = None
        if isinstance(part, range):
            pending = part
        else:
            yield part
    if pending is not None:
        yield pending


class PassageTable(Sequence[Passage]):
    """Passages in index order (each post's together, by ordinal)."""

    __slots__ = (
        "_anchors",
        "_chunks",
        "_ends",
        "_headings",
        "_ordinals",
        "_post_ids",
        "_starts",
        "_texts",
    )

    def __init__(
        self,
        post_ids: list[str],
        ordinals: np.ndarray,
        headings: list[tuple[str, ...]],
        anchors: list[str | None],
        texts: tuple[bytes, ...],
        chunks: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
    ) -> None:
        self._post_ids = post_ids
        self._ordinals = ordinals
        self._headings = headings
        self._anchors = anchors
        self._texts = texts  # UTF-8 texts, back to back, in one or a few buffers
        self._chunks = chunks  # per passage, the buffer holding its text
        self._starts = starts  # per passage, where its text starts and ends in that buffer
        self._ends = ends

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int, tuple[str, ...], str | None, str]]) -> PassageTable:
        """From (post id, ordinal, heading path, anchor, text) rows, in index order."""
        post_ids: list[str] = []
        ordinals: list[int] = []
        headings: list[tuple[str, ...]] = []
        anchors: list[str | None] = []
        texts: list[bytes] = []
        # One object per distinct value: most passages share their post id and heading path
        # with their neighbours, and many headings ("What Happened") recur across posts.
        shared: dict[object, object] = {}
        for post_id, ordinal, heading_path, anchor, text in rows:
            post_ids.append(shared.setdefault(post_id, post_id))  # type: ignore[arg-type]
            ordinals.append(ordinal)
            headings.append(shared.setdefault(heading_path, heading_path))  # type: ignore[arg-type]
            anchors.append(shared.setdefault(anchor, anchor))  # type: ignore[arg-type]
            texts.append(text.encode("utf-8", "surrogatepass"))
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        ends = np.cumsum(lengths)
        return cls(
            post_ids,
            np.array(ordinals, np.int32),
            headings,
            anchors,
            (b"".join(texts),),
            np.zeros(len(texts), np.int32),
            ends - lengths,
            ends,
        )

    def followed(self, parts: Iterable[range | Sequence[Passage]]) -> PassageTable:
        """A new table from ``parts`` in order: each a ``range`` of this table's passages (an
        unchanged post: its text stays where it is, shared) or new passages (one new buffer)."""
        post_ids: list[str] = []
        headings: list[tuple[str, ...]] = []
        anchors: list[str | None] = []
        pieces: list[tuple[np.ndarray, ...]] = []  # (ordinals, chunks, starts, ends)
        new: list[bytes] = []  # the new passages' texts, for one new buffer
        offset = 0  # where the next new passage's text goes in it
        for part in _coalesced(parts):
            if isinstance(part, range):
                a, b = part.start, part.stop
                post_ids += self._post_ids[a:b]
                headings += self._headings[a:b]
                anchors += self._anchors[a:b]
                pieces.append(
                    (self._ordinals[a:b], self._chunks[a:b], self._starts[a:b], self._ends[a:b])
                )
            else:
                added = PassageTable.of_passages(part)
                post_ids += added._post_ids
                headings += added._headings
                anchors += added._anchors
                pieces.append(
                    (
                        added._ordinals,
                        np.full(len(added), len(self._texts), np.int32),  # the new buffer
                        added._starts + offset,
                        added._ends + offset,
                    )
                )
                new.append(added._texts[0])
                offset += len(added._texts[0])
        texts = self._texts + ((b"".join(new),) if new else ())
        columns = [
            np.concatenate([np.zeros(0, dtype), *(p[c] for p in pieces)]).astype(dtype)
            for c, dtype in enumerate((np.int32, np.int32, np.int64, np.int64))
        ]
        table = PassageTable(post_ids, columns[0], headings, anchors, texts, *columns[1:])
        return table._without_dead_text()

    def _without_dead_text(self) -> PassageTable:
        """This table, its buffers trimmed: those no passage uses dropped, and all copied into
        one when the text no passage uses passes ``DEAD_SHARE`` of them."""
        used = np.bincount(self._chunks, minlength=len(self._texts)) > 0
        held = sum(len(t) for t, u in zip(self._texts, used, strict=True) if u)
        live = int((self._ends - self._starts).sum())
        if held - live > DEAD_SHARE * max(held, 1):
            return PassageTable.of(self.rows())
        if used.all():
            return self
        renumber = np.cumsum(used) - 1
        texts = tuple(t for t, u in zip(self._texts, used, strict=True) if u)
        return PassageTable(
            self._post_ids,
            self._ordinals,
            self._headings,
            self._anchors,
            texts,
            renumber[self._chunks].astype(np.int32),
            self._starts,
            self._ends,
        )

    @classmethod
    def of_passages(cls, passages: Iterable[Passage]) -> PassageTable:
        return cls.of((p.post_id, p.ordinal, p.heading_path, p.anchor, p.text) for p in passages)

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[tuple]:
        """The (post id, ordinal, heading path, anchor, text) rows of passages ``start:stop``."""
        stop = len(self) if stop is None else stop
        for i in range(start, stop):
            yield (
                self._post_ids[i],
                int(self._ordinals[i]),
                self._headings[i],
                self._anchors[i],
                self.text(i),
            )

    def text(self, i: int) -> str:
        """Passage ``i``'s text (without making its ``Passage``)."""
        text = self._texts[self._chunks[i]]
        return text[int(self._starts[i]) : int(self._ends[i])].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self._post_ids)

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("passage index out of range")
        # (Values read back from the index's own table: no need to validate them again.)
        return Passage.model_construct(
            post_id=self._post_ids[i],
            ordinal=int(self._ordinals[i]),
            heading_path=self._headings[i],
            anchor=self._anchors[i],
            text=self.text(i),
        )

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))

    def nbytes(self) -> int:
        """The text buffers' size (the bulk of the table)."""
        return sum(map(len, self._texts))
