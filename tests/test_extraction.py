"""Answer extraction: question intent, answer forms, the headline and the snippets; and, on the
real corpus, the cases issue 10 was filed with."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retrieval_support import SharedIndex, built_index, run_cli

from index.answers.extraction import HEADLINE_WORDS, POOL, Evidence, assemble, extract, prepare
from index.answers.headline_model import Window
from index.answers.sentence_scores import coverage, match_sentence
from index.answers.snippets import SNIPPET_WORDS
from index.answers.text import sentences, shown_text
from index.models import Answer
from index.retrieval.intent import form_spans, intent
from index.search import SearchIndex
from index.terms.analyzer import analyze


def weights(question: str) -> dict[str, float]:
    return {t: 1.0 for t in analyze(question)}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long was he in jail?", "how_long"),
        ("how many moons does it have", "how_many"),
        ("How much did the startup raise?", "how_much"),
        ("What share of deepfakes are porn?", "share"),
        ("When did Musk say the robot would ship?", "when"),
        ("Who won the prize?", "who"),
        ("Which company bought the startup?", "who"),
        ("Where was the bank?", "where"),
        ("Why did California revoke the permit?", "why"),
        ("What is a transformer?", "define"),
        ("Did ATMs kill off bank teller jobs?", "yes_no"),
        ("gpt-2 training cost", "how_much"),
        ("woody bledsoe 1960s", "other"),
    ],
)
def test_intent(question: str, kind: str) -> None:
    assert intent(question) == kind


@pytest.mark.parametrize(
    ("kind", "sentence", "found"),
    [
        ("duration", "Parks spent 10 days in jail.", "10 days"),
        ("date", "It was announced in March 2021.", "2021"),
        ("money", "The model cost $43,000 to train.", "$4"),
        ("share", "Some 96% of deepfakes were pornographic.", "96%"),
        ("cause", "It was pulled due to its resemblance to a voice.", "due to"),
        ("name", "The prize went to John Hopfield and Geoffrey Hinton.", "John Hopfield"),
    ],
)
def test_answer_forms(kind: str, sentence: str, found: str) -> None:
    spans = form_spans(kind, sentence)
    assert any(found in sentence[a:b] or sentence[a:b] in found for a, b in spans), spans


PARKS = Evidence(
    "People Harmed\n"
    "At the end of 2020, Nijeer Parks became the third known Black man to be affected by a bad "
    "facial recognition match. After a shoplifter was confronted by police, he gave them a "
    "fake licence. The photo was sent to state agencies, and Parks was found to be a match. "
    "A warrant for his arrest was issued. As the Times reported, Parks spent 10 days in jail "
    "and paid about $5000 to defend himself. Several months later, his case was dismissed.",
    title="Police Misuse of Facial Recognition",
    score=10.0,
    heading="People Harmed",
)


def test_headline_states_the_answer_form_not_the_topic() -> None:
    question = "how long was nijeer parks in jail after the bad face recognition match"
    found = extract(question, weights(question), [PARKS])
    assert "10 days in jail" in found.headline
    assert len(found.headline.split()) <= HEADLINE_WORDS
    # The headline's passage shows its other evidence, not the headline again.
    assert "10 days" not in shown_text(found.snippets[0])
    assert "Parks was found to be a match" in shown_text(found.snippets[0])


def test_the_headline_takes_the_passages_next_best_sentence() -> None:
    # The sentence naming the subject and the one answering, far apart in the passage, both
    # score well: the headline shows both, "…" between (within its 60 words).
    question = "how long was nijeer parks in jail after the bad face recognition match"
    found = extract(question, weights(question), [PARKS])
    assert found.headline == (
        "At the end of 2020, Nijeer Parks became the third known Black man to be affected by a "
        "bad facial recognition match. … As the Times reported, Parks spent 10 days in jail and "
        "paid about $5000 to defend himself."
    )
    # Not when the other sentences score well under the best one.
    one = Evidence(
        "Parks spent 10 days in jail. Rain fell in the city that week. Later, the jail closed.",
        title="Parks",
        score=1.0,
    )
    headline = extract(question, weights(question), [one]).headline
    assert "10 days in jail" in headline and "…" not in headline and "closed" not in headline


def test_headline_comes_from_a_later_passage_that_answers() -> None:
    question = "What did IBM decide to stop doing?"
    topic = Evidence(
        "IBM, Microsoft and Amazon were in the news. Microsoft and Amazon decided to wait.",
        title="Face recognition",
        score=10.0,
    )
    answer = Evidence(
        "IBM decided to stop selling face recognition to police.",
        title="Face recognition",
        score=9.0,
    )
    found = extract(question, weights(question), [topic, answer])
    assert found.source == 1 and "stop selling" in found.headline


def test_a_hyphenated_word_matches_its_joined_form() -> None:
    # The analyzer makes "plugins" of a question's "plugins" and "plugins" (unstemmed) of a
    # sentence's "plug-ins": the sentence still holds the question's word.
    question = "How many plugins did the chatbot launch with?"
    found, _, forms = match_sentence(
        "Initially, 11 plug-ins will be available.", weights(question), ("count",)
    )
    assert "plugin" in found and forms


def test_a_how_many_headline_states_a_count_not_a_year() -> None:
    assert not form_spans("count", "In 2021 the port bought cranes.")
    assert form_spans("count", "It runs 40 cranes, 12 of them new.")
    question = "how many cranes did the port of Valmora buy"
    ev = Evidence(
        "In 2021 the port of Valmora bought new cranes from Kessel. "
        "Rain is common there in the autumn. "
        "The harbour now runs 40 cranes without drivers.",
        title="Harbour news",
        score=1.0,
    )
    found = extract(question, weights(question), [ev])
    assert found.best[0].startswith("The harbour now runs 40 cranes")  # the best sentence
    assert "40 cranes" in found.headline


def test_a_percentages_span_is_the_whole_figure() -> None:
    # (as it shows in bold: not "2%" of "82%")
    sentence = "It avoided 82% of crashes, 7.3% more."
    assert [sentence[a:b] for a, b in form_spans("share", sentence)] == ["82%", "7.3%"]


def test_a_sentence_that_leans_on_the_one_before_takes_it() -> None:
    question = "when did the regulator fine the company"
    ev = Evidence(
        "The national data protection regulator fined Lumenar over its cameras in shops. "
        "It did so in May 2021, after a two-year investigation into the chain's practices "
        "and the complaints of many shoppers who had never been told about the cameras.",
        title="Lumenar fined",
        score=1.0,
    )
    found = extract(question, weights(question), [ev])
    assert found.headline.startswith("The national data protection regulator fined")
    assert "May 2021" in found.headline


def test_only_the_first_results_give_the_headline() -> None:
    # The headline comes from the first POOL results (an answer's first page in Discord), even
    # when a later one states the answer's form.
    question = "how many cranes"
    dull = [
        Evidence(f"Cranes were discussed in the {word} post.", title="Port", score=5.0)
        for word in ("first", "second", "third", "fourth", "fifth", "sixth")[:POOL]
    ]
    late = Evidence("The port bought 40 cranes.", title="Port", score=4.0)
    assert extract(question, weights(question), [*dull, late]).source < POOL
    assert extract(question, weights(question), [*dull[:2], late]).source == 2


@given(
    st.lists(st.text(alphabet="ab .,?!'\n0123456789$%ABC", max_size=400), min_size=1, max_size=4),
    st.sampled_from(["how many ab", "who ba", "why a b", "abc"]),
)
def test_headline_and_snippets_stay_within_bounds(texts: list[str], question: str) -> None:
    evidence = [Evidence(t, title="T", score=1.0) for t in texts]
    found = extract(question, weights(question), evidence)
    assert len(found.headline.split()) <= HEADLINE_WORDS
    assert len(found.snippets) == len(evidence) == len(found.best)
    for snippet in found.snippets:
        assert len(shown_text(snippet).split()) <= SNIPPET_WORDS


# ------------------------------------------------------------------------ the real corpus


def ask_json(shared: SharedIndex, question: str, k: int = 5) -> dict:
    code, out, err = run_cli(
        [
            "ask",
            question,
            "--content",
            str(shared.content),
            "--db",
            str(shared.db),
            "--json",
            "-k",
            str(k),
        ]
    )
    assert code == 0, err
    return json.loads(out)


@pytest.mark.shared
def test_issue_examples_on_the_real_corpus(shared_corpus_index: SharedIndex) -> None:
    parks = ask_json(
        shared_corpus_index,
        "how long was nijeer parks in jail after the bad face recognition match",
    )
    assert "10 days in jail" in parks["headline"]
    labels = [(r["title"], r["heading"], r["part"], r["url"]) for r in parks["results"]]
    assert len(set(labels)) == len(labels)  # no two citations look the same
    for r in parks["results"]:
        assert len(r["snippet"].split()) <= SNIPPET_WORDS
        assert not re.search(r"(?<!\\)\*\*", r["snippet"])  # shown text: no Markdown marks
    lasagna = ask_json(shared_corpus_index, "what is the recipe for lasagna?")
    assert lasagna["declined"] and lasagna["headline"] == "" and lasagna["suggestions"]


def test_a_sentence_restating_the_question_does_not_outrank_the_answer() -> None:
    # Both sentences hold every word of the question; the second only restates it, its words
    # side by side. (A bonus for proximity made it the headline alone: issue 10, round 2.)
    question = "What did the Valmora union say about crane software?"
    passage = Evidence(
        "The union said the new software would let Valmora cut half of the crane crews. "
        "Reporters covered the Valmora union crane software dispute all week.",
        title="Port news",
        score=10.0,
    )
    found = extract(question, weights(question), [passage])
    assert "cut half of the crane crews" in found.headline


# ------------------------------------------------------------------ a small site, end to end

POST = '---\ntitle: "{title}"\ncategories: [{category}]\n---\n\n{body}\n'
FILLER = (
    "The harbour has been busy for a century. Ferries leave for the islands every hour in the "
    "summer months, and fishing boats unload at the northern quay before dawn. Tourists walk "
    "along the old sea wall, where the town keeps a small museum of ship models and charts. "
    "Rain is common in the autumn, and storms close the outer basin a few days each year. "
)
HARBOUR = (
    "## What Happened\n\n"
    "Valmora's harbour authority bought twelve gantry cranes from Kessel in 2021. "
    + FILLER
    + FILLER
    + "The union agreed that forty crane operators would be retrained as remote supervisors.\n"
)
REVIEW = (
    "## March\n\n"
    "A bakery chain tested a scheduling model for its ovens.\n\n"
    "Valmora's harbour authority bought twelve gantry cranes from Kessel in 2021.\n\n"
    "A museum used vision models to sort old photographs of the harbour.\n"
)
SITE_FILLER = [
    "A chess engine beat a grandmaster in a blitz match.",
    "A startup released a speech model for call centres.",
    "Researchers trained a model to forecast river floods.",
    "Many museums now sort their archives with vision models.",
    "A city bought new buses that plan their own routes.",
    "A translation model learned a language with few speakers.",
    "Farmers were retrained to fly drones over their fields.",
]


def site_index(base: Path, pages: dict[str, tuple[str, str, str]]) -> SearchIndex:
    """A small site of ``pages`` (file name → title, category, body) and the filler posts,
    indexed under ``base``."""
    site = base / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: Test\nurl: https://example.org\n", encoding="utf-8")
    pages = dict(pages)
    for n, text in enumerate(SITE_FILLER):
        pages[f"briefs/2022-02-0{n + 1}-item.md"] = (f"Item {n}", "briefs", f"## Story\n\n{text}")
    for name, (title, category, body) in pages.items():
        path = site / "_posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(POST.format(title=title, category=category, body=body), encoding="utf-8")
    return built_index(base / "index.sqlite3", site)


@pytest.fixture(scope="module")
def harbour_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("extraction")
    pages = {
        "briefs/2021-05-02-valmora.md": ("Valmora automates its port", "briefs", HARBOUR),
        "digests/2021-12-30-review.md": ("The year in review", "digests", REVIEW),
    }
    return site_index(base, pages)


def page_sentences(answer: Answer) -> list[str]:
    """The sentences a reader sees on an answer's first page: the headline's, then each of the
    first three snippets' (as shown, "…" marks dropped)."""
    shown = [answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])]
    return [s for text in shown for s in sentences(text.replace("…", " ")) if s.strip()]


def test_the_first_page_shows_a_sentence_once(harbour_index: SearchIndex) -> None:
    # The review repeats the brief's first sentence (and the brief repeats its own lines): a
    # sentence is on the page once.
    answer = harbour_index.search("How many gantry cranes were bought by Valmora's harbour?", k=3)
    assert "twelve gantry cranes" in answer.headline
    assert {r.post_id for r in answer.results[:2]} == {
        "briefs/2021-05-02-valmora.md",
        "digests/2021-12-30-review.md",
    }
    shown = page_sentences(answer)
    assert len(shown) == len(set(shown)), shown


DIGEST = (
    "## March\n\n"
    "March was a big month with two stories standing out. First is the closing of Kestrel "
    "Robotics, a startup that built self-driving trucks.\n\n"
    "[The End of Kestrel Robotics](https://example.org/kestrel)\n\n"
    "Second is the publicity of Lumio, which scraped pictures of faces from the web to power "
    "a face search that finds anyone from one photo.\n\n"
    "[Lumio's Face Search Is Used By Police Forces](https://example.org/police)\n\n"
    "[I Got My File From Lumio, and It Scared Me](https://example.org/file)\n\n"
    "Lastly, hospitals tried robots to disinfect their wards.\n"
)


HISTORY = (
    "## Backgammon\n\n"
    "Dubbed Tesauro-Gammon, the program was one of the first to beat experts at a board game "
    "by reinforcement learning [^tesauro]. Its author later moved to chess [^chess].\n\n"
    "[^tesauro]: G. Tesauro, 1995.\n"
    "[^chess]: A later paper.\n"
)


PORT = (
    "## Reactions\n\n"
    "The union's leader spoke at the gate on Monday. The dockers' union opposed the plan and "
    "told reporters:\n\n"
    "> Forty crane operators will be out of work by the spring.\n\n"
    "The port authority did not reply.\n"
)


WEEK = (
    "## Kessel drones win a harbour contract\n\n"
    "Kessel will supply forty inspection drones to the Lorne harbour.\n\n"
    "## News from Lorne\n\n"
    "A robot teaching assistant called Pip now helps the teachers of six preschools. It reads "
    "stories aloud every morning.\n\n"
    "Mara Voss, Lorne Times\n"
)


@pytest.fixture(scope="module")
def digest_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("digest")
    pages = {
        "overviews/2020-12-28-year.md": ("The year in AI", "overviews", DIGEST),
        "overviews/2020-09-27-history.md": ("A history of game playing", "overviews", HISTORY),
        "briefs/2021-06-01-port.md": ("Automation at the port", "briefs", PORT),
        "digests/2021-07-05-week.md": ("Last week #5", "digests", WEEK),
    }
    return site_index(base, pages)


def test_a_line_without_an_end_is_not_run_into_the_next(digest_index: SearchIndex) -> None:
    # A link's title on its own line has no full stop: shown next to the following sentence it
    # is set apart ("·"), not run into it as one sentence ("… Robotics Second is …").
    answer = digest_index.search("Where does Lumio get the pictures for its face search?", k=3)
    page = " ".join([answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])])
    assert "scraped pictures of faces" in page
    for title, after in [
        ("The End of Kestrel Robotics", "Second is"),
        ("Used By Police Forces", "I Got My File"),
        ("It Scared Me", "Lastly"),
    ]:
        assert f"{title} {after}" not in page, page
    assert "Kestrel Robotics · Second is" in page or "Kestrel Robotics" not in page, page


def test_a_footnote_marker_leaves_no_space_before_the_full_stop(
    digest_index: SearchIndex,
) -> None:
    answer = digest_index.search("which board game did reinforcement learning beat experts at")
    page = " ".join([answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])])
    assert "by reinforcement learning." in page, page
    assert " ." not in page.replace(" …", ""), page


def test_a_headline_ending_on_a_colon_takes_what_it_announces(
    digest_index: SearchIndex,
) -> None:
    answer = digest_index.search("what did the leader of the dockers' union tell reporters")
    assert "The dockers' union opposed the plan" in answer.headline, answer.headline
    assert answer.headline.endswith("out of work by the spring."), answer.headline


def test_a_passage_the_headline_holds_whole_shows_no_snippet(digest_index: SearchIndex) -> None:
    # The headline is the whole of a short passage (a digest item): its snippet does not
    # repeat it.
    answer = digest_index.search("how many inspection drones will Kessel supply to Lorne")
    assert "forty inspection drones" in answer.headline
    first = answer.results[answer.headline_from]
    assert first.snippet == "", first.snippet
    shown = page_sentences(answer)
    assert len(shown) == len(set(shown)), shown


def test_the_headlines_passage_shows_no_leftover_lines(digest_index: SearchIndex) -> None:
    # The rest of the headline's passage holds nothing of the question (a heading line, a
    # byline scoring only by the sentence it follows): its snippet is empty, not filled with it.
    answer = digest_index.search("which robot teaching assistant helps the preschool teachers")
    assert "called Pip" in answer.headline and "Voss" not in answer.headline, answer.headline
    assert answer.results[answer.headline_from].snippet == "", answer.headline


def test_a_snippet_shows_a_passages_best_sentences_far_apart() -> None:
    # The second passage's two sentences holding the question sit far apart (more than a
    # snippet's words between them): its snippet shows both, "…" between, not one stretch.
    question = "how many gantry cranes were bought, and were the operators retrained"
    first = Evidence("The port bought 40 gantry cranes and retrained its operators.", "Port", 9.0)
    second = Evidence(
        "Valmora's harbour bought twelve gantry cranes from Kessel in 2021. "
        + FILLER
        + FILLER.replace("century", "hundred years")
        + "The union agreed that forty operators would be retrained as remote supervisors.",
        title="Valmora",
        score=8.0,
    )
    found = extract(question, weights(question), [first, second])
    assert found.source == 0
    snippet = shown_text(found.snippets[1])
    assert "bought twelve gantry cranes" in snippet
    assert "forty operators would be retrained" in snippet
    assert " … " in snippet and len(snippet.split()) <= SNIPPET_WORDS


def test_a_snippet_leaves_out_fragments_that_only_follow_a_match() -> None:
    # "More on this:" and "None" score by the question's words just before them (context),
    # not by anything they say: a snippet does not show them.
    question = "who joined the superintelligence lab"
    first = Evidence("Meta hired Alexandr Wang to join its superintelligence lab.", "Meta", 9.0)
    second = Evidence(
        "Meta launched a superintelligence lab in June. More on this: None. "
        "Several researchers later left the lab for other companies.",
        title="Meta",
        score=8.0,
    )
    found = extract(question, weights(question), [first, second])
    assert found.source == 0
    snippet = shown_text(found.snippets[1])
    assert "launched a superintelligence lab" in snippet and "left the lab" in snippet
    assert "More on this" not in snippet and "None" not in snippet


CRANES = (
    "## Valmora harbour buys Kessel gantry cranes\n\n"
    "The Valmora harbour authority announced on Monday that it has bought twelve Kessel gantry "
    "cranes for the container quay. Ships there were unloaded with old mobile cranes until now.\n\n"
    "The Kessel gantry cranes are the tallest ever delivered to Valmora harbour, at sixty metres, "
    "and they were shipped in pieces from the Kessel works across the northern sea last winter.\n\n"
    "Each of the Kessel gantry cranes at Valmora harbour can lift two containers at once, and "
    "the Kessel gantry cranes will be driven from a control room on the quay.\n\n"
    "Valmora harbour expects the Kessel gantry cranes to halve the time ships wait at the quay, "
    "and Kessel will train the harbour's engineers to service the gantry cranes in Valmora. "
    "The first of them arrived in March, two weeks late. The rest will follow by the summer.\n\n"
    "The dockers' union says the machines will cost a hundred jobs and has called a strike.\n"
)


@pytest.fixture(scope="module")
def cranes_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("cranes")
    pages = {"digests/2022-03-07-week.md": ("Last week #12", "digests", CRANES)}
    return site_index(base, pages)


def test_the_headlines_passage_shows_what_the_heading_does_not_say(
    cranes_index: SearchIndex,
) -> None:
    # The section's heading names the cranes and the harbour; so do the headline and the
    # sentences after it. What the dockers' union says holds the question's other words: the
    # first page shows it (before, the snippet showed more sentences restating the heading).
    question = "What does the dockers' union say about the Kessel gantry cranes at Valmora harbour?"
    answer = cranes_index.search(question, k=3)
    page = " ".join([answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])])
    assert "cost a hundred jobs" in page, page
    assert len(answer.headline.split()) <= HEADLINE_WORDS
    assert all(len(shown_text(r.snippet).split()) <= SNIPPET_WORDS for r in answer.results)


def test_the_headlines_snippet_complements_it_not_restates_the_heading() -> None:
    # The headline is long (no room for a second sentence); of the rest of its passage, the
    # snippet shows the sentence holding the question's words the heading does not name, not
    # the ones restating the heading (they hold more of the question, but the citation and the
    # headline say it already).
    question = "What does the union say about the Kessel gantry cranes at Valmora harbour?"
    restating = [
        "The Kessel gantry cranes are the tallest ever delivered to Valmora harbour, and they "
        "were shipped in pieces from the Kessel works across the northern sea last winter.",
        "Each of the Kessel gantry cranes at Valmora harbour can lift two containers at once, "
        "and the Kessel gantry cranes will be driven from a control room on the quay.",
        "Valmora harbour expects the Kessel gantry cranes to halve the time ships wait at the "
        "quay, and Kessel will train engineers to service the gantry cranes in Valmora.",
    ]
    union = "The dockers' union says the machines will cost a hundred jobs and calls a strike."
    passage = Evidence(
        "Valmora harbour buys Kessel gantry cranes\n"
        "On Monday the Valmora harbour authority said that it has bought twelve Kessel gantry "
        "cranes for the container quay, the largest order in its history, paid for by a loan "
        "from the port's owners and a grant from the regional government in the north. "
        + " ".join(restating)
        + " The first of them arrived in March, two weeks late. The rest follow by the summer. "
        + union,
        title="Last week #12",
        score=10.0,
        heading="Valmora harbour buys Kessel gantry cranes",
    )
    found = extract(question, weights(question), [passage])
    assert "Kessel gantry cranes" in found.headline and union not in found.headline
    assert union.rstrip(".") in shown_text(found.snippets[0]), found.snippets[0]


def test_a_yes_no_headline_is_not_won_by_a_however_alone() -> None:
    # "not", "but", "however" are in many sentences: for a yes-no question they count a
    # little, not enough to lift a sentence holding less of the question over one holding more.
    question = "Did ATMs kill off bank teller jobs?"
    weight = {"atm": 1.0, "kill": 0.5, "bank": 1.0, "teller": 1.0, "job": 1.0}
    answer = (
        "Over the two decades after their arrival in the early eighties, ATMs increased "
        "the number of bank teller jobs across the country, because each branch became cheaper "
        "to open and the banks opened many more of them in towns and suburbs."
    )
    however = (
        "However, the bank tellers who kept their jobs were not killed off but moved to other "
        "work at the counter, selling loans and insurance and talking to customers about "
        "their savings, which the machines could not do for them at the time."
    )
    passage = Evidence(f"{answer} {FILLER}{however}", title="Automation", score=10.0)
    found = extract(question, weight, [passage])
    assert found.headline.startswith("Over the two decades"), found.headline


def test_a_how_headline_states_the_means() -> None:
    # A "how" question asks for a means or a cause: the sentence stating one ("to detect")
    # outranks one holding a little more of the question's words but no means.
    question = "How did the museum sort its old photographs?"
    weight = {"museum": 1.0, "sort": 1.0, "old": 0.75, "photograph": 1.0}
    means = (
        "Last spring the museum began to sort the photographs with a vision model trained on "
        "its catalogue to detect the faces, the streets and the dates written on the back of "
        "each print, and the volunteers checked every tenth result by hand."
    )
    topic = (
        "The museum has kept old photographs of the harbour for forty years, and the "
        "volunteers who sort them meet every Tuesday in the reading room upstairs, where "
        "visitors can watch them work and ask about the boats and the families in the prints."
    )
    between = "Ferries leave for the islands every hour in the summer. Rain is common in autumn."
    passage = Evidence(f"{topic} {between} {means}", title="Archives", score=10.0)
    found = extract(question, weight, [passage])
    assert "began to sort the photographs" in found.headline, found.headline


def test_a_sentences_coverage_does_not_depend_on_the_order_its_terms_are_walked_in() -> None:
    # Terms come in sets of strings, walked in an order that differs from process to process
    # (string hashing): a plain sum's last bits differed with it ((0.1 + 0.2) + 0.3 is not
    # 0.1 + (0.2 + 0.3)), and a tie between sentences could break differently after a restart.
    weights = {"a": 0.1, "b": 0.2, "c": 0.3}
    assert coverage(["a", "b", "c"], weights, frozenset()) == coverage(
        ["c", "b", "a"], weights, frozenset()
    )


def test_a_heading_holding_none_of_the_question_opens_no_headline() -> None:
    # The citation under the headline names the section already: "Summary · Recently, …" would
    # say it twice. A heading that holds the question's words (a digest story's title) stays.
    question = "what is GPT-3?"
    summary = Evidence(
        "Summary\nRecently, OpenAI released the largest language model to date, GPT-3.\n"
        "It has met significant acclaim from both the press and technologists.",
        title="GPT-3: An AI Breakthrough",
        score=1.0,
        heading="Summary",
    )
    story = Evidence(
        "OpenAI releases GPT-3\nThe model was trained on a much bigger dataset. It writes text.",
        title="Last Week in AI #70",
        score=1.0,
        heading="OpenAI releases GPT-3",
    )
    opening_two = Window(0, 0, 2)  # the heading line and the sentence after it
    found = assemble(prepare(question, weights(question), [summary]), opening_two)
    assert found.headline == "Recently, OpenAI released the largest language model to date, GPT-3."
    found = assemble(prepare(question, weights(question), [story]), opening_two)
    assert found.headline.startswith("OpenAI releases GPT-3 · The model was trained")


def test_heading_within_counts_a_digest_items_heading_like_its_title(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A digest item: its heading is the story's title, which the question restates; the
    # sentence answering holds the question's other words (revenue).
    from index.answers import extraction

    heading = "Veltrix's Lumen AI Hits 12 Billion Generations, Previews Video Tool"
    item = Evidence(
        f"{heading}\n"
        "Veltrix's Lumen service, the company's line of image and design models, has reached a "
        "milestone of 12 billion generations, the company said on Thursday, as it previewed a "
        "video model and new tools for its customers in design, marketing and publishing. "
        "Lumen models are trained on licensed stock images. "
        "The company's third-quarter revenue rose 11% to $5.41 billion.",
        title="Last Week in AI #87",
        score=5.0,
        heading=heading,
    )
    question = "What was Veltrix's revenue for Q3 when Lumen hit 12 billion generations?"
    assert not extraction.HEADING_WITHIN  # (off by default: bench/README.md, round 16)
    today = extract(question, weights(question), [item])
    assert "revenue rose" not in today.headline  # the lead restating the heading wins
    monkeypatch.setattr(extraction, "HEADING_WITHIN", True)
    within = extract(question, weights(question), [item])
    assert "third-quarter revenue rose 11% to $5.41 billion" in within.headline


def test_the_passages_next_best_sentence_joins_at_four_tenths_of_the_best() -> None:
    # The first sentence names the subject (most of the question's words); the one answering
    # holds fewer of them (0.6 of its score, under round 1's 0.75): it joins the headline, "…"
    # between, since the two fit (issue 10, round 25a). A sentence holding none of the
    # question's words never joins (``test_the_headlines_passage_shows_no_leftover_lines``).
    question = "what did the Kessel hospital decide after its robot nurse trial"
    ward = Evidence(
        "The Kessel hospital ran a robot nurse trial on two wards last spring. "
        "Visitors praised the new garden by the entrance. "
        "The car park was resurfaced in the same month. "
        "After the trial, the board decided to buy twelve more robots for every ward.",
        title="Ward notes",
        score=5.0,
    )
    found = extract(question, weights(question), [ward])
    assert found.headline.startswith("The Kessel hospital ran a robot nurse trial")
    assert "the board decided to buy twelve more robots" in found.headline, found.headline
    assert len(found.headline.split()) <= HEADLINE_WORDS
