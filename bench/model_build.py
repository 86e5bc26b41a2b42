"""What rank-bm25 adds to a cold index: each field's model built by ``BM25Okapi``, against the
same model derived from the counts and against the cold index itself, in the same run.

    .venv/bin/python -m bench.model_build [--copies 1 10] [--rounds 3]

Per scale, a site of that many (varied) copies of the shared corpus is indexed cold once, in this
process (``IndexService.reindex``, which now runs BM25Okapi: wall time, and this process's CPU
time; the parse workers' CPU is not in it). Then, over that index's statistics, ``--rounds``
rounds, interleaved, of every field's model built three ways, CPU time (``process_time``),
medians:

- ``okapi``   ``FieldModel.okapi``: rank-bm25's ``BM25Okapi`` over the field's documents (what a
              cold index, a format rebuild and a merge past ``MERGE_SHARE`` run);
- ``of``      ``FieldModel.of``: the same model from the counts, numpy (what a load runs; a
              reindex of a few posts follows the model by the same arithmetic);
- ``order``   of ``of``, the part that finds the order rank-bm25 meets the terms in, for the
              mean IDF of the epsilon floor (fields with a term in more than half their
              documents only).

Then one pass under ``tracemalloc``: the peak memory each field's BM25Okapi build holds.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.common import (
    base_parser,
    build_site,
    machine_note,
    open_and_index,
    print_table,
    require_shared,
    temp_dir,
    write_json,
)
from index.retrieval.bm25 import FieldModel, order
from index.retrieval.postings import FieldPostings
from index.terms.fields import HASHED_FIELDS, PHRASE_BUCKETS


def cpu(fn: Any) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


async def cold(site: Path, db: Path) -> tuple[Any, float, float]:
    wall, start = time.perf_counter(), time.process_time()
    service, _ = await open_and_index(db, site)
    wall, used = time.perf_counter() - wall, time.process_time() - start
    data = service.current.data
    await service.close()
    return data, wall, used


def measure(copies: int, rounds: int) -> dict[str, Any]:
    with temp_dir() as tmp:
        site = build_site(tmp / "site", copies)
        data, wall, used = asyncio.run(cold(site, tmp / "index.sqlite3"))
    fields = {}
    for name, stats in data.fields.items():
        n_ids = PHRASE_BUCKETS if name in HASHED_FIELDS else len(data.vocab)
        stats = stats.flat()
        postings = FieldPostings.of(stats, n_ids)
        times: dict[str, list[float]] = {"okapi": [], "of": [], "order": []}
        for _ in range(rounds):
            times["okapi"].append(cpu(lambda: FieldModel.okapi(stats, n_ids)))  # noqa: B023
            times["of"].append(cpu(lambda: FieldModel.of(stats, n_ids, postings)))  # noqa: B023
            model = FieldModel.of(stats, n_ids, postings)
            floored = bool((model.df > model.n_docs / 2).any())
            times["order"].append(
                cpu(lambda: order(model.df, postings.first_docs(n_ids))) if floored else 0.0  # noqa: B023
            )
        tracemalloc.start()
        FieldModel.okapi(stats, n_ids)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        fields[name] = {k: statistics.median(v) for k, v in times.items()} | {"peak_mb": peak}
    return {"copies": copies, "cold_wall": wall, "cold_cpu": used, "fields": fields}


def main() -> None:
    parser = base_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require_shared()
    print(machine_note())
    results = []
    for copies in args.copies:
        result = measure(copies, args.rounds)
        results.append(result)
        rows = [
            [name, f["okapi"], f["of"], f["order"], f["peak_mb"]]
            for name, f in result["fields"].items()
        ]
        total = {k: sum(f[k] for f in result["fields"].values()) for k in ("okapi", "of", "order")}
        rows.append(["all fields", total["okapi"], total["of"], total["order"], "-"])
        print_table(
            f"{copies}x: every field's model, CPU s (median of {args.rounds})",
            ["field", "okapi (BM25Okapi)", "of (counts)", "order (of of)", "okapi peak MB"],
            rows,
        )
        added = total["okapi"] - total["of"]
        wall = result["cold_wall"]
        print(
            f"cold index {wall:.2f} s wall, {result['cold_cpu']:.2f} s CPU in this process;"
            f" BM25Okapi adds {added:.2f} s CPU: {added / wall:.0%} of that cold index,"
            f" {added / max(wall - added, 1e-9):.0%} of one without it\n"
        )
    write_json(args.json, {"results": results})


if __name__ == "__main__":
    main()
