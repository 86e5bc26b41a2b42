"""Indexing time: cold 1x, re-index after one post changes, cold 10x, against same-run baselines.

    .venv/bin/python -m bench.indexing [--runs 5] [--quick] [--profile] [--json OUT]

- ``cold 1x``     ``IndexService.open`` + ``await reindex()`` of the shared corpus into a fresh
                  SQLite file (wall time, including loading the new index for searching; the
                  indexer's own ``IndexReport.seconds`` is shown beside it);
- ``reindex one`` in a temporary copy of the site, one post's text changes (a sentence appended;
                  a different post each run), then ``await reindex()``; also a reindex with
                  nothing changed (the fixed cost: scan, load and swap);
- ``cold 10x``    as cold 1x over a temporary site holding ten copies of the posts.

Baselines, timed in the same runs: reading every post file and parsing it with
python-frontmatter (what any tool must do at the least), and constructing rank-bm25's
``BM25Okapi`` over the same passage tokens our index holds (its "index build"; our cold index
runs BM25Okapi over every field itself: ``bench/model_build.py`` times that part).
The indexer parses in worker processes (one per CPU) when there are many files; the baselines run
in one process.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import frontmatter
from rank_bm25 import BM25Okapi

from bench.common import (
    CORPUS,
    base_parser,
    build_site,
    field_token_lists,
    machine_note,
    open_and_index,
    post_files,
    print_table,
    require_shared,
    temp_dir,
    verdict,
    write_json,
)

TARGET_COLD_1X = 1.0
TARGET_REINDEX_ONE = 0.100
TARGET_COLD_10X = 10.0


def read_and_parse(site: Path) -> Callable[[], int]:
    """Baseline: read every post and parse its front matter with python-frontmatter."""
    files = post_files(site)

    def run() -> int:
        failed = 0
        for path in files:
            try:
                frontmatter.loads(path.read_text(encoding="utf-8", errors="replace"))
            except Exception:  # broken YAML in the wild: counted, as our loader reports it
                failed += 1
        return failed

    return run


def cold_index(content: Path, tmp: Path) -> Callable[[], tuple[Any, Any]]:
    """One cold index of ``content`` into a new SQLite file: (SearchIndex, IndexReport)."""
    counter = iter(range(1_000_000))

    def run() -> tuple[Any, Any]:
        async def go() -> tuple[Any, Any]:
            service, report = await open_and_index(tmp / f"cold-{next(counter)}.sqlite3", content)
            await service.close()
            return service.current, report

        return asyncio.run(go())

    return run


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def cold_runs(content: Path, tmp: Path, runs: int) -> dict[str, Any]:
    """Cold index and both baselines, interleaved run by run; times in seconds."""
    parse = read_and_parse(content)
    parse()  # warm the page cache, so no run pays for the first disk read
    index = cold_index(content, tmp)
    times: dict[str, list[float]] = {"index": [], "indexer": [], "frontmatter": [], "rank-bm25": []}
    tokens: list[list[str]] | None = None
    report = None
    for _ in range(runs):
        times["frontmatter"].append(timed(parse)[0])
        seconds, (built, report) = timed(index)
        times["index"].append(seconds)
        times["indexer"].append(report.seconds)
        if tokens is None:
            tokens = field_token_lists(built.data, "body")
        times["rank-bm25"].append(timed(partial(BM25Okapi, tokens))[0])
    assert report is not None
    return {
        "posts": report.posts,
        "passages": report.passages,
        "issues": len(report.issues),
        "median_s": {k: statistics.median(v) for k, v in times.items()},
        "runs_s": times,
    }


def reindex_runs(tmp: Path, runs: int) -> dict[str, Any]:
    """One post changed, then reindex; and a no-change reindex. Interleaved, times in seconds."""
    site = build_site(tmp / "site-1x", 1)
    parse = read_and_parse(site)
    files = post_files(site)
    rng = random.Random(0)

    async def go() -> dict[str, Any]:
        service, _ = await open_and_index(tmp / "edits.sqlite3", site)
        times: dict[str, list[float]] = {"one": [], "one_indexer": [], "none": [], "fm": []}
        try:
            await service.reindex()  # settle: nothing changed since the cold index
            for run in range(runs):
                path = rng.choice(files)
                with path.open("a", encoding="utf-8") as f:
                    f.write(f"\n\nBenchmark edit {run}: robots read the news again.\n")
                t0 = time.perf_counter()
                report = await service.reindex()
                times["one"].append(time.perf_counter() - t0)
                times["one_indexer"].append(report.seconds)
                changed = report.changed + report.added
                assert len(changed) == 1, f"expected one changed post, got {changed}"

                t0 = time.perf_counter()
                report = await service.reindex()
                times["none"].append(time.perf_counter() - t0)
                assert not report.changed and not report.added, "nothing should have changed"
                times["fm"].append(timed(parse)[0])
        finally:
            await service.close()
        return {
            "median_s": {k: statistics.median(v) for k, v in times.items()},
            "runs_s": times,
        }

    return asyncio.run(go())


def profile_all(tmp: Path) -> None:
    """Where the time goes: parsing+analysis (what the workers do), one edit's reindex, loading."""
    from index.ingest.loader import parse_post
    from index.ingest.site import find_site, iter_post_files
    from index.models import LoadIssue
    from index.terms.fields import analyze_post

    def show(title: str, prof: cProfile.Profile, lines: int = 22) -> None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(lines)
        text = out.getvalue()
        print(f"\n--- cProfile: {title} (by own time)")
        print(text[text.find("   ncalls") :].rstrip())

    posts_root, site_config = find_site(CORPUS)
    prof = cProfile.Profile()
    prof.enable()
    for path in iter_post_files(posts_root):
        parsed = parse_post(path, posts_root, site_config)
        if not isinstance(parsed, LoadIssue):
            analyze_post(parsed)
    prof.disable()
    show("parse_post + analyze_post of every 1x post, one process", prof)

    site = build_site(tmp / "site-profile", 1)

    from index.storage.service import load_index

    async def go() -> None:
        service, _ = await open_and_index(tmp / "profile.sqlite3", site)
        path = post_files(site)[0]
        path.write_text(path.read_text(encoding="utf-8") + "\n\nOne more line.\n", "utf-8")
        prof = cProfile.Profile()
        prof.enable()
        await service.reindex()
        prof.disable()
        show("reindex after one post changed (main thread only)", prof)
        prof = cProfile.Profile()
        prof.enable()
        await load_index(service.store)
        prof.disable()
        show("load_index (IndexStore.load + SearchIndex) of the 1x index", prof)
        await service.close()

    asyncio.run(go())


def cold_row(scale: str, result: dict[str, Any], runs: str) -> list[object]:
    """A table row for a cold index: ours, then both baselines and our ratios to them."""
    m = result["median_s"]
    return [
        f"cold {scale} ({result['posts']} posts, {result['passages']} passages), {runs}",
        m["index"],
        m["indexer"],
        m["frontmatter"],
        m["rank-bm25"],
        m["index"] / m["frontmatter"],
        m["index"] / m["rank-bm25"],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of cold 1x (default 5)")
    parser.add_argument("--edits", type=int, default=15, help="one-post edits (default 15)")
    parser.add_argument("--runs-10x", type=int, default=2, help="runs of cold 10x (default 2)")
    parser.add_argument("--skip-10x", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile where indexing goes")
    args = parser.parse_args(argv)
    require_shared()
    if args.quick:
        args.runs, args.edits, args.runs_10x = 2, 4, 1
    print(f"Indexing time ({machine_note()})")
    with temp_dir() as tmp:
        cold = cold_runs(CORPUS, tmp, args.runs)
        edits = reindex_runs(tmp, args.edits)
        big = None
        if not args.skip_10x:
            big = cold_runs(build_site(tmp / "site-10x", 10), tmp, args.runs_10x)
        if args.profile:
            profile_all(tmp)

    c, e = cold["median_s"], edits["median_s"]
    rows = [
        cold_row("1x", cold, f"{args.runs} runs"),
        [
            f"reindex, one post changed, {args.edits} runs",
            e["one"],
            e["one_indexer"],
            e["fm"],
            None,
            e["one"] / e["fm"],
            None,
        ],
        ["reindex, nothing changed", e["none"], None, e["fm"], None, e["none"] / e["fm"], None],
    ]
    if big:
        rows.append(cold_row("10x", big, f"{args.runs_10x} run(s)"))
    print_table(
        "Indexing (medians, seconds; ratios = ours / baseline)",
        [
            "",
            "ours wall",
            "indexer",
            "frontmatter read+parse",
            "BM25Okapi build",
            "/ frontmatter",
            "/ BM25Okapi",
        ],
        [["-" if v is None else v for v in row] for row in rows],
    )
    targets = [
        ["cold 1x ≤ 1 s", f"{c['index']:.2f} s", verdict(c["index"] <= TARGET_COLD_1X)],
        [
            "reindex one post ≤ 100 ms",
            f"{e['one'] * 1000:.0f} ms",
            verdict(e["one"] <= TARGET_REINDEX_ONE),
        ],
    ]
    if big:
        b = big["median_s"]
        targets.append(
            ["cold 10x ≤ 10 s", f"{b['index']:.2f} s", verdict(b["index"] <= TARGET_COLD_10X)]
        )
    print_table("Targets (absolute, this machine)", ["target", "measured", "verdict"], targets)
    write_json(
        args.json,
        {
            "benchmark": "indexing",
            "machine": machine_note(),
            "cold_1x": cold,
            "reindex": edits,
            "cold_10x": big,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
