"""The content scan of every alert poll and reindex (``scan_post_files``: which post files the
site holds, ``<category>/_posts`` folders included) on a site with big asset trees, against the
same scan from an earlier commit and against a walk of every folder, in the same run.

    .venv/bin/python -m bench.site_scan [--before main] [--files 20000] [--runs 15] [--quick]

The site: the shared corpus's posts in ``_posts/``, a category's ``movies/_posts``, and
``--files`` empty files in each of ``assets/`` (which Jekyll walks, so the scan does too),
``node_modules/`` (a default exclude), ``_site/`` (a "_" folder) and ``public/`` (the config's
``destination``; with ``--no-destination``, an asset folder like the others), 100 files a
folder. ``--before`` names the commit whose
``index/ingest/site.py`` is the baseline (loaded from git into this process). Each run times
the three interleaved; figures are the medians and their ratios, and the files found must be
the same for the two scans.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.common import (
    CORPUS,
    ROOT,
    base_parser,
    machine_note,
    print_table,
    require_shared,
    temp_dir,
    write_json,
)
from index.ingest import site as current

BIG_FOLDERS = ("assets", "node_modules", "_site", "public")


def old_site_module(commit: str) -> ModuleType:
    """``index/ingest/site.py`` as it was at ``commit``, as a module of ``index.ingest`` (its
    relative imports then resolve to this checkout's ``models`` and ``yamltools``)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:index/ingest/site.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = "index.ingest._site_before"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "index.ingest"
    sys.modules[name] = module
    exec(compile(source, f"{commit}:index/ingest/site.py", "exec"), module.__dict__)
    return module


def build(site: Path, files: int, destination: bool = True) -> Path:
    shutil.copytree(CORPUS / "_posts", site / "_posts")
    config = (CORPUS / "_config.yml").read_text(encoding="utf-8")
    config += "\ndestination: public\n" if destination else ""
    (site / "_config.yml").write_text(config, encoding="utf-8")
    movies = site / "movies" / "_posts"
    movies.mkdir(parents=True)
    (movies / "2020-01-01-film.md").write_text("---\ntitle: Film\n---\nA film.\n", "utf-8")
    for top in BIG_FOLDERS:
        for n in range(files // 100):
            folder = site / top / f"d{n // 20:03d}" / f"s{n:04d}"
            folder.mkdir(parents=True)
            for f in range(100):
                (folder / f"f{f:03d}.png").touch()
    return site


def full_walk(site: Path) -> list[Path]:
    """Every folder of the site listed: what a walk without Jekyll's filter costs."""
    found = []
    for dirpath, dirnames, _ in os.walk(site):
        if "_posts" in dirnames and dirpath != str(site):
            found.append(Path(dirpath, "_posts"))
    return found


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--before", default="main", help="the baseline's commit (default main)")
    parser.add_argument("--files", type=int, default=20_000, help="files in each big folder")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-destination", action="store_true", help="public/ is no build")
    args = parser.parse_args()
    require_shared()
    runs = 3 if args.quick else args.runs
    before = old_site_module(args.before)
    with temp_dir() as tmp:
        site = build(tmp / "site", args.files, destination=not args.no_destination)
        posts = site / "_posts"
        old, new = before.scan_post_files(posts), current.scan_post_files(posts)
        same = old.files == new.files
        variants: dict[str, Callable[[], Any]] = {
            f"scan at {args.before}": lambda: before.scan_post_files(posts),
            "scan now": lambda: current.scan_post_files(posts),
            "every folder walked": lambda: full_walk(site),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, fn in variants.items():
                times[name].append(timed(fn))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    now = medians["scan now"]
    rows = [[name, f"{ms:.2f}", f"{ms / now:.2f}x"] for name, ms in medians.items()]
    print_table(
        f"Content scan, {len(new.files)} posts, {args.files:,} files in each of "
        f"{', '.join(BIG_FOLDERS)}{' (no destination)' if args.no_destination else ''}"
        f" ({runs} runs; {machine_note()})",
        ["variant", "median ms", "÷ now"],
        rows,
    )
    print(f"\nSame post files found before and now: {same} ({len(new.files)})")
    write_json(
        args.json,
        {"files": args.files, "runs": runs, "medians_ms": medians, "same_files": same},
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
