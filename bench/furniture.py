"""How often a page's furniture reaches what a person reads: picture credits, embedded tweets'
sign-offs, a post's thanks to its makers, and headlines that end on a colon or run two digest
items together.

    .venv/bin/python -m bench.furniture [--runs DIR ...] [--corpus] [--examples N]

``--runs``: directories of ``bench.answer_quality --runs-out`` (training sets only: the held-out
sets' answers are not read); per set, the headlines and first-page snippets (results 1–3)
holding each kind. ``--corpus``: the sentences of each kind in the reference site's posts, as
cleaned (``ingest.cleaning``) and split as shown (``answers.text.sentences``). The patterns here
are the shapes a reader notices, written apart from the rules that clean them
(``ingest.furniture``, ``answers.text.is_thanks``), so that a count after the rules is a check
of them, not a restatement.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.answer_quality import HELD
from bench.common import CORPUS
from bench.first_page import _spans_paragraphs

FIRST_PAGE = 3

_CREDIT = re.compile(
    r"(?:^|[.!?…\"”]\s+|\s·\s)[\"“(]?(?:(?:image|photo(?:graph)?s?|picture|illustration|video|"
    r"graphic|figure)\s+)?(?:credits?|courtesy)\s*:"
    r"|(?:^|[.!?…\"”]\s+|\s·\s)sources?\s*:\s*(?:[A-Z0-9][\w./-]*\s*){0,4}(?:$|[.·…])"
    r"|\b(?:photo|image)\s+by\b|\bon unsplash\b|(?:^|[.!?…\"”]\s+)doi\s*:"
    r"|\(\s*(?:sources?|credits?|courtesy)\s*(?:[:\-–][^()]{0,80})?\)",
    re.IGNORECASE,
)
_TWEET = re.compile(r"\(@\w{1,15}\)|pic\.twitter\.com")
_THANKS = re.compile(
    r"\b(?:big|many|special|huge)\s+thanks\b|\bthanks\s+to\s+[^.!?]{0,80}\bfor\s+(?:\w+\s+){0,3}"
    r"(?:feedback|help|comments|editing)\b|\bthank\s+you\s+to\b",
    re.IGNORECASE,
)
# (a digest's sign-off: the site's boilerplate, shown in no answer since round 9)
_SIGN_OFF = re.compile(r"that.s all for this week|\bfeel free to subscribe\b", re.IGNORECASE)
KINDS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("picture credit", lambda t: bool(_CREDIT.search(t))),
    ("tweet sign-off (@handle) / pic.twitter", lambda t: bool(_TWEET.search(t))),
    ("thanks to the post's makers", lambda t: bool(_THANKS.search(t))),
    ("weekly sign-off / subscribe", lambda t: bool(_SIGN_OFF.search(t))),
)
HEADLINE_KINDS = ("headline ends on a colon", "headline runs two digest items")


def count_runs(path: Path, examples: int) -> Counter[str]:
    """The texts of one set's first pages holding each kind (and a few examples printed)."""
    counts: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        run = json.loads(line)
        if run["declined"]:
            continue
        results = run["results"][:FIRST_PAGE]
        texts = [("headline", run["headline"])] + [
            (f"[{n + 1}]", r["snippet"]) for n, r in enumerate(results)
        ]
        found: list[tuple[str, str]] = []
        for where, text in texts:
            found += [(name, f"{where} {text}") for name, check in KINDS if text and check(text)]
        headline = run["headline"]
        if headline.rstrip().endswith(":"):
            found.append((HEADLINE_KINDS[0], headline))
        if headline and any(_spans_paragraphs(headline, r["text"]) for r in results):
            found.append((HEADLINE_KINDS[1], headline))
        for name, text in found:
            counts[name] += 1
            if shown[name] < examples:
                shown[name] += 1
                print(f"{path.stem} {run['id']} | {name} | {text[:240]}")
    return counts


def count_corpus() -> Counter[str]:
    """The reference site's sentences (as shown) of each kind."""
    from index.answers.text import sentences
    from index.ingest.cleaning import clean_body
    from index.ingest.loader import read_front_matter

    counts: Counter[str] = Counter()
    for post in sorted((CORPUS / "_posts").rglob("*.md")):
        _, body, _ = read_front_matter(post.read_text(encoding="utf-8", errors="replace"))
        for block in clean_body(body):
            if block.kind == "code":
                continue
            for sentence in sentences(block.text):
                counts.update(name for name, check in KINDS if check(sentence))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", nargs="*", type=Path, default=[])
    parser.add_argument("--corpus", action="store_true")
    parser.add_argument("--examples", type=int, default=0)
    args = parser.parse_args()
    names = [name for name, _ in KINDS] + list(HEADLINE_KINDS)
    for runs in args.runs:
        files = sorted(p for p in runs.glob("*.jsonl") if p.stem not in HELD and p.stem != "dev")
        counts = {p.stem: count_runs(p, args.examples) for p in files}
        print(
            f"\n{runs}\n| kind | {' | '.join(counts)} | all |\n|---|{'---:|' * (len(counts) + 1)}"
        )
        for name in names:
            cells = [counts[s][name] for s in counts]
            print(f"| {name} | {' | '.join(map(str, cells))} | {sum(cells)} |")
    if args.corpus:
        counts_c = count_corpus()
        print("\ncorpus sentences:")
        for name, _ in KINDS:
            print(f"| {name} | {counts_c[name]} |")


if __name__ == "__main__":
    main()
