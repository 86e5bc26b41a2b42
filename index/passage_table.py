"""Every passage of a live index, held compactly: the texts as one UTF-8 buffer with offsets.

A served index reads the text of the few passages it shows, yet held them all as pydantic
objects: at 10x (53,600 passages) 124 MB of Python objects, a fifth of the serving process. Here
the texts are one ``bytes`` buffer (what they weigh in UTF-8), headings and anchors are shared
between the passages that have the same, and a ``Passage`` is made when one is asked for. The
table is a read-only sequence of ``Passage``, so what reads ``index.passages[i]`` is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from .models import Passage


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

    __slots__ = ("_anchors", "_ends", "_headings", "_ordinals", "_post_ids", "_text")

    def __init__(
        self,
        post_ids: list[str],
        ordinals: np.ndarray,
        headings: list[tuple[str, ...]],
        anchors: list[str | None],
        text: bytes,
        ends: np.ndarray,
    ) -> None:
        self._post_ids = post_ids
        self._ordinals = ordinals
        self._headings = headings
        self._anchors = anchors
        self._text = text  # every passage's UTF-8 text, back to back
        self._ends = ends  # where each passage's text ends in ``_text``

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
        ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)))
        return cls(post_ids, np.array(ordinals, np.int32), headings, anchors, b"".join(texts), ends)

    def followed(self, parts: Iterable[range | Sequence[Passage]]) -> PassageTable:
        """A new table from ``parts`` in order: each a ``range`` of this table's passages (an
        unchanged post: its bytes are copied as they are) or new passages."""
        post_ids: list[str] = []
        ordinals: list[np.ndarray] = []
        headings: list[tuple[str, ...]] = []
        anchors: list[str | None] = []
        texts: list[bytes | memoryview] = []
        lengths: list[np.ndarray] = []
        text = memoryview(self._text)  # (slices of it are views: the join copies once)
        for part in _coalesced(parts):
            if isinstance(part, range):
                a, b = part.start, part.stop
                post_ids += self._post_ids[a:b]
                ordinals.append(self._ordinals[a:b])
                headings += self._headings[a:b]
                anchors += self._anchors[a:b]
                start = int(self._ends[a - 1]) if a else 0
                texts.append(text[start : int(self._ends[b - 1]) if b > a else start])
                lengths.append(np.diff(self._ends[a:b], prepend=start))
            else:
                new = PassageTable.of_passages(part)
                post_ids += new._post_ids
                ordinals.append(new._ordinals)
                headings += new._headings
                anchors += new._anchors
                texts.append(new._text)
                lengths.append(np.diff(new._ends, prepend=0))
        ends = np.cumsum(np.concatenate([np.zeros(0, np.int64), *lengths]))
        joined = b"".join(texts)
        del texts, text
        return PassageTable(
            post_ids,
            np.concatenate([np.zeros(0, np.int32), *ordinals]).astype(np.int32),
            headings,
            anchors,
            joined,
            ends.astype(np.int64),
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
        start = int(self._ends[i - 1]) if i else 0
        return self._text[start : int(self._ends[i])].decode("utf-8", "surrogatepass")

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
        """The text buffer's size (the bulk of the table)."""
        return len(self._text)
