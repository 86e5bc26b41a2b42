"""The learned scorer reading each candidate's closest sentence (issue 10, round 29a): once a
site's sentences have their vectors stored, a passage whose one sentence says the answer (in
other words) comes before a passage that is about the question's subject all through but says
no such thing; while a candidate's sentence is not stored yet, the scorer is the dense form of
before. A real index (SQLite, ``IndexService``), the toy concept vectors of ``test_dense``
stored in its file and read back as served (``StoredSentences``), the fitted weights
(``passage_scorer.SENTENCE_FORM``; off by default for its cost: switched on here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from retrieval_support import briefs_index
from test_dense import toy_embed

from index.answers import answerability
from index.retrieval import dense
from index.retrieval.passage_table import text_digest
from index.search import SearchIndex
from index.storage.vectors import StoredSentences, StoredVectors

# About the walkout all through (every word of the question), no sentence saying when it ended.
DIARY = """## The Walkout

Dockworkers marched. The harbour was quiet. The walkout grew. Talks did not end.
"""
# A digest's item: other news, and one sentence saying when it ended (partly in other words).
DIGEST = """## Around the Harbour

A blitz chess evening opened at the harbour. The dockworkers' walkout at the quay was over by
March.
"""
# The rest of the site: the dispute in other words (none of the question's).
PORT = (
    "Stevedores at the quay held a stoppage.",
    "The stoppage of the stevedores closed the port.",
    "Stevedores picketed the port.",
    "The quay stood still in the stoppage.",
    "Stevedores and the port owners met.",
    "A stoppage at the port went on.",
)
QUESTION = "When did the dockworkers' walkout at the harbour end?"
MODEL = "toy 1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, Path]:
    base = tmp_path_factory.mktemp("sentences")
    pages = {
        "2024-01-02-diary.md": ("Harbour diary", DIARY),
        "2024-01-09-digest.md": ("This week", DIGEST),
    }
    for n, text in enumerate(PORT):
        pages[f"2024-02-0{n + 1}-port.md"] = (f"Port {n}", f"## Story\n\n{text}\n")
    index = briefs_index(base, pages)
    return index, base / "index.sqlite3"


def served(site: tuple[SearchIndex, Path], stored: bool = True) -> SearchIndex:
    """The index as the bot serves it once embedded: its passages' toy vectors, and (with
    ``stored``) its sentences' stored in its file and read back by digest."""
    index, db = site
    out = SearchIndex(index.data, index.posts, index.passages, index.weights)
    texts = index.passages.texts(range(len(index.passages)))
    out.dense = dense.Dense(np.vstack([toy_embed(t) for t in texts]), toy_embed)
    if stored:
        out.sentence_vectors = StoredSentences(db, MODEL, len(toy_embed("")))
    return out


def first(index: SearchIndex) -> str:
    answer = index.search(QUESTION, k=3)
    assert not answer.declined
    return answer.results[0].heading


def test_a_sentence_saying_the_answer_puts_its_passage_first(
    site: tuple[SearchIndex, Path],
) -> None:
    index, db = site
    every = {
        text_digest(s): s
        for t in index.passages.texts(range(len(index.passages)))
        for s in answerability.passage_sentences(t)
    }
    vectors = StoredVectors(db)
    try:
        vectors.put(MODEL, list(every), np.vstack([toy_embed(s) for s in every.values()]))
    finally:
        vectors.close()
    # Without the sentences, the dense form: the diary, about the walkout all through, first.
    assert first(served(site, stored=False)) == "The Walkout"
    # With them, the shipped scorer reads them: the digest's item saying when it ended.
    assert first(served(site)) == "Around the Harbour"
    # One of the candidates' sentences not stored yet: the dense form, as before.
    sentence = "A blitz chess evening opened at the harbour."
    db_rows = StoredVectors(db)
    try:
        db_rows._conn().execute(
            "DELETE FROM passage_vectors WHERE digest = ?", (text_digest(sentence),)
        )
        db_rows._conn().commit()
    finally:
        db_rows.close()
    assert first(served(site)) == "The Walkout"
