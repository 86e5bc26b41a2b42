"""The learned choice of the headline's window (``index/answers/headline_model.py``): its
features on a small passage, extraction using the shipped weights, and those weights as the
fitting script (``bench/fit_headline.py``) prints them."""

from __future__ import annotations

import pytest
from retrieval_support import fitted_weights, needs_shared

from index.answers import headline_model
from index.answers.extraction import Evidence, assemble, candidate_windows, extract, prepare
from index.answers.headline_model import FEATURES, Window
from index.terms.analyzer import analyze

HAND = headline_model.Model((0.0,) * len(FEATURES))
HEADING = "This Small Company Is Turning Utah Into a Surveillance Panopticon"
# A digest's item: its title line (the section heading, which the citation names), the lead
# naming the company, then what the question asks.
BANJO = Evidence(
    f"{HEADING}\n"
    "Banjo, a startup based in Utah, has set its ambitions on using machine learning and "
    "real-time data to help police solve crimes and tackle the opioid crisis. "
    "Last year, the company struck a deal that gave it direct access to thousands of traffic "
    "cameras and 911 systems. To counter the privacy concerns, Banjo says it strips personal data.",
    title="Last Week in AI #60",
    score=5.0,
    heading=HEADING,
)
QUESTION = "What did the Utah surveillance startup Banjo get access to from the state?"


def weights(question: str) -> dict[str, float]:
    return {t: 1.0 for t in analyze(question)}


def test_the_features_of_a_passages_windows() -> None:
    prepared = prepare(QUESTION, weights(QUESTION), [BANJO])
    assert prepared.hand == Window(0, 0, 2)  # the hand-set choice: the title line and the lead
    windows, rows = candidate_windows(prepared)
    # Every window of one or two sentences of the passage (four sentences: 4 + 3).
    assert len(windows) == 7
    by_window = {
        w: dict(zip(FEATURES, row, strict=True)) for w, row in zip(windows, rows, strict=True)
    }
    heading_and_lead = by_window[Window(0, 0, 2)]
    lead_and_answer = by_window[Window(0, 1, 3)]
    answer = by_window[Window(0, 2, 3)]
    assert heading_and_lead["is_hand"] == 1.0 and lead_and_answer["is_hand"] == 0.0
    assert heading_and_lead["hand"] == 1.0  # the best hand-set score, relative to itself
    assert heading_and_lead["heading_line"] == 1.0 and lead_and_answer["heading_line"] == 0.0
    assert lead_and_answer["pair"] == 1.0 and answer["pair"] == 0.0
    assert answer["digits"] == 1.0 and heading_and_lead["digits"] == 0.0
    assert answer["after_line"] == 0.0 and by_window[Window(0, 1, 2)]["after_line"] == 1.0
    # The question's words, less the intent's ("what"): the title holds none, so every word
    # held is a focus word; the heading's words (Utah, surveillance) are shared out apart.
    total = prepared.total
    held = {"utah", "surveil", "startup", "banjo"} & set(prepared.weights)
    assert heading_and_lead["focus"] == pytest.approx(
        sum(prepared.weights[t] for t in held) / total
    )
    assert heading_and_lead["title"] == 0.0
    assert heading_and_lead["heading"] == pytest.approx(
        sum(prepared.weights[t] for t in ("utah", "surveil")) / total
    )
    # The answer's sentence holds "access" itself and the lead's words as context.
    assert answer["focus"] == pytest.approx(prepared.weights["access"] / total)
    assert answer["context"] > 0.0
    # With ``around``, only the hand-set window's neighbours are candidates.
    near, _ = candidate_windows(prepared, 1)
    assert set(near) == {w for w in windows if w.end <= 3}


def test_extraction_uses_the_shipped_model() -> None:
    shipped = headline_model.SHIPPED
    assert shipped.weights == headline_model.WEIGHTS and shipped.active
    assert shipped.around == headline_model.AROUND
    default = extract(QUESTION, weights(QUESTION), [BANJO])
    assert default == extract(QUESTION, weights(QUESTION), [BANJO], model=shipped)
    # The hand-set choice shows the item's title line, which the citation names already; the
    # model slides the window onto the lead and the sentence that answers.
    hand = extract(QUESTION, weights(QUESTION), [BANJO], model=HAND)
    assert hand.headline.startswith(HEADING)
    assert default.headline.startswith("Banjo, a startup based in Utah")
    assert "direct access to thousands of traffic cameras" in default.headline
    assert HEADING not in default.headline
    # A sentence is still shown once on the page: not again in the passage's snippet.
    assert "traffic cameras" not in default.snippets[0]


def test_all_zero_weights_are_the_hand_set_choice() -> None:
    question = "how long was nijeer parks in jail after the bad face recognition match"
    parks = Evidence(
        "People Harmed\nAt the end of 2020, Nijeer Parks became the third known Black man to be "
        "affected by a bad facial recognition match. A warrant for his arrest was issued. As "
        "the Times reported, Parks spent 10 days in jail and paid about $5000 to defend himself.",
        title="Police Misuse of Facial Recognition",
        score=10.0,
        heading="People Harmed",
    )
    for evidence in ([parks], [BANJO, parks]):
        for q in (question, QUESTION):
            prepared = prepare(q, weights(q), evidence)
            assert extract(q, weights(q), evidence, model=HAND) == assemble(prepared, prepared.hand)


@needs_shared
def test_the_fitting_script_reproduces_the_shipped_weights() -> None:
    # (fitted on the four training sets it shipped with; train5 and train6 came later)
    _, fitted = fitted_weights("fit_headline", "--sets", "tune", "train2", "train3", "train4")
    assert fitted == pytest.approx(list(headline_model.WEIGHTS), abs=2e-3)
