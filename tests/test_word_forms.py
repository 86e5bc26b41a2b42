"""Other forms of a question's word (``index/word_forms.py``): "decide" finds the post saying
"decision", only where the content holds both forms."""

from __future__ import annotations

import asyncio

import pytest

from index.search import SearchIndex
from index.service import IndexService
from index.word_forms import forms

POST = '---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n## Story\n\n{body}\n'
PAGES = {
    "2024-01-02-board.md": ("Port news", "The harbour board's decision: the old cranes stay."),
    "2024-01-03-paint.md": ("Port colours", "The harbour board painted the old cranes blue."),
    "2024-01-04-vote.md": ("Elections", "Voters decide on the new mayor in May."),
    "2024-01-05-chess.md": ("Chess", "A chess engine beat a grandmaster in a blitz match."),
    "2024-01-06-flood.md": ("Floods", "Researchers trained a model to forecast river floods."),
}


def test_forms_links_stems_both_in_the_vocabulary() -> None:
    vocab = {"decid", "decis", "acquir", "acquisit", "face", "facial", "ban", "bain"}
    assert forms("decid", vocab.__contains__) == ["decis"]
    assert forms("acquisit", vocab.__contains__) == ["acquir"]
    assert forms("face", vocab.__contains__) == ["facial"]
    assert forms("ban", vocab.__contains__) == []  # "b" + "ain": too short a root
    assert forms("decid", {"decid"}.__contains__) == []  # no partner in the content


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("forms")
    site = base / "site"
    posts = site / "_posts" / "briefs"
    posts.mkdir(parents=True)
    (site / "_config.yml").write_text("title: Test\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, body) in PAGES.items():
        (posts / name).write_text(POST.format(title=title, body=body), encoding="utf-8")

    async def build() -> SearchIndex:
        service = await IndexService.open(base / "index.sqlite3", site)
        try:
            return await service.ensure()
        finally:
            await service.close()

    return asyncio.run(build())


def test_decide_finds_the_post_saying_decision(index: SearchIndex) -> None:
    answer = index.search("What did the harbour board decide about the old cranes?", k=3)
    assert answer.results[0].post_id == "briefs/2024-01-02-board.md"
    assert "decision" in answer.headline
    plan = index.reader.plan("What did the harbour board decide about the old cranes?")
    assert plan.weight_of["decis"] < plan.weight_of["decid"]  # the other form counts less


def test_a_word_without_another_form_is_searched_as_before(index: SearchIndex) -> None:
    plan = index.reader.plan("Which chess engine beat a grandmaster?")
    assert set(plan.weight_of) == {"chess", "engin", "beat", "grandmast"}
    # Typo correction still works: "harbur" → "harbour" (in two passages).
    assert "harbour" in index.reader.plan("Who painted the cranes in the harbur?").weight_of
