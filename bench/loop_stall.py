"""Event-loop stalls while the index changes: what a bot answering questions would feel.

    .venv/bin/python -m bench.loop_stall [--copies 1] [--edits 5] [--json OUT]

A probe task wakes every millisecond on the event loop and records how late it woke: the
longest lateness is the longest stall, a time during which no question could be answered and no
gateway heartbeat sent. Measured over a site of ``--copies`` copies of the shared corpus:

- ``cold index``   ``IndexService.reindex()`` into a new SQLite file (worker processes parse);
- ``one-post``     a sentence appended to one post, then ``reindex()`` (median over ``--edits``);
- ``reload``       a second service on the same file loading the stored index
                   (``reload_if_changed`` after another process committed), median likewise.

The process keeps its heap as the bot does once started (``bot/runner.py``): what is alive is
collected and frozen (``gc.freeze()``: moved out of the collected generations), then each index
swapped in is frozen too by one ``index.storage.service.FrozenHeap`` shared by both services,
so that collections (set off by any allocation, in any thread, and holding the interpreter
meanwhile) do not walk the whole index.
The baseline in the same run is the probe's own lateness with nothing else on the loop (the
machine's noise): stalls are reported beside it. On a machine shared with other work, a thread
holding the interpreter is also descheduled at times, which adds to a stall what it does not cost:
compare runs at a similar load.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import (
    base_parser,
    build_site,
    machine_note,
    post_files,
    print_table,
    require_shared,
    temp_dir,
    write_json,
)


async def longest_stall(work: Callable[[], Awaitable[object]]) -> float:
    """The longest lateness (ms) of a 1 ms ticker on this event loop while ``work`` runs."""
    worst = 0.0
    done = False

    async def probe() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, (time.perf_counter() - before - 0.001) * 1000)

    ticker = asyncio.create_task(probe())
    await asyncio.sleep(0.01)
    try:
        await work()
    finally:
        done = True
        await ticker
    return worst


async def measure(site: Path, tmp: Path, edits: int) -> dict[str, Any]:
    from index.storage.service import FrozenHeap, IndexService

    db = tmp / "stall.sqlite3"
    out: dict[str, Any] = {}
    out["idle"] = await longest_stall(lambda: asyncio.sleep(1.0))
    bot = await IndexService.open(db, site)
    other = await IndexService.open(db, site)
    gc.collect()  # as ``bot.runner.serve`` does once started (``freeze_heap``)
    gc.freeze()
    bot.frozen_heap = other.frozen_heap = FrozenHeap()
    try:
        out["cold index"] = await longest_stall(bot.reindex)
        await other.ensure()
        one, reload = [], []
        for path in post_files(site)[:edits]:
            path.write_text(path.read_text(encoding="utf-8") + "\n\nOne more line.\n", "utf-8")
            one.append(await longest_stall(bot.reindex))
            reload.append(await longest_stall(other.reload_if_changed))
        out["one-post reindex"] = statistics.median(one)
        out["reload"] = statistics.median(reload)
    finally:
        await other.close()
        await bot.close()
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--copies", type=int, default=1, help="copies of the corpus (default 1)")
    parser.add_argument("--edits", type=int, default=5, help="one-post edits (default 5)")
    args = parser.parse_args()
    require_shared()
    print(machine_note())
    with temp_dir() as tmp:
        site = build_site(tmp / "site", args.copies)
        figures = asyncio.run(measure(site, tmp, 2 if args.quick else args.edits))
    print_table(
        f"Longest event-loop stall, {args.copies}x (ms)",
        ["while", "stall"],
        [[name, value] for name, value in figures.items()],
    )
    write_json(args.json, {"copies": args.copies, "stall_ms": figures})


if __name__ == "__main__":
    main()
