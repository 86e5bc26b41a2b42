"""A learned passage scorer: a question's best candidate passages re-ordered by a small linear
model over lexical features, so that the passage holding the answer comes first.

BM25 over the fields (``scoring``) ranks passages that *match* the question; the one that
*answers* it is often a neighbour: a section holding the question's focus words (those not in
its post's title) together, in a sentence that states the kind of answer asked for (a date, a
count, a name). Each of a question's best ``CANDIDATES`` passages (the ranking's own order,
after ``rerank``) gets the features ``FEATURES``; the model's score ``WEIGHTS · features``, over
its weight on ``score`` (so that it reads as a log score), re-scores them
(``SearchIndex._learned``); the ranking's later steps (grouping by post, the best post's lead,
the per-post cap) run on the new scores.

Features of a candidate passage, shares of the question's total IDF weight (its unknown words
included) unless said:
- ``score``: log of its current score relative to the first candidate's;
- ``union``: the share its post's candidates (text, headings) and its title and summary hold
  between them (``rerank``'s ``union``, over these candidates);
- ``sentence``: the share its best sentence holds (the question's words together);
- ``focus``: the share of the focus words' weight (the question's words not in its post's
  title) its text and headings hold (1 when there are none);
- ``ordinal``: log(1 + its place in its post);
- ``rare``: the share of the weight of the question's heaviest third of words (the named
  things) its text, headings, title and summary hold; ``rare_heading``: its headings' share of
  that weight (a digest item's headline naming the story);
- ``form_sentence``: ``sentence`` when its text states the answer form the question's intent
  asks for, else 0: for *when*, a year (a term of four digits, 1800-2099); for *how long /
  how many / how much / what share*, an amount (``fields.states_amount``, stored with the
  index). (Looked up, not searched for: ``intent``'s patterns over forty passages' text took
  longer than the rest of an answer.)

``python -m bench.fit_passage_scorer`` fits ``WEIGHTS`` on ``bench/questions/tune.jsonl`` and
``train2.jsonl`` only and prints them as written here (issue 10, round 4). It is off by default
(``RankingWeights.learned`` 0): turned on, it ranked the right post first for one question fewer
on one held-back set (and five more on another); bench/README.md, "Answer quality", round 4.

Pure array code over the index's term counts, gathered for the candidates only: no per-term
Python loops over the index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .fields import IndexData
from .intent import intent
from .term_counts import TermCounts

CANDIDATES = 40  # passages re-scored per question (the ranking's best, in its order)
# The intents whose answer form is looked up (``form_sentence``), and what states it.
YEAR_INTENTS = frozenset({"when"})
AMOUNT_INTENTS = frozenset({"how_long", "how_many", "how_much", "share"})
YEAR = re.compile(r"(?:18|19|20)\d\d")

FEATURES = (
    "score",
    "union",
    "sentence",
    "focus",
    "ordinal",
    "rare",
    "rare_heading",
    "form_sentence",
)
# ``python -m bench.fit_passage_scorer`` (penalty 1, shrink 0.5) on tune + train2.
WEIGHTS: tuple[float, ...] = (2.77, 0.89, 0.70, 0.58, -0.52, 0.81, 0.19, 0.61)


def _gather(
    tc: TermCounts, docs: np.ndarray, ids: np.ndarray, cols: np.ndarray, width: int
) -> np.ndarray:
    """A documents × question-terms table of counts: row d, column ``cols[j]`` holds how often
    ``docs[d]`` has the term ``ids[j]`` (``ids`` sorted). Only the documents' own entries are
    read."""
    starts = tc.doc_ptr[docs]
    lens = tc.doc_ptr[docs + 1] - starts
    out = np.zeros((len(docs), width))
    total = int(lens.sum())
    if not total or not len(ids):
        return out
    ends = np.cumsum(lens)
    at = np.repeat(starts - (ends - lens), lens) + np.arange(total)
    terms = tc.term_ids[at]
    pos = np.minimum(np.searchsorted(ids, terms), len(ids) - 1)
    hit = ids[pos] == terms
    rows = np.repeat(np.arange(len(docs)), lens)[hit]
    out[rows, cols[pos[hit]]] = tc.counts[at[hit]]
    return out


class Question:
    """What the features need of a question: its known terms (sorted ids), their weights, its
    total weight and its intent."""

    __slots__ = ("ids", "intent", "total", "weights")

    def __init__(self, vocab: dict[str, int], weight_of: dict[str, float], text: str) -> None:
        known = sorted((vocab[t], w) for t, w in weight_of.items() if t in vocab)
        self.ids = np.array([i for i, _ in known], np.int64)
        self.weights = np.array([w for _, w in known], np.float64)
        self.total = float(sum(weight_of.values()))
        self.intent = intent(text)


class Features:
    """The tables the features need: the index's term counts, where each passage's sentences
    start among the sentence documents, which passages name a year and which state an
    amount."""

    __slots__ = (
        "_amount",
        "_body",
        "_heading",
        "_sentence",
        "_sentence_first",
        "_summary",
        "_title",
        "_year",
    )

    def __init__(self, data: IndexData) -> None:
        f = data.fields
        self._body, self._heading, self._sentence = f["body"], f["heading"], f["sentence"]
        self._title, self._summary = f["title"], f["summary"]
        self._sentence_first = np.concatenate(
            [[0], np.cumsum(data.sentence_counts, dtype=np.int64)]
        )
        self._amount = data.states_amount
        # Per passage, whether its text has a year (counted once here, per posting).
        is_year = np.array([bool(YEAR.fullmatch(t)) for t in data.vocab], bool)
        body = self._body
        years = np.concatenate([[0], np.cumsum(is_year[body.term_ids], dtype=np.int64)])
        self._year = (years[body.doc_ptr[1:]] - years[body.doc_ptr[:-1]]) > 0

    def features(
        self,
        q: Question,
        cand: np.ndarray,
        scores: np.ndarray,
        passage_post: np.ndarray,
        post_first_passage: np.ndarray,
    ) -> np.ndarray:
        """One row per candidate (``cand``: passage indexes, best first; ``scores`` theirs),
        ``FEATURES`` order."""
        n = len(cand)
        out = np.zeros((n, len(FEATURES)))
        if not n:
            return out
        posts = passage_post[cand].astype(np.int64)
        top = float(scores[0]) if scores[0] > 0 else 1.0
        out[:, 0] = np.log(np.maximum(scores, 1e-6 * top) / top)
        out[:, 4] = np.log1p(cand - post_first_passage[posts])
        if q.total <= 0 or not len(q.ids):
            return out
        width = len(q.ids)
        cols = np.arange(width)
        w = q.weights / q.total
        heading = _gather(self._heading, cand, q.ids, cols, width) > 0
        text = (_gather(self._body, cand, q.ids, cols, width) > 0) | heading
        title = _gather(self._title, posts, q.ids, cols, width) > 0
        meta = title | (_gather(self._summary, posts, q.ids, cols, width) > 0)
        # The best sentence: every candidate's sentences gathered, each one's share, the
        # maximum per candidate.
        s_first = self._sentence_first[cand]
        counts = self._sentence_first[cand + 1] - s_first
        if counts.sum():
            ends = np.cumsum(counts)
            sentences = np.repeat(s_first - (ends - counts), counts) + np.arange(ends[-1])
            held = (_gather(self._sentence, sentences, q.ids, cols, width) > 0) @ w
            np.maximum.at(out[:, 2], np.repeat(np.arange(n), counts), held)
        # Focus words: the question's words not in the post's title (its unknown words too).
        focus = np.where(title, 0.0, w)
        focus_total = focus.sum(axis=1) + (q.total - q.weights.sum()) / q.total
        found = (text * focus).sum(axis=1)
        out[:, 3] = np.where(focus_total > 0, found / np.maximum(focus_total, 1e-12), 1.0)
        unique, post_row = np.unique(posts, return_inverse=True)
        union = np.zeros((len(unique), width), bool)
        np.logical_or.at(union, post_row, text | meta)
        out[:, 1] = union[post_row] @ w
        heavy = np.argsort(-q.weights, kind="stable")[: max(1, (width + 2) // 3)]
        rare = q.weights[heavy] / q.weights[heavy].sum()
        out[:, 5] = (text | meta)[:, heavy] @ rare
        out[:, 6] = heading[:, heavy] @ rare
        if q.intent in AMOUNT_INTENTS:
            out[:, 7] = self._amount[cand] * out[:, 2]
        elif q.intent in YEAR_INTENTS:
            out[:, 7] = self._year[cand] * out[:, 2]
        return out


def learned_order(feats: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """The model's score of each candidate, on the scale of a log score: ``weights ·
    features`` over the weight on ``score`` (``WEIGHTS`` by default)."""
    w = np.asarray(WEIGHTS if weights is None else weights, np.float64)
    return (feats @ w) / (w[0] or 1.0)
