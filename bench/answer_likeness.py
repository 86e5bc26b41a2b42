"""Does a passage that *states* the answer rank first? The learned passage scorer with the
answer-likeness of its first candidates (``extraction.answer_likeness``: the learned headline
model over every window of their sentences), cross-fitted over the training sets (issue 10,
round 28a).

    .venv/bin/python -m bench.answer_likeness [--features NAME ...] [--window-model shipped|fold]
        [--search] [--cost]

Only the training sets (``TRAINING``) are read. With the passages' vectors (``bench.
passage_vectors``' cache), as the search ships. Each answerable question's candidates are those
of ``bench.fit_passage_scorer.cases``; the first ``passage_scorer.ANSWER_CANDIDATES`` of them
are read as extraction reads a passage (``SearchIndex.answer_evidence``) and every window of
one or two sentences gets ``headline_model.FEATURES`` (``extraction.answer_windows``) and a
target (its sentences hold the answer span, as ``fit_headline`` judges a window).

The window model the features read (``--window-model``):
- ``shipped``: ``headline_model.SHIPPED`` (fitted on tune … train4's headlines: the sets left
  out among those were seen by it, so their figures flatter it);
- ``fold``: for each set left out, a window model fitted (``fit_headline.fit``, its penalty) on
  the other sets' windows of these candidates (none of the left-out set's answers seen: the
  circularity-free figure), and the scorer fitted on the same other sets.

The base is the shipped dense form (``passage_scorer.DENSE_MODEL_FEATURES``) cross-fitted alike.
Counts (``fit_passage_scorer.counts``: hit@1 / ans@1 / ans@5 of the search's result order), or
with ``--search`` the whole search (hit@1 / ans@1 / ans@5 / headline / first page, the shipped
headline model; ``--refit-headline``: refitted on the other sets' search output with each
scorer, as ``bench.cross_fit_models`` does). ``--cost``: the answer-likeness of a question's
first candidates, timed (median ms a question, ``--cost-candidates`` each). ``--counts``: how
often the candidate of the largest answer share holds the answer, against the scorer's first.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Sequence

import numpy as np

from bench import cross_fit_models, fit_headline, fit_passage_scorer
from bench.answer_quality import TRAINING, with_cached_vectors
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.answers import extraction, headline_model
from index.evaluation import holds
from index.retrieval import passage_scorer
from index.retrieval.passage_scorer import ALL_FEATURES, DENSE_MODEL_FEATURES, Model
from index.search import SearchIndex


@dataclasses.dataclass
class Windows:
    """One case's windows over its first candidates: features, targets, which candidate."""

    rows: np.ndarray
    target: np.ndarray
    windows: list[headline_model.Window]
    n: int  # candidates read


def windows_of(index: SearchIndex, case: fit_passage_scorer.Case, m: int) -> Windows:
    """``case``'s first ``m`` candidates' windows, their features and targets."""
    cand = case.cand[:m]
    evidence = index.answer_evidence(cand)
    weights = index._plan(case.question).weight_of
    prepared = extraction.prepare(case.question, weights, evidence, len(cand), [1.0] * len(cand))
    cands, rows = extraction.candidate_windows(prepared, None)
    target = [
        bool(case.answer_text)
        and holds(
            " ".join(s.text for s in prepared.per_evidence[w.source][w.start : w.end]),
            case.answer_text,
        )
        for w in cands
    ]
    return Windows(
        np.array(rows, float).reshape(len(cands), -1), np.array(target, bool), cands, len(cand)
    )


def with_answer(
    data: Sequence[fit_passage_scorer.Case], found: Sequence[Windows], weights: Sequence[float]
) -> list[fit_passage_scorer.Case]:
    """The cases with their ``ANSWER_FEATURES`` columns from the window model ``weights``."""
    out = []
    for c, w in zip(data, found, strict=True):
        feats = c.feats.copy()
        for name in passage_scorer.ANSWER_FEATURES:
            feats[:, ALL_FEATURES.index(name)] = 0.0
        if len(w.windows):
            values = headline_model.values(w.rows.tolist(), weights)
            like = extraction.likeness_of(w.n, w.windows, w.rows.tolist(), values)
            columns = passage_scorer.answer_columns(
                np.array(like.best), np.array(like.share), len(c.cand), np.array(like.form_focus)
            )
            for name, value in columns.items():
                feats[:, ALL_FEATURES.index(name)] = value
        out.append(dataclasses.replace(c, feats=feats))
    return out


def window_model(found: Sequence[Windows]) -> tuple[float, ...]:
    """A window model fitted on ``found``'s windows (``fit_headline.fit``)."""
    tables = [fit_headline.Table(w.rows, w.target) for w in found if len(w.windows)]
    return fit_headline.rounded(fit_headline.fit(tables))


def headline_fold(
    collected: dict[str, list[fit_headline.Case]], sets: Sequence[str]
) -> tuple[float, ...]:
    """The headline model refitted as its pin is (``fit_headline``: windows around the hand-set
    choice, the search's own output) on ``sets`` only."""
    around = headline_model.AROUND
    tables = [t for n in sets for c in collected[n] if (t := fit_headline.table(c, around))]
    return fit_headline.rounded(fit_headline.fit(tables))


def holders(data: Sequence[fit_passage_scorer.Case], m: int) -> str:
    """Of the questions whose answer a passage among the first ``m`` candidates holds: how often
    the first candidate by the retrieval's order holds it, the shipped dense scorer's first, and
    the candidate of the largest answer share (``answer_top``); and where the scorer's first
    misses it, how often the answer share's holds it."""
    share = ALL_FEATURES.index("answer_share")
    cols = fit_passage_scorer.columns(DENSE_MODEL_FEATURES)
    n = first = scorer = top = missed = rescued = 0
    for c in data:
        held = c.answer[:m]
        if not held.any():
            continue
        n += 1
        order = passage_scorer.learned_order(c.feats[:m, cols], passage_scorer.DENSE_WEIGHTS)
        best = int(np.argmax(order))
        likeliest = int(np.argmax(c.feats[:m, share]))
        first += bool(held[0])
        scorer += bool(held[best])
        top += bool(held[likeliest])
        if not held[best]:
            missed += 1
            rescued += bool(held[likeliest])
    return (
        f"answer among the first {m} candidates: {n}; held by the first by retrieval {first}, "
        f"by the dense scorer's first {scorer}, by the largest answer share's {top}; of the "
        f"{missed} the scorer's first misses, the answer share's holds it in {rescued}"
    )


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument(
        "--features", nargs="+", action="append", default=None, help="a model (repeatable)"
    )
    parser.add_argument(
        "--window-model", choices=("shipped", "fold", "headline-fold"), default="shipped"
    )
    parser.add_argument("--search", action="store_true")
    parser.add_argument(
        "--refit-headline",
        action="store_true",
        help="with --search: the headline model refitted on each scorer's output",
    )
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--counts", action="store_true", help="who holds the answer, counted")
    parser.add_argument(
        "--answer-candidates",
        type=int,
        default=passage_scorer.ANSWER_CANDIDATES,
        help="the candidates read (passage_scorer.ANSWER_CANDIDATES)",
    )
    parser.add_argument("--cost-candidates", type=int, nargs="+", default=[5, 10, 20])
    args = parser.parse_args()
    require_shared()
    passage_scorer.ANSWER_CANDIDATES = args.answer_candidates
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    with_cached_vectors(index)
    if index.dense is None:
        parser.error("no cached passage vectors (python -m bench.passage_vectors)")
    data = fit_passage_scorer.cases(index, TRAINING)
    if args.cost:
        for m in args.cost_candidates:
            times = []
            for c in data:
                plan = index._plan(c.question)
                start = time.perf_counter()
                index.answer_likeness(c.question, plan, c.cand[:m])
                times.append(time.perf_counter() - start)
            print(
                f"answer-likeness of {m} candidates: median {1e3 * statistics.median(times):.2f}"
                f" ms, mean {1e3 * statistics.mean(times):.2f} ms ({len(times)} questions)"
            )
        return
    headlines: dict[str, list[fit_headline.Case]] = {}
    if args.window_model == "headline-fold":
        # The headline model's own data, as its pin is fitted: the shipped scorer on, no
        # vectors (``fit_headline.collect``).
        saved = index.dense, index.weights
        index.dense = None
        index.weights = dataclasses.replace(saved[1], learned=1.0)
        headlines = fit_headline.collect(TRAINING, index)
        index.dense, index.weights = saved
    m = passage_scorer.ANSWER_CANDIDATES
    if args.counts:
        print(holders(data, m))
        return
    found = [windows_of(index, c, m) for c in data]
    base = list(DENSE_MODEL_FEATURES)
    models = [base] + (args.features or [[*base, "answer"]])
    sets = list(dict.fromkeys(c.set_name for c in data))
    shipped = headline_model.SHIPPED.weights
    index.weights = dataclasses.replace(index.weights, learned=1.0)
    what = "hit@1/ans@1/ans@5" + ("/headline/first page" if args.search else "")
    print(f"window model: {args.window_model}; {what}")
    totals: dict[int, np.ndarray] = {}
    for out in sets:
        train_found = [w for c, w in zip(data, found, strict=True) if c.set_name != out]
        if args.window_model == "shipped":
            weights = shipped
        elif args.window_model == "fold":
            weights = window_model(train_found)
        else:
            weights = headline_fold(headlines, [n for n in sets if n != out])
        print(f"({out} left out: window model {', '.join(f'{v:.2f}' for v in weights)})")
        patched = with_answer(data, found, weights)
        train = [c for c in patched if c.set_name != out]
        test = [c for c in patched if c.set_name == out]
        cells = []
        for n, names in enumerate(models):
            w = fit_passage_scorer.fit(train, names)
            if args.search:
                # (the answer features read the window model fixed above, whatever headline
                # model the search shows)
                index.answer_model = headline_model.Model(weights)
                model = Model(tuple(names), tuple(float(v) for v in w))
                if args.refit_headline:
                    train_sets = [n for n in sets if n != out]
                    refitted = cross_fit_models.headline_for(index, model, train_sets)
                    got = cross_fit_models.measured_model(index, out, model, refitted)
                else:
                    got = fit_passage_scorer.model_search_counts(index, out, model)
                index.answer_model = None
            else:
                got = fit_passage_scorer.counts(index, test, names, w)
            totals[n] = totals.get(n, 0) + got
            cells.append("/".join(map(str, got)))
            if n:
                extra = ", ".join(f"{v:.2f}" for v in w[len(base) :])
                cells[-1] += f" ({extra})"
        print(f"{out}: " + "  ".join(cells), flush=True)
    for n, names in enumerate(models):
        diff = totals[n] - totals[0]
        print(
            f"all {'+'.join(names[len(base) :]) or 'base'}: {'/'.join(map(str, totals[n]))}"
            f"  ({'/'.join(f'{int(v):+d}' for v in diff)})"
        )


if __name__ == "__main__":
    main()
