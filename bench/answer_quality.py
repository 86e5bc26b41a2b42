"""Answer quality on every question set in one run: the figures ``briefbot eval`` prints, one
row per set, from one index build.

    .venv/bin/python -m bench.answer_quality [--sets dev tune train2 train3 ...]
                                             [--runs-out DIR] [--hand-headline] [--learned X]
                                             [--language-off] [--dense-off] [--stated-off]
                                             [--sentence-off]

The sets: ``dev`` is ``../shared/eval/dev.jsonl``; the others are ``bench/questions/NAME.jsonl``.
The training sets (``TRAINING``: ``tune``, ``train2`` to ``train6``) are the sets extraction,
ranking and declining are tuned and fitted on; the held sets (``HELD``: ``held`` to ``held6``) are
run for these aggregate figures only (see ``bench/questions/README.md``); ``OFFTOPIC``'s two
halves of far off-topic questions are passed by name (``--sets offtopic_tune``). ``--json
FILE`` also writes the figures printed. ``--runs-out`` writes each set's runs (as
``briefbot eval --runs-out`` does) to ``DIR/NAME.jsonl``. ``--hand-headline``: the headline's
window by the hand-set choice (``extraction``) instead of the learned model (``headline_model``).
``--learned X``: the learned passage scorer (``passage_scorer``) at weight X, not the shipped one.
``--language-off``: no English word list (typo fixes and declining as before issue 10's round 23).
What ships once a site is embedded is measured: with the passages' vectors
(``SearchIndex.dense``: the learned scorer's dense form) when ``bench.passage_vectors`` has them
cached (else a line says so), and then with the sentences' vectors read as the bot reads them
once all are stored (from the caches ``bench.fit_answerability`` keeps, the missing ones
embedded): issue 10's round 28b rule on (``answerability.SENTENCE_MEANING``: declined when no
first-page sentence is close to the question in meaning) and the learned scorer reading each
candidate's closest sentence (``passage_scorer.SENTENCE_MODEL``, round 29a). ``--stated-off``:
without the sentences (the default before round 29: what the bot serves while its sentences
are being embedded). ``--sentence-off``: the rule on, the scorer without the sentences (as
before round 29a). ``--dense-off``: without any vectors (as before issue 10's round 24, or as
served until the passages are embedded). ``--stated`` (the default now) is kept for older
command lines.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from bench.common import (
    CORPUS,
    SHARED,
    base_parser,
    build_index,
    kept_temp_dir,
    language_off,
    require_shared,
    write_json,
)
from index.answers import headline_model
from index.evaluation import evaluate, load_questions, write_runs
from index.search import SearchIndex

QUESTIONS = Path(__file__).parent / "questions"
# The sets fitted and tuned on (their failures may be read), and the held-out ones (run for
# aggregate figures only): every fitting script reads TRAINING, and only it.
TRAINING = ("tune", "train2", "train3", "train4", "train5", "train6")
HELD = ("held", "held2", "held3", "held4", "held5", "held6")
# Far off-topic questions (cooking, sport, chit-chat…: issue 10, round 27d), all unanswerable:
# a tuning half and a held half (run for aggregates only), in neither tuple above.
OFFTOPIC = ("offtopic_tune", "offtopic_held")
SETS = ("dev", *TRAINING, *HELD)
COLUMNS = (
    ("hit1", "hit@1"),
    ("hit5", "hit@5"),
    ("mrr10", "MRR@10"),
    ("answer1", "ans@1"),
    ("answer5", "ans@5"),
    ("headline", "headline"),
    ("first_page", "1st page"),
    ("declined_unanswerable", "unans decl"),
    ("wrongly_declined", "wrong decl"),
)


def set_path(name: str) -> Path:
    return SHARED / "eval" / "dev.jsonl" if name == "dev" else QUESTIONS / f"{name}.jsonl"


def with_cached_vectors(index: SearchIndex) -> None:
    """What ships: the index's ``Dense`` (the served one, once every passage is embedded) from
    ``bench.passage_vectors``' cache of this index's passages, if it holds all but a few of them
    (those are embedded now: ``EMBED_AT_MOST``; the whole site takes ~20 minutes: ``python -m
    bench.passage_vectors``); else a line saying so."""
    from index.retrieval.dense import Dense
    from index.retrieval.embedder import load_embedder

    from .passage_vectors import DEFAULT_CACHE, EMBED_AT_MOST, cached_passage_vectors

    vectors = cached_passage_vectors(index)
    if vectors is None:
        print(
            f"(over {EMBED_AT_MOST} passages not in the vectors cached under {DEFAULT_CACHE}:"
            " answers without them; `python -m bench.passage_vectors` embeds them)",
            file=sys.stderr,
        )
        return
    index.dense = Dense(vectors, load_embedder().query)


def with_cached_sentences(index: SearchIndex, stated: bool = False) -> None:
    """``index.sentence_vectors`` from the bench's caches of the site's sentences
    (``bench.fit_answerability.sentence_embedder``: the texts they lack are embedded), as the
    bot reads them from the index's file once its sentences are stored: the candidates'
    sentence features (``passage_scorer.SENTENCE_DENSE_FEATURES``) read them; ``stated``: the
    round-28b rule on too (``answerability.SENTENCE_MEANING``), as served."""
    from bench.fit_answerability import sentence_embedder
    from index.answers import answerability

    index.sentence_vectors = sentence_embedder()
    if stated:
        index.stated_rule = answerability.SENTENCE_MEANING


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--runs-out", type=Path, default=None)
    parser.add_argument(
        "--hand-headline",
        action="store_true",
        help="the headline's window by the hand-set choice, not the learned model",
    )
    parser.add_argument(
        "--learned",
        type=float,
        default=None,
        help="RankingWeights.learned: the learned passage scorer (index/retrieval/passage_scorer"
        ".py) on at this weight (0: off)",
    )
    parser.add_argument(
        "--language-off",
        action="store_true",
        help="no English word list: typo fixes and declining as before issue 10's round 23",
    )
    parser.add_argument(
        "--dense-off",
        action="store_true",
        help="no passage vectors (nor the stated rule): answers as before meaning-based ranking"
        " (issue 10, round 24), as served until a site is embedded",
    )
    stated = parser.add_mutually_exclusive_group()
    stated.add_argument(
        "--stated",
        action="store_true",
        help="the default (kept for older command lines): with the passages' vectors, decline"
        " too when no first-page sentence is close to the question in meaning"
        " (answerability.SENTENCE_MEANING, its sentences' vectors cached by"
        " bench.fit_answerability)",
    )
    stated.add_argument(
        "--stated-off",
        action="store_true",
        help="without that rule (the default before round 29; served while the sentences are"
        " embedded); --dense-off implies it",
    )
    parser.add_argument(
        "--sentence-off",
        action="store_true",
        help="the learned scorer without the candidates' closest sentences (before issue 10's"
        " round 29a; passage_scorer.SENTENCE_MODEL None)",
    )
    args = parser.parse_args()
    require_shared()
    if args.sentence_off:
        from index.retrieval import passage_scorer

        passage_scorer.SENTENCE_MODEL = None
    if args.hand_headline:  # (read by extraction at each call)
        headline_model.SHIPPED = headline_model.Model((0.0,) * len(headline_model.FEATURES))
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    if args.learned is not None:
        index.weights = dataclasses.replace(index.weights, learned=args.learned)
    if args.language_off:
        language_off(index)
    if not args.dense_off:
        with_cached_vectors(index)
    if index.dense is not None and not args.stated_off:  # (what ships once all are embedded)
        with_cached_sentences(index, stated=True)
    measured = "dense off" if index.dense is None else "dense on"
    if index.dense is not None:
        measured += ", stated rule off" if args.stated_off else ", stated rule on"
        if not args.stated_off:
            measured += ", sentence scorer off" if args.sentence_off else ", sentence scorer on"
    print(f"(measured: {measured})", file=sys.stderr)
    print(f"| set | n | {' | '.join(label for _, label in COLUMNS)} |")
    print(f"|---|---:|{'---:|' * len(COLUMNS)}")
    figures: dict[str, dict[str, object]] = {}
    for name in args.sets:
        path = set_path(name)
        if not path.exists():
            print(f"| {name} | (no {path}) |")
            continue
        questions = load_questions(path)
        report, runs = evaluate(questions, lambda q, k: index.search(q, k=k))
        if args.runs_out:
            write_runs(args.runs_out / f"{name}.jsonl", runs)
        o = report.overall
        cells = " | ".join(
            "–" if getattr(o, key) is None else f"{getattr(o, key):.3f}" for key, _ in COLUMNS
        )
        print(f"| {name} | {report.questions} | {cells} |")
        figures[name] = {"n": report.questions} | {key: getattr(o, key) for key, _ in COLUMNS}
    write_json(args.json, {"sets": figures})


if __name__ == "__main__":
    main()
