"""The index as a long-lived service: the current searchable index, kept fresh and swapped whole.

Used by the command line and the bot alike. Searches always run against whatever ``current`` is
at that moment; a rebuild works on the side and replaces it with one assignment, so answering never
waits for indexing. Only one rebuild runs at a time in a process; another process (the CLI) may
rebuild the same database, and ``reload_if_changed`` picks that up through the generation number.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..models import IndexReport, Passage
from ..retrieval.passage_table import PassageTable, TextSource
from ..retrieval.ranking import DEFAULT_WEIGHTS
from ..search import SearchIndex
from .store import IndexStore, StoredIndex

if TYPE_CHECKING:
    from .indexer import Indexer, ProgressCallback, Refresh


def _followed(current: SearchIndex | None, result: Refresh, texts: TextSource) -> SearchIndex:
    """``current`` (if any) updated by a refresh's new and changed posts and new statistics;
    its passages' texts read from ``texts`` (the store's: the refresh committed them)."""
    posts = {p.id: p for p in current.posts} if current is not None else {}
    new = {post.id: post_passages for post, post_passages in result.upserts}
    for post, _ in result.upserts:
        posts[post.id] = post

    def part(post_id: str) -> range | tuple[Passage, ...]:
        if post_id in new:
            return new[post_id]
        assert current is not None
        i = current.post_index[post_id]
        return range(int(current.post_first_passage[i]), int(current.post_first_passage[i + 1]))

    ids = result.data.post_ids
    held: Sequence[Passage] = current.passages if current is not None else ()
    # (A list: an index made by hand, or none at a first build.)
    old = held if isinstance(held, PassageTable) else PassageTable.of_passages(held)
    passages = old.followed(map(part, ids), texts)
    return SearchIndex(
        result.data,
        [posts[i] for i in ids],
        passages,
        weights=current.weights if current is not None else DEFAULT_WEIGHTS,
        generation=result.generation,
        built_at=result.built_at,
        previous=current,
        reparsed=new.keys(),
        okapi=True,  # (indexing: rank-bm25 builds what is built whole)
    )


def _follow_and_drop(
    current: SearchIndex | None, result: Refresh, texts: TextSource
) -> SearchIndex:
    """``_followed``, then the parsed passages dropped here, a slice at a time.

    After a cold build at 10x they are ≈ 180,000 tracked objects (with their strings): freed in
    one go, as dropping the last reference does, they held the interpreter (and the event loop)
    for ≈ 45 ms; freed in slices, other threads get it between them. And dropped here, they are
    not left for the swap's collection to walk (≈ 0.3 s): the thread that ran this keeps its
    arguments (its work item) a moment after the event loop has the result.
    """
    new = _followed(current, result, texts)
    upserts = result.upserts
    while upserts:
        del upserts[-256:]
    return new


def _can_follow(current: SearchIndex | None, result: Refresh) -> bool:
    """Whether the refresh's outcome can be built from memory: it started from ``current``, or
    (a first build) every post it holds was just parsed."""
    if current is not None:
        return result.base_generation == current.generation
    return len(result.upserts) == len(result.data.post_ids)


def searchable(stored: StoredIndex) -> SearchIndex:
    """The search tables of a stored index (CPU work: callers run it off the event loop)."""
    return SearchIndex(
        stored.data,
        stored.posts,
        stored.passages,
        generation=stored.generation,
        built_at=stored.built_at,
        site_english=stored.site_english,
    )


async def load_index(store: IndexStore) -> SearchIndex | None:
    """The stored index, ready to search, or None when nothing was indexed yet."""
    stored = await store.load()
    if stored is None:
        return None
    await release_memory()  # (the rows read, freed: their pages back before the tables are built)
    return await asyncio.to_thread(searchable, stored)


def _trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere
    nothing). Building an index frees far more than it keeps (rows, blobs, per-field weights),
    and glibc keeps what was freed in its heaps and per-thread arenas: at 10x the serving
    process held 620 MB after loading, 420 MB once trimmed. Takes milliseconds."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return
    trim(0)


async def release_memory() -> None:
    """Return what building an index freed to the system (off the event loop)."""
    await asyncio.to_thread(_trim_heap)


@contextlib.contextmanager
def _full_collections_deferred() -> Iterator[None]:
    """No full garbage collection while the posts are parsed and the new index is built.

    A cold build keeps a whole site's parsed posts alive (≈ 230,000 tracked objects at 10x)
    until the new index is made from them, so each full collection the allocations trigger
    (in any thread: the pool's result thread, the one building the tables) walks them all and
    holds the interpreter for 0.1–0.5 s, stalling the event loop that answers questions.
    Nothing parsed is garbage before the swap; the young generations still run, and after the
    swap one pass (``FrozenHeap.settle``'s, or the next automatic one) collects what is left.
    """
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


class FrozenHeap:
    """Keeps a long-running process's served index out of the garbage collector's full passes.

    A full collection walks every tracked object alive and holds the interpreter meanwhile: at
    10x, the libraries and the index take 30–50 ms of CPU (more on a busy machine), during
    which the event loop answers nothing. A long-running process (the bot) therefore freezes
    what is alive once started (``gc.freeze()``: out of the collected generations, O(1)), and
    with this object each index swapped in as well: the swap's collection walks only what is
    not frozen yet, the new index and what was made since the last swap (≈ 15 ms of CPU at
    10x), instead of everything.

    Frozen objects are still freed by reference counting, and a replaced index holds no
    reference cycle (``tests/test_event_loop.py``), so it is freed when the swap drops it (or
    when the last search holding it ends). Only what dies inside a reference cycle after being
    frozen needs ``gc.unfreeze()`` and a full pass to be freed: that pass runs at a swap when the
    index replaced at the swap before is still alive (something keeps it in a cycle), or when
    the frozen objects grew by more than a quarter since the last one (counted every few swaps,
    the pass at the swap after: as CPython waits for its long-lived objects to grow by a quarter
    before a full collection).
    One object per process: the frozen generation is the whole process's.
    """

    def __init__(self, count_every: int = 8) -> None:
        # Counting the frozen objects walks them all (2–9 ms at 10x, on the event loop): every
        # ``count_every`` swaps only, so frozen garbage may wait that many swaps longer.
        self.count_every = count_every
        self._swaps = 0
        self._replaced: weakref.ref[SearchIndex] | None = None
        self._frozen_after_pass: int | None = None  # frozen objects after the last full pass
        self._grown = False  # by more than a quarter since: a full pass at the next swap

    def imported(self) -> None:
        """Modules were just imported (the ingest side, at the first rebuild): they live as long
        as the process, so they are frozen now (after a young collection), or the swap's
        collection would walk them too (≈ 10,000 objects: 15–20 ms of CPU more). Once."""
        gc.collect(1)
        gc.freeze()

    def settle(self, replaced: weakref.ref[SearchIndex] | None) -> None:
        """After a swap (``replaced``: the index it replaced): collect what is not frozen, then
        freeze the new index with the rest (after a full pass over everything when needed)."""
        full = self._grown or (self._replaced is not None and self._replaced() is not None)
        if full:
            gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._swaps += 1
        if full or self._frozen_after_pass is None:
            self._frozen_after_pass = gc.get_freeze_count()
            self._grown = False
        elif self._swaps % self.count_every == 0:
            self._grown = gc.get_freeze_count() > self._frozen_after_pass * 5 // 4
        self._replaced = replaced


class ReindexInProgress(RuntimeError):
    """A rebuild was asked for while one is running."""


class IndexService:
    def __init__(self, store: IndexStore, content: Path, site_url: str = "") -> None:
        self.store = store
        self.content = content
        self.site_url = site_url  # the site's url whatever its _config.yml says ("": its own)
        self._indexer: Indexer | None = None  # made by the first rebuild (see ``indexer``)
        self.current: SearchIndex | None = None
        # Called with each index swapped in.
        self.on_swap: Callable[[SearchIndex], None] | None = None
        # A long-running process (the bot) sets this: see ``FrozenHeap``.
        self.frozen_heap: FrozenHeap | None = None
        # Whether each index is warmed before it is served (see ``keep_warm``).
        self.warm_up = False
        self.last_report: IndexReport | None = None
        self._rebuild = asyncio.Lock()

    @classmethod
    async def open(cls, db_path: Path, content: Path, site_url: str = "") -> IndexService:
        return cls(await IndexStore.open(db_path), content, site_url)

    async def close(self) -> None:
        await self.store.close()

    @property
    def indexer(self) -> Indexer:
        """What rebuilds the index, made on first use: the ingest side (parsing posts with
        markdown-it, ftfy and YAML) is imported only by a process that rebuilds, not by one
        that loads and searches (``briefbot ask``)."""
        if self._indexer is None:
            from .indexer import Indexer

            self._indexer = Indexer(self.store, self.content, site_url=self.site_url)
            if self.current is not None:
                self._indexer.remember(self.current.generation, self.current.data)
        return self._indexer

    @property
    def rebuilding(self) -> bool:
        return self._rebuild.locked()

    async def wait_for_rebuild(self) -> IndexReport | None:
        """Wait until the rebuild running now (if any) has finished; the report of a rebuild
        that completed meanwhile, or None (none was running, or it failed)."""
        before = self.last_report
        if not self._rebuild.locked():
            return None
        async with self._rebuild:  # (taken and let go at once: no rebuild starts in between)
            pass
        return self.last_report if self.last_report is not before else None

    async def ensure(self, progress: ProgressCallback | None = None) -> SearchIndex:
        """The stored index of this content folder; built first if there is none yet."""
        if self.current is None:
            if await self.store.content_dir() == str(self.content.resolve()):
                self._swap(await self._warmed(await load_index(self.store)))
            if self.current is None:
                await self.reindex(progress)
            else:
                await release_memory()
        assert self.current is not None
        return self.current

    async def reindex(self, progress: ProgressCallback | None = None) -> IndexReport:
        """Rebuild incrementally and swap the new index in. Fails fast if one is running."""
        if self._rebuild.locked():
            raise ReindexInProgress("a reindex is already running")
        async with self._rebuild:
            if self._indexer is None:  # (importing the ingest side takes ~0.1 s: off the loop)
                await asyncio.to_thread(importlib.import_module, ".indexer", __package__)
                if self.frozen_heap is not None:
                    self.frozen_heap.imported()
            current = self.current
            with _full_collections_deferred():
                result = await self.indexer.refresh(progress)
                new: SearchIndex | None = None
                changed = (
                    result.committed or current is None or result.generation != current.generation
                )
                if result.committed and _can_follow(current, result):
                    # The new tables from the served index and what was just parsed: no re-reading.
                    new = await asyncio.to_thread(
                        _follow_and_drop, current, result, self.store.texts
                    )
                elif changed:
                    new = await load_index(self.store)
                report = self.last_report = result.report
                # What was parsed goes before the swap, and the old index in it (unless a search
                # still holds it): the swap's collection then walks only the new index, not a
                # whole site's parsed passages too (≈ 0.1 s of a cold index's stall at 10x).
                del current, result
                if changed:
                    self._swap(await self._warmed(new))
                del new
            await release_memory()
            return report

    async def update_stored(self, progress: ProgressCallback | None = None) -> IndexReport:
        """Bring the stored index up to date without loading it to serve: for a process that
        exits next (``briefbot index``), making the search tables would only add to its wait (a
        quarter of a cold index's time at 10x; ``bench/index_command.py``). Nothing is
        swapped: ``current`` stays as it was."""
        if self._rebuild.locked():
            raise ReindexInProgress("a reindex is already running")
        async with self._rebuild:
            with _full_collections_deferred():
                result = await self.indexer.refresh(progress)
                report = self.last_report = result.report
                del result
            await release_memory()
            return report

    async def reload_if_changed(self) -> bool:
        """Load the stored index if another process committed a newer one. True when swapped."""
        if self._rebuild.locked():
            return False
        generation = await self.store.generation()
        if self.current is not None and generation == self.current.generation:
            return False
        if await self.store.content_dir() != str(self.content.resolve()):
            return False
        index = await self._warmed(await load_index(self.store))
        if index is None or (
            self.current is not None and index.generation <= self.current.generation
        ):
            # (a reindex here committed and swapped in a newer index while this one was read)
            return False
        self._swap(index)
        del index
        await release_memory()
        return True

    async def keep_warm(self) -> None:
        """From now on warm each index (``SearchIndex.warm``) off the event loop before it is
        served, and the current one now: a server's choice (the bot's), so that no one's
        question pays for building the index's tables (0.1-0.3 s at 10x). A process that
        answers one question (``briefbot ask``) does not: it would only add to its start-up."""
        self.warm_up = True
        await self._warmed(self.current)

    async def _warmed(self, index: SearchIndex | None) -> SearchIndex | None:
        if index is not None and self.warm_up and not index.warmed:
            await asyncio.to_thread(index.warm)
        return index

    def _swap(self, index: SearchIndex | None) -> None:
        replaced = None if self.current is None else weakref.ref(self.current)
        self.current = index  # (the replaced index is freed here unless a search still holds it)
        if index is not None and self._indexer is not None:
            # (the same statistics, not a second copy read back for the next reindex)
            self._indexer.remember(index.generation, index.data)
        if index is not None and self.on_swap is not None:
            self.on_swap(index)
        if index is not None and self.frozen_heap is not None:
            self.frozen_heap.settle(replaced)
