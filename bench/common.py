"""Shared helpers for the benchmarks: data paths, replicated sites, question sets, timing, tables.

The machine the benchmarks run on is shared and noisy, so every script times our code and its
baselines in the same run, interleaved query by query, and reports medians/p99 and ratios rather
than lone absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import datetime as dt
import gc
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
DEV_QUESTIONS = SHARED / "eval" / "dev.jsonl"


# ---------------------------------------------------------------------------------- data


def require_shared() -> None:
    """Exit (status 0, with a clear message) when the shared corpus is not beside the project."""
    missing = [p for p in (CORPUS / "_posts", DEV_QUESTIONS) if not p.exists()]
    if missing:
        print(
            "SKIPPED: the benchmarks need the shared corpus and eval set, not found at "
            + ", ".join(str(p) for p in missing)
            + f" (expected ../shared beside {ROOT})."
        )
        raise SystemExit(0)


def build_site(dest: Path, copies: int, source: Path = CORPUS) -> Path:
    """A Jekyll site in ``dest`` holding ``copies`` copies of ``source``'s posts; returns ``dest``.

    One copy keeps the original layout and text (``_posts/<category>/…``). More copies go under
    distinct folders (``_posts/copy03/<category>/…``) and are *varied* (see ``vary_post``): each
    copy has its own ids, URLs, dates and wording, so a bigger site grows its vocabulary and
    statistics as a real one would, rather than repeating one site's terms ten times. Files are
    written (never linked), so benchmarks may edit them without touching the shared corpus.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "_config.yml", dest / "_config.yml")
    posts = source / "_posts"
    if copies == 1:
        shutil.copytree(posts, dest / "_posts")
        return dest
    files = sorted(p for p in posts.rglob("*") if p.is_file())
    words = sorted({w for f in files if f.suffix in (".md", ".markdown") for w in _words_of(f)})
    for i in range(copies):
        root = dest / "_posts" / f"copy{i:02d}"
        variant = _Variant(i, words) if i else None
        for f in files:
            out = root / f.relative_to(posts)
            out.parent.mkdir(parents=True, exist_ok=True)
            if variant is None or f.suffix not in (".md", ".markdown"):
                shutil.copy2(f, out)
                continue
            text = f.read_text(encoding="utf-8", errors="surrogateescape")
            name, text = variant.post(f.name, text)
            (out.parent / name).write_text(text, encoding="utf-8", errors="surrogateescape")
    return dest


_LOWER_WORD = re.compile(r"\b[a-z]{4,}\b")
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _words_of(path: Path) -> set[str]:
    return set(_LOWER_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))


class _Variant:
    """How copy ``i`` differs from the original (deterministic per copy):

    - wording: a third of the corpus's lower-case words are swapped with other such words of
      the copy's own random pairing, and one in thirty becomes a new word of this copy only
      (a name, a term of art), so each copy has its own term statistics and some vocabulary;
    - dates: shifted by ``i`` × 41 days (file name and front matter);
    - URLs: permalinks, redirects and redirect targets get a ``-cNN`` suffix (else copies
      would share URLs and all but one be skipped as duplicates).
    """

    def __init__(self, i: int, words: list[str]) -> None:
        rng = random.Random(1000 + i)
        chosen = rng.sample(words, len(words) // 3)
        shuffled = chosen[:]
        rng.shuffle(shuffled)
        self.swap = dict(zip(chosen, shuffled, strict=True))
        suffix = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(2))
        for w in rng.sample(words, len(words) // 30):
            self.swap[w] = w + suffix
        self.days = dt.timedelta(days=41 * i)
        self.tag = f"-c{i:02d}"

    def _day(self, m: re.Match[str]) -> str:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3])) + self.days
        except ValueError:
            return m[0]
        return day.isoformat()

    def _words(self, text: str) -> str:
        return _LOWER_WORD.sub(lambda m: self.swap.get(m[0], m[0]), text)

    def post(self, name: str, text: str) -> tuple[str, str]:
        """The copy's file name and text of one post."""
        name = _DAY.sub(self._day, name, count=1)
        head, sep, body = text.partition("\n---") if text.startswith("---") else ("", "", text)
        if sep:
            lines = []
            for line in head.split("\n"):
                key = line.split(":", 1)[0].strip()
                if key == "date":
                    line = _DAY.sub(self._day, line, count=1)
                elif line.startswith("  - /") or (  # (a redirect_from list item)
                    key in ("permalink", "redirect_from", "redirect")
                    and line.split(":", 1)[1].strip()
                ):
                    line = line.rstrip().rstrip("/") + self.tag
                elif key in ("title", "excerpt"):
                    line = line.split(":", 1)[0] + ":" + self._words(line.split(":", 1)[1])
                lines.append(line)
            head = "\n".join(lines)
        return name, head + sep + self._words(body)


def memory_mb() -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process, in MB (10^6 bytes)."""
    fields: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) * 1024 / 1e6  # the kernel's "kB" are KiB
    return {"peak": fields["VmHWM"], "rss": fields["VmRSS"]}


def kept_temp_dir(prefix: str = "briefbot-bench-") -> Path:
    """A temporary folder removed when the process exits: for the database of an index that is
    searched after it was built (a served index reads its passages' texts from its file)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


@contextlib.contextmanager
def temp_dir(prefix: str = "briefbot-bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        yield Path(d)


def post_files(site: Path) -> list[Path]:
    return sorted(p for p in (site / "_posts").rglob("*") if p.suffix in (".md", ".markdown"))


def dev_questions() -> list[str]:
    with DEV_QUESTIONS.open(encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def _typo(word: str, rng: random.Random) -> str:
    """One realistic slip: two inner letters swapped, one dropped, or one doubled."""
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def question_set(
    titles: Sequence[str], headings: Sequence[tuple[str, str]], seed: int = 0
) -> list[str]:
    """Realistic questions, made generically (nothing here knows any answer):

    - the dev set's questions as written;
    - per dev question: its keywords shuffled and lower-cased, a 2–4 keyword subset, and the
      question with one typo in a longer word;
    - per post title: a question about it ("tell me about …", "what happened with …", …);
    - per sampled (post title, section heading): "what does … say about …".
    """
    from index.terms.analyzer import STOPWORDS  # the analyzer's own list: keywords as it sees them

    rng = random.Random(seed)
    dev = dev_questions()
    out = list(dev)
    for q in dev:
        words = _WORD.findall(q)
        keywords = [w for w in words if w.casefold() not in STOPWORDS]
        if not keywords:
            continue
        shuffled = keywords[:]
        rng.shuffle(shuffled)
        out.append(" ".join(shuffled).lower())
        if len(keywords) > 2:
            out.append(" ".join(rng.sample(keywords, rng.randint(2, min(4, len(keywords))))))
        long_words = [w for w in keywords if len(w) >= 6 and w.isalpha()]
        if long_words:
            w = rng.choice(long_words)
            out.append(q.replace(w, _typo(w, rng), 1))
    templates = (
        "{}?",
        "tell me about {}",
        "what happened with {}",
        "what was said about {}",
        "{} — what's the story?",
    )
    for title in dict.fromkeys(titles):
        text = rng.choice(templates).format(title.rstrip("?.!"))
        out.append(text if rng.random() < 0.5 else text.lower())
    pairs = list(dict.fromkeys(headings))
    for title, heading in rng.sample(pairs, min(200, len(pairs))):
        out.append(f"what does {title.rstrip('?.!')} say about {heading.lower()}")
    return [q for q in dict.fromkeys(out) if q.strip()]


def field_token_lists(data: Any, field: str = "body") -> list[list[str]]:
    """Token lists of one indexed field, rebuilt from its stored term counts (bag of words).

    These are exactly the terms our index scores, so baselines built from them see the same tokens.
    """
    tc = data.fields[field].flat()
    vocab = data.vocab
    ptr = tc.doc_ptr.tolist()
    terms = tc.term_ids.tolist()
    counts = tc.counts.tolist()
    return [
        [vocab[t] for j in range(ptr[d], ptr[d + 1]) for t in [terms[j]] * counts[j]]
        for d in range(len(ptr) - 1)
    ]


# ---------------------------------------------------------------------------------- index


async def open_and_index(db_path: Path, content: Path) -> tuple[Any, Any]:
    """(IndexService, IndexReport): ``content`` indexed into ``db_path``, the service left open."""
    from index.storage.service import IndexService

    service = await IndexService.open(db_path, content)
    return service, await service.reindex()


def build_index(db_path: Path, content: Path) -> tuple[Any, Any]:
    """(SearchIndex, IndexReport) of ``content``, indexed into a fresh SQLite file."""

    async def run() -> tuple[Any, Any]:
        service, report = await open_and_index(db_path, content)
        await service.close()
        return service.current, report

    return asyncio.run(run())


def language_off(index: Any) -> None:
    """``index`` (a ``SearchIndex``) reading questions as before issue 10's round 23: no English
    word list (every word the content lacks may be a typo), declined by ``BEST_OF_THREE``."""
    from index.retrieval import decline

    index.reader = index.reader.with_language_words(None, 0.0)
    index.language = None
    index.decline_rule = decline.BEST_OF_THREE


# ---------------------------------------------------------------------------------- timing


@dataclass
class Stats:
    n: int
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        a = np.asarray(samples, dtype=np.float64)
        return cls(
            len(a), float(np.percentile(a, 50)), float(np.percentile(a, 99)), float(a.mean())
        )


def time_interleaved(
    systems: dict[str, Callable[[str], object]],
    queries: Sequence[str],
    rounds: int,
    seed: int = 0,
    only_some: dict[str, int] | None = None,
    block: int = 1,
) -> dict[str, list[float]]:
    """Per-call latencies (ms) of each system, interleaved block by block.

    Each round visits the queries in a fresh random order, cut into blocks of ``block``; each
    system runs a whole block in turn, the systems in a fresh random order per block, so machine
    noise falls on all alike. With ``block=1`` every call comes right after another system's
    (cold: its code and data evicted by the other's); with a few dozen, each system answers a
    stream of questions (warm, as a server does). Not a rotation: that keeps the cyclic order,
    so one system would always run right after the same other one (measured: ±30 % on the same
    code). ``only_some`` limits a slow system to an evenly spread sample of that many queries
    (per round).
    """
    rng = random.Random(seed)
    names = list(systems)
    samples: dict[str, list[float]] = {n: [] for n in names}
    sampled: dict[str, set[int]] = {}
    for name, count in (only_some or {}).items():
        step = max(1, len(queries) // max(1, count))
        sampled[name] = set(range(0, len(queries), step)[:count])
    clock = time.perf_counter_ns
    for _ in range(rounds):
        order = list(range(len(queries)))
        rng.shuffle(order)
        gc.collect()
        for start in range(0, len(order), block):
            chunk = order[start : start + block]
            rng.shuffle(names)
            for name in names:
                fn = systems[name]
                for qi in chunk:
                    if name in sampled and qi not in sampled[name]:
                        continue
                    q = queries[qi]
                    t0 = clock()
                    fn(q)
                    samples[name].append((clock() - t0) / 1e6)
    return samples


# ---------------------------------------------------------------------------------- output


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    for line in [list(headers), ["-" * w for w in widths], *cells]:
        # First column (names) left-aligned, figures right-aligned.
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def machine_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), load avg {load:.2f}"


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser


def write_json(path: Path | None, payload: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
