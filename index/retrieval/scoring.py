"""Scoring passages: every field and its weight, a question → scores.

Every passage gets a weighted sum of BM25 scores over its fields (see ``fields.py``): body,
heading, adjacent-term pairs, its best sentence, and its post's title and summary; then a small
prior for a post's opening passages, and a bonus for posts dated when the question says
("in May 2024").

Each field keeps its raw statistics (``bm25.FieldModel``, ``postings.FieldPostings``); a question
computes the weights of its own terms' postings only, and a reindex follows what changed in
each field without rebuilding the others' postings (``ScoreTable.followed``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..terms.fields import (
    FIELDS,
    HASHED_FIELDS,
    PASSAGE_FIELDS,
    PHRASE_BUCKETS,
    POST_FIELDS,
    IndexData,
)
from ..terms.term_counts import TermCounts
from .bm25 import FieldModel
from .postings import FieldPostings
from .query import QueryPlan
from .ranking import RankingWeights
from .selection import SegmentMax

# Sentences per passage laid out for the best-sentence maximum; most passages have fewer, and
# the rest go to a small overflow area (more rows would cost more to clear than they save).
SENTENCE_ROWS = 8


@dataclass(frozen=True, slots=True)
class FieldScorer:
    """One field as a question reads it: its statistics, its weight (a number, or one per
    document) and where its documents' scores go in the output (None: position = document)."""

    number: int  # its place in ``FIELDS`` (the order its weights are added in)
    region: int  # 0: passages, 1: sentences, 2: posts (see ``ScoreTable``)
    model: FieldModel
    postings: FieldPostings
    factor: float | np.ndarray
    slots: np.ndarray | None

    def segments(self, ids: list[int], boosts: np.ndarray | None) -> list[Added]:
        """Per segment of its postings of ``ids``: (output slots, float32 weights, postings
        per id), in the order of ``ids``. ``boosts`` (float32, per id) scales each id's
        weights; None: all 1."""
        out = []
        for docs, tf, lengths in self.postings.gather(ids):
            weights = self.model.weights(ids, docs, tf, lengths)
            if isinstance(self.factor, np.ndarray):
                weights *= self.factor[docs]
            elif self.factor != 1.0:
                weights *= self.factor
            # Single precision, as bm25s keeps its scores: half the memory a question writes.
            # (float64 products rounded once, then boosted: the weights a table of them held.)
            scaled = weights.astype(np.float32)
            if boosts is not None:
                scaled *= np.repeat(boosts, lengths)
            out.append((docs if self.slots is None else self.slots[docs], scaled, lengths))
        return out


@dataclass(frozen=True, slots=True)
class Follows:
    """What a new table follows: the table before a reindex, its statistics, and which of its
    posts the new statistics keep (they come first in them, in order; new posts after)."""

    table: ScoreTable
    data: IndexData
    kept_posts: np.ndarray


Added = tuple[np.ndarray, np.ndarray, np.ndarray]  # slots, weights, postings per id


def add_in_order(out: np.ndarray, ranks: list[list[int]], fields: list[Added]) -> None:
    """Add the fields' weights into ``out`` by rank, then by field (in the order given), as one
    folded table of weights added them: float32 sums depend on their order, and rankings stay
    identical only if the bits do. ``ranks[f]`` are the ranks of field ``f``'s ids (ascending),
    whose postings it holds in that order. Consecutive groups of one field go in one
    ``np.add.at`` (a field few ranks touch, such as headings, splits the others' runs only
    there)."""
    groups: list[tuple[int, int, int, int]] = []  # (rank, field, start, stop)
    for f, (_, _, lengths) in enumerate(fields):
        stop = 0
        for rank, n in zip(ranks[f], lengths.tolist(), strict=True):
            if n:
                groups.append((rank, f, stop, stop + n))
                stop += n
    groups.sort()
    i = 0
    while i < len(groups):
        _, f, a, b = groups[i]
        while i + 1 < len(groups) and groups[i + 1][1] == f:  # (the next of the same field)
            i += 1
            b = groups[i][3]
        slots, weights, _ = fields[f]
        np.add.at(out, slots[a:b], weights[a:b])
        i += 1


class ScoreTable:
    """Every field and its weight, summed into one output array per question, with a region
    for each kind of document:

        [passages | sentences (laid out for a per-passage maximum) | posts]

    Scores are linear in the fields, so a question's postings of every field go into one
    array; the opening-passage prior is a per-passage weight of the passage fields.
    """

    def __init__(
        self,
        data: IndexData,
        passage_post: np.ndarray,
        post_first_passage: np.ndarray,
        post_dates: np.ndarray,
        w: RankingWeights,
        follows: Follows | None = None,
        okapi: bool = False,
    ) -> None:
        """``okapi``: build each field whose statistics are whole (no ``follows``, or made whole
        again past ``MERGE_SHARE``) with rank-bm25 (``FieldModel.okapi``), as indexing does;
        False (an index loaded from disk) derives the same model from the counts."""
        n_passages = data.n_passages
        n_posts = len(post_dates)
        n_terms = len(data.vocab)
        self.weights = w
        self.n_passages = n_passages
        self.n_terms = n_terms
        self.passage_post = passage_post
        self.post_dates = post_dates
        self.states_amount = data.states_amount
        self._passages_per_post = data.passage_counts.astype(np.intp)
        ordinal = np.arange(n_passages) - post_first_passage[passage_post]
        lead = 1.0 + w.lead / (1.0 + ordinal)
        self._sentences = SegmentMax(data.sentence_counts, SENTENCE_ROWS)
        self._sentence_offset = n_passages
        self._post_offset = n_passages + self._sentences.n_slots
        self.n_out = self._post_offset + n_posts
        post_slots = self._post_offset + np.arange(n_posts, dtype=np.int64)
        # Per field: its weight (a number, or one per document) and where its documents go.
        placement: dict[str, tuple[float | np.ndarray, np.ndarray | None]] = {
            "body": (lead, None),
            "heading": (w.heading * lead, None),
            "phrase": (w.phrase * lead, None),
            "title": (w.title, post_slots),
            "summary": (w.summary, post_slots),
            "sentence": (w.sentence, self._sentence_offset + self._sentences.positions),
        }
        kept = _kept_documents(follows, data) if follows is not None else None
        self.fields: dict[str, FieldScorer] = {}
        for number, name in enumerate(FIELDS):
            n_ids = PHRASE_BUCKETS if name in HASHED_FIELDS else n_terms
            stats = data.fields[name]
            before = follows.table.fields[name] if follows is not None and kept else None
            model: FieldModel | None = None
            if before is None:
                postings = FieldPostings.of(stats, n_ids)
            else:
                assert follows is not None and kept is not None
                level = kept[_level(name)]
                postings = before.postings.followed(stats, level, n_ids)
                if not (okapi and isinstance(stats, TermCounts)):  # (TermCounts: made whole)
                    model = before.model.followed(
                        follows.data.fields[name], level, stats, n_ids, postings
                    )
            if model is None:
                model = (
                    FieldModel.okapi(stats, n_ids)
                    if okapi
                    else FieldModel.of(stats, n_ids, postings)
                )
            factor, slots = placement[name]
            region = 0 if name in PASSAGE_FIELDS else 2 if name in POST_FIELDS else 1
            self.fields[name] = FieldScorer(number, region, model, postings, factor, slots)
        body = self.fields["body"].model
        self.idf = body.idf  # what a question's words weigh (coverage, confidence)
        self.body_df = body.df
        in_use = np.zeros(n_terms, dtype=bool)
        for name, scorer in self.fields.items():
            if name not in HASHED_FIELDS:
                in_use |= scorer.model.df > 0
        self.in_use: list[bool] = in_use.tolist()  # a Python list: a question looks up a handful
        self._phrase = FIELDS.index("phrase")
        self._scored = [
            scorer for name, scorer in self.fields.items() if name == "body" or getattr(w, name)
        ]

    def warm(self) -> None:
        """Build the term-major postings of every field a question reads (see ``postings``)."""
        for scorer in self._scored:
            scorer.postings.warm()

    @property
    def warmed(self) -> bool:
        """Whether every field a question reads has its term-major postings."""
        return all(scorer.postings.built for scorer in self._scored)

    def scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Scores to rank posts by, and scores to choose which of a post's passages to show.

        Best-sentence evidence helps find the right post but, within a post, tends to prefer
        summary-like passages; so the choice of passage inside a post goes without it.
        """
        w = self.weights
        n = self.n_passages
        summed = self._summed(plan)
        choice = summed[:n]  # (a view: summed is this question's own array)
        # (each post's passages are consecutive: repeating its sums reads less than a gather)
        choice += np.repeat(summed[self._post_offset :], self._passages_per_post)
        scores = self._sentences.reduce(summed[self._sentence_offset : self._post_offset])
        scores += choice
        if plan.asks_quantity and w.quantity:
            # Which of a post's passages to show: the one that states an amount.
            choice *= 1.0 + w.quantity * self.states_amount  # ``scores`` as is
        if plan.periods and w.date_match:
            in_period = np.zeros(len(self.post_dates), dtype=bool)
            for start, end in plan.periods:
                in_period |= (self.post_dates >= start.toordinal()) & (
                    self.post_dates <= end.toordinal()
                )
            factor = 1.0 + w.date_match * in_period[self.passage_post]
            scores *= factor
            choice *= factor
        return scores, choice

    def _summed(self, plan: QueryPlan) -> np.ndarray:
        """Every field's weights of the question's terms and pairs, summed per output slot."""
        n_terms = self.n_terms
        ids = plan.term_ids + [n_terms + pair for pair in plan.phrase_ids]
        boosts = plan.boosts + [1.0] * len(plan.phrase_ids)
        # By id from the last (pairs after the terms), as a folded table added them.
        ranked = sorted(
            (
                (i, boost)
                for i, boost in zip(ids, boosts, strict=True)
                if 0 <= i < n_terms + PHRASE_BUCKETS
            ),
            reverse=True,
        )
        terms = [(r, i, b) for r, (i, b) in enumerate(ranked) if i < n_terms]
        pairs = [(r, i - n_terms, b) for r, (i, b) in enumerate(ranked) if i >= n_terms]
        # Per region of the output, its fields' segments; a base segment's documents and a
        # tail's never share a slot (a changed post's passages are all in the tail), so each
        # kind is added in order apart.
        regions: dict[tuple[int, int], tuple[list[list[int]], list[Added]]] = {}
        for scorer in self._scored:
            group = pairs if scorer.number == self._phrase else terms
            if not group:
                continue
            ranks = [r for r, _, _ in group]
            boost = [b for _, _, b in group]
            segments = scorer.segments(
                [i for _, i, _ in group],
                None if all(b == 1.0 for b in boost) else np.array(boost, dtype=np.float32),
            )
            for kind, added in enumerate(segments):
                region = regions.setdefault((scorer.region, kind), ([], []))
                region[0].append(ranks)
                region[1].append(added)
        out = np.zeros(self.n_out, dtype=np.float32)
        for ranks_of, fields in regions.values():
            add_in_order(out, ranks_of, fields)
        return out


def _level(name: str) -> str:
    if name in PASSAGE_FIELDS:
        return "passage"
    return "post" if name in POST_FIELDS else "sentence"


def _kept_documents(follows: Follows, data: IndexData) -> dict[str, np.ndarray] | None:
    """Per level (post, passage, sentence), which documents of the table before are kept, when
    the new statistics keep them first and in order under the same term ids; else None (the
    table is then built whole)."""
    before = follows.data
    kept_posts = follows.kept_posts
    n_kept = int(kept_posts.sum())
    ids_kept = [p for p, k in zip(before.post_ids, kept_posts.tolist(), strict=True) if k]
    n_before = len(before.vocab)
    if (
        data.post_ids[:n_kept] != ids_kept
        or len(data.vocab) < n_before
        or data.vocab[:n_before] != before.vocab  # (terms renumbered: compacted)
        or not np.array_equal(data.passage_counts[:n_kept], before.passage_counts[kept_posts])
    ):
        return None
    passage = np.repeat(kept_posts, before.passage_counts)
    n_passages = int(passage.sum())
    if not np.array_equal(data.sentence_counts[:n_passages], before.sentence_counts[passage]):
        return None
    sentence = np.repeat(passage, before.sentence_counts)
    return {"post": kept_posts, "passage": passage, "sentence": sentence}
