"""Declining on whether the first page *states* an answer (issue 10, round 28b).

    .venv/bin/python -m bench.fit_answerability collect [--sets tune train2 ...] [--dense-off]
    .venv/bin/python -m bench.fit_answerability fit [--budget 0.02]
    .venv/bin/python -m bench.fit_answerability report --sets held held2 ... [--dense-off]

``collect`` answers every question of the sets as shipped (``SearchIndex.search``) and keeps,
per question, what a rule could read: today's decision, the lexical evidence
(``search.explain_decline``), the off-topic rule's keyness, the passages' cosines (best over
the site, over the first results, the median) and the headline model's answer-likeness over
the first page (``answers.answerability``), with whether the answer was on the first page
(rows in ``--rows``, one JSON file per set; written for training sets, dev and off-topic
only). ``fit`` chooses rules leave-one-set-out on the six training sets (the most unanswerable
questions declined with at most ``--budget`` of the fitting sets' answerable ones declined in
all, today's counted). ``report`` prints held sets' sums only (never their questions), under
today's rule and each family's all-six rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.answer_quality import HELD, TRAINING, set_path, with_cached_vectors
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.answers import answerability, extraction
from index.evaluation import FIRST_PAGE, RUN_RESULTS, holds, load_questions
from index.retrieval import decline
from index.search import MAX_RESULTS, SearchIndex, explain_decline

ROWS = Path("/tmp/r28-answerability")
BUDGET = 0.02


def _probe() -> tuple[list[Any], Callable[[], None]]:
    """Catch the arguments of ``extraction.extract`` (what the answer's headline is chosen
    from) while answers are made; returns the list they go to and a function undoing it."""
    caught: list[Any] = []
    original = extraction.extract

    def extract(question: str, weights: Any, evidence: Any, *a: Any, **k: Any) -> Any:
        caught.append((question, dict(weights), list(evidence)))
        return original(question, weights, evidence, *a, **k)

    extraction.extract = extract  # type: ignore[assignment]

    def undo() -> None:
        extraction.extract = original  # type: ignore[assignment]

    return caught, undo


def first_passages(index: SearchIndex, question: str, k: int = 10) -> list[int]:
    plan = index.reader.plan(question.strip())
    if not plan.term_ids:
        return []
    scores, choice = index._passage_scores(plan)
    judged, _ = index._rank(scores, choice, min(k, 2 * MAX_RESULTS))
    return [p for p, _ in judged]


def collect(index: SearchIndex, name: str) -> list[dict[str, Any]]:
    """Each question's row (see the module's text)."""
    rows = []
    caught, undo = _probe()
    try:
        for q in load_questions(set_path(name)):
            caught.clear()
            answer = index.search(q.question, k=RUN_RESULTS)
            row: dict[str, Any] = {
                "set": name,
                "unanswerable": q.unanswerable,
                "answerable": bool(q.answerable and q.answer),
                "today": answer.declined,
            }
            if q.answer and not answer.declined:
                results = answer.results
                row["headline"] = holds(answer.headline, q.answer)
                row["page"] = row["headline"] or any(
                    holds(r.snippet, q.answer) for r in results[:FIRST_PAGE]
                )
                row["ans3"] = any(holds(r.text, q.answer) for r in results[:3])
                row["ans5"] = any(holds(r.text, q.answer) for r in results[:5])
            ev = explain_decline(index, q.question)
            row["evidence"] = None if ev is None else asdict(ev)
            found = index.site_words(q.question)
            row["keyness"] = decline.keyness(found, index.off_topic_rule) if found else None
            if index.dense is not None:
                sims = index.dense.similarities(q.question)
                first = first_passages(index, q.question)
                row["cos_best"] = float(sims.max())
                row["cos_median"] = float(np.median(sims))
                row["cos_first"] = [float(sims[first[: n + 1]].max()) for n in range(len(first))]
            if not answer.declined and caught:
                question, weights, evidence = caught[-1]
                prepared = extraction.prepare(question, weights, evidence)
                found_al = answerability.answerlike(prepared)
                row["answerlike"] = None if found_al is None else asdict(found_al)
            rows.append(row)
    finally:
        undo()
    return rows


# ---------------------------------------------------------------- rules


def _num(x: float) -> float:
    return x if math.isfinite(x) else (1e9 if x > 0 else -1e9)


def feature(row: dict[str, Any], name: str) -> float:
    """One reading of a row (inf when it has none: such a row is never declined by it)."""
    al = row.get("answerlike")
    if name.startswith("al_"):
        if al is None:
            return math.inf
        key = name[3:]
        if key.startswith("first"):
            firsts = al["firsts"]
            n = int(key[5:])
            return _num(max(firsts[:n])) if firsts else math.inf
        return _num(float(al[key]))
    ev = row.get("evidence")
    if name in ("coverage", "passage", "lead"):
        return math.inf if ev is None else float(ev[name])
    if name == "keyness":
        k = row.get("keyness")
        return math.inf if k is None else _num(float(k))
    if name.startswith("cos_first"):
        firsts = row.get("cos_first") or []
        n = int(name[9:])
        return float(firsts[min(n, len(firsts)) - 1]) if firsts else math.inf
    if name == "cos_best":
        return float(row.get("cos_best", math.inf))
    if name == "cos_gap":  # the best of the first 3 over the median
        firsts = row.get("cos_first") or []
        if not firsts:
            return math.inf
        return float(firsts[min(3, len(firsts)) - 1]) - float(row["cos_median"])
    raise KeyError(name)


AL = ("al_best", "al_share", "al_margin", "al_standing", "al_first1", "al_first3")
OTHERS = ("coverage", "passage", "lead", "keyness", "cos_first3", "cos_best", "cos_gap")


def grid(values: np.ndarray, n: int = 60) -> list[float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return []
    return sorted(set(np.quantile(finite, np.linspace(0.0, 0.5, n)).round(4).tolist()))


@dataclass(frozen=True, slots=True)
class Candidate:
    """Decline (beside today's rule) when every ``below`` reading is under its threshold."""

    below: tuple[tuple[str, float], ...]

    def show(self) -> str:
        return " & ".join(f"{n} < {t:g}" for n, t in self.below)


def matrix(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> dict[str, np.ndarray]:
    return {n: np.array([feature(r, n) for r in rows]) for n in names}


def families(rows: Sequence[dict[str, Any]]) -> dict[str, list[Candidate]]:
    """One reading of answer-likeness alone, or with one other reading; thresholds from the
    rows' own quantiles (the lower half: a rule declines the lowest)."""
    m = matrix(rows, AL + OTHERS)
    out: dict[str, list[Candidate]] = {}
    for a in AL:
        ga = grid(m[a], 50)
        out[a] = [Candidate(((a, t),)) for t in ga]
        for o in OTHERS:
            go = grid(m[o], 12) if o not in ("coverage", "passage") else [
                0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01
            ]
            out[f"{a} & {o}"] = [Candidate(((a, t), (o, u))) for t in ga[::2] for u in go]
    return out


def decisions(cands: Sequence[Candidate], rows: Sequence[dict[str, Any]]) -> np.ndarray:
    names = sorted({n for c in cands for n, _ in c.below})
    m = matrix(rows, names)
    today = np.array([r["today"] for r in rows])
    out = np.zeros((len(cands), len(rows)), dtype=bool)
    for i, c in enumerate(cands):
        d = np.ones(len(rows), dtype=bool)
        for n, t in c.below:
            d &= m[n] < t
        out[i] = today | d
    return out


def choose(
    rows: Sequence[dict[str, Any]], cands: Sequence[Candidate], budget: float
) -> Candidate | None:
    d = decisions(cands, rows)
    unans = np.array([r["unanswerable"] for r in rows])
    ans = np.array([not r["unanswerable"] for r in rows])
    declined, wrong = d[:, unans].sum(1), d[:, ans].sum(1)
    allowed = math.floor(budget * int(ans.sum()) + 1e-9)
    ok = [i for i in range(len(cands)) if wrong[i] <= allowed]
    if not ok:
        return None
    return cands[min(ok, key=lambda i: (-declined[i], wrong[i], i))]


def counts(d: np.ndarray, rows: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
    """(unanswerable declined, answerable declined, of which with the answer on the page)."""
    u = sum(bool(x) for x, r in zip(d, rows, strict=True) if r["unanswerable"])
    a = sum(bool(x) for x, r in zip(d, rows, strict=True) if not r["unanswerable"])
    p = sum(
        bool(x) and bool(r.get("page"))
        for x, r in zip(d, rows, strict=True)
        if not r["unanswerable"]
    )
    return u, a, p


def load(sets: Sequence[str], rows_dir: Path) -> list[dict[str, Any]]:
    out = []
    for name in sets:
        out.extend(json.loads((rows_dir / f"{name}.json").read_text()))
    return out


def fit(rows_dir: Path, budget: float, extra: Sequence[str]) -> None:
    rows = load(TRAINING, rows_dir)
    fams = families(rows)
    today = np.array([r["today"] for r in rows])
    print("today:", counts(today, rows), "of", sum(r["unanswerable"] for r in rows), "/",
          sum(not r["unanswerable"] for r in rows))
    others = {name: load([name], rows_dir) for name in extra}
    for fam, cands in fams.items():
        total = [0, 0, 0]
        per = []
        for held in TRAINING:
            fit_rows = [r for r in rows if r["set"] != held]
            test = [r for r in rows if r["set"] == held]
            c = choose(fit_rows, cands, budget)
            d = decisions([c], test)[0] if c else np.array([r["today"] for r in test])
            u, a, p = counts(d, test)
            per.append(f"{u}/{a}")
            total = [total[0] + u, total[1] + a, total[2] + p]
        whole = choose(rows, cands, budget)
        shown = whole.show() if whole else "none"
        line = f"{fam:28s} cross {total[0]:2d}/{total[1]:2d} (page {total[2]}) [{' '.join(per)}]"
        line += f" all-six: {shown}"
        if whole:
            line += f" in-sample {counts(decisions([whole], rows)[0], rows)}"
            for name, o in others.items():
                line += f" {name} {counts(decisions([whole], o)[0], o)[:2]}"
        print(line)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("step", choices=("collect", "fit", "report"))
    parser.add_argument("--sets", nargs="+", default=list(TRAINING))
    parser.add_argument("--rows", type=Path, default=ROWS)
    parser.add_argument("--dense-off", action="store_true")
    parser.add_argument("--budget", type=float, default=BUDGET)
    parser.add_argument("--extra", nargs="*", default=["dev", "offtopic_tune"])
    args = parser.parse_args()
    if args.step == "fit":
        fit(args.rows, args.budget, args.extra)
        return
    require_shared()
    if "held6" in args.sets:
        raise SystemExit("held6 is the lead's alone")
    if args.step == "collect" and set(args.sets) & {*HELD, "offtopic_held"}:
        raise SystemExit("held sets are run by `report` only (sums, no rows kept)")
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    if not args.dense_off:
        with_cached_vectors(index)
    args.rows.mkdir(parents=True, exist_ok=True)
    for name in args.sets:
        rows = collect(index, name)
        (args.rows / f"{name}.json").write_text(json.dumps(rows))
        print(name, len(rows), counts(np.array([r["today"] for r in rows]), rows))


if __name__ == "__main__":
    main()
