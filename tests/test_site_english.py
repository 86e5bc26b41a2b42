"""The off-topic rule (``decline.off_topic``, round 27d) reads English's Zipf of a question's
words from a table stored with the index (``english.site_table``: the list's words whose terms
the site has), and wordfreq's list only for a word the site lacks: the same readings as the
whole list's, and a question whose words the site all has reads no list."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from retrieval_support import DEV_SET, FIXTURE_SITE, SharedIndex, copy_site, run_cli

from index.search import SearchIndex
from index.storage.service import load_index
from index.storage.store import IndexStore
from index.terms import english
from index.terms.analyzer import term_for_word, words
from index.terms.english import English, WordTable, site_table, small_list

OFF_TOPIC_TUNE = (
    Path(__file__).resolve().parent.parent / "bench" / "questions" / "offtopic_tune.jsonl"
)


def loaded(db: Path) -> SearchIndex:
    async def run() -> SearchIndex:
        async with await IndexStore.open(db) as store:
            index = await load_index(store)
        assert index is not None
        return index

    return asyncio.run(run())


def questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def check_readings(
    index: SearchIndex, asked: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int]:
    """Each question's ``site_words`` from the stored table and from the whole list: the
    same. Returns (questions whose words the site all has, of those read without the list)."""
    assert index.site_english  # (stored with the index)
    whole = English(small_list())  # (not ``ENGLISH``: always the list itself)
    has_all = without_list = 0
    for question in asked:
        fresh = English()  # (unread: the stored table answers while it can)
        monkeypatch.setattr(english, "ENGLISH", fresh)
        index.language = fresh
        from_table = index.site_words(question)
        index.language = whole
        assert from_table == index.site_words(question), question
        if all(t in index.vocab for w in words(question) for t in term_for_word(w)):
            has_all += 1
            without_list += not fresh.loaded
    return has_all, without_list


@pytest.mark.skipif(not DEV_SET.is_file(), reason="../shared (the dev set) not present")
def test_the_stored_table_reads_as_the_list_on_the_real_corpus(
    shared_corpus_index: SharedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shared_corpus_index.exit_code == 0, shared_corpus_index.stderr[-2000:]
    index = loaded(shared_corpus_index.db)
    asked = questions(DEV_SET) + questions(OFF_TOPIC_TUNE)
    has_all, without_list = check_readings(index, asked, monkeypatch)
    assert has_all > 50 and without_list == has_all


def test_the_stored_table_reads_as_the_list_on_the_fixture_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db"
    code, _, err = run_cli(["index", "--content", str(FIXTURE_SITE), "--db", str(db)])
    assert code == 0, err
    index = loaded(db)
    asked = [*questions(OFF_TOPIC_TUNE), "are delivery drones loud", "who wrote about gpt-3"]
    asked += ["what's the drone's range", "is it bad for cats"]
    has_all, without_list = check_readings(index, asked, monkeypatch)
    assert has_all >= 1 and without_list == has_all


def test_an_index_stored_before_the_table_reads_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "db"
    code, _, err = run_cli(["index", "--content", str(FIXTURE_SITE), "--db", str(db)])
    assert code == 0, err
    with sqlite3.connect(db) as conn:  # (as an earlier version left it: no row)
        conn.execute("DELETE FROM site_english")
    index = loaded(db)
    assert index.site_english is None
    fresh = English()
    monkeypatch.setattr(english, "ENGLISH", fresh)
    index.language = fresh
    found = index.site_words("are delivery drones loud")
    assert fresh.loaded  # (the list, as before)
    index.language = English(small_list())
    assert found == index.site_words("are delivery drones loud")


def test_a_new_generation_replaces_the_table(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    db = tmp_path / "db"
    assert run_cli(["index", "--content", str(site), "--db", str(db)])[0] == 0
    before = loaded(db)
    assert before.site_english is not None and "pancake" not in before.site_english
    post = next((site / "_posts").rglob("*.md"))
    post.write_text(post.read_text(encoding="utf-8") + "\nA pancake, flipped.\n", encoding="utf-8")
    assert run_cli(["index", "--content", str(site), "--db", str(db)])[0] == 0
    after = loaded(db)
    assert after.generation == before.generation + 1
    assert after.site_english is not None and "pancake" in after.site_english


def test_the_stored_text_holds_each_word_and_zipf_exactly() -> None:
    table = site_table({"drone", "loud", "vacuum", "the"})
    assert {"drone", "drones", "loud", "vacuum"} <= table.keys()
    stored = WordTable(WordTable.of(table).text)
    assert dict(stored) == table and len(stored) == len(table)
    assert all(stored[w] == z for w, z in table.items())
    for missing in ("dron", "rone", "drone\t", "", "louder"):
        assert stored.get(missing) is None, missing
    assert dict(WordTable(WordTable.of({}).text)) == {}
