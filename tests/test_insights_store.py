"""The question log (a real SQLite file) and the insights report built from it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot.insights_store import InsightsStore, week_of
from index.insights import (
    Citation,
    LoggedQuestion,
    broken_citations,
    build_report,
    find_gaps,
    group_questions,
)
from index.models import Answer, Passage, Post, SearchResult

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def result(post_id: str, heading: str, anchor: str, sentence: str = "A sentence.") -> SearchResult:
    return SearchResult(
        post_id=post_id,
        title=f"Title of {post_id}",
        heading=heading,
        date=dt.date(2020, 1, 1),
        url=f"https://example.org/{post_id}#{anchor}" if anchor else "https://example.org/x",
        score=1.0,
        text=sentence,
        snippet=sentence,
        best_sentence=sentence,
    )


def answered(question: str, *results: SearchResult) -> Answer:
    return Answer(question=question, results=results)


def declined(question: str) -> Answer:
    return Answer(question=question, declined=True, message="not covered")


async def test_the_log_keeps_questions_citations_and_votes_but_no_people(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await InsightsStore.open(db)
    try:
        qid = await store.log(
            7,
            answered(
                "what did IBM do?", result("a.md", "Summary", "summary"), result("b.md", "", "")
            ),
            cited=3,
        )
        other = await store.log(8, declined("who won the cup?"))
        assert await store.vote(qid, helpful=False)
        assert await store.vote(qid, helpful=True)  # changeable; one vote per answer
        assert not await store.vote(9999, helpful=True)
        rows = await store.questions(7)
        assert [r.id for r in rows] == [qid]
        assert rows[0].vote == 1 and not rows[0].declined
        assert [(c.post_id, c.anchor, c.heading) for c in rows[0].citations] == [
            ("a.md", "summary", "Summary"),
            ("b.md", "", ""),
        ]
        assert (await store.question(other)).declined  # type: ignore[union-attr]
    finally:
        await store.close()
    # What is on disk: no column could hold a user or a channel.
    with sqlite3.connect(db) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(insight_questions)")}
        columns |= {row[1] for row in con.execute("PRAGMA table_info(insight_citations)")}
    assert columns == {
        "id",
        "guild_id",
        "asked_at",
        "question",
        "declined",
        "vote",
        "message_id",  # (the message a question was asked in: its id names no one)
        "question_id",
        "rank",
        "post_id",
        "title",
        "heading",
        "anchor",
        "sentence",
    }


async def test_questions_withdrawn_with_their_messages(tmp_path: Path) -> None:
    store = await InsightsStore.open(tmp_path / "bot.sqlite3")
    try:
        asked = await store.log(1, answered("a?", result("a.md", "", "")), message_id=501)
        await store.log(1, declined("b?"), message_id=502)
        slash = await store.log(1, declined("c?"))  # (/ask: no message)
        # one soon to be written: withdrawing waits for it
        pending = store.log_soon(1, declined("d?"), 3, message_id=503)
        assert await store.withdraw([503, 501, 999]) == [501, 503]
        assert await store.withdraw([]) == []
        assert [q.question for q in await store.questions()] == ["b?", "c?"]
        assert await store.question(asked) is None and await store.question(pending) is None
        assert await store.question(slash) is not None
    finally:
        await store.close()


async def test_pruning_and_forgetting(tmp_path: Path) -> None:
    store = await InsightsStore.open(tmp_path / "bot.sqlite3")
    try:
        old = await store.log(
            1,
            answered("old", result("a.md", "S", "s")),
            cited=3,
            asked_at=NOW - dt.timedelta(days=100),
        )
        new = await store.log(1, declined("new"), asked_at=NOW - dt.timedelta(days=1))
        await store.log(2, declined("elsewhere"), asked_at=NOW)
        assert await store.prune(NOW - dt.timedelta(days=90)) == 1
        assert [r.id for r in await store.questions(1)] == [new]
        assert await store.question(old) is None
        assert await store.cited() == []  # its citations went with it
        assert await store.forget(1) == 1
        assert await store.questions(1) == []
        assert len(await store.questions()) == 1  # another server's log is untouched
    finally:
        await store.close()


async def test_digest_weeks_are_remembered(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await InsightsStore.open(path)
    await store.set_digest(1, 10)
    await store.digest_sending(1, week_of(NOW))
    await store.close()
    store = await InsightsStore.open(path)  # a restart
    try:
        [digest] = await store.digests()
        assert (digest.sending_week, digest.posted_week) == ("2026-W50", None)
        await store.digest_posted(1, "2026-W50", 555)
        assert (await store.digests())[0].posted_week == "2026-W50"
        assert await store.remove_digest(1)
        assert await store.digests() == []
    finally:
        await store.close()


# ------------------------------------------------------------------------------ the report


def row(
    n: int,
    question: str,
    *,
    declined: bool = False,
    vote: int | None = None,
    cites: tuple[Citation, ...] = (),
    days_ago: float = 1,
) -> LoggedQuestion:
    return LoggedQuestion(
        id=n,
        guild_id=1,
        asked_at=NOW - dt.timedelta(days=days_ago),
        question=question,
        declined=declined,
        vote=vote,
        citations=cites,
    )


def test_near_duplicate_questions_are_grouped_by_their_terms() -> None:
    groups = group_questions(
        [
            "Who won the football world cup?",
            "what's the weather",
            "who won the World Cups",
            "Who won the football world cup in 1998?",
        ]
    )
    assert groups[0].question == "Who won the football world cup?"
    assert groups[0].count == 3
    assert groups[1].count == 1 and groups[1].question == "what's the weather"


def test_gaps_are_topics_several_declined_questions_share() -> None:
    gaps = find_gaps(["football scores today", "Football transfer news", "knitting patterns"])
    assert [(g.topic, g.questions) for g in gaps] == [("football", 2)]
    # Words no post contains come first: the content's clearest gaps.
    asked = ["football scores", "football scores now", "football scores again"]
    gaps = find_gaps(asked, vocabulary={"footbal"})
    assert [(g.topic, g.in_posts) for g in gaps] == [("scores", False), ("football", True)]


def test_the_report_counts_and_ranks() -> None:
    a = Citation(post_id="a.md", title="A", heading="Summary", anchor="summary", sentence="x")
    b = Citation(post_id="b.md", title="B", heading="", anchor="", sentence="y")
    rows = [
        row(1, "ibm police", cites=(a, b), vote=1),
        row(2, "ibm face recognition", cites=(a,), vote=-1),
        row(3, "football scores", declined=True),
        row(4, "Football scores?", declined=True),
        row(5, "ancient", declined=True, days_ago=40),  # outside the window
    ]
    report = build_report(rows, days=30, now=NOW)
    assert (report.questions, report.answered, report.declined) == (4, 2, 2)
    assert (report.helpful, report.unhelpful) == (1, 1)
    assert [(g.question, g.count) for g in report.unanswered] == [("football scores", 2)]
    assert [(u.question, [c.post_id for c in u.citations]) for u in report.voted_unhelpful] == [
        ("ibm face recognition", ["a.md"])
    ]
    assert [(p.post_id, p.count) for p in report.top_posts] == [("a.md", 2), ("b.md", 1)]
    assert (report.top_sections[0].anchor, report.top_sections[0].count) == ("summary", 2)
    assert [g.topic for g in report.gaps] == ["football", "scores"]


class FakeIndex:
    """A two-post catalogue with the ``post``/``post_passages`` look-ups of ``SearchIndex``."""

    def __init__(self) -> None:
        self.posts = {
            "a.md": Post(id="a.md", title="A", date=dt.date(2020, 1, 1), url="u", fingerprint="f"),
        }
        self.passages = {
            "a.md": [
                Passage(post_id="a.md", ordinal=0, text="t"),
                Passage(post_id="a.md", ordinal=1, heading_path=("Kept",), anchor="kept", text="t"),
            ]
        }

    def post(self, post_id: str) -> Post | None:
        return self.posts.get(post_id)

    def post_passages(self, post_id: str) -> list[Passage]:
        return self.passages[post_id]


def test_broken_citations_are_removed_posts_and_vanished_anchors() -> None:
    cites = [
        Citation(post_id="a.md", title="A", heading="Kept", anchor="kept"),
        Citation(post_id="a.md", title="A", heading="", anchor=""),
        Citation(post_id="a.md", title="A", heading="Old", anchor="old"),
        Citation(post_id="a.md", title="A", heading="Old", anchor="old"),
        Citation(post_id="gone.md", title="Gone", heading="S", anchor="s"),
    ]
    broken = broken_citations(cites, FakeIndex())
    assert [(b.post_id, b.anchor, b.reason, b.times_cited) for b in broken] == [
        ("a.md", "old", "section gone", 2),
        ("gone.md", "s", "post removed", 1),
    ]
