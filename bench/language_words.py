"""What reading a question's words against English costs (issue 10, round 23; on by default).

    .venv/bin/python -m bench.language_words [--quick] [--json OUT]

``QueryReader.language_words`` and ``decline.BY_LANGUAGE`` read wordfreq's small English list
(``index.terms.english``, at its first look-up) for a question word the site lacks; ``off`` is
``bench.common.language_off``. Measured on the real site, 1x, each setting in its own fresh
process (so the import and the list's reading are counted once, where they fall), alternated
``on`` / ``off`` three times (once with ``--quick``):

- ``first``: the first question with a word the site lacks ("What's the population of Lagos?"),
  ms: with the feature on, wordfreq's import and the list's reading fall here;
- ``rss +``: the process's resident memory after that question less before it, MB;
- ``p50``: the full answer's median over the 756 training questions (``bench.answer_quality``'s
  ``TRAINING``, three passes), ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from .answer_quality import TRAINING, set_path
from .common import (
    CORPUS,
    base_parser,
    build_index,
    kept_temp_dir,
    language_off,
    machine_note,
    memory_mb,
    print_table,
    require_shared,
    write_json,
)

FIRST = "What's the population of Lagos?"


def child(on: bool) -> dict[str, float]:
    """One process's figures (see the module's docstring)."""
    from index.evaluation import load_questions

    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    questions = [q.question for name in TRAINING for q in load_questions(set_path(name))]
    before = memory_mb()["rss"]
    start = time.perf_counter()
    if not on:  # (on, as shipped: the import and the list's reading fall in the first question)
        language_off(index)
    index.search(FIRST)
    first = (time.perf_counter() - start) * 1000
    after = memory_mb()["rss"]
    times = []
    for _ in range(3):
        for q in questions:
            start = time.perf_counter()
            index.search(q)
            times.append((time.perf_counter() - start) * 1000)
    return {
        "first_ms": first,
        "rss_plus_mb": after - before,
        "p50_ms": statistics.median(times),
        "wordfreq_loaded": float("wordfreq" in sys.modules),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--child", choices=["on", "off"], help="(internal) one measuring process")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child == "on")))
        return
    require_shared()
    rows = []
    results: list[dict[str, object]] = []
    for run in range(1 if args.quick else 3):
        for setting in ("on", "off") if run % 2 == 0 else ("off", "on"):
            out = subprocess.run(
                [sys.executable, "-m", "bench.language_words", "--child", setting],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            results.append({"setting": setting, **figures})
            rows.append(
                [
                    setting,
                    f"{figures['first_ms']:.1f}",
                    f"{figures['rss_plus_mb']:.1f}",
                    f"{figures['p50_ms']:.2f}",
                    "yes" if figures["wordfreq_loaded"] else "no",
                ]
            )
    print_table(
        f"Language words, 1x ({machine_note()})",
        ["setting", "first (ms)", "rss + (MB)", "p50 (ms)", "wordfreq imported"],
        rows,
    )
    write_json(args.json, {"runs": results})


if __name__ == "__main__":
    main()
