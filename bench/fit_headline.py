"""Fit the headline's window chooser (``index/answers/headline_model.py``) on the training sets.

    .venv/bin/python -m bench.fit_headline            # fit on every training set, print WEIGHTS
    .venv/bin/python -m bench.fit_headline --cross    # cross-fitting: leave one set out

For each answerable question of the training sets (``bench/questions/NAME.jsonl``) the search
runs as served (k = 10, as ``index.evaluation`` runs it) and its extraction inputs are kept; each
candidate window of the headline (one or two sentences, as ``extraction.candidate_windows``
enumerates them: by default those of the hand-set window's passage within
``headline_model.AROUND`` sentences of it; ``--around -1``: every window of the first ``POOL``
passages) gets its features and a target: its sentences hold the answer span (``--target
window``), or the headline made from it does (``--target headline``:
``extraction.headline_of``, with the sentence before when it leans on it, what a colon
announces, the passage's next best sentence), as ``index.evaluation`` judges it. A softmax over
each question's windows (the windows holding the answer its target; questions with none, or
all, left out), features standardised, L2 penalty ``--penalty``, fitted by scipy's L-BFGS from
zero (deterministic: the same data give the same weights). The weights are printed on the raw
features' scale, as ``WEIGHTS`` is shipped (the last line); ``tests/test_headline_model.py``
runs this script (about 10 s) and checks the shipped tuple against it.

``--cross`` fits on all training sets but one and measures headline and first page on the one
left out (the hand-set choice against the model), the figure settings are chosen by; ``--drop``
leaves features out; ``--report`` measures further sets (not fitted on) with the fitted model.

The shipped model is fitted on inputs without the passages' vectors (CI has none; answers are
served so until a site is embedded). ``--dense``: the inputs as served with them (the vectors
``bench.answer_quality`` reads from its cache), where each result carries its cosine to the
question; ``--cosine C ...`` measures ``extraction.COSINE`` (the prior between the first results
reading those cosines) at each value: hand-set, the shipped model and (``--cross``) the model
refitted, and which value the other sets choose for each set left out. ``--passages`` counts
where the answer is among the first results' passages against their rank and cosine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.answer_quality import TRAINING, set_path, with_cached_vectors
from bench.common import CORPUS, build_index, kept_temp_dir, require_shared
from index.answers import extraction, headline_model
from index.answers.text import shown_text
from index.evaluation import FIRST_PAGE, Question, holds, load_questions

PENALTY = 30.0
TARGET = "window"


@dataclass
class Case:
    """One question's extraction inputs, as the served search made them."""

    question: Question
    declined: bool
    inputs: tuple[str, dict[str, float], list[extraction.Evidence]] | None


@dataclass
class Table:
    """One question's candidate windows: features and targets."""

    rows: np.ndarray
    target: np.ndarray
    windows: list[headline_model.Window] = field(default_factory=list)


def collect(names: Sequence[str], index: Any = None) -> dict[str, list[Case]]:
    """Each set's questions and their extraction inputs (one index build, or ``index``'s: a
    ``SearchIndex`` as a fitting script has set it up)."""
    if index is None:
        index, _ = build_index(kept_temp_dir() / "fit.sqlite3", CORPUS)
    served = extraction.prepare
    seen: list[tuple[str, dict[str, float], list[extraction.Evidence]]] = []

    def spy(
        question: str,
        weights: Any,
        evidence: Sequence[extraction.Evidence],
        pool: int = extraction.POOL,
    ) -> extraction.Prepared:
        seen.append((question, dict(weights), list(evidence)))
        return served(question, weights, evidence, pool)

    out: dict[str, list[Case]] = {}
    # (the bench's own hook: the inputs the search hands extraction, which prepares them first)
    extraction.prepare = spy
    try:
        for name in names:
            path = set_path(name)
            if not path.exists():
                print(f"(no {path}: left out)")
                continue
            cases = []
            for q in load_questions(path):
                seen.clear()
                answer = index.search(q.question, k=10)
                cases.append(Case(q, answer.declined, seen[0] if seen else None))
            out[name] = cases
    finally:
        extraction.prepare = served
    return out


def table(case: Case, around: int | None, target: str = "window") -> Table | None:
    """The question's candidate windows, their features and targets (None: no candidates).
    The target: the window's own sentences hold the answer span (``window``), or the headline
    made from it does (``headline``: with the sentence before when the first leans on it, what
    a colon announces, the passage's next best sentence)."""
    if case.inputs is None or case.declined or not case.question.answerable:
        return None
    question, weights, evidence = case.inputs
    prepared = extraction.prepare(question, weights, evidence)
    windows, rows = extraction.candidate_windows(prepared, around)
    if not windows:
        return None
    answer = case.question.answer
    if target == "headline":
        held = [holds(extraction.headline_of(prepared, w)[0], answer) for w in windows]
    else:
        texts = [
            [s.text for s in prepared.per_evidence[w.source][w.start : w.end]] for w in windows
        ]
        held = [holds(" ".join(t), answer) for t in texts]
    return Table(np.array(rows, dtype=float), np.array(held, dtype=bool), windows)


def fit(tables: Sequence[Table], penalty: float = PENALTY, mask: Sequence[bool] = ()) -> np.ndarray:
    """The softmax's weights on the raw features (zero where ``mask`` is False; the tables may
    carry more columns than ``headline_model.FEATURES`` when ``mask`` names them all)."""
    from scipy.optimize import minimize  # (the fitting script's dependency, not the bot's)

    used = [t for t in tables if t.target.any() and not t.target.all()]
    n = len(mask) if len(mask) else len(headline_model.FEATURES)
    keep = np.array(mask if len(mask) else [True] * n, dtype=bool)
    stacked = np.vstack([t.rows for t in used])[:, keep]
    mean, std = stacked.mean(axis=0), stacked.std(axis=0)
    std[std == 0] = 1.0
    blocks = [((t.rows[:, keep] - mean) / std, t.target) for t in used]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value = 0.5 * penalty * float(w @ w)
        grad = penalty * w
        for x, y in blocks:
            s = x @ w
            s -= s.max()
            e = np.exp(s)
            p_all = e / e.sum()
            p_pos = e[y] / e[y].sum()
            value -= float(np.log(e[y].sum()) - np.log(e.sum()))
            grad -= x[y].T @ p_pos - x.T @ p_all
        return value, grad

    result = minimize(loss, np.zeros(int(keep.sum())), jac=True, method="L-BFGS-B")
    out = np.zeros(n)
    out[keep] = result.x / std
    return out


def measure(cases: Sequence[Case], model: headline_model.Model) -> tuple[int, int, int]:
    """(headlines holding the answer, first pages showing it, answerable questions with a span)
    of ``cases`` with the headline chosen by ``model`` (all zero: the hand-set choice)."""
    head = page = n = 0
    for case in cases:
        q = case.question
        if not q.answerable or not q.answer:
            continue
        n += 1
        if case.declined or case.inputs is None:
            continue
        question, weights, evidence = case.inputs
        found = extraction.extract(question, weights, evidence, model=model)
        shown = [found.headline] + [shown_text(s) for s in found.snippets[:FIRST_PAGE]]
        head += holds(found.headline, q.answer)
        page += any(holds(s, q.answer) for s in shown)
    return head, page, n


def passage_counts(data: dict[str, list[Case]]) -> str:
    """Among the answered questions whose answer one of the first ``POOL`` results' passages
    holds: how often result 1 holds it, the one of best cosine does, the headline's does; and
    of the headlines missing it from a passage that does not hold it, how often the best
    cosine's does (inputs with ``--dense``)."""
    n = first = nearest = source = missed = missed_nearest = 0
    for case in (c for cases in data.values() for c in cases):
        q = case.question
        if not q.answerable or not q.answer or case.declined or case.inputs is None:
            continue
        question, weights, evidence = case.inputs
        pool = evidence[: extraction.POOL]
        held = [holds(e.text, q.answer) for e in pool]
        sims = [e.similarity for e in pool]
        if not any(held) or None in sims:
            continue
        best = max(range(len(pool)), key=lambda i: (sims[i] or 0.0, -i))
        found = extraction.extract(question, weights, evidence)
        n += 1
        first += held[0]
        nearest += held[best]
        from_held = found.source < len(pool) and held[found.source]
        source += from_held
        if not holds(found.headline, q.answer) and not from_held:
            missed += 1
            missed_nearest += held[best]
    return (
        f"answer in results 1-{extraction.POOL}: {n}; held by result 1 {first}, by the best"
        f" cosine's {nearest}, by the headline's result {source}; headline from a result not"
        f" holding it {missed}, of which the best cosine's holds it {missed_nearest}"
    )


def rounded(weights: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(w), 4) + 0.0 for w in weights)  # (+ 0.0: no -0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", nargs="+", default=list(TRAINING))
    parser.add_argument("--penalty", type=float, nargs="+", default=[PENALTY])
    parser.add_argument(
        "--around", type=int, default=headline_model.AROUND, help="-1: every window"
    )
    parser.add_argument("--target", choices=("window", "headline"), default=TARGET)
    parser.add_argument("--cross", action="store_true")
    parser.add_argument("--drop", nargs="*", default=[], help="features left out")
    parser.add_argument("--report", nargs="*", default=[], help="sets only measured")
    parser.add_argument("--dense", action="store_true", help="inputs with the passages' vectors")
    parser.add_argument("--cosine", type=float, nargs="+", default=None, help="extraction.COSINE")
    parser.add_argument("--passages", action="store_true", help="the answer's result counted")
    args = parser.parse_args()
    require_shared()
    around = None if args.around < 0 else args.around
    index = None
    if args.dense:
        index, _ = build_index(kept_temp_dir() / "fit.sqlite3", CORPUS)
        with_cached_vectors(index)
    data = collect([*args.sets, *args.report], index)
    if args.passages:
        print(passage_counts({n: data[n] for n in args.sets if n in data}))
    mask = [f not in args.drop for f in headline_model.FEATURES]
    names = [n for n in args.sets if n in data]
    hand = headline_model.Model((0.0,) * len(headline_model.FEATURES))

    def model(w: np.ndarray) -> headline_model.Model:
        return headline_model.Model(rounded(w), around)

    # (per cosine and penalty, per set left out: the shipped model's and the refitted one's
    # headline and first page)
    results: dict[tuple[float, float], dict[str, tuple[int, int, int, int]]] = {}
    for cosine in args.cosine or [extraction.COSINE]:
        extraction.COSINE = cosine
        label = f"cosine {cosine} " if args.cosine else ""
        tables = {n: [t for c in data[n] if (t := table(c, around, args.target))] for n in data}
        for penalty in args.penalty:
            if args.cross:
                tot = np.zeros(6, dtype=int)
                per = results.setdefault((cosine, penalty), {})
                for out in names:
                    w = fit([t for n in names if n != out for t in tables[n]], penalty, mask)
                    h0, p0, n = measure(data[out], hand)
                    h1, p1, _ = measure(data[out], model(w))
                    h2, p2, _ = measure(data[out], headline_model.SHIPPED)
                    tot += (h0, p0, h1, p1, h2, p2)
                    per[out] = (h2, p2, h1, p1)
                    print(
                        f"{label}penalty {penalty} {out}: headline {h0} → {h1},"
                        f" first page {p0} → {p1} / {n} (shipped model {h2} / {p2})"
                    )
                print(
                    f"{label}penalty {penalty} all: headline {tot[0]} → {tot[2]},"
                    f" first page {tot[1]} → {tot[3]} (shipped model {tot[4]} / {tot[5]})"
                )
            shipped = model(fit([t for n in names for t in tables[n]], penalty, mask))
            print(f"# {label}penalty {penalty}, fitted on {', '.join(names)}:")
            for name, value in zip(headline_model.FEATURES, shipped.weights, strict=True):
                print(f"#   {name}: {value!r}")
            print(f"WEIGHTS: tuple[float, ...] = ({', '.join(map(repr, shipped.weights))})")
            for name in args.report:
                if name in data:
                    h0, p0, n = measure(data[name], hand)
                    h1, p1, _ = measure(data[name], shipped)
                    print(f"{label}{name}: headline {h0} → {h1}, first page {p0} → {p1} / {n}")
    if len(results) > 1:
        print(left_out_choice(results, names))


def left_out_choice(
    results: dict[tuple[float, float], dict[str, tuple[int, int, int, int]]], names: Sequence[str]
) -> str:
    """For each set left out, the (cosine, penalty) the other sets choose (headline, then
    first page, of the refitted model) and its figures on the set left out, summed."""
    lines, head, page = [], 0, 0
    for out in names:
        others = {
            key: (
                sum(v[2] for n, v in per.items() if n != out),
                sum(v[3] for n, v in per.items() if n != out),
            )
            for key, per in results.items()
        }
        key = max(others, key=others.__getitem__)
        h, p = results[key][out][2:]
        head, page = head + h, page + p
        lines.append(f"{out}: cosine {key[0]} penalty {key[1]} → {h} / {p}")
    return "\n".join([*lines, f"chosen on the others, all: headline {head}, first page {page}"])


if __name__ == "__main__":
    main()
