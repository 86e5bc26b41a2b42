"""Why an answer cited what it cited: the parts of each passage's score, field by field.

Built on the ranking's own data rather than a second ranking: the question as the search reads
it (``search.explain_plan``: its terms, typo fixes and their boosts, adjacent pairs, dates), the
index's stored per-field term counts scored by the same BM25 (``bm25.BM25``), and the same
weights (``SearchIndex.weights``). Scores are recomputed per field for the few passages shown,
so their sum is close to, not bit for bit, the ranking's single-precision total.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np

from .models import Answer, SearchResult
from .retrieval.bm25 import BM25
from .search import SearchIndex, explain_learned, explain_plan, explain_rerank
from .terms.analyzer import analyze
from .terms.fields import PHRASE_BUCKETS, phrase_ids

NEXT_POSTS = 2  # runner-up posts explained after the cited passages

# Field → what it is, in the words a moderator reads.
FIELD_NAMES = {
    "body": "passage text",
    "heading": "section heading",
    "phrase": "adjacent word pairs",
    "title": "post title",
    "summary": "post excerpt and tags",
    "sentence": "best sentence",
}


@dataclass(frozen=True, slots=True)
class FieldPart:
    field: str
    score: float
    terms: tuple[str, ...]  # the question's terms that matched here (pairs: "a b")


@dataclass(frozen=True, slots=True)
class PassageWhy:
    rank: int  # 1-based place in the results
    post_id: str
    title: str
    heading: str
    shown_score: float  # the score the ranking gave it
    parts: tuple[FieldPart, ...]
    opening_prior: float  # factor for a post's opening passages (1.0: none)
    date_bonus: float  # factor for a post dated when the question says (1.0: none)
    rerank: float  # factor from re-ranking a paraphrased question's posts (1.0: none)
    learned: float  # factor from the learned passage scorer (``passage_scorer``; 1.0: none)
    missing: tuple[str, ...]  # the question's terms found in none of its fields

    @property
    def parts_total(self) -> float:
        return sum(p.score for p in self.parts)


@dataclass(frozen=True, slots=True)
class Explanation:
    question: str
    terms: tuple[str, ...]  # analysed terms searched, in order
    typo_fixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()  # terms found nowhere in the content
    periods: tuple[tuple[dt.date, dt.date], ...] = ()
    declined: bool = False
    cited: tuple[PassageWhy, ...] = ()
    next_posts: tuple[PassageWhy, ...] = ()


def field_scorers(index: SearchIndex) -> dict[str, BM25]:
    """Each field's BM25 over the index's stored term counts. Built per explanation, not kept:
    a moderator's rare command is worth 0.3 s, not 32 MB held for the life of the index
    (``bench/explain.py``)."""
    n_terms = len(index.data.vocab)
    return {
        name: BM25(stats, PHRASE_BUCKETS if name == "phrase" else n_terms)
        for name, stats in index.data.fields.items()
    }


def _passage_of(index: SearchIndex, result: SearchResult) -> int | None:
    """The index position of a result's first passage (by post, heading path and text: a
    result's text is its section's cited passages joined, in text order)."""
    post = index.post_index.get(result.post_id)
    if post is None:
        return None
    first = int(index.post_first_passage[post])
    for offset, passage in enumerate(index.post_passages(result.post_id)):
        if passage.heading_path == result.heading_path and result.text.startswith(passage.text):
            return first + offset
    return None


def _why(
    index: SearchIndex,
    scorers: dict[str, BM25],
    result: SearchResult,
    rank: int,
    plan_terms: list[tuple[int, str, float]],
    pairs: list[tuple[int, str]],
    periods: list[tuple[dt.date, dt.date]],
    rerank: float = 1.0,
    learned: np.ndarray | None = None,
) -> PassageWhy | None:
    i = _passage_of(index, result)
    if i is None:
        return None
    scorer_factor = float(learned[i]) if learned is not None else 1.0
    w = index.weights
    post = int(index.passage_post[i])
    ordinal = i - int(index.post_first_passage[post])
    lead = 1.0 + w.lead / (1.0 + ordinal)
    sentence_start = int(np.sum(index.data.sentence_counts[:i]))
    sentence_docs = slice(sentence_start, sentence_start + int(index.data.sentence_counts[i]))
    date = index.posts[post].date
    in_period = any(start <= date <= end for start, end in periods)
    date_factor = 1.0 + w.date_match if in_period and w.date_match else 1.0
    factor = {
        "body": lead,
        "heading": w.heading * lead,
        "phrase": w.phrase * lead,
        "title": w.title,
        "summary": w.summary,
        "sentence": w.sentence,
    }
    parts = []
    matched: set[str] = set()
    for name in ("body", "heading", "phrase", "title", "summary", "sentence"):
        scorer = scorers.get(name)
        if scorer is None or not factor[name]:
            continue
        score, terms = 0.0, []
        items = pairs if name == "phrase" else [(tid, t) for tid, t, _ in plan_terms]
        boosts = {tid: b for tid, _, b in plan_terms}
        if name == "sentence":
            # A passage is as good as its best sentence: the best one's terms.
            per_sentence = np.zeros(sentence_docs.stop - sentence_docs.start)
            hits: list[list[str]] = [[] for _ in per_sentence]
            for tid, term in items:
                sentence_scores = scorer.scores([tid])[sentence_docs] * boosts.get(tid, 1.0)
                per_sentence += sentence_scores
                for j in np.flatnonzero(sentence_scores > 0):
                    hits[j].append(term)
            if len(per_sentence):
                best = int(np.argmax(per_sentence))
                score, terms = float(per_sentence[best]), hits[best]
        else:
            doc = post if name in ("title", "summary") else i
            for tid, term in items:
                s = float(scorer.scores([tid])[doc]) * (
                    boosts.get(tid, 1.0) if name != "phrase" else 1.0
                )
                if s > 0:
                    score += s
                    terms.append(term)
        if terms:
            matched.update(t for t in terms if " " not in t)
            scale = factor[name] * date_factor * rerank * scorer_factor
            parts.append(FieldPart(name, score * scale, tuple(terms)))
    return PassageWhy(
        rank=rank,
        post_id=result.post_id,
        title=result.title,
        heading=result.heading,
        shown_score=result.score,
        parts=tuple(parts),
        opening_prior=lead,
        date_bonus=date_factor,
        rerank=rerank,
        learned=scorer_factor,
        missing=tuple(t for _, t, _ in plan_terms if t not in matched),
    )


def explain(index: SearchIndex, question: str, cited: int = 3, k: int = 12) -> Explanation:
    """Search ``question`` again and explain its first ``cited`` results and the best
    ``NEXT_POSTS`` posts after them (why they ranked lower)."""
    answer: Answer = index.search(question, k)
    plan = explain_plan(index, question)
    vocab = index.data.vocab
    searched = [vocab[tid] for tid in plan.term_ids]
    asked = list(dict.fromkeys(analyze(question)))
    unknown = tuple(t for t in asked if t not in set(searched) and plan.weight_of.get(t))
    fixes = {
        t: tuple(s for s in searched if s not in asked)
        for t in asked
        if t not in set(searched) and t not in unknown
    }
    plan_terms = list(zip(plan.term_ids, searched, plan.boosts, strict=True))
    # Adjacent pairs, named by the terms that form them (pairs of fixes included).
    pair_names: dict[int, str] = {}
    for a, b in itertools.pairwise(searched):
        for pid in phrase_ids([a, b]):
            pair_names.setdefault(pid, f"{a} {b}")
    pairs = [(pid, pair_names.get(pid, "pair")) for pid in plan.phrase_ids]
    whys: list[PassageWhy] = []
    scorers = field_scorers(index) if answer.results else {}
    reranked = explain_rerank(index, question) if answer.results else {}
    learned = explain_learned(index, question) if answer.results else None
    for rank, result in enumerate(answer.results, 1):
        why = _why(
            index,
            scorers,
            result,
            rank,
            plan_terms,
            pairs,
            plan.periods,
            reranked.get(result.post_id, 1.0),
            learned,
        )
        if why is not None:
            whys.append(why)
    shown = whys[:cited]
    shown_posts = {w.post_id for w in shown}
    next_posts: list[PassageWhy] = []
    for why in whys[cited:]:
        if why.post_id not in shown_posts and len(next_posts) < NEXT_POSTS:
            shown_posts.add(why.post_id)
            next_posts.append(why)
    return Explanation(
        question=question,
        terms=tuple(searched),
        typo_fixes={t: f for t, f in fixes.items() if f},
        unknown=unknown,
        periods=tuple(plan.periods),
        declined=answer.declined,
        cited=tuple(shown),
        next_posts=tuple(next_posts),
    )
