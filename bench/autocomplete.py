"""``/brief``'s title autocomplete: what a person meets (the titles listed for what they type)
and one keystroke's time, on the shared site and on a site ten times its size.

    .venv/bin/python -m bench.autocomplete [--quick] [--copies 1 10] [--seed N] [--tune]
        [--json OUT]

**Quality** (shared site): typed texts made from sampled titles with a fixed seed, as people type
what they remember: two or three of a title's content words in another order, the last one
half-typed (``reordered``); the same with a one-letter slip in one word (``typo``); one word from
the middle of a title (``middle``); two words of the posts' bodies found in no title (``no
title``: nothing is meant). For each: the share where the meant title is among the first 5
choices, and how many of the 25 choices are unrelated (share no content word with the text,
allowing prefixes and typos), the word-level search (``find_titles``) against the whole-title
search it replaced (``whole title``: substring, then rapidfuzz's WRatio over whole titles) in
the same run. ``--tune`` sweeps ``TitleMatchWeights`` on this seed's texts: choose on one seed,
report on another.

**Latency**: each keystroke is what the bot does for one (``bot.params.PostTitle.autocomplete``
without Discord): ``find_titles(value, 25)`` over the served posts, then ``title_choices``. The
keystrokes type sampled titles letter by letter (their first 30 characters), a word from the
middle of others, and the quality texts above letter by letter. The posts are parsed as the
indexer does (``parse_post``) from ``bench.common.build_site`` copies (10x: varied titles, dates
and URLs), the titles' vocabulary made and warmed first as the bot does (``SearchIndex.warm``;
its time printed). Both systems are interleaved block by block in the same run.
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

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
from index.retrieval.title_words import TitleMatchWeights, title_words
from index.terms.analyzer import STOPWORDS

# Words too common to be what someone remembers of a title (the quality texts skip them, and a
# choice sharing only these with the text is unrelated).
STOPWORDS = STOPWORDS | {"new", "now", "just", "too", "yet", "will", "may", "also"}


def before(posts: Sequence[Post], text: str, limit: int = 25) -> list[Post]:
    """The whole-title search, per keystroke: titles containing ``text`` (those starting with it
    first, newest first within each), then rapidfuzz's WRatio over whole titles, cutoff 60. The
    reference of ``tests/test_title_search.py`` for the titles containing the text."""
    needle = text.casefold().strip()
    if not needle:
        return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)[:limit]
    exact = [p for p in posts if needle in p.title.casefold()]
    exact.sort(key=lambda p: (not p.title.casefold().startswith(needle), -p.date.toordinal()))
    if len(exact) >= limit:
        return exact[:limit]
    seen = {p.id for p in exact}
    fuzzy = process.extract(
        needle,
        {i: p.title.casefold() for i, p in enumerate(posts) if p.id not in seen},
        limit=limit - len(exact),
        score_cutoff=60,
    )
    return exact + [posts[key] for _, _, key in fuzzy]


class WholeTitles:
    """``Catalogue.find_titles`` before word-level matching, as fast as it was (titles folded
    and posts ordered once; the scan stops at ``limit`` titles starting with the text)."""

    def __init__(self, posts: list[Post]) -> None:
        self.posts = posts
        self.folded = [p.title.casefold() for p in posts]
        self.newest_first = sorted(range(len(posts)), key=lambda i: -posts[i].date.toordinal())

    def find_titles(self, text: str, limit: int = 25) -> list[Post]:
        needle = text.casefold().strip()
        if not needle:
            return sorted(self.posts, key=lambda p: (p.date, p.id), reverse=True)[:limit]
        starts: list[int] = []
        contains: list[int] = []
        for i in self.newest_first:
            if self.folded[i].startswith(needle):
                starts.append(i)
                if len(starts) == limit:
                    break
            elif needle in self.folded[i]:
                contains.append(i)
        exact = (starts + contains)[:limit]
        if len(exact) == limit:
            return [self.posts[i] for i in exact]
        seen = set(exact)
        fuzzy = process.extract(
            needle,
            {i: t for i, t in enumerate(self.folded) if i not in seen},
            limit=limit - len(exact),
            score_cutoff=60,
        )
        return [self.posts[i] for i in exact] + [self.posts[key] for _, _, key in fuzzy]


def systems(catalogue: Catalogue, old: WholeTitles) -> dict[str, Callable[[str], object]]:
    """One keystroke's work, now and before."""

    def now(value: str) -> object:
        return title_choices(catalogue.find_titles(value, 25))

    def whole(value: str) -> object:
        return title_choices(old.find_titles(value, 25))

    return {"find_titles": now, "whole title": whole}


def site_posts(site: Path) -> tuple[list[Post], list[str]]:
    """The site's posts, and each one's passages' text."""
    root, config = find_site(site)
    posts, bodies = [], []
    for path in post_files(site):
        parsed = parse_post(path, root / "_posts", config)
        if isinstance(parsed, ParsedPost):
            posts.append(parsed.post)
            bodies.append(" ".join(p.text for p in parsed.passages))
    return posts, bodies


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


# ---------------------------------------------------------------------------------- quality


@dataclass(frozen=True)
class Typed:
    kind: str
    text: str
    title: str | None  # the title meant (None: nothing is)


def content_words(text: str, numbers: bool = False) -> list[str]:
    """``text``'s words worth remembering; with ``numbers``, its numbers too (a digest's)."""
    return [
        w
        for w in title_words(text)
        if (numbers and w.isdigit()) or (len(w) >= 3 and w not in STOPWORDS and not w.isdigit())
    ]


def slip(word: str, rng: random.Random) -> str:
    """One letter wrong: swapped with the next, dropped, doubled or replaced (not the first)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstnl".replace(word[i], "")) + word[i + 1 :]


def typed_texts(posts: list[Post], bodies: list[str], seed: int, count: int = 150) -> list[Typed]:
    """What people type for a title they remember, made from sampled titles (see the module)."""
    rng = random.Random(seed)
    out: list[Typed] = []
    titled = [p for p in posts if len(set(content_words(p.title, numbers=True))) >= 2]
    for post in rng.sample(titled, min(count, len(titled))):
        words = list(dict.fromkeys(content_words(post.title, numbers=True)))
        picked = rng.sample(words, min(len(words), rng.choice((2, 3))))
        while len(picked) > 1 and picked == [w for w in words if w in picked]:
            rng.shuffle(picked)  # another order than the title's
        last = picked[-1]
        if len(last) >= 4:
            last = last[: rng.randint(max(2, (len(last) + 1) // 2), len(last) - 1)]
        reordered = [*picked[:-1], last]
        out.append(Typed("reordered", " ".join(reordered), post.title))
        slipped = [i for i, w in enumerate(picked[:-1]) if len(w) >= 4] or (
            [len(picked) - 1] if len(last) >= 4 else []
        )
        if slipped:
            i = rng.choice(slipped)
            typo = [*reordered]
            typo[i] = slip(typo[i], rng)
            out.append(Typed("typo", " ".join(typo), post.title))
    for post in rng.sample(posts, count):
        words = post.title.split()
        middle = [w for w in words[1:-1] if content_words(w)] or [
            w for w in words[1:] if content_words(w)
        ]
        if middle:
            out.append(Typed("middle", content_words(rng.choice(middle))[0], post.title))
    in_titles = {w for p in posts for w in title_words(p.title)}
    body_words = sorted(
        {w for b in bodies for w in content_words(b) if len(w) >= 5 and w.isalpha()} - in_titles
    )
    for _ in range(count // 2):
        out.append(Typed("no title", " ".join(rng.sample(body_words, 2)), None))
    return out


def related(text: str, title: str) -> bool:
    """Whether ``title`` shares a content word with ``text`` (numbers count, and the last word
    as typed so far): the same, one starting the other (a half-typed or plural word), or a slip
    away."""
    typed = content_words(text, numbers=True)
    last = title_words(text)[-1:]
    typed += [w for w in last if len(w) >= 2 and w not in STOPWORDS and w not in typed]
    words = [w for w in title_words(title) if w not in STOPWORDS]
    return any(
        t == w
        or w.startswith(t)
        or (len(w) >= 3 and t.startswith(w))
        or (min(len(t), len(w)) >= 4 and fuzz.ratio(t, w) >= 75)
        for t in typed
        for w in words
    )


def quality(
    find: Callable[[str, int], list[Post]], texts: list[Typed]
) -> dict[str, dict[str, float]]:
    """Per kind of text: the share where the meant title is among the first 5 choices, the
    choices listed and the unrelated choices (means)."""
    out: dict[str, dict[str, float]] = {}
    for kind, group in itertools.groupby(sorted(texts, key=lambda t: t.kind), key=lambda t: t.kind):
        hits, listed, unrelated, n = 0, 0, 0, 0
        for typed in group:
            found = find(typed.text, 25)
            n += 1
            hits += typed.title is not None and typed.title in [p.title for p in found[:5]]
            listed += len(found)
            unrelated += sum(not related(typed.text, p.title) for p in found)
        out[kind] = {"n": n, "top5": hits / n, "listed": listed / n, "unrelated": unrelated / n}
    return out


def tune(posts: list[Post], texts: list[Typed]) -> None:
    """Each setting's figures on these texts (choose on one seed's, report on another's)."""
    rows: list[tuple[str, float, float, float]] = []
    for min_share, cutoff, stopword in itertools.product(
        (0.3, 0.4, 0.45, 0.5, 0.6), (0.7, 0.75, 0.8), (0.1, 0.25, 0.5, 1.0)
    ):
        weights = TitleMatchWeights(
            min_share=min_share, fuzzy_cutoff=cutoff, stopword_factor=stopword
        )
        catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64), weights)
        q = quality(catalogue.find_titles, texts)
        top5 = statistics.mean(q[k]["top5"] for k in q if k != "no title")
        unrelated = statistics.mean(q[k]["unrelated"] for k in q)
        setting = f"{min_share} / {cutoff:g} / {stopword}"
        rows.append((setting, top5, unrelated, q["no title"]["listed"]))
    rows.sort(key=lambda r: (-r[1], r[2]))
    print_table(
        "tuning: min share / fuzzy cutoff / stopword factor",
        ["setting", "top-5 (mean of kinds)", "unrelated / text", "listed for no title"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--seed", type=int, default=2, help="the quality texts' seed (report)")
    parser.add_argument("--tune", action="store_true", help="sweep the weights on --seed's texts")
    args = parser.parse_args(argv)
    require_shared()
    rounds = 1 if args.quick else 3
    print(machine_note())
    figures: dict[str, object] = {}
    with temp_dir() as tmp:
        posts, bodies = site_posts(build_site(tmp / "site", 1))
    texts = typed_texts(posts, bodies, args.seed)
    if args.tune:
        tune(posts, texts)
        return 0
    catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))
    found = {
        "find_titles": quality(catalogue.find_titles, texts),
        "whole title": quality(WholeTitles(posts).find_titles, texts),
    }
    print_table(
        f"what a person meets (seed {args.seed}; shared site, {len(posts)} posts)",
        ["kind of text", "texts", "system", "meant title in first 5", "choices", "unrelated"],
        [
            [kind, q["n"], name, q["top5"], q["listed"], q["unrelated"]]
            for kind in found["find_titles"]
            for name, per_kind in found.items()
            for q in [per_kind[kind]]
        ],
    )
    figures["quality"] = found
    rows = []
    base: dict[str, float] = {}
    warm_ms: dict[int, float] = {}
    for copies in args.copies:
        with temp_dir() as tmp:
            posts, bodies = site_posts(build_site(tmp / "site", copies))
        catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))
        # Warmed as the bot serves an index (``SearchIndex.warm``); what that costs, once.
        start = time.perf_counter()
        catalogue.title_words.warm()
        warm_ms[copies] = (time.perf_counter() - start) * 1000
        typed = keystrokes(posts, seed=copies)
        for t in typed_texts(posts, bodies, seed=copies, count=20):
            typed += [t.text[:i] for i in range(1, len(t.text) + 1)]
        samples = time_interleaved(
            systems(catalogue, WholeTitles(posts)), typed, rounds=rounds, block=25
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
                    p50 / statistics.median(samples["whole title"]),
                ]
            )
            figures[f"{name} {copies}x"] = {"posts": len(posts), "ms": times}
    print_table(
        f"one keystroke: find_titles + title_choices (ms; ~{len(typed)} keystrokes × {rounds})",
        ["system, site", "p50", "p99", "max", "p50 / its 1x", "p50 / whole title"],
        rows,
    )
    for copies, ms in warm_ms.items():
        print(f"titles' vocabulary made and warmed once per index, {copies}x: {ms:.0f} ms")
    figures["warm ms"] = warm_ms
    write_json(args.json, {"machine": machine_note(), "figures": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
