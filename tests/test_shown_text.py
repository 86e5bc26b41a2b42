"""What a reader meets on an answer's first page reads as clean sentences: no sentence split inside
a short quotation or bracket, no excerpt of a longer quotation starting on a closing quote or left
open at its end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retrieval_support import briefs_index, with_filler

from index.answers.text import balance_runs, quote_edges, sentences, shown_text
from index.models import Answer
from index.search import SearchIndex

TITLE = (
    "* July 14th: After a lull, Fast Co.Design comes out with a long piece - "
    '["AI Is Inventing Languages Humans Can’t Understand. Should We Stop It?"]'
    "(https://example.org/fast).\n"
    "* July 15th: The Register covers the negotiation research from another angle with "
    '["Facebook tried teaching bots art of negotiation"](https://example.org/register).'
)


def test_a_short_quotation_is_not_split_into_sentences() -> None:
    line = (
        "July 14th: After a lull, Fast Co.Design comes out with a long piece - "
        '"AI Is Inventing Languages Humans Can’t Understand. Should We Stop It?".'
    )
    assert sentences(line) == [line]
    # (a remark in brackets, and curly quotes, alike)
    assert sentences("The chip (it ships in May. Or June.) is small. It is cheap.") == [
        "The chip (it ships in May. Or June.) is small.",
        "It is cheap.",
    ]
    assert sentences(
        "He called it “Deal or No Deal? End-to-End Learning” in print. Then he left."
    ) == [
        "He called it “Deal or No Deal? End-to-End Learning” in print.",
        "Then he left.",
    ]


def test_a_long_quotation_is_still_split() -> None:
    quoted = " ".join(["Robots sorted every parcel in the hall that night."] * 4)
    text = f'The report - "{quoted}" Then the hall closed.'
    assert len(sentences(text)) >= 4


@given(st.text(alphabet='ab AB.?!"“”()[]\n1', max_size=200))
def test_sentences_lose_and_repeat_nothing(text: str) -> None:
    # However the marks fall, the sentences hold the text's characters once, in order (only
    # spaces move: none before a sentence's punctuation).
    shown = sentences(text)
    assert "".join(shown).replace(" ", "") == "".join(text.split())
    assert all(s.strip() for s in shown)
    for run in shown:
        lead, tail = quote_edges(run)
        assert len(lead) <= 1 and len(tail) <= 1


def test_a_list_number_closing_no_bracket_splits_as_before() -> None:
    assert sentences("1) Robots sort parcels. 2) People load the vans.") == [
        "1) Robots sort parcels.",
        "2) People load the vans.",
    ]


@pytest.mark.parametrize(
    ("run", "edges"),
    [
        # the tail of a quotation that began before the run: it opens with the quote
        ('the parcels were sorted by noon." Next, the vans left.', ('"', "")),
        ("The parcels were sorted by noon.” Next, the vans left.", ("“", "")),
        # the start of one that goes on after it: it closes it
        ('Parcel robots arrive - "The hall sorts parcels. It runs all night.', ("", '"')),
        ("Parcel robots arrive - “The hall sorts parcels.", ("", "”")),
        # balanced, or marks that do not read plainly (a stray mark inside a sentence, several
        # open, a run cut mid-sentence): left as they are
        ('He said "yes" and left.', ("", "")),
        ('It is part of its" Upskilling 2025" plan.', ("", "")),
        ('A "b "c d.', ("", "")),
        ('Parcel robots arrive - "The hall sorts parcels and', ("", "")),
    ],
)
def test_the_quote_marks_a_run_leaves_open(run: str, edges: tuple[str, str]) -> None:
    assert quote_edges(run) == edges


def test_a_cut_end_is_not_closed() -> None:
    assert balance_runs('… sorted by noon." Next … "The hall sorts it.') == (
        '… sorted by noon." Next … "The hall sorts it."'
    )


EXCERPT = (
    "* [Harbour robots sort the night mail](https://example.org/mail) - "
    '"The Lorne harbour has run a sorting hall without people since March, with forty robots '
    "that read the labels of every parcel and stack them by street for the morning vans. The "
    "hall's manager says the robots misread one label in ten thousand, about as often as the "
    'clerks did. The vans now leave an hour earlier than they did last year."\n'
    "* [A ferry learns to dock](https://example.org/ferry) - "
    '"The island ferry docked itself for the first time on Tuesday."'
)


@pytest.fixture(scope="module")
def quoted_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    briefs = {
        "2021-07-20-coverage.md": ("How the story spread", f"## The Reactions\n\n{TITLE}\n"),
        "2021-08-02-week.md": ("Last week in robots", f"## Robots\n\n{EXCERPT}\n"),
    }
    return briefs_index(tmp_path_factory.mktemp("quoted"), with_filler(briefs))


def first_page(answer: Answer) -> list[str]:
    return [answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])]


def test_a_link_title_of_two_sentences_is_shown_whole(quoted_index: SearchIndex) -> None:
    # The old split cut the July 14th item's link title after "Understand.": its second half
    # ran into the next item as the headline's first sentence ("Should We Stop It?". July…).
    answer = quoted_index.search("what did the register cover about the negotiation research")
    assert "The Register covers" in answer.headline, answer.headline
    for text in first_page(answer):
        assert not text.lstrip("… ").startswith("Should We Stop It"), first_page(answer)
    answer = quoted_index.search("which piece asked whether we should stop AI inventing languages")
    assert "Understand. Should We Stop It?" in answer.headline, answer.headline


def test_an_excerpt_of_a_quotation_is_shown_as_one(quoted_index: SearchIndex) -> None:
    answer = quoted_index.search("how often do the harbour robots misread a parcel label")
    assert "one label in ten thousand" in answer.headline, answer.headline
    for text in first_page(answer):
        for run in text.split(" … "):
            run = run.removeprefix("… ").removesuffix(" …")
            assert run.count('"') % 2 == 0, text
