"""Scoring passages: every field and its weight folded into one table, a question → scores.

Every passage gets a weighted sum of BM25 scores over its fields (see ``fields.py``): body,
heading, adjacent-term pairs, its best sentence, and its post's title and summary; then a small
prior for a post's opening passages, and a bonus for posts dated when the question says
("in May 2024").
"""

from __future__ import annotations

import numpy as np

from .bm25 import Postings, SegmentMax, field_part, okapi_weights
from .fields import FIELDS, HASHED_FIELDS, PHRASE_BUCKETS, IndexData
from .query import QueryPlan
from .ranking import RankingWeights

# Sentences per passage laid out for the best-sentence maximum; most passages have fewer, and
# the rest go to a small overflow area (more rows would cost more to clear than they save).
SENTENCE_ROWS = 8


class ScoreTable:
    """Fold every field and its weight into one look-up table.

    Scores are linear in the fields, so they are summed ahead of time; one table holds, per
    term (and per hashed pair, after the terms), its weight in each passage, in each sentence
    and in each post, sent to one output array with a region for each:

        [passages | sentences (laid out for a per-passage maximum) | posts]

    A question then costs one pass over its postings (see ``Postings.scores``). The
    opening-passage prior is folded in as a per-passage weight.
    """

    def __init__(
        self,
        data: IndexData,
        passage_post: np.ndarray,
        post_first_passage: np.ndarray,
        post_dates: np.ndarray,
        w: RankingWeights,
    ) -> None:
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
        post_slots = self._post_offset + np.arange(n_posts, dtype=np.int64)
        # Per field: its weight (a number, or one per passage), where its ids start in the
        # table, and where its documents go in the output.
        placement: dict[str, tuple[float | np.ndarray, int, np.ndarray | None]] = {
            "body": (lead, 0, None),
            "heading": (w.heading * lead, 0, None),
            "phrase": (w.phrase * lead, n_terms, None),
            "title": (w.title, 0, post_slots),
            "summary": (w.summary, 0, post_slots),
            "sentence": (w.sentence, 0, self._sentence_offset + self._sentences.positions),
        }
        in_use = np.zeros(n_terms, dtype=bool)
        parts = []
        self.idf = np.zeros(n_terms)
        self.body_df = np.zeros(n_terms, dtype=np.int64)
        for name in FIELDS:
            # One field at a time, so that only its part (not every field's BM25 arrays) is
            # kept while the table is built: loading an index peaks lower.
            hashed = name in HASHED_FIELDS
            field = okapi_weights(data.fields[name], PHRASE_BUCKETS if hashed else n_terms)
            if name == "body":
                self.idf = field.idf  # what a question's words weigh (coverage, confidence)
                self.body_df = field.df
            if not hashed:
                in_use |= field.df > 0
            factor, id_offset, positions = placement[name]
            if name == "body" or getattr(w, name):
                parts.append(field_part(field, factor, id_offset, positions, np.float32))
            del field
        self.in_use: list[bool] = in_use.tolist()  # a Python list: a question looks up a handful
        # Single precision, as bm25s keeps its scores, and summed by a compiled kernel: half the
        # memory a question reads and writes, and no copies of its postings. (The BM25 core keeps
        # double precision and rank-bm25's order of addition: it must match it bit for bit.)
        self._table = Postings(
            parts,
            n_terms + PHRASE_BUCKETS,
            self._post_offset + n_posts,
            dtype=np.float32,
            in_order=False,
        )

    def scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Scores to rank posts by, and scores to choose which of a post's passages to show.

        Best-sentence evidence helps find the right post but, within a post, tends to prefer
        summary-like passages; so the choice of passage inside a post goes without it.
        """
        w = self.weights
        n = self.n_passages
        ids = plan.term_ids + [self.n_terms + pair for pair in plan.phrase_ids]
        boosts = plan.boosts + [1.0] * len(plan.phrase_ids)
        summed = self._table.scores(ids, boosts)
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
