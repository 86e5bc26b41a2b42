"""Memory and reindex cost on a varied N× copy of the site (the issue's "Done means" figures).

    .venv/bin/python -m bench.scale [--copies 10 30] [--edits 3] [--json OUT]

Per scale, over a site built by ``bench.common.build_site`` (each copy with its own ids, dates,
URLs and wording):

- ``cold index``     a fresh process indexes the site into a new SQLite file (wall time, and the
                     process's peak RSS);
- ``load``           a fresh process (the serving one) loads the stored index as the bot does
                     (``IndexService.ensure``, warmed: its term-major postings built): the wall
                     time and the process's peak RSS so far;
- ``after load``     the same process answers a few questions: its RSS;
- ``one-post``       the same process: one post's text changes, ``await reindex()``; the wall
                     time and the peak RSS during it (the kernel's high-water mark, reset just
                     before through ``/proc/self/clear_refs``), ``--edits`` times, medians;
- ``where it goes``  in the serving process, the sizes of what the live index holds (numpy
                     arrays by attribute, Python objects by ``sys.getsizeof`` walks).

Targets (the issue's, on the 10x copy): serving ≤ 400 MB after load; peak during a one-post
reindex ≤ 1.3× that; a one-post reindex ≤ 5 % of a cold index.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    base_parser,
    build_site,
    machine_note,
    memory_mb,
    post_files,
    print_table,
    require_shared,
    temp_dir,
    verdict,
    write_json,
)

ROOT = Path(__file__).resolve().parents[1]


def _reset_peak() -> None:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux ≥ 4.0)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")


def _deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes of ``obj`` and what it holds (containers, pydantic models), each object once."""
    total = 0
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            # (a view's bytes are its base array's; an array over a bytes-like buffer owns them)
            owns = not isinstance(o.base, np.ndarray)
            total += o.nbytes + sys.getsizeof(o) if owns else sys.getsizeof(o)
            continue
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        elif hasattr(o, "__dict__") and not isinstance(o, type):
            stack.append(vars(o))
        elif hasattr(o, "__slots__"):
            stack.extend(getattr(o, s) for s in o.__slots__ if hasattr(o, s))
    return total


def where_it_goes(index: Any) -> dict[str, float]:
    """MB held by each attribute of the live index (each object counted once, in this order)."""
    seen: set[int] = set()
    out: dict[str, float] = {}
    for name, value in vars(index).items():
        if name == "data":
            for field in ("vocab", "post_ids", "fields"):
                out[f"data.{field}"] = _deep_size(getattr(value, field), seen) / 1e6
        out[name] = _deep_size(value, seen) / 1e6
    return {k: round(v, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v >= 0.5}


def child_cold(db: Path, site: Path) -> dict[str, Any]:
    from index.storage.service import IndexService

    async def run() -> float:
        service = await IndexService.open(db, site)
        try:
            started = time.perf_counter()
            await service.reindex()
            return time.perf_counter() - started
        finally:
            await service.close()

    seconds = asyncio.run(run())
    return {"seconds": seconds, "peak": memory_mb()["peak"]}


def child_serve(db: Path, site: Path, edits: int) -> dict[str, Any]:
    import gc

    from index.storage.service import IndexService

    out: dict[str, Any] = {}

    async def run() -> None:
        service = await IndexService.open(db, site)
        try:
            await service.keep_warm()  # (as the bot: each index warmed before it is served)
            started = time.perf_counter()
            index = await service.ensure()
            out["load_seconds"] = time.perf_counter() - started
            out["load_peak"] = memory_mb()["peak"]
            for q in ("what is alphago", "facial recognition bans", "gpt-3 cost"):
                index.search(q, k=5)
            gc.collect()
            out["after_load"] = memory_mb()["rss"]
            out["passages"] = len(index.passages)
            out["posts"] = len(index.posts)
            out["where"] = where_it_goes(index)
            del index
            gc.collect()
            times, peaks, after = [], [], []
            for path in post_files(site)[1 : 1 + edits]:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                path.write_text(text + "\n\nOne more line.\n", "utf-8", errors="surrogateescape")
                gc.collect()
                _reset_peak()
                started = time.perf_counter()
                report = await service.reindex()
                times.append(time.perf_counter() - started)
                peaks.append(memory_mb()["peak"])
                assert len(report.changed) == 1, report
                service.current.search("what is alphago", k=5)  # type: ignore[union-attr]
                gc.collect()
                after.append(memory_mb()["rss"])
            out["reindex_seconds"] = statistics.median(times)
            out["reindex_peak"] = statistics.median(peaks)
            out["after_reindex"] = statistics.median(after)
        finally:
            await service.close()

    asyncio.run(run())
    return out


def _run_child(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.scale", "--child", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(copies: int, edits: int, tmp: Path) -> dict[str, Any]:
    site = build_site(tmp / f"site-{copies}x", copies)
    db = tmp / f"index-{copies}x.sqlite3"
    cold = _run_child("cold", str(db), str(site))
    serve = _run_child("serve", str(db), str(site), str(edits))
    return {"copies": copies, "cold": cold, **serve, "db_mb": db.stat().st_size / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[10])
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, db, site, *rest = args.child
        if kind == "cold":
            result = child_cold(Path(db), Path(site))
        else:
            result = child_serve(Path(db), Path(site), int(rest[0]))
        print(json.dumps(result))
        return 0
    require_shared()
    print(f"Memory and reindex cost ({machine_note()})")
    results = []
    with temp_dir() as tmp:
        for copies in args.copies:
            r = measure(copies, 1 if args.quick else args.edits, tmp)
            results.append(r)
            size = f"{r['posts']} posts, {r['passages']} passages, db {r['db_mb']:.0f} MB"
            print(f"\n{copies}x: {size}")
            print_table(
                f"Where the serving index's memory goes, {copies}x (MB, by attribute)",
                ["attribute", "MB"],
                list(r["where"].items()),
            )
    rows = [
        [
            f"{r['copies']}x",
            r["cold"]["seconds"],
            r["cold"]["peak"],
            r["load_seconds"],
            r["load_peak"],
            r["after_load"],
            r["reindex_peak"],
            r["reindex_peak"] / r["after_load"],
            r["after_reindex"],
            r["reindex_seconds"],
            100 * r["reindex_seconds"] / r["cold"]["seconds"],
        ]
        for r in results
    ]
    print_table(
        "Serving memory (MB) and reindex cost (s)",
        [
            "site",
            "cold s",
            "cold peak",
            "load s",
            "load peak",
            "RSS after load",
            "one-post peak",
            "peak/load",
            "RSS after",
            "one-post s",
            "% of cold",
        ],
        rows,
    )
    ten = next((r for r in results if r["copies"] == 10), None)
    if ten is not None:
        load, peak = ten["after_load"], ten["reindex_peak"]
        share = ten["reindex_seconds"] / ten["cold"]["seconds"]
        print_table(
            "Targets (10x)",
            ["target", "measured", "verdict"],
            [
                ["serving ≤ 400 MB after load", f"{load:.0f} MB", verdict(load <= 400)],
                [
                    "one-post reindex peak ≤ 1.3× after load",
                    f"{peak / load:.2f}×",
                    verdict(peak <= 1.3 * load),
                ],
                ["one-post reindex ≤ 5 % of cold", f"{100 * share:.1f} %", verdict(share <= 0.05)],
            ],
        )
    write_json(args.json, {"benchmark": "scale", "machine": machine_note(), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
