"""/ask latency through the Discord emulator: the real bot, 50 concurrent askers, loopback only.

What is timed: from the moment the emulator dispatches an /ask INTERACTION_CREATE to the moment it
receives the bot's answer (the successful PATCH of the deferred reply) — gateway, discord.py,
search off the event loop, formatting and REST included. Baselines from the same run put the
figures in context: the bare ``SearchIndex.search`` time for the same questions, and one asker at
a time. Everything (emulator and bot) shares one process and event loop on loopback.

    .venv/bin/python bench/bot_latency.py                  # ../shared corpus if present
    .venv/bin/python bench/bot_latency.py --corpus content --rounds 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from discord_emulator import DefaultWorld, DiscordEmulator, User  # noqa: E402

from bot.client import Briefbot  # noqa: E402
from bot.runner import freeze_heap  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.storage.service import IndexService  # noqa: E402

SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "skynet-today"
SHARED_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK_QUESTIONS = [
    "Which companies stopped selling face recognition to police?",
    "What did IBM decide about facial recognition?",
    "Why are face recognition systems less accurate on darker skin?",
    "What did the ACLU say about Amazon's moratorium?",
    "Are there federal laws on police use of facial recognition?",
    "What is Clearview AI?",
]
FAILED: list[str] = []  # questions answered with an error reply instead of an answer


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def row(name: str, samples: list[float]) -> list[str]:
    ms = [s * 1000 for s in samples]
    return [
        name,
        str(len(ms)),
        f"{statistics.median(ms):.1f}",
        f"{percentile(ms, 99):.1f}",
        f"{max(ms):.1f}",
    ]


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        print("| " + " | ".join(cells) + " |")


def load_questions() -> list[str]:
    if SHARED_QUESTIONS.exists():
        lines = SHARED_QUESTIONS.read_text(encoding="utf-8").splitlines()
        found = [json.loads(line)["question"] for line in lines if line.strip()]
        if found:
            return found
    return FALLBACK_QUESTIONS


async def timed_ask(emu: DiscordEmulator, question: str, user: User) -> float:
    """Seconds from dispatching /ask to the emulator accepting the bot's answer."""
    mark = emu.mark()
    start = asyncio.get_running_loop().time()
    handle = await emu.send_slash_command("ask", {"question": question}, user=user)
    # The answer edits the deferred reply; an error reply would come as a follow-up instead.
    done = await emu.wait_for_call(
        None,
        rf"/webhooks/\d+/{re.escape(handle.token)}(/messages/@original)?",
        after=mark,
        timeout=60,
        predicate=lambda c: c.method in ("PATCH", "POST") and c.status == 200,
    )
    if done.method == "POST":
        FAILED.append(question)
    return done.monotonic - start


async def run(corpus: Path, askers: int, rounds: int, sequential: int) -> None:
    questions = load_questions()
    with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
        service = await IndexService.open(Path(tmp) / "bench.sqlite3", corpus)
        started = time.perf_counter()
        report = await service.reindex()
        index = await service.ensure()
        print(
            f"Corpus {corpus}: {report.posts} posts, {report.passages} passages, indexed in "
            f"{time.perf_counter() - started:.1f} s; {len(questions)} distinct questions"
        )

        world = DefaultWorld()
        users = [
            world.add_member(world.guild, world.add_user(f"asker{i}")).user for i in range(askers)
        ]
        emu = DiscordEmulator(world, heartbeat_interval=0.5)
        await emu.start()
        try:
            with emu.configure_discord():
                settings = Settings(
                    _env_file=None,
                    content_dir=corpus,
                    db_path=Path(tmp) / "bench.sqlite3",
                    discord_token=emu.token,
                    dev_guild_id=emu.guild.id,
                    ask_cooldown_seconds=0,
                    health_file=Path(tmp) / "heartbeat",
                )
                bot = Briefbot(settings, service)
                await emu.start_client(bot)
                freeze_heap()  # as ``bot.runner.serve`` does once the bot has started

                cycled = [questions[i % len(questions)] for i in range(sequential)]
                # Baseline 1: the search alone, same questions, no Discord.
                search_only: list[float] = []
                for q in cycled:
                    t = time.perf_counter()
                    index.search(q, k=settings.answer_max_results)
                    search_only.append(time.perf_counter() - t)

                for q in questions[:5]:  # warm-up
                    await timed_ask(emu, q, users[0])

                # Baseline 2: one asker at a time.
                alone = [await timed_ask(emu, q, users[i % askers]) for i, q in enumerate(cycled)]

                # The load: rounds of `askers` questions dispatched at once.
                beats_before = len(emu.heartbeats)
                loaded: list[float] = []
                load_started = time.perf_counter()
                for r in range(rounds):
                    batch = [questions[(r * askers + i) % len(questions)] for i in range(askers)]
                    loaded += await asyncio.gather(
                        *(timed_ask(emu, q, u) for q, u in zip(batch, users, strict=True))
                    )
                load_seconds = time.perf_counter() - load_started
                gaps = [
                    b - a
                    for a, b in zip(
                        [h.monotonic for h in emu.heartbeats[beats_before:]],
                        [h.monotonic for h in emu.heartbeats[beats_before + 1 :]],
                        strict=False,
                    )
                ]
                await emu.stop_client(bot)
        finally:
            await emu.stop()
            await service.close()

    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    header = ["scenario", "asks", "p50 ms", "p99 ms", "max ms"]
    print_table(
        "/ask latency through the Discord emulator",
        header,
        [
            row("search only (no Discord)", search_only),
            row("/ask, one asker at a time", alone),
            row(f"/ask, {askers} concurrent askers", loaded),
        ],
    )
    ratio = statistics.median(loaded) / statistics.median(alone)
    print(
        f"\np50 under load / p50 alone: {ratio:.1f}x; "
        f"throughput {len(loaded) / load_seconds:.0f} answers/s"
    )
    print(
        f"Gateway heartbeats (interval 0.5 s) during the load: {len(gaps)} gaps, largest "
        f"{max(gaps) if gaps else float('nan'):.2f} s"
    )
    if FAILED:
        print(f"{len(FAILED)} asks got an error reply (see the log), e.g. {FAILED[0]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=SHARED_CORPUS if SHARED_CORPUS.exists() else ROOT / "content",
        help="site to serve (default: ../shared corpus, else content/)",
    )
    parser.add_argument("--askers", type=int, default=50, help="concurrent askers (default 50)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of concurrent asks")
    parser.add_argument(
        "--sequential", type=int, default=200, help="asks for the one-at-a-time baselines"
    )
    args = parser.parse_args(argv)
    asyncio.run(run(args.corpus, args.askers, args.rounds, args.sequential))
    return 0


if __name__ == "__main__":
    sys.exit(main())
