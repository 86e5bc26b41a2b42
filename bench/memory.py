"""Resident memory of a process serving the stored 1x index, against one that only imports.

    .venv/bin/python -m bench.memory [--questions 400] [--runs 3] [--quick] [--json OUT]

The parent builds the 1x index into a temporary SQLite file, then starts fresh processes (each
measured ``--runs`` times, medians shown):

- ``imports``          imports what loading needs (``index.storage.service``: numpy, PyStemmer,
                       pydantic, aiosqlite, …; scipy and rapidfuzz come with the first questions
                       that need them) and nothing else: the baseline;
- ``serving``          the same imports, then ``index.storage.service.load_index`` of the stored
                       index and ``SearchIndex.search`` over a few hundred realistic
                       questions;
- ``… + discord.py``   both again with discord.py imported too, as the bot process has it.

Figures are peak resident memory (VmHWM in /proc/self/status, the kernel's high-water mark of RSS)
and the RSS at the end, in MB (10^6 bytes); the target (≤ 200 MB) applies to the serving
process's peak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import (
    CORPUS,
    base_parser,
    build_index,
    machine_note,
    memory_mb,
    print_table,
    question_set,
    require_shared,
    temp_dir,
    verdict,
    write_json,
)

TARGET_MB = 200.0


def child(mode: str, db: Path | None, questions: int, with_discord: bool) -> dict[str, Any]:
    """What one measured process does; returns its figures (printed as JSON by ``main``)."""
    import index.storage.service  # noqa: F401  (measured: everything the index side imports)
    from index.storage.service import load_index
    from index.storage.store import IndexStore

    if with_discord:
        import discord  # noqa: F401

    out: dict[str, Any] = {"after_imports": memory_mb()}
    if mode == "imports":
        return out
    assert db is not None

    async def load() -> Any:
        store = await IndexStore.open(db)
        try:
            return await load_index(store)
        finally:
            await store.close()

    served = asyncio.run(load())
    assert served is not None, "no stored index"
    out["after_load"] = memory_mb()
    titles = [p.title for p in served.posts]
    headings = [
        (served.posts[int(served.passage_post[i])].title, p.heading)
        for i, p in enumerate(served.passages)
        if p.heading
    ]
    asked = question_set(titles, headings)[:questions]
    answered = sum(not served.search(q, k=5).declined for q in asked)
    out["after_serving"] = memory_mb()
    out["questions"] = len(asked)
    out["answered"] = answered
    out["passages"] = len(served.passages)
    return out


def run_child(mode: str, db: Path, questions: int, with_discord: bool) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.memory", "--child", mode, "--db", str(db)]
    cmd += ["--questions", str(questions)] + (["--discord"] if with_discord else [])
    done = subprocess.run(
        cmd, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1]
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["imports", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--discord", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.db, args.questions, args.discord)))
        return 0
    require_shared()
    runs = 1 if args.quick else args.runs
    print(f"Resident memory ({machine_note()})")
    with temp_dir() as tmp:
        db = tmp / "index.sqlite3"
        build_index(db, CORPUS)
        cases = {
            "imports": ("imports", False),
            "serving": ("serve", False),
            "imports + discord.py": ("imports", True),
            "serving + discord.py": ("serve", True),
        }
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, like the other benchmarks
            for name, (mode, with_discord) in cases.items():
                results[name].append(run_child(mode, db, args.questions, with_discord))

    def med(name: str, stage: str, key: str) -> float | None:
        values = [r[stage][key] for r in results[name] if stage in r]
        return statistics.median(values) if values else None

    rows: list[list[Any]] = []
    for name in cases:
        last = "after_serving" if name.startswith("serving") else "after_imports"
        base = "imports + discord.py" if "discord" in name else "imports"
        peak = med(name, last, "peak")
        assert peak is not None
        base_peak = med(base, "after_imports", "peak")
        assert base_peak is not None
        load_peak = med(name, "after_load", "peak")
        rows.append(
            [
                name,
                med(name, "after_imports", "rss"),
                "-" if load_peak is None else load_peak,
                peak,
                med(name, last, "rss"),
                peak - base_peak,
            ]
        )
    served = results["serving"][0]
    print(
        f"\n{served['questions']} questions served ({served['answered']} answered) over "
        f"{served['passages']} passages; {runs} run(s) per process kind"
    )
    print_table(
        "Memory (MB, medians)",
        ["process", "RSS after imports", "peak after load", "peak", "RSS at end", "peak - imports"],
        rows,
    )
    serving_peak = next(r[3] for r in rows if r[0] == "serving")
    print_table(
        "Target",
        ["target", "measured", "verdict"],
        [
            [
                "peak RSS serving the 1x index ≤ 200 MB",
                f"{serving_peak:.0f} MB",
                verdict(serving_peak <= TARGET_MB),
            ]
        ],
    )
    write_json(args.json, {"benchmark": "memory", "machine": machine_note(), "runs": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
