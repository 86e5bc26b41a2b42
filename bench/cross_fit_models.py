"""Cross-fit the two learned models together, as they ship: the passage scorer, then the
headline's window model refitted on the search's output with that scorer (issue 10, round 21).

    .venv/bin/python -m bench.cross_fit_models [--features NAME ...] [--sets NAME ...]
        [--against-features NAME ...] [--against-sets NAME ...] [--fixed-headline] [--dense]
        [--stated]

For each training set left out in turn, two fits are compared on it by the whole search
(``SearchIndex.search``, as ``briefbot eval`` runs it: hit@1, ans@1, ans@5, headline and first
page, in questions): ``--features`` fitted on ``--sets`` (default: every training set) less the
one left out, against ``--against-features`` fitted on ``--against-sets`` (default: the shipped
features on the four sets the shipped models were fitted on) less the one left out. Each fit is
the passage scorer (``bench.fit_passage_scorer.fit``, its defaults: post loss, penalty 0.3,
shrink 0.5) and then the headline model (``bench.fit_headline.fit``, penalty 30) on the
search's output of the same sets with that scorer on; ``--fixed-headline`` keeps the shipped
headline model instead (as ``fit_passage_scorer --cv --search`` does). Only training sets are
read (dev and the held sets never are). ``--dense``: with the passages' vectors
(``bench.passage_vectors``' cache, as ``bench.answer_quality`` reads it), for models reading the
dense features (``passage_scorer.DENSE_FEATURES``).

Round 21: five sets against three (does more data help the shipped features?), and the
passage's voice features (``passage_scorer.ALL_FEATURES``) against the shipped ones. Round 27c
(``--dense --fixed-headline``): the post-level dense features against the shipped dense ones
(``passage_scorer.DENSE_MODEL_FEATURES``), with the shipped headline model (pinned without
vectors, it is what ships with them). Round 29a (``--dense --stated``: the sentences' vectors
read too, the stated rule on, as served once a site's sentences are stored): the sentence
features (``passage_scorer.SENTENCE_DENSE_FEATURES``) against the shipped dense ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from bench import fit_headline, fit_passage_scorer
from bench.answer_quality import HELD, TRAINING, with_cached_sentences, with_cached_vectors
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.answers import headline_model
from index.retrieval import passage_scorer
from index.retrieval.passage_scorer import ALL_FEATURES, FEATURES, Model
from index.search import SearchIndex

SHIPPED_SETS = ("tune", "train2", "train3", "train4")  # what the shipped models were fitted on
COLUMNS = "hit@1/ans@1/ans@5/headline/first page"


def fitted(
    index: SearchIndex,
    data: Sequence[fit_passage_scorer.Case],
    features: Sequence[str],
    sets: Sequence[str],
    refit_headline: bool = True,
) -> tuple[np.ndarray, headline_model.Model]:
    """The passage scorer's weights fitted on ``sets`` and the headline model refitted on the
    search's output of the same sets with that scorer on."""
    w = fit_passage_scorer.fit([c for c in data if c.set_name in sets], features)
    if not refit_headline:
        return w, headline_model.SHIPPED
    return w, headline_for(index, Model(tuple(features), tuple(float(v) for v in w)), sets)


def headline_for(index: SearchIndex, model: Model, sets: Sequence[str]) -> headline_model.Model:
    """The headline model refitted on the search's output of ``sets`` with the scorer
    ``model`` on."""
    saved = index.weights, index.passage_model
    index.passage_model = model
    index.weights = dataclasses.replace(saved[0], learned=1.0)
    try:
        collected = fit_headline.collect(sets, index)
    finally:
        index.weights, index.passage_model = saved
    around = headline_model.AROUND
    tables = [t for n in sets for c in collected[n] if (t := fit_headline.table(c, around))]
    return headline_model.Model(fit_headline.rounded(fit_headline.fit(tables)), around)


def measured(
    index: SearchIndex,
    name: str,
    features: Sequence[str],
    w: np.ndarray,
    headline: headline_model.Model,
) -> np.ndarray:
    """The whole search's counts on ``name`` with both models."""
    return measured_model(index, name, Model(tuple(features), tuple(float(v) for v in w)), headline)


def measured_model(
    index: SearchIndex, name: str, model: Model, headline: headline_model.Model
) -> np.ndarray:
    """``measured`` with the scorer ``model``."""
    saved = headline_model.SHIPPED
    headline_model.SHIPPED = headline  # (read by extraction at each call)
    try:
        return fit_passage_scorer.model_search_counts(index, name, model)
    finally:
        headline_model.SHIPPED = saved


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--features", nargs="+", default=list(FEATURES))
    parser.add_argument("--sets", nargs="+", default=list(TRAINING))
    parser.add_argument("--against-features", nargs="+", default=list(FEATURES))
    parser.add_argument("--against-sets", nargs="+", default=list(SHIPPED_SETS))
    parser.add_argument("--fixed-headline", action="store_true")
    parser.add_argument("--dense", action="store_true", help="with the passages' vectors")
    parser.add_argument(
        "--stated",
        action="store_true",
        help="with --dense, the sentences' vectors too and the stated rule on, as served",
    )
    parser.add_argument(
        "--sentence-candidates",
        type=int,
        default=None,
        help="the candidates whose sentences are read (passage_scorer.SENTENCE_CANDIDATES)",
    )
    args = parser.parse_args()
    if args.sentence_candidates is not None:
        passage_scorer.SENTENCE_CANDIDATES = args.sentence_candidates
    for name in {*args.sets, *args.against_sets}:
        if name == "dev" or name in HELD:
            parser.error(f"{name}: only training sets are fitted on ({TRAINING})")
    for feats in (args.features, args.against_features):
        if feats[0] != "score" or not set(feats) <= set(ALL_FEATURES):
            parser.error(f"features: 'score' first, then any of {ALL_FEATURES}")
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    if args.dense:
        with_cached_vectors(index)
        if index.dense is None:
            parser.error("--dense: no cached passage vectors (python -m bench.passage_vectors)")
        if args.stated:
            with_cached_sentences(index, stated=True)
    every = list(dict.fromkeys([*args.sets, *args.against_sets]))
    data = fit_passage_scorer.cases(index, every)
    refit = not args.fixed_headline
    print(f"A: {','.join(args.features[1:])} on {'+'.join(args.sets)} less the one left out")
    print(f"B: {','.join(args.against_features[1:])} on {'+'.join(args.against_sets)} less it")
    print(f"headline model {'refitted with each scorer' if refit else 'as shipped'}; {COLUMNS}")
    totals = np.zeros((2, 5), np.int64)
    for out in args.sets:
        a_sets = [n for n in args.sets if n != out]
        b_sets = [n for n in args.against_sets if n != out]
        wa, ha = fitted(index, data, args.features, a_sets, refit)
        wb, hb = fitted(index, data, args.against_features, b_sets, refit)
        a = measured(index, out, args.features, wa, ha)
        b = measured(index, out, args.against_features, wb, hb)
        totals += np.vstack([a, b])
        print(
            f"{out}: A {'/'.join(map(str, a))}  B {'/'.join(map(str, b))}"
            f"  A−B {'/'.join(f'{int(v):+d}' for v in a - b)}"
            f"  (A's scorer {', '.join(f'{v:.2f}' for v in wa)})",
            flush=True,
        )
    a, b = totals
    print(
        f"all: A {'/'.join(map(str, a))}  B {'/'.join(map(str, b))}"
        f"  A−B {'/'.join(f'{int(v):+d}' for v in a - b)}"
    )


if __name__ == "__main__":
    main()
