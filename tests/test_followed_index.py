"""A reindex that follows what changed (``scoring.ScoreTable`` with ``Follows``) on the real
corpus: its scores equal a cold build's bit for bit, the big segment of each field's postings is
shared rather than rebuilt, and a changed post's old passages are never scored or returned.
rank-bm25 builds every field's model at the cold build; the followed models are the ones it
builds from scratch on the new corpus, and neither following nor loading runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
import rank_bm25
from okapi_support import assert_is_rank_bm25s, rank_bm25_of
from retrieval_support import CORPUS, DEV_SET, FIXTURE_SITE, needs_dev_set, needs_shared

from index.models import Passage
from index.retrieval.passage_table import MemoryTexts, PassageTable, TextsGone, text_digest
from index.search import SearchIndex
from index.storage.service import IndexService, searchable
from index.terms.term_counts import KeptCounts, TermCounts

# A word of the first edited post's old text, found in no other post: once the post is
# rewritten without it, nothing may be found for it.
GONE = "zyzzogeton"


def questions() -> list[str]:
    with DEV_SET.open(encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f if line.strip()] + [GONE]


async def cold_index(site: Path, db: Path) -> SearchIndex:
    """The same content indexed from nothing, into its own database (its posts in the order
    of the files, where a reindex puts changed and new posts last)."""
    service = await IndexService.open(db, site)
    try:
        await service.reindex()
        assert service.current is not None
        return service.current
    finally:
        await service.close()


def by_passage(index: SearchIndex, scores: np.ndarray) -> dict[tuple[str, int], float]:
    """Scores keyed by (post id, ordinal): indexes built in another order compare so."""
    return {
        (p.post_id, p.ordinal): float(s)
        for p, s in zip(index.passages, scores.tolist(), strict=True)
    }


@pytest.mark.shared
@needs_shared
@needs_dev_set
async def test_a_followed_reindex_scores_as_a_cold_build(tmp_path: Path) -> None:
    site = Path(shutil.copytree(CORPUS, tmp_path / "site"))
    service = await IndexService.open(tmp_path / "index.sqlite3", site)
    okapi = patch.object(rank_bm25, "BM25Okapi", wraps=rank_bm25.BM25Okapi)
    try:
        with okapi as built:
            await service.reindex()
        before = service.current
        assert before is not None
        # The cold build's models are rank-bm25's, one BM25Okapi per field.
        assert built.call_count == len(before.data.fields)
        for name, stats in before.data.fields.items():
            rb = rank_bm25_of(stats)
            assert rb.average_idf > 0  # (a real site's fields: rank-bm25's IDF unchanged)
            assert_is_rank_bm25s(before._table.fields[name].model, rb)
        posts = sorted((site / "_posts").rglob("*.md"))
        # One post rewritten with a word no post had, one post gone, one post new.
        edited = posts[3]
        edited.write_text(
            edited.read_text(encoding="utf-8") + f"\n\nA {GONE} turned up at the lab.\n",
            encoding="utf-8",
        )
        posts[10].unlink()
        (edited.parent / "2025-01-01-a-new-post.md").write_text(
            '---\ntitle: "A new post"\n---\n\nRobots now moor container ships.\n',
            encoding="utf-8",
        )
        with okapi as built:
            await service.reindex()
            # Then the same post again, without the word (its earlier passages in the tail go).
            edited.write_text(edited.read_text(encoding="utf-8").replace(GONE, "bird"), "utf-8")
            report = await service.reindex()
        assert not built.called  # (followed: within MERGE_SHARE, nothing is built whole)
        assert report.changed == (edited.relative_to(site / "_posts").as_posix(),)
        followed = service.current
        assert followed is not None
        body = followed._table.fields["body"].postings
        # Followed, not rebuilt: the base segment is the cold build's, shared.
        assert body.base is before._table.fields["body"].postings.base
        assert body.base_pos is not None and body.tail is not None
        for name, stats in followed.data.fields.items():
            # The kept statistics are the cold build's arrays, shared, not a copy of them.
            assert isinstance(stats, KeptCounts) and stats.base is before.data.fields[name]
            # The followed model is the one rank-bm25 builds from scratch on the new corpus.
            assert_is_rank_bm25s(followed._table.fields[name].model, rank_bm25_of(stats))
        del before

        stored = await service.store.load()
        assert stored is not None
        with okapi as built:
            whole = searchable(stored)  # the same statistics, built whole
        assert not built.called  # (loading derives the model from the counts)
    finally:
        await service.close()
    fresh = await cold_index(site, tmp_path / "fresh.sqlite3")  # indexed from nothing
    assert whole.data.post_ids == followed.data.post_ids
    for question in questions():
        plan = followed._plan(question)
        scores, choice = followed._passage_scores(plan)
        whole_scores, whole_choice = whole._passage_scores(whole._plan(question))
        np.testing.assert_array_equal(scores, whole_scores)
        np.testing.assert_array_equal(choice, whole_choice)
        fresh_scores, _ = fresh._passage_scores(fresh._plan(question))
        # (Terms numbered in another order: rank-bm25's mean IDF, summed in term order for
        # its floor, can differ in the last bits; as for any two builds in other orders.)
        assert by_passage(followed, scores) == pytest.approx(
            by_passage(fresh, fresh_scores), rel=1e-6, abs=1e-9
        )
        assert followed.search(question).model_dump() == whole.search(question).model_dump()
    # The word's post was changed: its old passages are masked, never scored or returned.
    assert not followed._passage_scores(followed._plan(GONE))[0].any()
    assert not followed.search(GONE).results


async def test_a_reindex_that_makes_fields_whole_builds_them_with_rank_bm25(
    tmp_path: Path,
) -> None:
    """Past ``MERGE_SHARE`` (one post of a small site) a reindex makes a field's arrays whole
    again: rank-bm25 builds those fields' models, as a cold index does."""
    site = Path(shutil.copytree(FIXTURE_SITE, tmp_path / "site"))
    service = await IndexService.open(tmp_path / "index.sqlite3", site)
    try:
        await service.reindex()
        post = sorted((site / "_posts").rglob("*.md"))[0]
        post.write_text(post.read_text(encoding="utf-8") + "\n\nRobots moor ships.\n", "utf-8")
        with patch.object(rank_bm25, "BM25Okapi", wraps=rank_bm25.BM25Okapi) as built:
            report = await service.reindex()
        assert report.changed
        index = service.current
        assert index is not None
        whole = [
            name
            for name, stats in index.data.fields.items()
            if isinstance(stats, TermCounts) and len(stats.term_ids)
        ]
        assert whole and built.call_count == len(whole)
        for name in whole:
            model = index._table.fields[name].model
            assert_is_rank_bm25s(model, rank_bm25_of(index.data.fields[name]))
    finally:
        await service.close()


def passage(post: str, ordinal: int, text: str) -> Passage:
    return Passage(post_id=post, ordinal=ordinal, heading_path=("H",), anchor=None, text=text)


def test_followed_passages_keep_the_kept_rows_and_read_every_text_by_digest() -> None:
    names = [f"p{i:02}" for i in range(40)]
    posts = {p: [passage(p, i, f"{p} passage {i} ünïcode") for i in range(3)] for p in names}
    table = PassageTable.of_passages([x for p in names for x in posts[p]])
    changed = [passage("p01", 0, "p01 rewritten"), passage("p01", 1, "and more")]
    # The texts as the store holds them after the reindex committed: the old ones too.
    stored = {text_digest(p.text): p.text for p in [*table, *changed]}
    # Post p01 changed (it goes last), the others kept.
    followed = table.followed([range(0, 3), range(6, 120), changed], MemoryTexts(stored))
    assert list(followed) == [x for p in names if p != "p01" for x in posts[p]] + changed
    assert followed.rows(0, 117) == table.rows(0, 3) + table.rows(6, 120)
    assert followed.texts([117, 0, 117]) == ["p01 rewritten", "p00 passage 0 ünïcode"] * 1 + [
        "p01 rewritten"
    ]
    # A text its source no longer holds is an error, never another passage's text.
    with pytest.raises(TextsGone):
        table.followed([changed], MemoryTexts({})).text(0)
