"""The cost of learning the site's word associations (``index/terms/associations.py``), against
building the index itself, in the same run, at 1x and on a varied 10x site.

    .venv/bin/python -m bench.associations [--copies 1 10] [--runs 3]

Per scale: the cold index build (``IndexService`` open + reindex + load, once), then
``Associations.learn`` over its statistics ``--runs`` times (median wall time), its Python
heap peak while learning (tracemalloc: numpy and scipy allocate through it), the table's
size and the number of words with associates. The table is derived from the term counts when
the learned scorer first reads it (or at ``warm``): a reindex makes its own.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

from bench.common import (
    CORPUS,
    base_parser,
    build_index,
    build_site,
    machine_note,
    print_table,
    require_shared,
    temp_dir,
)
from index.terms.associations import Associations


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    require_shared()
    print(f"Learning word associations ({machine_note()})")
    rows = []
    with temp_dir() as tmp:
        for copies in args.copies:
            site = CORPUS if copies == 1 else build_site(tmp / f"site-{copies}x", copies)
            start = time.perf_counter()
            index, _ = build_index(tmp / f"index-{copies}x.sqlite3", site)
            built = time.perf_counter() - start
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                table = Associations.learn(index.data)
                times.append(time.perf_counter() - start)
            tracemalloc.start()
            table = Associations.learn(index.data)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            size = table.ptr.nbytes + table.neighbours.nbytes + table.strength.nbytes
            learn = statistics.median(times)
            rows.append(
                [
                    f"{copies}x ({len(index.posts)} posts, {index.data.n_passages} passages)",
                    built,
                    learn,
                    learn / built,
                    peak / 2**20,
                    size / 2**20,
                    int((table.ptr[1:] > table.ptr[:-1]).sum()),
                ]
            )
    print_table(
        "Associations.learn against the cold index build",
        ["site", "index build s", "learn s", "learn / build", "peak MB", "table MB", "words"],
        rows,
    )


if __name__ == "__main__":
    main()
