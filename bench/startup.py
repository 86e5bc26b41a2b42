"""Whole-process start-up: ``briefbot ask`` on a built 1x index and ``briefbot health``, against
``python -c "import discord"`` timed in the same run.

    .venv/bin/python -m bench.startup [--runs 10] [--quick] [--json OUT] [--compare BRIEFBOT]

The parent builds the 1x index once, through ``briefbot index`` into a temporary SQLite file, then
runs one untimed round (the page cache warmed, and every module compiled to bytecode: see below),
then rounds: in each, every command below once, as a fresh process, in a fresh random order (the
machine is shared and noisy, so drift falls on all of them alike). Each figure is the median over
the rounds:

- ``wall``  seconds from spawning the process to reaping it;
- ``cpu``   user + system CPU seconds of the process (``os.wait4``'s resource usage);
- ``peak``  peak resident memory (``ru_maxrss``, the kernel's high-water mark of RSS), MB
            (10^6 bytes). It counts the parent's pages from the fork until the exec, so this
            script imports nothing heavy: ``python -c pass``'s row shows that floor (~16 MB).

Commands: ``python -c pass`` (the interpreter alone), ``python -c "import discord"`` (the
baseline: what any bot process pays before it does anything), ``briefbot --version``,
``briefbot health`` (the image's HEALTHCHECK, every 30 s), ``briefbot ask QUESTION`` (answer
printed for a terminal) and ``briefbot ask QUESTION --json``. The questions cycle through the
dev set. Target: ``ask`` ≤ 2× the baseline in wall time and in peak memory. Without
``--meaning`` the children run with ``BRIEFBOT_EMBEDDINGS=false`` (answers by words: the path
until a site is embedded, and the one measured before issue 10's round 24); with it, ``briefbot
index`` embeds every passage first (~20 minutes on two cores) and ``ask`` embeds the question.
``--compare`` times another ``briefbot`` (another checkout's: before and after a change) in the
same rounds.

Bytecode: a deployment runs compiled modules (pip compiles a wheel's modules as it installs it,
the image's briefbot as much as discord.py), but an editable checkout run with
``PYTHONDONTWRITEBYTECODE=1`` (as on the development machine) compiles every module of the
project from source in every process, ≈ 0.1 s of ``ask`` that no deployment pays. So the
children keep their bytecode in the temporary folder (``PYTHONPYCACHEPREFIX``), written in the
untimed round, for every command alike.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Not bench.common: it imports numpy, and a child's peak RSS (ru_maxrss) counts the pages of the
# parent it was forked from until it execs, so the parent stays as small as a bare interpreter.
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
DEV_QUESTIONS = SHARED / "eval" / "dev.jsonl"

TARGET_RATIO = 2.0
BASELINE = "import discord"


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    peak_mb: float


def briefbot_command() -> list[str]:
    """The installed console script (what a deployment runs), else the module."""
    script = Path(sys.executable).with_name("briefbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run ``argv`` to completion; its wall time, CPU time and peak RSS."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a full pipe would block it
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        # wait4 reaps the child and returns its own resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            text = errors.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 1e6)


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    for line in [headers, ["-" * w for w in widths], *rows]:
        cells = (
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        print("  ".join(cells).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="rounds (default 10; --quick: 3)")
    parser.add_argument("--quick", action="store_true", help="3 rounds (a smoke test)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="BRIEFBOT",
        help="also time this briefbot's health and ask in the same rounds, on an index it builds"
        " (e.g. another checkout's .venv/bin/briefbot: a change's before and after)",
    )
    parser.add_argument(
        "--meaning",
        action="store_true",
        help="with meaning-based ranking (the default setting): `briefbot index` then embeds"
        " every passage, ~20 minutes; without it, BRIEFBOT_EMBEDDINGS=false, the words' path",
    )
    args = parser.parse_args(argv)
    if not (CORPUS / "_posts").is_dir() or not DEV_QUESTIONS.is_file():
        print(f"SKIPPED: the benchmark needs the shared corpus and eval set under {SHARED}.")
        return 0
    runs = 3 if args.quick else args.runs
    with DEV_QUESTIONS.open(encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    briefbot = briefbot_command()
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as name:
        tmp = Path(name)
        heartbeat = tmp / "heartbeat"
        # No settings from the caller's environment or a .env file: a clean, known configuration.
        # The shared corpus is only read (the index goes to the temporary database).
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("BRIEFBOT_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            PYTHONPYCACHEPREFIX=str(tmp / "bytecode"),  # (see the module's docstring)
            BRIEFBOT_CONTENT_DIR=str(CORPUS),
            BRIEFBOT_DB_PATH=str(tmp / "index.sqlite3"),
            BRIEFBOT_HEALTH_FILE=str(heartbeat),
            BRIEFBOT_HEALTH_MAX_AGE_SECONDS="3600",
            BRIEFBOT_EMBEDDINGS="true" if args.meaning else "false",
        )
        run_once([*briefbot, "index"], tmp, env)
        heartbeat.write_text(f"{time.time():.3f}\n", encoding="ascii")

        commands: dict[str, Callable[[str], list[str]]] = {
            "python -c pass": lambda q: [sys.executable, "-c", "pass"],
            BASELINE: lambda q: [sys.executable, "-c", "import discord"],
            "briefbot --version": lambda q: [*briefbot, "--version"],
            "briefbot health": lambda q: [*briefbot, "health"],
            "briefbot ask": lambda q: [*briefbot, "ask", q],
            "briefbot ask --json": lambda q: [*briefbot, "ask", q, "--json"],
        }
        envs = dict.fromkeys(commands, env)
        if args.compare:
            # Its own index: another version may store it in another format.
            other = str(args.compare.resolve())
            envs["compared: health"] = envs["compared: ask"] = compared_env = {
                **env,
                "BRIEFBOT_DB_PATH": str(tmp / "compared.sqlite3"),
            }
            run_once([other, "index"], tmp, compared_env)
            commands["compared: health"] = lambda q: [other, "health"]
            commands["compared: ask"] = lambda q: [other, "ask", q]
        for name, make in commands.items():  # one untimed round: page cache warm, bytecode written
            run_once(make(questions[0]), tmp, envs[name])
        samples: dict[str, list[Sample]] = {name: [] for name in commands}
        rng = random.Random(13)
        for r in range(runs):
            order = list(commands)
            rng.shuffle(order)
            for name in order:
                question = questions[r % len(questions)]
                samples[name].append(run_once(commands[name](question), tmp, envs[name]))

    results: dict[str, dict[str, float]] = {}
    for name, taken in samples.items():
        figures = {
            "wall_s": statistics.median(s.wall for s in taken),
            "cpu_s": statistics.median(s.cpu for s in taken),
            "peak_mb": statistics.median(s.peak_mb for s in taken),
        }
        results[name] = figures
    base = results[BASELINE]
    for figures in results.values():
        figures["wall_ratio"] = figures["wall_s"] / base["wall_s"]
        figures["peak_ratio"] = figures["peak_mb"] / base["peak_mb"]
    machine = (
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), "
        f"load avg {load:.2f} at the start"
    )
    rows = [
        [
            name,
            f"{f['wall_s']:.3f}",
            f"{f['cpu_s']:.3f}",
            f"{f['peak_mb']:.1f}",
            f"{f['wall_ratio']:.2f}x",
            f"{f['peak_ratio']:.2f}x",
        ]
        for name, f in results.items()
    ]
    print_table(
        f"Whole-process start-up, 1x index ({runs} rounds, medians; {machine})",
        ["command", "wall s", "cpu s", "peak MB", "wall/discord", "peak/discord"],
        rows,
    )
    print()
    for name in ("briefbot ask", "briefbot ask --json", "compared: ask"):
        ask = results.get(name)
        if ask is None:
            continue
        ok = ask["wall_ratio"] <= TARGET_RATIO and ask["peak_ratio"] <= TARGET_RATIO
        print(
            f"{name}: {ask['wall_ratio']:.2f}x wall, {ask['peak_ratio']:.2f}x peak memory of "
            f'`python -c "{BASELINE}"` (target ≤ {TARGET_RATIO:.0f}x both): '
            + ("met" if ok else "MISSED")
        )
    if args.json:
        payload: dict[str, Any] = {"runs": runs, "machine": machine, "results": results}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
