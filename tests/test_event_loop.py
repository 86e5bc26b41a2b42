"""What a reindex leaves on the event loop: the bot answers questions and keeps its gateway
heartbeat on that loop, so the site-sized steps (scanning the folder, reading and hashing every
file, copying statistics) must run in worker threads or processes. Checked by where they run,
not by timing them (timings are ``bench.loop_stall``'s job)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from retrieval_support import copy_site

import index.indexer
from index.fields import IndexData
from index.service import IndexService


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

    watched(index.indexer, "find_site")
    watched(index.indexer, "scan_post_files")
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
