"""Incremental (re)indexing: content folder → store, parsing only what changed.

A file is unchanged when its size and modification time match what was stored (no read at all), or
failing that, when its sha256 fingerprint does. Unchanged posts keep their analysed documents as
they are in the stored term statistics; new and changed files are parsed (in worker processes
when there are many) and appended; removed files disappear. The result is committed in one
transaction, so searchers switch from the old index to the new one atomically.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Set
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..ingest.duplicates import duplicate_reason, duplicate_winner, shadowed_posts
from ..ingest.loader import is_scheduled, parse_post
from ..ingest.site import find_site, scan_post_files
from ..ingest.site import post_id as id_of_post
from ..models import IndexReport, LoadIssue, ParsedPost, Passage, Post, SiteConfig
from ..terms.fields import INDEX_FORMAT, PHRASE_BUCKETS, IndexData, analyze_post
from .store import (
    ConcurrentIndexChange,
    ContentVanished,
    FileState,
    IndexStore,
    StoredIssue,
)

ProgressCallback = Callable[[int, int], None]  # (files done, files to parse)

# Below this many files to parse, worker processes cost more to start than they save.
PROCESS_POOL_MIN_FILES = 150
CHUNK_MIN = 16


@dataclass(slots=True)
class Refresh:
    """What a refresh did, and what a live index needs to follow it without re-reading SQLite."""

    report: IndexReport
    committed: bool  # a new generation was written
    base_generation: int  # the generation the refresh started from
    generation: int  # the generation now stored
    data: IndexData
    upserts: list[tuple[Post, tuple[Passage, ...]]]  # new and changed posts
    built_at: dt.datetime


@dataclass(slots=True)
class _Pending:
    post_id: str
    path: Path
    data: bytes
    state: FileState


_ChunkResult = tuple[list[ParsedPost | LoadIssue], IndexData]  # a chunk's files, its statistics


def _parse_chunk(
    jobs: list[tuple[Path, bytes]], posts_root: Path, site: SiteConfig
) -> _ChunkResult:
    """Parse and analyse some files (in a worker process when there are many)."""
    parsed = [parse_post(path, posts_root, site, data=data) for path, data in jobs]
    terms = [analyze_post(p) for p in parsed if isinstance(p, ParsedPost)]
    return parsed, IndexData.from_posts(terms)


def _unreadable(post_id: str, exc: OSError) -> LoadIssue:
    reason = f"cannot read file: {exc.strerror or exc}"
    return LoadIssue(path=post_id, kind="skipped", reason=reason)


def _end_with_parent(parent: int) -> None:
    """Worker-process initializer: end this worker when the process that started it is gone.

    A parent killed with SIGKILL runs no clean-up, and an idle worker waits on its task queue
    for ever (holding the database's files and the parent's output); the worker then finds
    itself adopted (its parent id changes) and ends itself.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


@dataclass(slots=True)
class _Files:
    """The content folder sorted against what is stored: what to parse, keep or report."""

    pending: list[_Pending]  # new and changed files, read
    kept: set[str]  # unchanged posts
    touched: list[tuple[str, FileState]]  # unchanged posts with a new size or time
    kept_issues: list[LoadIssue]  # unchanged files' stored issues
    unreadable: list[LoadIssue]
    on_disk: set[str]


def _sort_files(
    posts_root: Path,
    old_states: dict[str, FileState],
    old_issues: dict[str, list[StoredIssue]],
) -> _Files:
    """Scan the posts folder and sort its files against what is stored, reading and hashing
    those whose size or time changed (file I/O and hashing over the whole site: callers run it
    off the event loop)."""
    scan = scan_post_files(posts_root)
    # Files that cannot be read are skipped with their reason; the rest is indexed.
    unreadable: list[LoadIssue] = list(scan.skipped)
    pending: list[_Pending] = []
    touched: list[tuple[str, FileState]] = []
    kept: set[str] = set()
    kept_issues: list[LoadIssue] = []
    recheck: list[tuple[str, Path, str, list[StoredIssue]]] = []
    on_disk: set[str] = set()
    for path in scan.files:
        post_id = id_of_post(path, posts_root)
        try:
            st = path.stat()
        except OSError as exc:  # e.g. deleted since the scan
            unreadable.append(_unreadable(post_id, exc))
            continue
        on_disk.add(post_id)
        stored = old_states.get(post_id)
        stored_issues = old_issues.get(post_id, [])
        known = (
            stored.fingerprint
            if stored
            else (stored_issues[0].state.fingerprint if stored_issues else None)
        )
        reasons = [s.issue.reason for s in stored_issues]
        winner = next(filter(None, map(duplicate_winner, reasons)), None)
        if winner:  # skipped for another post's URL: decided once all is scanned
            recheck.append((post_id, path, winner, stored_issues))
            continue
        prev = stored or (stored_issues[0].state if stored_issues else None)
        # A post skipped for its future date is read again until its time comes: Jekyll then
        # publishes it though its file did not change (and the bot announces it).
        due = any(map(is_scheduled, reasons))
        if not due and prev and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            if stored:
                kept.add(post_id)
            kept_issues += [s.issue for s in stored_issues]
            continue
        try:
            raw = path.read_bytes()
        except OSError as exc:  # no permission, or deleted since the scan
            unreadable.append(_unreadable(post_id, exc))
            on_disk.discard(post_id)
            continue
        state = FileState(hashlib.sha256(raw).hexdigest(), len(raw), st.st_mtime_ns)
        if not due and known == state.fingerprint:
            if stored:
                kept.add(post_id)
                touched.append((post_id, state))
            kept_issues += [s.issue for s in stored_issues]
            continue
        pending.append(_Pending(post_id, path, raw, state))
    # A post skipped for another's URL stays skipped while that post is unchanged; else it
    # is read again (the other post may have gone, or moved to another URL).
    for post_id, path, winner, stored_issues in recheck:
        try:
            st = path.stat()
            prev = stored_issues[0].state
            if winner in kept and (prev.size, prev.mtime_ns) == (st.st_size, st.st_mtime_ns):
                kept_issues += [s.issue for s in stored_issues]
                continue
            raw = path.read_bytes()
        except OSError as exc:
            unreadable.append(_unreadable(post_id, exc))
            on_disk.discard(post_id)
            continue
        state = FileState(hashlib.sha256(raw).hexdigest(), len(raw), st.st_mtime_ns)
        pending.append(_Pending(post_id, path, raw, state))
    return _Files(pending, kept, touched, kept_issues, unreadable, on_disk)


def _without(batches: list[IndexData], gone: Set[str]) -> list[IndexData]:
    """The parsed statistics without the posts in ``gone`` (copies: off the event loop)."""
    return [b.select(set(b.post_ids) - gone) if gone & set(b.post_ids) else b for b in batches]


class Indexer:
    """Builds and refreshes the stored index of one content folder."""

    def __init__(
        self, store: IndexStore, content: Path, workers: int | None = None, *, site_url: str = ""
    ) -> None:
        self.store = store
        self.content = content
        self.site_url = site_url  # the site's url whatever _config.yml says ("": its own)
        self.workers = workers or os.cpu_count() or 1
        # The statistics this indexer last committed, with their generation: the next refresh
        # starts from them instead of reading them back, unless another process wrote since.
        self._last: tuple[int, IndexData] | None = None

    def remember(self, generation: int, data: IndexData) -> None:
        """``data`` is what the store holds at ``generation`` (e.g. an index just loaded): the
        next refresh starts from it rather than reading (and holding) a second copy."""
        self._last = (generation, data)

    async def refresh(self, progress: ProgressCallback | None = None) -> Refresh:
        """Bring the stored index up to date with the content folder; returns what changed."""
        for attempt in range(3):
            try:
                return await self._refresh(progress)
            except ConcurrentIndexChange:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _refresh(self, progress: ProgressCallback | None) -> Refresh:
        started = time.perf_counter()
        if not self.content.exists():
            raise FileNotFoundError(f"content folder not found: {self.content}")
        # (file reads)
        posts_root, site = await asyncio.to_thread(find_site, self.content, self.site_url)
        content_key = str(self.content.resolve())
        # The site's settings and the index format: a change to either means reading all again.
        site_key = json.dumps(
            {"site": site.model_dump(), "format": INDEX_FORMAT, "pairs": PHRASE_BUCKETS}
        )
        store = self.store

        generation = await store.generation()
        stored_dir = await store.content_dir()
        same_site = stored_dir == content_key and await store.get_meta("site") == site_key
        first_index = generation == 0 or stored_dir != content_key
        if same_site and self._last is not None and self._last[0] == generation:
            old_data = self._last[1]
        else:
            loaded = await store.load_data() if same_site else None
            old_data = loaded[0] if loaded else IndexData()
            # Posts without usable statistics cannot be kept as they are: read them all again.
            same_site = same_site and loaded is not None
        # Everything indexed before (for reporting), and what may be reused (same site only).
        all_states = await store.file_states()
        all_issues = await store.stored_issues()
        stored_ids = set(all_states)
        stored_issue_paths = set(all_issues)
        old_states = all_states if same_site else {}
        old_issues = all_issues if same_site else {}

        # 1. Scan: which files are new, changed, unchanged, gone.
        files = await asyncio.to_thread(_sort_files, posts_root, old_states, old_issues)
        if not files.on_disk and stored_ids and stored_dir == content_key:
            raise ContentVanished(self.content, posts_root, len(stored_ids))
        pending, kept, touched = files.pending, files.kept, files.touched
        kept_issues, unreadable, on_disk = files.kept_issues, files.unreadable, files.on_disk

        # 2. Parse and analyse what changed.
        results = await self._parse(pending, posts_root, site, progress)

        parsed_files, batches = results
        upserts = []
        new_issues: list[tuple[LoadIssue, FileState]] = []
        for job, parsed in zip(pending, parsed_files, strict=True):
            if isinstance(parsed, LoadIssue):
                new_issues.append((parsed, job.state))
                continue
            new_issues += [(i, job.state) for i in parsed.issues]
            upserts.append((parsed.post, parsed.passages, job.state))

        # 2b. Posts sharing a URL: only the one Jekyll publishes there is indexed.
        urls = {pid: key for pid, key in (await store.post_urls()).items() if pid in kept}
        urls.update((post.id, (post.url, post.date)) for post, _, _ in upserts)
        losers = shadowed_posts(urls)
        if losers:
            states = dict(touched) | {j.post_id: j.state for j in pending}
            for post_id, (winner, url) in sorted(losers.items()):
                reason = duplicate_reason(winner, url)
                issue = LoadIssue(path=post_id, kind="skipped", reason=reason)
                new_issues.append((issue, states.get(post_id) or old_states[post_id]))
            kept -= losers.keys()
            upserts = [u for u in upserts if u[0].id not in losers]
            batches = await asyncio.to_thread(_without, batches, losers.keys())

        old_ids = set() if first_index else stored_ids
        # Rows of posts not kept are deleted; upserted ones come back (a different site: all go).
        removed = sorted(stored_ids - kept - {p.id for p, _, _ in upserts})
        data = await asyncio.to_thread(old_data.updated, kept, batches)

        # 3. Commit atomically (posts, passages, issues and term statistics together).
        cleared = sorted({j.post_id for j in pending} | (stored_issue_paths - on_disk))
        if not same_site:
            cleared = sorted(stored_issue_paths)
        built_at = dt.datetime.now(dt.UTC)
        committed = bool(pending or removed or touched or not same_site or generation == 0)
        issues = sorted(
            kept_issues + [i for i, _ in new_issues] + unreadable, key=lambda i: (i.path, i.kind)
        )
        result = Refresh(
            report=IndexReport(
                posts=len(data.post_ids),
                passages=data.n_passages,
                added=tuple(sorted(p.id for p, _, _ in upserts if p.id not in old_ids)),
                changed=tuple(sorted(p.id for p, _, _ in upserts if p.id in old_ids)),
                removed=tuple(sorted(stored_ids - set(data.post_ids))),
                issues=tuple(issues),
                first_index=first_index,
            ),
            committed=committed,
            base_generation=generation,
            generation=generation + 1 if committed else generation,
            data=data,
            upserts=[(post, passages) for post, passages, _ in upserts],
            built_at=built_at,
        )
        if committed:
            await store.commit_index(
                expected_generation=generation,
                content_dir=content_key,
                site=site_key,
                data=data,
                removed=removed,
                upserts=upserts,
                touched=touched,
                issues=new_issues,
                cleared_issue_paths=cleared,
                built_at=built_at,
            )
        self._last = (result.generation, data)
        result.report = result.report.model_copy(update={"seconds": time.perf_counter() - started})
        return result

    async def _parse(
        self,
        pending: list[_Pending],
        posts_root: Path,
        site: SiteConfig,
        progress: ProgressCallback | None,
    ) -> tuple[list[ParsedPost | LoadIssue], list[IndexData]]:
        """Parse and analyse the pending files, in chunks; returns results in input order."""
        total = len(pending)
        if progress:
            progress(0, total)
        jobs = [(p.path, p.data) for p in pending]
        # Eight chunks per worker: with fewer, one worker sat idle while the other finished a
        # large last chunk (cold 1x: 0.94 s median with four per worker, 0.88 s with eight).
        chunk = max(CHUNK_MIN, -(-total // (self.workers * 8)))
        chunks = [jobs[i : i + chunk] for i in range(0, total, chunk)]
        loop = asyncio.get_running_loop()
        parsed: list[ParsedPost | LoadIssue] = []
        batches: list[IndexData] = []
        done = 0

        async def collect(future: Awaitable[_ChunkResult], size: int) -> None:
            nonlocal done
            files, batch = await future
            parsed.extend(files)
            batches.append(batch)
            done += size
            if progress:
                progress(done, total)

        if total >= PROCESS_POOL_MIN_FILES and self.workers > 1:
            pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_end_with_parent, initargs=(os.getpid(),)
            )
            try:
                futures = [
                    loop.run_in_executor(pool, _parse_chunk, c, posts_root, site) for c in chunks
                ]
                for future, c in zip(futures, chunks, strict=True):
                    await collect(future, len(c))
            finally:  # (joining the workers takes tens of ms: off the event loop)
                # Cancelled (Ctrl-C on `briefbot index`, the bot stopping) or failed: the chunks
                # not yet started are dropped, not parsed to the end before the workers stop.
                await asyncio.to_thread(functools.partial(pool.shutdown, cancel_futures=True))
        else:
            for c in chunks:
                await collect(asyncio.to_thread(_parse_chunk, c, posts_root, site), len(c))
        return parsed, batches
