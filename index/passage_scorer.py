"""A learned passage scorer: the question's best candidate passages re-ordered by a small linear
model over lexical features, so that the passage holding the answer comes first.

BM25 over the fields (``scoring``) ranks passages that *match* the question; the one that
*answers* it is often a neighbour: a section that holds the question's focus words (those not in
its post's title) near each other and states the kind of answer asked for (a date, a count, a
name). Each of a question's best ``CANDIDATES`` passages (the ranking's own order, after
``rerank``) gets the features ``FEATURES`` below, and the model's score ``WEIGHTS · features``
orders them (``learned_order``); the ranking's later steps (grouping by post, the best post's
lead, the per-post cap) then run on that order.

Features of a candidate passage, all shares relative to the question's total IDF weight (its
unknown words included):
- ``score``: log of its current score relative to the first candidate's; ``rank``: log(1 + its
  place among the candidates); ``post_rank``: log(1 + its post's place among their posts);
- ``body``, ``heading``: the share its text / its heading path holds;
- ``meta``: the share its post's title and summary hold; ``all``: text, headings, title and
  summary between them; ``union``: its post's ``rerank`` union share (all its candidates);
- ``sentence``: the share its best sentence holds (the question's words together);
- ``focus``: the share of the focus words' weight (question words not in its post's title) its
  text and headings hold (1 when every word is in the title);
- ``pairs``: the share of the question's adjacent word pairs its text holds in that order;
- ``bm25``: its text's BM25 (the question's weights, k1 1.2, b 0.75), over the total weight;
- ``form``: whether its text states the answer form the question's intent asks for
  (``intent.WANTS``, weighted by ``intent.FORM_BONUS``);
- ``first``: whether it opens its post; ``ordinal``: log(1 + its place in its post);
  ``length``: log(1 + its text's terms); ``heading_length``: log(1 + its headings' terms) (a
  digest item's headline, not a section name like "Business");
- ``choice``: log of its within-post choice score (``scoring``: without best-sentence
  evidence) relative to the first candidate's;
- ``rare``: the share its text, headings, title and summary hold of the weight of the
  question's heaviest third of words (the named things).

``python -m bench.fit_passage_scorer`` fits ``WEIGHTS`` on ``bench/questions/tune.jsonl`` and
``train2.jsonl`` only (softmax over each question's candidates, the passages holding the answer
span the target, L2 penalty) and prints them as written here (issue 10, round 4; figures in
bench/README.md).

Pure array code over the index's term counts, gathered for the candidates only: no per-term
Python loops over the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .fields import IndexData
from .intent import FORM_BONUS, WANTS, form_pattern, intent
from .models import Passage
from .term_counts import TermCounts

CANDIDATES = 40  # passages re-scored per question (the ranking's best, in its order)
K1, B = 1.2, 0.75  # the BM25 of the ``bm25`` feature

FEATURES = (
    "score",
    "rank",
    "post_rank",
    "body",
    "heading",
    "meta",
    "all",
    "union",
    "sentence",
    "focus",
    "pairs",
    "bm25",
    "form",
    "first",
    "ordinal",
    "length",
    "choice",
    "heading_length",
    "rare",
)
# Fitted by ``python -m bench.fit_passage_scorer`` (see the module docstring).
WEIGHTS: tuple[float, ...] = (
    1.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
)


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


def _lengths(tc: TermCounts) -> np.ndarray:
    """Each document's number of terms (occurrences)."""
    summed = np.concatenate([[0], np.cumsum(tc.counts, dtype=np.int64)])
    return (summed[tc.doc_ptr[1:]] - summed[tc.doc_ptr[:-1]]).astype(np.float32)


def _lengths_of(tc: TermCounts, docs: np.ndarray) -> np.ndarray:
    """The number of distinct terms of each of ``docs``."""
    return (tc.doc_ptr[docs + 1] - tc.doc_ptr[docs]).astype(np.float64)


class Question:
    """What the features need of a question: its known terms (sorted ids), their weights, its
    total weight, its adjacent pairs and the answer form it asks for."""

    __slots__ = ("form", "ids", "pairs", "total", "weights")

    def __init__(
        self,
        vocab: dict[str, int],
        weight_of: dict[str, float],
        phrase_ids: list[int],
        text: str,
    ) -> None:
        known = sorted((vocab[t], w) for t, w in weight_of.items() if t in vocab)
        self.ids = np.array([i for i, _ in known], np.int64)
        self.weights = np.array([w for _, w in known], np.float64)
        self.total = float(sum(weight_of.values()))
        self.pairs = np.unique(np.asarray(phrase_ids, np.int64))
        kind = intent(text)
        self.form = (FORM_BONUS[kind], WANTS[kind]) if FORM_BONUS[kind] and WANTS[kind] else None


class Features:
    """The tables the features need, made from the index's term counts (on first use)."""

    __slots__ = (
        "_body",
        "_body_length",
        "_heading",
        "_mean_length",
        "_phrase",
        "_sentence",
        "_sentence_first",
        "_summary",
        "_title",
    )

    def __init__(self, data: IndexData) -> None:
        f = data.fields
        self._body, self._heading, self._phrase = f["body"], f["heading"], f["phrase"]
        self._title, self._summary, self._sentence = f["title"], f["summary"], f["sentence"]
        self._body_length = _lengths(self._body)
        self._mean_length = float(self._body_length.mean()) if len(self._body_length) else 1.0
        self._sentence_first = np.concatenate(
            [[0], np.cumsum(data.sentence_counts, dtype=np.int64)]
        )

    def features(
        self,
        q: Question,
        cand: np.ndarray,
        scores: np.ndarray,
        choice: np.ndarray,
        passage_post: np.ndarray,
        post_first_passage: np.ndarray,
        union: np.ndarray,
        passages: Sequence[Passage],
    ) -> np.ndarray:
        """One row per candidate (``cand``: passage indexes, best first; ``scores`` theirs;
        ``choice`` their choice scores, ``union`` their posts' ``rerank`` union share),
        ``FEATURES`` order."""
        n = len(cand)
        out = np.zeros((n, len(FEATURES)))
        if not n:
            return out
        posts = passage_post[cand].astype(np.int64)
        top = float(scores[0]) if scores[0] > 0 else 1.0
        out[:, 0] = np.log(np.maximum(scores, 1e-6 * top) / top)
        out[:, 1] = np.log1p(np.arange(n))
        _, first_of_post, post_row = np.unique(posts, return_index=True, return_inverse=True)
        post_place = np.argsort(np.argsort(first_of_post, kind="stable"), kind="stable")
        out[:, 2] = np.log1p(post_place[post_row])
        ordinal = cand - post_first_passage[posts]
        out[:, 13] = ordinal == 0
        out[:, 14] = np.log1p(ordinal)
        length = self._body_length[cand].astype(np.float64)
        out[:, 15] = np.log1p(length)
        out[:, 7] = union
        best_choice = float(choice.max()) if choice.max() > 0 else 1.0
        out[:, 16] = np.log(np.maximum(choice, 1e-6 * best_choice) / best_choice)
        out[:, 17] = np.log1p(_lengths_of(self._heading, cand))
        if q.total > 0 and len(q.ids):
            width = len(q.ids)
            cols = np.arange(width)
            w = q.weights / q.total
            body = _gather(self._body, cand, q.ids, cols, width)
            heading = _gather(self._heading, cand, q.ids, cols, width) > 0
            title = _gather(self._title, posts, q.ids, cols, width) > 0
            meta = title | (_gather(self._summary, posts, q.ids, cols, width) > 0)
            in_body = body > 0
            out[:, 3] = in_body @ w
            out[:, 4] = heading @ w
            out[:, 5] = meta @ w
            anywhere = in_body | heading | meta
            out[:, 6] = anywhere @ w
            heavy = np.argsort(-q.weights, kind="stable")[: max(1, (width + 2) // 3)]
            out[:, 18] = anywhere[:, heavy] @ q.weights[heavy] / q.weights[heavy].sum()
            # The best sentence: every candidate's sentences gathered, each one's share, the
            # maximum per candidate.
            s_first, s_stop = self._sentence_first[cand], self._sentence_first[cand + 1]
            counts = s_stop - s_first
            if counts.sum():
                ends = np.cumsum(counts)
                sentences = np.repeat(s_first - (ends - counts), counts) + np.arange(ends[-1])
                held = (_gather(self._sentence, sentences, q.ids, cols, width) > 0) @ w
                best = np.zeros(n)
                np.maximum.at(best, np.repeat(np.arange(n), counts), held)
                out[:, 8] = best
            focus = np.where(title, 0.0, w)  # candidates × terms: the focus words' weights
            focus_total = focus.sum(axis=1) + (q.total - q.weights.sum()) / q.total
            found = ((in_body | heading) * focus).sum(axis=1)
            out[:, 9] = np.where(focus_total > 0, found / np.maximum(focus_total, 1e-12), 1.0)
            norm = K1 * (1.0 - B + B * length / self._mean_length)
            out[:, 11] = (body * (K1 + 1.0) / (body + norm[:, None])) @ w
        if len(q.pairs):
            pairs = _gather(self._phrase, cand, q.pairs, np.arange(len(q.pairs)), len(q.pairs))
            out[:, 10] = (pairs > 0).mean(axis=1)
        if q.form is not None:
            bonus, kinds = q.form
            patterns = [form_pattern(k) for k in kinds]
            out[:, 12] = [
                bonus * any(p.search(passages[int(i)].text) for p in patterns) for i in cand
            ]
        return out


def learned_order(feats: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """The model's score of each candidate: ``weights · features`` (``WEIGHTS`` by default)."""
    return feats @ np.asarray(WEIGHTS if weights is None else weights, np.float64)


def learned_scale(weights: Sequence[float] | None = None) -> float:
    """The model's weight on ``score`` (the log of the current score): model scores over it
    are on the scale of log scores."""
    return float((WEIGHTS if weights is None else weights)[0]) or 1.0
