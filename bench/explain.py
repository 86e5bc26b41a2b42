"""What "Explain this answer" costs, against a plain search of the same question, same run.

    .venv/bin/python -m bench.explain [--questions 40] [--quick] [--json OUT]

Builds the 1x index into a temporary SQLite file, then for each dev question (interleaved):
``SearchIndex.search`` (the baseline: what /ask does) and
``index.explain.explain`` (a search, the per-field BM25 scorers built for it, and the
breakdown). Memory: what the process holds
after explaining (the scorers are not kept), against the memory of the loaded index.
"""

from __future__ import annotations

import gc
import statistics
import time

from bench.common import (
    CORPUS,
    base_parser,
    build_index,
    dev_questions,
    machine_note,
    memory_mb,
    print_table,
    require_shared,
    temp_dir,
    write_json,
)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args()
    require_shared()
    from index.explain import explain, field_scorers

    count = 8 if args.quick else args.questions
    questions = dev_questions()[:count]
    with temp_dir() as tmp:
        rss_start = memory_mb()["rss"]
        index, _ = build_index(tmp / "bench.sqlite3", CORPUS)
        gc.collect()
        rss_index = memory_mb()["rss"]
        t0 = time.perf_counter()
        explain(index, questions[0])
        cold = time.perf_counter() - t0
        gc.collect()
        rss_explain = memory_mb()["rss"]
        t0 = time.perf_counter()
        scorers = field_scorers(index)
        build = time.perf_counter() - t0
        gc.collect()
        held = memory_mb()["rss"] - rss_explain  # what keeping them would cost
        del scorers
        search_s, explain_s = [], []
        for q in questions:
            t0 = time.perf_counter()
            index.search(q, 12)
            search_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            explain(index, q)
            explain_s.append(time.perf_counter() - t0)
    med_search, med_explain = statistics.median(search_s), statistics.median(explain_s)
    index_mb = rss_index - rss_start
    added_mb = rss_explain - rss_index
    print(f"# {machine_note()}; {len(questions)} dev questions, 1x corpus")
    print_table(
        "Explain vs search (median per question)",
        ["what", "ms", "ratio to search"],
        [
            ["search (baseline)", med_search * 1000, 1.0],
            ["explain", med_explain * 1000, med_explain / med_search],
            ["explain, first call", cold * 1000, cold / med_search],
            ["  of which building the scorers", build * 1000, build / med_search],
        ],
    )
    print_table(
        "Resident memory (MB)",
        ["what", "MB", "ratio to the index"],
        [
            ["index built and loaded (this process)", index_mb, 1.0],
            ["left after explaining", added_mb, added_mb / index_mb],
            ["the scorers, if they were kept", held, held / index_mb],
        ],
    )
    write_json(
        args.json,
        {
            "search_ms": med_search * 1000,
            "explain_ms": med_explain * 1000,
            "explain_cold_ms": cold * 1000,
            "scorers_ms": build * 1000,
            "index_mb": index_mb,
            "left_after_explain_mb": added_mb,
            "scorers_mb": held,
        },
    )


if __name__ == "__main__":
    main()
