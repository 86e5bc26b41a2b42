"""What a reindex leaves on the event loop: the bot answers questions and keeps its gateway
heartbeat on that loop, so the site-sized steps (scanning the folder, reading and hashing every
file, copying statistics) must run in worker threads or processes, and no garbage collection may
walk a whole site's objects. Checked by where they run and what the collector sees, not by timing
them (timings are ``bench.loop_stall``'s job)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from retrieval_support import copy_site

import index.storage.indexer
import index.storage.service
from index.retrieval.passage_table import TextSource
from index.search import SearchIndex
from index.storage.service import FrozenHeap, IndexService
from index.terms.fields import IndexData


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a worker thread: no loop runs here
        return False
    return True


async def test_a_reindex_reads_hashes_and_copies_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(tmp_path / "site")
    # Two posts at one URL: the one Jekyll does not publish has its statistics dropped.
    for name, title in [("2024-06-01-kelp.md", "Kelp"), ("2024-06-02-kelp-again.md", "Kelp 2")]:
        (site / "_posts" / "briefs" / name).write_text(
            f"---\ntitle: {title}\npermalink: /briefs/kelp/\n---\n\nKelp forests.\n", "utf-8"
        )
    on_loop: list[str] = []

    def watched(owner: Any, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if _on_event_loop():
                on_loop.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, call)

    watched(index.storage.indexer, "find_site")
    watched(index.storage.indexer, "scan_post_files")
    watched(Path, "read_bytes")
    watched(IndexData, "select")

    service = await IndexService.open(tmp_path / "db.sqlite3", site)
    try:
        report = await service.reindex()  # first build: every file read and hashed
        assert any("briefs/kelp" in i.reason for i in report.issues)
        for post in sorted((site / "_posts").rglob("*.md"))[:3]:
            post.write_text(post.read_text("utf-8") + "\nOne more line.\n", "utf-8")
        await service.reindex()  # changed files read again
    finally:
        await service.close()
    assert on_loop == []


async def test_no_full_collection_is_run_while_a_reindex_parses(tmp_path: Path) -> None:
    # A full collection walks every parsed post and holds the interpreter (and the loop) for
    # 0.1–1 s on a large site: none is triggered while parsing; the thresholds come back after.
    site = copy_site(tmp_path / "site")
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    service = await IndexService.open(tmp_path / "db.sqlite3", site)
    try:
        await service.reindex(lambda done, total: seen.append(gc.get_threshold()))
    finally:
        await service.close()
    assert seen and all(t[:2] == before[:2] and t[2] >= 1_000_000 for t in seen)
    assert gc.get_threshold() == before


async def test_no_full_collection_is_run_while_the_new_index_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parsed posts are alive until the new index is made from them (in a worker thread):
    # a full collection then walks them all as it would while parsing.
    site = copy_site(tmp_path / "site")
    seen: list[tuple[int, int, int]] = []
    followed = index.storage.service._followed

    def watched(
        current: SearchIndex | None, result: index.storage.indexer.Refresh, texts: TextSource
    ) -> SearchIndex:
        seen.append(gc.get_threshold())
        return followed(current, result, texts)

    monkeypatch.setattr(index.storage.service, "_followed", watched)
    service = await IndexService.open(tmp_path / "db.sqlite3", site)
    try:
        await service.reindex()
    finally:
        await service.close()
    assert seen and all(t[2] >= 1_000_000 for t in seen)


@pytest.fixture
def thawed() -> Iterator[None]:
    """Whatever a test freezes goes back to the collected generations after it."""
    yield
    gc.unfreeze()
    gc.collect()


def _frozen(obj: object) -> bool:
    """Moved out of the collected generations by ``gc.freeze`` (tracked, but in none of them)."""
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def _edit_a_post(site: Path, n: int) -> None:
    post = sorted((site / "_posts").rglob("*.md"))[0]
    post.write_text(post.read_text("utf-8") + f"\nOne more line ({n}).\n", "utf-8")


class _Knot:
    """An object in a reference cycle: only a full collection frees it."""

    def __init__(self, held: object = None) -> None:
        self.held = held
        self.me = self


async def test_a_frozen_heap_still_frees_each_replaced_index(tmp_path: Path, thawed: None) -> None:
    # The served index is frozen (no collection walks it), so it is freed by reference counting
    # when a swap replaces it; one kept by a reference cycle is freed by the full pass of the
    # swap after, and so is other garbage frozen in cycles once what is frozen grew by a quarter.
    site = copy_site(tmp_path / "site")
    service = await IndexService.open(tmp_path / "db.sqlite3", site)
    service.frozen_heap = FrozenHeap(count_every=1)  # (counted at every swap here)
    try:
        await service.reindex()  # a cold build, followed in memory
        first = weakref.ref(service.current)
        assert _frozen(service.current)
        _edit_a_post(site, 1)
        await service.reindex()
        assert first() is None  # frozen, so freed by the swap itself (no cycle holds it)
        assert _frozen(service.current)

        knots: list[_Knot] = []
        service.on_swap = lambda index: knots.append(_Knot(index))
        _edit_a_post(site, 2)
        await service.reindex()  # the index swapped in is held by a cycle, frozen with it
        service.on_swap = None
        knotted = weakref.ref(service.current)
        knots.clear()  # the cycle is garbage now, but frozen: only a full pass can tell
        _edit_a_post(site, 3)
        await service.reindex()
        assert knotted() is not None  # replaced, but held by its (frozen) cycle
        _edit_a_post(site, 4)
        await service.reindex()  # the index replaced before is still alive: a full pass
        assert knotted() is None

        # Cycles frozen with an index and dropped since, once what is frozen grew by a quarter
        # since that full pass (a fifth frozen then dropped, a tenth more alive).
        frozen_after_pass = gc.get_freeze_count()
        knots = [_Knot() for _ in range(frozen_after_pass // 5)]
        dropped = weakref.ref(knots[0])
        _edit_a_post(site, 5)
        await service.reindex()
        knots.clear()
        assert dropped() is not None and _frozen(dropped())
        more = [_Knot() for _ in range(frozen_after_pass // 10)]
        _edit_a_post(site, 6)
        await service.reindex()  # frozen objects grew by more than a quarter (with ``more``)
        assert dropped() is not None and _frozen(more[0])
        _edit_a_post(site, 7)
        await service.reindex()  # so a full pass at the next swap
        assert dropped() is None and _frozen(more[0])
    finally:
        await service.close()
