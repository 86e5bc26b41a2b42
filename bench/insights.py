"""The ``/insights`` report's grouping of near-duplicate questions on a busy server's log.

    .venv/bin/python -m bench.insights [--quick] [--sizes 1000 5000 20000] [--json OUT]

Generated logs of declined questions (``log``): half reword an earlier question (a popular one
more often: words dropped, added, reordered, re-cased), half are new, made of 2–7 words drawn
by their frequency in the shared corpus with a few of the analyzer's stopwords. Each size is
grouped by ``index.insights.group_questions`` and by the grouping it replaced (``pairwise``
below: every question compared with every earlier group), alternately, in the same run; both
analyse the questions. The groups are checked to be the same before anything is timed.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence

from bench.common import (
    CORPUS,
    _words_of,
    base_parser,
    machine_note,
    post_files,
    print_table,
    require_shared,
    write_json,
)
from index.insights import SAME_QUESTION, QuestionGroup, group_questions, question_terms

STOP = ["what", "the", "about", "did", "is", "of", "how", "who", "why", "?"]


def pairwise_groups(questions: Sequence[str], same: float = SAME_QUESTION) -> list[list[str]]:
    """The grouping before the prefix filter, the definition the tests compare against: each
    question joins the most similar earlier group whose first question shares ≥ ``same`` of
    their terms (Jaccard), the first on a tie. Quadratic in the groups."""
    groups: list[tuple[frozenset[str], list[str]]] = []
    for question in questions:
        terms = question_terms(question)
        home = None
        if terms:
            best = 0.0
            for key, members in groups:
                if not key:
                    continue
                share = len(key & terms) / len(key | terms)
                if share >= same and share > best:
                    home, best = members, share
        if home is None:
            groups.append((terms, [question]))
        else:
            home.append(question)
    return [members for _, members in groups]


def pairwise(questions: Sequence[str], same: float = SAME_QUESTION) -> list[QuestionGroup]:
    """The report's groups as the grouping before the prefix filter made them (the baseline)."""
    out = []
    for members in pairwise_groups(questions, same):
        distinct = list(dict.fromkeys(" ".join(m.split()) for m in members))
        out.append(
            QuestionGroup(question=distinct[0], count=len(members), variants=tuple(distinct[1:4]))
        )
    out.sort(key=lambda g: -g.count)
    return out


def corpus_words() -> tuple[list[str], list[int]]:
    counts: Counter[str] = Counter()
    for path in post_files(CORPUS):
        counts.update(_words_of(path))  # in how many posts: common words weigh more
    words = sorted(counts)
    return words, [counts[w] for w in words]


def log(n: int, words: list[str], weights: list[int], seed: int) -> list[str]:
    rng = random.Random(seed)
    asked: list[str] = []
    for _ in range(n):
        if asked and rng.random() < 0.5:
            # Popular questions come back more often: an earlier one, biased to the first asked.
            q = asked[int(len(asked) * rng.random() ** 3)].split()
            if len(q) > 2 and rng.random() < 0.4:
                q.pop(rng.randrange(len(q)))
            if rng.random() < 0.3:
                q.insert(rng.randrange(len(q) + 1), rng.choice(STOP))
            if rng.random() < 0.3:
                rng.shuffle(q)
            text = " ".join(q)
            asked.append(text.capitalize() if rng.random() < 0.5 else text)
        else:
            q = rng.choices(words, weights, k=rng.randint(2, 7)) + rng.sample(STOP, 2)
            rng.shuffle(q)
            asked.append(" ".join(q))
    return asked


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    args = parser.parse_args(argv)
    require_shared()
    rounds = 1 if args.quick else 3
    words, weights = corpus_words()
    print(machine_note())
    rows, figures = [], {}
    systems: dict[str, Callable[[Sequence[str]], list[QuestionGroup]]] = {
        "prefix filter": group_questions,
        "pairwise (before)": pairwise,
    }
    for size in args.sizes:
        asked = log(size, words, weights, seed=size)
        assert group_questions(asked) == pairwise(asked), "the groups differ"
        groups = len(group_questions(asked))
        # The old grouping of a big log takes tens of seconds: one round of it there.
        old_rounds = rounds if size <= 5000 else 1
        times: dict[str, list[float]] = {name: [] for name in systems}
        for r in range(rounds):
            order = list(systems) if r % 2 == 0 else list(reversed(systems))
            for name in order:
                if name.startswith("pairwise") and r >= old_rounds:
                    continue
                t0 = time.perf_counter()
                systems[name](asked)
                times[name].append(time.perf_counter() - t0)
        new = statistics.median(times["prefix filter"])
        old = statistics.median(times["pairwise (before)"])
        rows.append([f"{size:,} questions ({groups:,} groups)", new * 1000, old * 1000, old / new])
        figures[str(size)] = {
            "groups": groups,
            "new_s": times["prefix filter"],
            "old_s": times["pairwise (before)"],
        }
    print_table(
        "grouping a log (median ms)",
        ["log", "prefix filter", "pairwise (before)", "× faster"],
        rows,
    )
    write_json(args.json, {"machine": machine_note(), "sizes": figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
