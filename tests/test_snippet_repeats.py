"""A sentence is on an answer's first page once, as a reader tells sentences apart: a passage
quoting its own line ('"Drivers … engaged," the maker said.' then 'Drivers … engaged.') shows
it once, and the room goes to what the page does not show yet (issue 10, round 25b)."""

from __future__ import annotations

import pytest
from retrieval_support import briefs_index, with_filler

from index.answers.extraction import Evidence, extract
from index.answers.snippets import shown_key
from index.answers.text import sentences, shown_text
from index.models import Answer
from index.search import SearchIndex
from index.terms.analyzer import analyze

CLAIM = (
    "Drivers of the Lumen must keep both hands on the steering wheel at all times while its "
    "driving assist is engaged on the motorway"
)
PERSPECTIVE = (
    "## Our Perspective\n\n"
    "The maker's adverts show a driver reading a newspaper.\n\n"
    f'"{CLAIM}."\n\n'
    "Reviewers found the warning chime easy to ignore on long trips.\n\n"
    f"{CLAIM}.\n\n"
    "A better design would add friction: switching the assist off should take a deliberate "
    "press of two buttons.\n"
)
QUESTION = (
    "Must Lumen drivers keep their hands on the steering wheel while the driving assist is on?"
)


def page_keys(headline: str, snippets: list[str]) -> list[str]:
    """The sentences of a first page (headline and the first three snippets as shown, "…"
    marks dropped), each as a reader tells it apart."""
    shown = [headline, *(shown_text(s) for s in snippets[:3])]
    return [shown_key(s) for text in shown for s in sentences(text.replace("…", " ")) if s.strip()]


def test_a_sentence_and_its_quoted_repeat_read_as_one() -> None:
    assert shown_key(f'"{CLAIM}," the maker said.') != shown_key(f"{CLAIM}.")
    assert shown_key(f'"{CLAIM}."') == shown_key(f"{CLAIM}.")
    assert shown_key("“It Is Done”") == shown_key("it is done.")
    assert shown_key("It is done.") != shown_key("It is not done.")


def test_a_passage_quoting_its_own_line_shows_it_once() -> None:
    text = PERSPECTIVE.replace("## ", "")  # (as a passage holds its heading: a line)
    evidence = [Evidence(text, "The Lumen crash", 10.0, "Our Perspective")]
    found = extract(QUESTION, {t: 1.0 for t in analyze(QUESTION)}, evidence)
    keys = page_keys(found.headline, found.snippets)
    assert shown_key(f"{CLAIM}.") in keys
    assert len(keys) == len(set(keys)), keys
    # (the room the repeat took shows the rest of the passage: in the snippet, or joined to the
    # headline as its passage's next best sentence)
    page = " ".join([found.headline, *(shown_text(s) for s in found.snippets)])
    assert "deliberate press of two buttons" in page


@pytest.fixture(scope="module")
def lumen_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    lumen = {"2021-05-02-lumen.md": ("The Lumen crash", PERSPECTIVE)}
    return briefs_index(tmp_path_factory.mktemp("repeats"), with_filler(lumen))


def test_the_first_page_shows_a_quoted_line_once(lumen_index: SearchIndex) -> None:
    answer: Answer = lumen_index.search(QUESTION, k=3)
    assert answer.results and answer.results[0].post_id == "briefs/2021-05-02-lumen.md"
    keys = page_keys(answer.headline, [r.snippet for r in answer.results])
    assert shown_key(f"{CLAIM}.") in keys
    assert len(keys) == len(set(keys)), keys
