"""A dense similarity for the learned passage scorer (``index/retrieval/dense.py``): the
passages the cosine joins to the candidates, the dense features, and a passage saying the
question's answer in other words shown first by a model that reads them. The vectors come from
a toy embedder (words counted into a few hand-set concepts), not a model: the index is given
vectors and knows nothing of where they come from."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from retrieval_support import briefs_index, with_filler

from index.answers import answerability
from index.retrieval import dense, passage_scorer
from index.search import SearchIndex

# Each concept and the words that say it: a question and a passage in other words land on
# the same concepts.
CONCEPTS = (
    ("walkout", "strike", "stoppage", "stevedores", "dockworkers"),
    ("end", "ended", "close", "over", "finished"),
    ("harbour", "port", "quay"),
    ("chess", "grandmaster", "blitz"),
    ("river", "floods", "forecast"),
)


def toy_embed(text: str) -> np.ndarray:
    """A unit vector of ``text``'s concepts (and one dimension for anything else)."""
    words = re.findall(r"[a-z]+", text.lower())
    v = np.zeros(len(CONCEPTS) + 1, np.float32)
    for w in words:
        hit = [i for i, c in enumerate(CONCEPTS) if w in c]
        for i in hit:
            v[i] += 1.0
        if not hit:
            v[-1] += 0.05
    return v / (np.linalg.norm(v) or 1.0)


STRIKE = """## The Walkout

Dockworkers gathered at the harbour at dawn. A walkout followed. Dockworkers sang. Dockworkers
marched. The walkout grew. Dockworkers cheered at the harbour.
"""
# The answer, in none of the question's words.
SETTLED = """## Settlement

The stevedores' stoppage came to a close in March once the quay's owners agreed to keep a
driver in every crane.
"""
QUESTION = "When did the dockworkers' walkout at the harbour end?"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = with_filler(
        {
            "2024-01-02-strike.md": ("Harbour news", STRIKE),
            "2024-01-09-deal.md": ("A deal in March", SETTLED),
        }
    )
    return briefs_index(tmp_path_factory.mktemp("dense"), pages)


def with_dense(index: SearchIndex, model: passage_scorer.Model, pool: int) -> SearchIndex:
    """``index`` with the toy vectors, ``model`` as its scorer and ``pool`` passages joined."""
    out = SearchIndex(index.data, index.posts, index.passages, index.weights)
    texts = [index.passages.text(i) for i in range(len(index.passages))]
    out.dense = dense.Dense(np.vstack([toy_embed(t) for t in texts]), toy_embed, pool)
    out.passage_model = model
    return out


def headings(index: SearchIndex, question: str) -> list[str]:
    answer = index.search(question, k=3)
    assert not answer.declined
    return [r.heading for r in answer.results]


def test_joined_passages_are_the_closest_left_out() -> None:
    sims = np.array([0.9, 0.1, 0.8, 0.7, 0.2, 0.95])
    cand = np.array([1, 4])
    assert dense.joined(cand, sims, 2).tolist() == [5, 0]
    assert dense.joined(cand, sims, 10).tolist() == [5, 0, 2, 3]
    assert dense.joined(cand, sims, 0).tolist() == []
    # A search's filters leave some passages out: none of those joins.
    allowed = np.array([False, True, True, True, True, False])
    assert dense.joined(cand, sims, 2, allowed).tolist() == [2, 3]


def test_joined_passages_are_raised_to_the_last_candidates_score() -> None:
    scores = np.array([5.0, 3.0, 0.0, 1.0, 0.0])
    choice = np.array([4.0, 2.0, 0.0, 0.5, 0.0])
    cand, s, c = dense.with_joined(np.array([0, 1, 3]), scores, choice, np.array([4, 2]))
    assert cand.tolist() == [0, 1, 3, 4, 2]
    assert s.tolist() == [5.0, 3.0, 1.0, 1.0, 1.0]
    assert c.tolist() == [4.0, 2.0, 0.5, 0.5, 0.5]
    assert scores.tolist() == [5.0, 3.0, 0.0, 1.0, 0.0]  # (the caller's arrays untouched)


def test_each_posts_best_passage() -> None:
    sims = np.array([0.1, 0.5, 0.3, 0.9, 0.2])
    # Posts of 2, 0, 1 and 2 passages.
    first = np.array([0, 2, 2, 3, 5])
    assert dense.post_best(sims, first, np.array([0, 1, 2, 3])).tolist() == [0.5, -1.0, 0.3, 0.9]
    assert dense.post_best(sims, first, np.array([3, 0])).tolist() == [0.9, 0.5]


def test_question_vectors_must_match_the_passages() -> None:
    d = dense.Dense(np.eye(3, 4, dtype=np.float32), lambda q: np.ones(3, np.float32))
    with pytest.raises(ValueError, match="3 dimensions against passages of 4"):
        d.similarities("anything")
    with pytest.raises(ValueError, match="2-d"):
        dense.Dense(np.ones(4, np.float32), toy_embed)


def test_dense_features_of_the_candidates(index: SearchIndex) -> None:
    on = with_dense(index, passage_scorer.Model(), pool=0)
    plan = on.reader.plan(QUESTION)
    scores, _ = on._passage_scores(plan)
    names = ("score", "dense", "dense_post", "dense_rank", "dense_post_rank")
    cand, feats = on.learned_features(QUESTION, plan, scores, names)
    assert on.dense is not None
    sims = on.dense.similarities(QUESTION)
    assert feats[:, 1] == pytest.approx(sims[cand])
    first = on.post_first_passage
    best = [sims[first[p] : first[p + 1]].max() for p in range(len(on.posts))]
    for i, row in zip(cand.tolist(), feats, strict=True):
        post = int(on.passage_post[i])
        assert row[2] == pytest.approx(best[post])
        assert row[3] == pytest.approx(np.log1p((sims > sims[i]).sum()))
        assert row[4] == pytest.approx(np.log1p(sum(b > best[post] for b in best)))
    # Without vectors the dense features read 0.
    _, plain = index.learned_features(QUESTION, plan, scores, names)
    assert not plain[:, 1:].any()


def test_a_passage_in_other_words_joins_the_candidates_and_leads(index: SearchIndex) -> None:
    # BM25 does not find the settlement at all: none of the question's words is in it.
    assert "Settlement" not in headings(index, QUESTION)
    reads_dense = passage_scorer.Model(("score", "dense"), (1.0, 40.0))
    # Joined by the cosine and weighed by it, it comes first.
    assert headings(with_dense(index, reads_dense, pool=3), QUESTION)[0] == "Settlement"
    # Not joined, the model cannot reach it; not weighed, it stays below BM25's candidates.
    assert "Settlement" not in headings(with_dense(index, reads_dense, pool=0), QUESTION)
    shipped = with_dense(index, passage_scorer.Model(), pool=3)
    assert headings(shipped, QUESTION)[0] == "The Walkout"
    # The scorer off, nothing dense is read.
    off = with_dense(index, reads_dense, pool=3)
    off.weights = dataclasses.replace(off.weights, learned=0.0)
    assert headings(off, QUESTION)[0] == "The Walkout"


def test_declining_still_judges_the_words(index: SearchIndex, tmp_path: Path) -> None:
    reads_dense = passage_scorer.Model(("score", "dense"), (1.0, 40.0))
    on = with_dense(index, reads_dense, pool=3)
    assert on.search("what is the recipe for lasagna with ricotta?").declined


def test_a_model_failing_on_a_question_answers_by_words_alone(
    index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    # The engine raising on one question (a text it cannot encode, a fault of its own) must not
    # turn into no answer: the question is answered as before the site was embedded.
    def failing(text: str) -> np.ndarray:
        raise RuntimeError("the engine refused the text")

    reads_dense = passage_scorer.Model(("score", "dense"), (1.0, 40.0))
    broken = with_dense(index, reads_dense, pool=3)
    assert broken.dense is not None
    broken.dense.embed = failing
    words_only = with_dense(index, reads_dense, pool=3)
    words_only.dense = None
    assert headings(broken, QUESTION) == headings(words_only, QUESTION)
    assert "failed on a question; answered by words alone" in caplog.text


def test_each_posts_mean_and_a_passages_place_in_its_post() -> None:
    sims = np.array([0.1, 0.5, 0.3, 0.9, 0.2])
    # Posts of 2, 0, 1 and 2 passages.
    first = np.array([0, 2, 2, 3, 5])
    assert dense.post_mean(sims, first).tolist() == pytest.approx([0.3, -1.0, 0.3, 0.55])
    cand, posts = np.array([4, 0, 3, 1, 2]), np.array([3, 0, 3, 0, 2])
    assert dense.rank_within_post(sims, first, cand, posts).tolist() == [1, 1, 0, 0, 0]


def test_the_post_level_dense_features(index: SearchIndex) -> None:
    on = with_dense(index, passage_scorer.Model(), pool=0)
    plan = on.reader.plan(QUESTION)
    scores, _ = on._passage_scores(plan)
    names = ("score", *passage_scorer.POST_LEVEL_DENSE_FEATURES)
    cand, feats = on.learned_features(QUESTION, plan, scores, names)
    assert on.dense is not None
    sims = on.dense.similarities(QUESTION)
    first = on.post_first_passage
    spread = sims.std()
    own = [sims[first[p] : first[p + 1]] for p in range(len(on.posts))]
    means = np.array([s.mean() for s in own])
    for i, row in zip(cand.tolist(), feats, strict=True):
        post = int(on.passage_post[i])
        f = dict(zip(names, row, strict=True))
        # In the question's own spread: 0 at its closest passage, below it elsewhere.
        assert f["dense_gap"] == pytest.approx((sims[i] - sims.max()) / spread)
        assert f["dense_post_gap"] == pytest.approx((own[post].max() - sims.max()) / spread)
        assert f["dense_post_mean"] == pytest.approx((means[post] - sims.mean()) / spread)
        assert f["dense_post_mean_rank"] == pytest.approx(np.log1p((means > means[post]).sum()))
        within = np.log1p((own[post] > sims[i]).sum())
        assert f["dense_in_post_rank"] == pytest.approx(within)
        length = np.log1p(len(own[post]))
        assert f["dense_in_post_rank_long"] == pytest.approx(within * length)
        assert f["dense_post_mean_long"] == pytest.approx(f["dense_post_mean"] * length)
    assert feats[:, 1].max() <= 0.0


# A third post naming the harbour once: BM25's last candidate, whose score the settlement
# (joined by the cosine) is raised to, below the walkout's.
QUAY = """## Quay Life

A cat sleeps on the harbour wall every afternoon.
"""


def test_the_cosines_gap_in_their_spread_moves_the_answer_whatever_the_band(
    tmp_path: Path,
) -> None:
    pages = {
        "2024-01-02-strike.md": ("Harbour news", STRIKE),
        "2024-01-09-deal.md": ("A deal in March", SETTLED),
        "2024-01-11-cat.md": ("Quay life", QUAY),
    }
    base = briefs_index(tmp_path, with_filler(pages))

    # e5's cosines sit in a narrow band that moves from question to question. The same
    # cosines squeezed into a tenth of their range around 0.8 (a constant dimension added to
    # every vector): a model weighing the raw cosine no longer moves the answer past BM25's
    # first; one weighing its gap in the question's own spread (``dense_gap``) does, either way.
    def squeezed(on: SearchIndex) -> SearchIndex:
        assert on.dense is not None
        d, c = on.dense, np.float32(np.sqrt(0.8))
        rows = np.hstack([np.sqrt(0.1) * d.vectors, np.full((len(d.vectors), 1), c)])
        on.dense = dense.Dense(rows, lambda q: np.append(np.sqrt(0.1) * toy_embed(q), c), d.pool)
        return on

    raw = passage_scorer.Model(("score", "dense"), (1.0, 40.0))
    gap = passage_scorer.Model(("score", "dense_gap"), (1.0, 15.0))
    assert headings(with_dense(base, raw, pool=3), QUESTION)[0] == "Settlement"
    assert headings(squeezed(with_dense(base, raw, pool=3)), QUESTION)[0] == "The Walkout"
    assert headings(with_dense(base, gap, pool=3), QUESTION)[0] == "Settlement"
    assert headings(squeezed(with_dense(base, gap, pool=3)), QUESTION)[0] == "Settlement"


def toy_sentences(texts: Sequence[str]) -> np.ndarray:
    """``SearchIndex.sentence_vectors`` of the toy vectors: every sentence has one."""
    return np.vstack([toy_embed(t) for t in texts])


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = {
        "2024-01-02-strike.md": ("Harbour news", STRIKE),
        "2024-01-09-deal.md": ("A deal in March", SETTLED),
        "2024-01-11-cat.md": ("Quay life", QUAY),
    }
    return briefs_index(tmp_path_factory.mktemp("three"), with_filler(pages))


def test_the_sentence_level_dense_features(three: SearchIndex) -> None:
    on = with_dense(three, passage_scorer.Model(), pool=0)
    on.sentence_vectors = toy_sentences
    plan = on.reader.plan(QUESTION)
    scores, _ = on._passage_scores(plan)
    names = ("score", *passage_scorer.SENTENCE_DENSE_FEATURES)
    cand, feats = on.learned_features(QUESTION, plan, scores, names)
    assert on.dense is not None
    sims, q = on.dense.similarities(QUESTION), toy_embed(QUESTION)
    spread = sims.std()
    # Each candidate's sentences (as extraction splits them: what is stored), their cosines.
    own = [
        np.array([float(toy_embed(s) @ q) for s in answerability.passage_sentences(t)])
        for t in on.passages.texts(cand.tolist())
    ]
    best = np.array([c.max() for c in own])
    two = np.array([np.sort(c)[-2:].mean() for c in own])
    assert max(len(c) for c in own) > 1
    for row, b, t in zip(feats, best, two, strict=True):
        f = dict(zip(names, row, strict=True))
        assert f["dense_sentence"] == pytest.approx(b)
        assert f["dense_sentence_gap"] == pytest.approx((b - best.max()) / spread)
        assert f["dense_sentence_rank"] == pytest.approx(np.log1p((best > b).sum()))
        assert f["dense_sentence_top2"] == pytest.approx((t - two.max()) / spread)
    # Per post, its closest candidate sentence; each candidate reads its post's place.
    posts = on.passage_post[cand]
    by_post = {int(p): best[posts == p].max() for p in posts}
    for p, row in zip(posts.tolist(), feats, strict=True):
        closer = sum(v > by_post[p] for v in by_post.values())
        assert row[names.index("dense_sentence_post_rank")] == pytest.approx(np.log1p(closer))
    # Only the first candidate's sentences read: the others read as it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passage_scorer, "SENTENCE_CANDIDATES", 1)
        _, first_only = on.learned_features(QUESTION, plan, scores, names)
    assert len(cand) > 1
    assert first_only[:, 1].tolist() == pytest.approx([best[0]] * len(cand))
    assert not first_only[:, 2:].any()
    # A sentence with no vector yet (or no look-up): none of them read.
    on.sentence_vectors = lambda texts: None
    _, missing = on.learned_features(QUESTION, plan, scores, names)
    on.sentence_vectors = None
    _, unset = on.learned_features(QUESTION, plan, scores, names)
    assert not missing[:, 1:].any() and not unset[:, 1:].any()
