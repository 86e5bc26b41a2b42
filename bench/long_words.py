"""A long unbroken word in a question: time and memory of a full answer, against a plain question.

    .venv/bin/python -m bench.long_words [--quick] [--json OUT]

Typo correction used to try every one-edit spelling of an unknown word: 54 x n words of n letters,
so the square of its length (a 1,000-letter word: 1.4 s and 110 MB). Words over
``index.retrieval.query.MAX_TYPO_WORD`` letters are no longer corrected. The systems, interleaved:

- ``plain``          ``SearchIndex.search`` of a dev question (the baseline);
- ``+ N letters``    the same question with a random N-letter word appended (a new word each
                     call, so no cache helps);
- ``uncapped N``     the same question and word with the cap lifted (``MAX_TYPO_WORD`` patched
                     to no limit): the old code, which stemmed every one-edit spelling of the
                     word (only up to 1,000 letters: beyond, it takes seconds and gigabytes).

Peak memory (tracemalloc) of one call of each is shown beside the timings.
"""

from __future__ import annotations

import functools
import random
import string
import sys
import tracemalloc
from collections.abc import Callable
from unittest import mock

from index.retrieval import query as query_module

from .common import (
    CORPUS,
    Stats,
    base_parser,
    build_index,
    dev_questions,
    kept_temp_dir,
    machine_note,
    print_table,
    require_shared,
    time_interleaved,
    write_json,
)

LENGTHS = (100, 1_000, 10_000)
UNCAPPED_MAX = 1_000


def _words(length: int, seed: int) -> Callable[[], str]:
    rng = random.Random(seed)

    def fresh() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=length))

    return fresh


def _peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main(argv: list[str] | None = None) -> int:
    args = base_parser(__doc__.splitlines()[0]).parse_args(argv)
    require_shared()
    rounds = 1 if args.quick else 3
    index, _ = build_index(kept_temp_dir() / "index.sqlite3", CORPUS)
    questions = dev_questions()[:20]
    systems: dict[str, Callable[[str], object]] = {"plain": index.search}
    for length in LENGTHS:
        word = _words(length, seed=length)

        def with_word(q: str, w: Callable[[], str] = word) -> object:
            return index.search(f"{q} {w()}")

        def uncapped(q: str, w: Callable[[], str] = word) -> object:
            # The cap is read on each call, so lifting it runs the old typo path for real.
            with mock.patch.object(query_module, "MAX_TYPO_WORD", sys.maxsize):
                return index.search(f"{q} {w()}")

        systems[f"+ {length:,} letters"] = with_word
        if length <= UNCAPPED_MAX:
            systems[f"uncapped {length:,}"] = uncapped
    slow = {name: 3 for name in systems if name.startswith("uncapped")}  # seconds each
    samples = time_interleaved(systems, questions, rounds=rounds, block=1, only_some=slow)
    base = Stats.of(samples["plain"]).p50
    rows = []
    figures: dict[str, dict[str, float]] = {}
    first = questions[0]
    for name, fn in systems.items():
        stats = Stats.of(samples[name])
        peak = _peak_mb(functools.partial(fn, first))
        rows.append([name, stats.p50, stats.p99, stats.p50 / base, peak])
        figures[name] = {
            "p50_ms": stats.p50,
            "p99_ms": stats.p99,
            "ratio": stats.p50 / base,
            "peak_mb": peak,
        }
    print_table(
        f"A long word in a question, 1x corpus ({len(questions)} questions x {rounds} rounds; "
        f"{machine_note()})",
        ["system", "p50 ms", "p99 ms", "x plain", "peak MB"],
        rows,
    )
    write_json(args.json, {"long_words": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
