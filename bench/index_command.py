"""``briefbot index`` as a whole process, cold, against what it did before: the index stored and
then loaded for searching (``IndexService.reindex``), which a process that exits next never uses.

    .venv/bin/python -m bench.index_command [--runs 3] [--copies 1 10] [--quick] [--json OUT]

Per scale (``bench.common.build_site``'s varied copies of the shared corpus), each run indexes the
site into a fresh SQLite file twice, as fresh processes in alternating order (the machine is
shared: drift falls on both alike): ``briefbot index`` (``IndexService.update_stored``: stored,
not loaded) and the baseline, a process that opens the service and awaits ``reindex()``. Figures:
the median wall time (spawn to reap) and peak RSS (``os.wait4``), and their ratios.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    base_parser,
    build_site,
    machine_note,
    print_table,
    require_shared,
    temp_dir,
    write_json,
)

ROOT = Path(__file__).resolve().parents[1]
BRIEFBOT = Path(sys.executable).with_name("briefbot")


def _reindex_child(site: Path, db: Path) -> None:
    from index.storage.service import IndexService

    async def run() -> None:
        service = await IndexService.open(db, site)
        try:
            await service.reindex()
        finally:
            await service.close()

    asyncio.run(run())


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of ``cmd`` run as a fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return wall, usage.ru_maxrss / 1000


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=3, help="runs per scale (default 3)")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--child", nargs=2, help="(internal) site db: reindex() as before")
    args = parser.parse_args(argv)
    if args.child:
        _reindex_child(Path(args.child[0]), Path(args.child[1]))
        return 0
    require_shared()
    runs = 1 if args.quick else args.runs
    print(f"briefbot index, cold, as a process ({machine_note()})")
    rows, figures = [], {}
    with temp_dir() as tmp:
        for copies in args.copies:
            site = build_site(tmp / f"site{copies}", copies)
            times: dict[str, list[tuple[float, float]]] = {"index": [], "reindex": []}
            for n in range(runs):
                order = ["index", "reindex"] if n % 2 == 0 else ["reindex", "index"]
                for name in order:
                    db = tmp / f"{name}-{copies}-{n}.sqlite3"
                    if name == "index":
                        cmd = [str(BRIEFBOT), "index", "--content", str(site), "--db", str(db)]
                    else:
                        cmd = [sys.executable, "-m", "bench.index_command", "--child"]
                        cmd += [str(site), str(db)]
                    times[name].append(_timed(cmd))
            med = {
                name: (
                    statistics.median(w for w, _ in values),
                    statistics.median(m for _, m in values),
                )
                for name, values in times.items()
            }
            (iw, im), (rw, rm) = med["index"], med["reindex"]
            rows.append([f"{copies}x", rw, iw, iw / rw, rm, im, im / rm])
            figures[f"{copies}x"] = {"reindex": med["reindex"], "index": med["index"]}
    print_table(
        f"Wall s and peak MB, median of {runs}",
        ["site", "before s", "index s", "ratio", "before MB", "index MB", "ratio"],
        rows,
    )
    write_json(args.json, {"machine": machine_note(), "runs": runs, "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
