"""Run every benchmark, one fresh process each: retrieval, indexing, memory, scale, start-up.

    .venv/bin/python -m bench.run_all [--quick] [--json-dir DIR]

Takes about 7 minutes on 2 cores (about two with ``--quick``). Other benchmarks in
``bench/`` (such as the bot's) are run on their own; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ("retrieval", "indexing", "memory", "scale", "startup")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--json-dir", type=Path, help="write each benchmark's figures here")
    args = parser.parse_args(argv)
    failed = []
    for name in BENCHMARKS:
        cmd = [sys.executable, "-m", f"bench.{name}"]
        if args.quick:
            cmd.append("--quick")
        if args.json_dir:
            cmd += ["--json", str(args.json_dir / f"{name}.json")]
        print(f"\n######## bench.{name}", flush=True)
        started = time.perf_counter()
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            failed.append(name)
        print(f"(bench.{name}: {time.perf_counter() - started:.0f} s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
