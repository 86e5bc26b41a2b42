"""Every passage of a live index, without its text: the text is read when a passage is shown.

A served index reads the text of the few passages it shows (the cited sections of an answer, a
post for /brief), yet held them all: at 10x, 53,600 passages' texts, and at 1x a third of what
``briefbot ask`` loaded. Here a passage is its post id, ordinal, heading path, anchor and the
digest of its text (``text_digest``); the texts come from a ``TextSource`` — the index's SQLite
file when served (``store.StoredTexts``), a dict for an index made in memory (``MemoryTexts``).

A text is found by its digest, never by where its passage is: a text stored under its digest
is that text whatever generation of the index stored it, so an index reads the right texts
while a reindex (in this process or another) commits another generation, as long as the store
keeps them (it keeps a text while a passage uses it and for a while after: see ``store``). The
digest is 64 bits of BLAKE2b: two different passages of a 100,000-passage site share one with
odds of about 1 in 3·10^9.

The table is a read-only sequence of ``Passage`` (``index.ingest.passages[i]`` reads one text);
``texts`` reads many in one go, and ``heading_path``/``anchor`` read none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, overload

import numpy as np

from ..models import Passage

ITER_CHUNK = 256  # passages whose texts one read fetches when the table is iterated


def text_digest(text: str) -> int:
    """The key a passage's text is stored and read under: 64 bits of its BLAKE2b, signed (an
    SQLite integer)."""
    raw = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "little", signed=True)


class TextsGone(LookupError):
    """A text the index needs is no longer stored: the index is far older than the stored one
    (reload it)."""


class TextSource(Protocol):
    def texts(self, digests: Sequence[int]) -> Mapping[int, str]:
        """The texts stored under ``digests`` (each once). Raises ``TextsGone`` for one not
        stored."""
        ...


class MemoryTexts:
    """Texts held in a dict: an index made from passages in memory (tests, benchmarks)."""

    __slots__ = ("_texts",)

    def __init__(self, texts: dict[int, str]) -> None:
        self._texts = texts

    def texts(self, digests: Sequence[int]) -> Mapping[int, str]:
        try:
            return {d: self._texts[d] for d in digests}
        except KeyError as exc:
            raise TextsGone(f"no text stored under digest {exc.args[0]}") from None


NO_TEXTS = MemoryTexts({})  # (a table made only for its entries)


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


Row = tuple[str, int, tuple[str, ...], str | None, int]  # post id, ordinal, path, anchor, digest


class PassageTable(Sequence[Passage]):
    """Passages in index order (each post's together, by ordinal)."""

    __slots__ = ("_anchors", "_digests", "_headings", "_ordinals", "_post_ids", "source")

    def __init__(
        self,
        post_ids: list[str],
        ordinals: np.ndarray,
        headings: list[tuple[str, ...]],
        anchors: list[str | None],
        digests: np.ndarray,
        source: TextSource,
    ) -> None:
        self._post_ids = post_ids
        self._ordinals = ordinals
        self._headings = headings
        self._anchors = anchors
        self._digests = digests  # per passage, its text's ``text_digest`` (int64)
        self.source = source

    @classmethod
    def of(cls, rows: Iterable[Row], source: TextSource = NO_TEXTS) -> PassageTable:
        """From (post id, ordinal, heading path, anchor, text digest) rows, in index order."""
        post_ids: list[str] = []
        ordinals: list[int] = []
        headings: list[tuple[str, ...]] = []
        anchors: list[str | None] = []
        digests: list[int] = []
        # One object per distinct value: most passages share their post id and heading path
        # with their neighbours, and many headings ("What Happened") recur across posts.
        shared: dict[object, object] = {}
        for post_id, ordinal, heading_path, anchor, digest in rows:
            post_ids.append(shared.setdefault(post_id, post_id))  # type: ignore[arg-type]
            ordinals.append(ordinal)
            headings.append(shared.setdefault(heading_path, heading_path))  # type: ignore[arg-type]
            anchors.append(shared.setdefault(anchor, anchor))  # type: ignore[arg-type]
            digests.append(digest)
        return cls(
            post_ids,
            np.array(ordinals, np.int32),
            headings,
            anchors,
            np.array(digests, np.int64),
            source,
        )

    @classmethod
    def of_passages(cls, passages: Iterable[Passage]) -> PassageTable:
        """Passages made in memory, their texts held in memory (``MemoryTexts``)."""
        texts: dict[int, str] = {}
        rows = []
        for p in passages:
            digest = text_digest(p.text)
            texts[digest] = p.text
            rows.append((p.post_id, p.ordinal, p.heading_path, p.anchor, digest))
        return cls.of(rows, MemoryTexts(texts))

    def followed(
        self, parts: Iterable[range | Sequence[Passage]], source: TextSource
    ) -> PassageTable:
        """A new table reading its texts from ``source``, from ``parts`` in order: each a
        ``range`` of this table's passages (an unchanged post: its entries copied as slices) or
        new passages (whose texts ``source`` must hold: a reindex follows the index once it
        committed them)."""
        post_ids: list[str] = []
        headings: list[tuple[str, ...]] = []
        anchors: list[str | None] = []
        pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (ordinals, digests)
        for part in _coalesced(parts):
            if isinstance(part, range):
                a, b = part.start, part.stop
                post_ids += self._post_ids[a:b]
                headings += self._headings[a:b]
                anchors += self._anchors[a:b]
                pieces.append((self._ordinals[a:b], self._digests[a:b]))
            else:
                added = PassageTable.of(
                    (p.post_id, p.ordinal, p.heading_path, p.anchor, text_digest(p.text))
                    for p in part
                )  # (no source: only its entries are taken)
                post_ids += added._post_ids
                headings += added._headings
                anchors += added._anchors
                pieces.append((added._ordinals, added._digests))
        ordinals = np.concatenate([np.zeros(0, np.int32), *(p[0] for p in pieces)])
        digests = np.concatenate([np.zeros(0, np.int64), *(p[1] for p in pieces)])
        return PassageTable(post_ids, ordinals, headings, anchors, digests, source)

    def rows(self, start: int = 0, stop: int | None = None) -> list[Row]:
        """The (post id, ordinal, heading path, anchor, digest) rows of passages ``start:stop``."""
        stop = len(self) if stop is None else stop
        return list(
            zip(
                self._post_ids[start:stop],
                self._ordinals[start:stop].tolist(),
                self._headings[start:stop],
                self._anchors[start:stop],
                self._digests[start:stop].tolist(),
                strict=True,
            )
        )

    def digests(self) -> np.ndarray:
        """Every passage's text digest, in index order (a read-only view: what its texts'
        embeddings are stored under, ``storage.vectors``)."""
        view = self._digests.view()
        view.flags.writeable = False
        return view

    def heading_path(self, i: int) -> tuple[str, ...]:
        return self._headings[i]

    def anchor(self, i: int) -> str | None:
        return self._anchors[i]

    def texts(self, indexes: Sequence[int]) -> list[str]:
        """The texts of passages ``indexes``, read in one go."""
        digests = [int(self._digests[i]) for i in indexes]
        found = self.source.texts(list(dict.fromkeys(digests)))
        return [found[d] for d in digests]

    def text(self, i: int) -> str:
        """Passage ``i``'s text (without making its ``Passage``)."""
        return self.texts([i])[0]

    def select(self, indexes: Sequence[int]) -> list[Passage]:
        """Passages ``indexes``, their texts read in one go."""
        return [self._passage(i, t) for i, t in zip(indexes, self.texts(indexes), strict=True)]

    def _passage(self, i: int, text: str) -> Passage:
        # (Values read back from the index's own table: no need to validate them again.)
        return Passage.model_construct(
            post_id=self._post_ids[i],
            ordinal=int(self._ordinals[i]),
            heading_path=self._headings[i],
            anchor=self._anchors[i],
            text=text,
        )

    def __len__(self) -> int:
        return len(self._post_ids)

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return self.select(range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("passage index out of range")
        return self._passage(i, self.text(i))

    def __iter__(self) -> Iterator[Passage]:
        for start in range(0, len(self), ITER_CHUNK):  # (a read per chunk, not per passage)
            yield from self.select(range(start, min(start + ITER_CHUNK, len(self))))

    def nbytes(self) -> int:
        """What the table's arrays hold (the texts are not in memory)."""
        return self._ordinals.nbytes + self._digests.nbytes
