"""A newsletter's list of stories read as a person reads it (issue 10, round 29d): a snippet
does not fill its room with the other stories of the list that hold none of the question, and
two issues' sections of one name are cited by the story each holds."""

from __future__ import annotations

import pytest
from retrieval_support import briefs_index, with_filler

from bot.formatting.answers import answer_embed, citation_labels
from index.answers.extraction import Evidence, extract
from index.answers.text import shown_text
from index.search import SearchIndex
from index.terms.analyzer import analyze

# A digest's section as a passage holds it: its heading, then one story a line ("Title -
# "quote"").
RESEARCH = (
    "Research\n"
    'Spiking Neural Networks - "In August 2014, a significant advance in computing made the '
    "cover of the journal Science. It was IBM’s 5.4 billion-transistor chip that had a million "
    'hardware neurons and 256 million synapses."\n'
    "NVIDIA Awards $50,000 Fellowships to Ph.D. Students for GPU Computing Research - "
    '"For more than two decades, NVIDIA has supported graduate students doing GPU-based work '
    'through the NVIDIA Graduate Fellowship Program."\n'
    "Sentence Transformer Fine-Tuning Beats a Giant on Few-Shot Text Classification - "
    '"The GPT-n series show very promising results for few-shot classification tasks."'
)
BUSINESS = (
    "Advances & Business\n"
    "Google: BERT now used on almost every English query - "
    '"BERT powers almost every single English based query done on Google Search, the company '
    "said during its virtual Search on 2020 event Thursday. That’s up from just 10% of English "
    'queries when Google first announced the use of the BERT algorithm in Search last October."\n'
    'Can an Algorithm Prevent Suicide? - "The Department of Veterans Affairs has turned to '
    'machine-learning to help identify vets at risk of taking their own lives."\n'
    "Percepto raises $45 million for robots that inspect critical infrastructure - "
    '"Autonomous inspection solutions company Percepto today announced a $45 million round."\n'
    "Cannabis companies use artificial intelligence to create purer, stronger weed as the "
    'marijuana industry booms - "Firms across Europe and the US are currently producing a raft '
    'of cannabis products, with the industry expected to be worth £32 billion by 2024."'
)


def page(question: str, text: str, heading: str) -> tuple[str, list[str]]:
    """The headline and the snippets (as shown) of ``question`` asked of one passage."""
    found = extract(
        question,
        {t: 1.0 for t in analyze(question)},
        [Evidence(text, "Last Week in AI #93", 10.0, heading)],
    )
    return found.headline, [shown_text(s) for s in found.snippets]


CHATBOTS = (
    "Research\n"
    "Colleges Are Turning to AI Chatbots. Here’s How One University Is Handling Those. - "
    '"Visit the University of California at Irvine’s admissions page, and a box pops up in the '
    "bottom right corner. Click on it, and there’s Peter the Anteater, a chatbot named after the "
    'university’s mascot."\n'
    "A model separates birdsongs - "
    '"Google presented a method to separate audio recordings of birds."'
)


def test_a_snippet_shows_no_story_the_question_is_not_about() -> None:
    headline, snippets = page("How much did Percepto raise?", BUSINESS, "Advances & Business")
    assert "$45 million" in headline, headline
    assert "Cannabis" not in " ".join(snippets), snippets


@pytest.fixture(scope="module")
def digest_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    body = "## Advances & Business\n\n" + "\n".join(
        f"* {line}" for line in BUSINESS.split("\n")[1:]
    )
    briefs = {"2020-11-28-93.md": ("Last Week in AI #93", body + "\n")}
    return briefs_index(tmp_path_factory.mktemp("digest"), with_filler(briefs))


def test_the_first_page_of_a_digest_answer(digest_index: SearchIndex) -> None:
    answer = digest_index.search("How much did Percepto raise?")
    assert "$45 million" in answer.headline, answer.headline
    shown = [shown_text(r.snippet) for r in answer.results[:3]]
    assert not any("Cannabis" in s or "Veterans" in s for s in shown), shown


@pytest.fixture(scope="module")
def issues_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Two issues of a newsletter, each with a "Business" list of stories on one subject."""
    one = (
        "## Business\n\n"
        "* Orchard robots raise $20 million to pick apples at night - "
        '"The orchard robot maker raised $20 million to pick apples in the dark."\n'
        "* A bakery chain buys dough-kneading robots - "
        '"The chain bought forty kneading robots for its bakeries."\n'
    )
    two = (
        "## Business\n\n"
        "* Orchard robots startup doubles its apple picking fleet - "
        '"The orchard robot maker now runs two hundred robots picking apples."\n'
        "* A port orders crane robots - "
        '"The port ordered twelve crane robots."\n'
    )
    briefs = {
        "2022-10-24-190.md": ("Last Week in AI #190", one),
        "2022-10-31-191.md": ("Last Week in AI #191", two),
    }
    return briefs_index(tmp_path_factory.mktemp("issues"), with_filler(briefs))


def test_citations_of_two_issues_sections_of_one_name_say_which_story(
    issues_index: SearchIndex,
) -> None:
    answer = issues_index.search("orchard robots picking apples")
    labels = citation_labels(answer.results)
    business = " | ".join(
        label for r, label in zip(answer.results, labels, strict=True) if r.heading == "Business"
    )
    assert business.count("› Business ›") == 2, labels
    assert "Last Week in AI #190 › Business › Orchard robots raise $20 million" in business
    assert "Last Week in AI #191 › Business › Orchard robots startup doubles" in business
    # (as the embed shows them)
    description = answer_embed(answer).description or ""
    assert "› Business › Orchard robots startup doubles its apple picking fleet]" in description
    # One issue's section alone on a page is named as before.
    alone = issues_index.search("crane robots at the port")
    port = next(r for r in alone.results if "crane" in r.text)
    assert citation_labels([port]) == ["Last Week in AI #191 › Business"]
