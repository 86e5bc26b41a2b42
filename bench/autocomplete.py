"""``/brief``'s title autocomplete per keystroke, on the shared site and on a site ten times
its size.

    .venv/bin/python -m bench.autocomplete [--quick] [--copies 1 10] [--json OUT]

Discord gives an autocomplete 3 s to answer, and a person typing feels more than ~100 ms. Each
keystroke is what the bot does for one (``bot.params.PostTitle.autocomplete`` without Discord):
``find_titles(value, 25)`` over the served posts, then ``title_choices``. The keystrokes type
sampled titles letter by letter (their first 30 characters), and a word from the middle of
others (as someone who remembers one word of a title). The posts are parsed as the indexer
does (``parse_post``) from ``bench.common.build_site`` copies (10x: varied titles, dates and
URLs). Beside it, in the same run and interleaved block by block, the title search it
replaced (``before``: every title casefolded and every match sorted, per keystroke); both
return the same posts, checked first.
"""

from __future__ import annotations

import random
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.common import (
    base_parser,
    build_site,
    machine_note,
    post_files,
    print_table,
    require_shared,
    temp_dir,
    time_interleaved,
    write_json,
)
from bot.formatting.choices import title_choices
from index.ingest.loader import parse_post
from index.ingest.site import find_site
from index.models import ParsedPost, Post
from index.retrieval.catalogue import Catalogue


def before(posts: Sequence[Post], text: str, limit: int = 25) -> list[Post]:
    """``Catalogue.find_titles`` before titles were folded and ordered once per index: every
    title casefolded and every match sorted, per keystroke (the tests' definition too)."""
    needle = text.casefold().strip()
    if not needle:
        return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)[:limit]
    exact = [p for p in posts if needle in p.title.casefold()]
    exact.sort(key=lambda p: (not p.title.casefold().startswith(needle), -p.date.toordinal()))
    if len(exact) >= limit:
        return exact[:limit]
    seen = {p.id for p in exact}
    from rapidfuzz import process

    fuzzy = process.extract(
        needle,
        {i: p.title.casefold() for i, p in enumerate(posts) if p.id not in seen},
        limit=limit - len(exact),
        score_cutoff=60,
    )
    return exact + [posts[key] for _, _, key in fuzzy]


def systems(catalogue: Catalogue) -> dict[str, Callable[[str], object]]:
    """One keystroke's work, now and before."""

    def now(value: str) -> object:
        return title_choices(catalogue.find_titles(value, 25))

    def old(value: str) -> object:
        return title_choices(before(catalogue.posts, value))

    return {"find_titles": now, "before": old}


def site_posts(site: Path) -> list[Post]:
    root, config = find_site(site)
    out = []
    for path in post_files(site):
        parsed = parse_post(path, root / "_posts", config)
        if isinstance(parsed, ParsedPost):
            out.append(parsed.post)
    return out


def keystrokes(posts: list[Post], seed: int, titles: int = 30) -> list[str]:
    rng = random.Random(seed)
    out = []
    for post in rng.sample(posts, titles):
        typed = post.title[:30]
        out += [typed[:i] for i in range(1, len(typed) + 1)]
    for post in rng.sample(posts, titles // 3):
        words = [w for w in post.title.split() if len(w) > 3] or post.title.split()
        word = rng.choice(words)
        out += [word[:i] for i in range(1, len(word) + 1)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args(argv)
    require_shared()
    rounds = 1 if args.quick else 3
    print(machine_note())
    rows, figures = [], {}
    base: dict[str, float] = {}
    for copies in args.copies:
        with temp_dir() as tmp:
            posts = site_posts(build_site(tmp / "site", copies))
        catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))
        typed = keystrokes(posts, seed=copies)
        for value in typed:
            assert catalogue.find_titles(value, 25) == before(catalogue.posts, value), value
        samples = time_interleaved(
            systems(catalogue),
            typed,
            rounds=rounds,
            block=25,
        )
        for name, times in samples.items():
            p50 = statistics.median(times)
            base.setdefault(name, p50)
            rows.append(
                [
                    f"{name}, {copies}x ({len(posts):,} posts)",
                    p50,
                    float(np.percentile(times, 99)),
                    max(times),
                    p50 / base[name],
                    p50 / statistics.median(samples["find_titles"]),
                ]
            )
            figures[f"{name} {copies}x"] = {"posts": len(posts), "ms": times}
    print_table(
        f"one keystroke: find_titles + title_choices (ms; {len(typed)} keystrokes × {rounds})",
        ["system, site", "p50", "p99", "max", "p50 / 1x", "p50 / find_titles"],
        rows,
    )
    write_json(args.json, {"machine": machine_note(), "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
