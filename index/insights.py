"""What people asked and what the content did not answer: the report behind ``/insights``.

Pure code over rows of the question log (see ``bot.insights_store``): no Discord, no SQLite.
Questions that ask the same thing are grouped by their analysed terms (the search's own
analyzer), so "Who won the world cup?" and "who won the World Cups" count as one topic.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from .models import Passage, Post
from .terms.analyzer import analyze, term_for_word, words

# Two questions ask the same thing when this share of their terms is common to both (Jaccard).
SAME_QUESTION = 0.6
TOP = 10  # entries per list of the report
GAP_MIN_QUESTIONS = 2  # a topic is a gap when at least this many declined questions ask about it


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Citation(_Frozen):
    """One passage an answer cited."""

    post_id: str
    title: str
    heading: str = ""
    anchor: str = ""
    sentence: str = ""


class LoggedQuestion(_Frozen):
    """One row of the question log (no user, no channel: see the README)."""

    id: int
    guild_id: int
    asked_at: dt.datetime
    question: str
    declined: bool
    vote: Literal[-1, 1] | None = None
    citations: tuple[Citation, ...] = ()


class QuestionGroup(_Frozen):
    """Questions asking the same thing: the first asked stands for them."""

    question: str
    count: int
    variants: tuple[str, ...] = ()  # other wordings (a few)


class Unhelpful(_Frozen):
    question: str
    asked_at: dt.datetime
    citations: tuple[Citation, ...]


class CitedPost(_Frozen):
    post_id: str
    title: str
    count: int


class CitedSection(_Frozen):
    post_id: str
    title: str
    heading: str
    anchor: str
    count: int


class Gap(_Frozen):
    """A topic (a word) that several declined questions asked about."""

    topic: str
    questions: int
    example: str
    in_posts: bool | None = None  # the word occurs in some post (None: not checked)


class BrokenCitation(_Frozen):
    """A section answers cited that the index no longer has: shared links to it now break."""

    post_id: str
    title: str
    heading: str
    anchor: str
    reason: Literal["post removed", "section gone"]
    times_cited: int


class InsightsReport(_Frozen):
    days: int
    since: dt.datetime
    questions: int = 0
    answered: int = 0
    declined: int = 0
    helpful: int = 0
    unhelpful: int = 0
    unanswered: tuple[QuestionGroup, ...] = ()
    voted_unhelpful: tuple[Unhelpful, ...] = ()
    top_posts: tuple[CitedPost, ...] = ()
    top_sections: tuple[CitedSection, ...] = ()
    gaps: tuple[Gap, ...] = ()
    broken: tuple[BrokenCitation, ...] = ()


def question_terms(question: str) -> frozenset[str]:
    return frozenset(analyze(question))


class QuestionGrouper:
    """Questions grouped as they come, each joining the most similar earlier group (terms in
    common / terms in either ≥ ``same``, the first such group on a tie) or starting its own.

    Only groups that could reach ``same`` are compared (the prefix filter of similarity
    joins): two sets of terms with that share have at least ``⌈same·n⌉`` terms in common for
    either's size ``n``, so in any one order of terms, the first ``n − ⌈same·n⌉ + 1`` terms of
    each share a term. Groups are found through those first terms, rarest first (``order``:
    short look-up lists), so a busy log costs about linear time, not a comparison with every
    earlier group; ``compared`` counts the comparisons made.
    """

    def __init__(self, order: dict[str, int], same: float = SAME_QUESTION) -> None:
        self.order = order  # every term's place; terms not in it come last, by spelling
        self.same = same
        self.keys: list[frozenset[str]] = []  # per group, the terms of its first question
        self.members: list[list[str]] = []
        self._by_term: dict[str, list[int]] = {}  # first terms → groups, in order of founding
        self.compared = 0

    def _prefix(self, terms: frozenset[str]) -> list[str]:
        n = len(terms)
        # At least one term in common (a share of 0 never groups); the small slack keeps
        # rounding from dropping a pair the comparison below would accept.
        common = max(1, math.ceil(self.same * n - 1e-9))
        ranked = sorted(terms, key=lambda t: (self.order.get(t, len(self.order)), t))
        return ranked[: max(0, n - common + 1)]

    def add(self, question: str, terms: frozenset[str]) -> None:
        home = -1
        if terms:
            best = 0.0
            seen: set[int] = set()
            for term in self._prefix(terms):
                for g in self._by_term.get(term, ()):
                    if g in seen:
                        continue
                    seen.add(g)
                    key = self.keys[g]
                    self.compared += 1
                    share = len(key & terms) / len(key | terms)
                    if share >= self.same and (share > best or (share == best and g < home)):
                        home, best = g, share
        if home >= 0:
            self.members[home].append(question)
            return
        self.keys.append(terms)
        self.members.append([question])
        for term in self._prefix(terms) if terms else ():
            self._by_term.setdefault(term, []).append(len(self.keys) - 1)


def group_questions(questions: Iterable[str], same: float = SAME_QUESTION) -> list[QuestionGroup]:
    """Near-duplicate questions grouped (terms in common / terms in either ≥ ``same``), the
    biggest groups first; a question without searchable words only groups with itself."""
    asked = [(q, question_terms(q)) for q in questions]
    counts = Counter(t for _, terms in asked for t in terms)
    rarest = sorted(counts, key=lambda t: (counts[t], t))
    grouper = QuestionGrouper({t: i for i, t in enumerate(rarest)}, same)
    for question, terms in asked:
        grouper.add(question, terms)
    out = []
    for members in grouper.members:
        distinct = list(dict.fromkeys(" ".join(m.split()) for m in members))
        out.append(
            QuestionGroup(question=distinct[0], count=len(members), variants=tuple(distinct[1:4]))
        )
    out.sort(key=lambda g: -g.count)  # stable: equally big groups stay in order of asking
    return out


def find_gaps(
    declined: Sequence[str],
    minimum: int = GAP_MIN_QUESTIONS,
    vocabulary: Container[str] | None = None,
) -> list[Gap]:
    """Topics (analysed terms) that at least ``minimum`` declined questions share, each shown
    as the word people typed most often for it. With the index's ``vocabulary``, words no post
    contains at all come first (the content's clearest gaps), then by how often asked."""
    asked: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    example: dict[str, str] = {}
    for question in declined:
        for term in dict.fromkeys(analyze(question)):  # in order: ties stay in order of asking
            asked[term] += 1
            example.setdefault(term, question)
        for word in words(question):
            for term in term_for_word(word):
                surface.setdefault(term, Counter())[word] += 1
    gaps = [
        Gap(
            topic=surface[t].most_common(1)[0][0] if t in surface else t,
            questions=n,
            example=example[t],
            in_posts=None if vocabulary is None else t in vocabulary,
        )
        for t, n in asked.most_common()
        if n >= minimum
    ]
    gaps.sort(key=lambda g: bool(g.in_posts))  # stable: by questions within each
    return gaps[:TOP]


def build_report(
    rows: Sequence[LoggedQuestion],
    *,
    days: int,
    now: dt.datetime,
    broken: Sequence[BrokenCitation] = (),
    vocabulary: Container[str] | None = None,
) -> InsightsReport:
    """The report over the rows asked in the last ``days`` days (rows may include older ones);
    ``broken`` citations and the index's ``vocabulary`` (for gaps) come from the caller."""
    since = now - dt.timedelta(days=days)
    rows = sorted((r for r in rows if r.asked_at >= since), key=lambda r: (r.asked_at, r.id))
    declined = [r.question for r in rows if r.declined]
    posts: Counter[str] = Counter()
    sections: Counter[tuple[str, str]] = Counter()
    info: dict[tuple[str, str], Citation] = {}
    for row in rows:
        for c in row.citations:
            key = (c.post_id, c.anchor)
            info.setdefault(key, c)
            sections[key] += 1
        for post_id in dict.fromkeys(c.post_id for c in row.citations):
            posts[post_id] += 1
    titles = {c.post_id: c.title for c in info.values()}
    return InsightsReport(
        days=days,
        since=since,
        questions=len(rows),
        answered=len(rows) - len(declined),
        declined=len(declined),
        helpful=sum(r.vote == 1 for r in rows),
        unhelpful=sum(r.vote == -1 for r in rows),
        unanswered=tuple(group_questions(declined)[:TOP]),
        voted_unhelpful=tuple(
            Unhelpful(question=r.question, asked_at=r.asked_at, citations=r.citations)
            for r in reversed(rows)
            if r.vote == -1
        )[:TOP],
        top_posts=tuple(
            CitedPost(post_id=p, title=titles.get(p, p), count=n) for p, n in posts.most_common(TOP)
        ),
        top_sections=tuple(
            CitedSection(
                post_id=p, title=info[(p, a)].title, heading=info[(p, a)].heading, anchor=a, count=n
            )
            for (p, a), n in sections.most_common(TOP)
        ),
        gaps=tuple(find_gaps(declined, vocabulary=vocabulary)),
        broken=tuple(broken),
    )


class PostLookup(Protocol):
    """What citation checking needs of an index (``SearchIndex`` has both)."""

    def post(self, post_id: str) -> Post | None: ...

    def post_passages(self, post_id: str) -> list[Passage]: ...


def broken_citations(citations: Iterable[Citation], index: PostLookup) -> list[BrokenCitation]:
    """Cited sections the index no longer has: the post is gone, or no heading of it has the
    anchor any more (removed or renamed: kramdown derives anchors from heading text)."""
    counts: Counter[tuple[str, str]] = Counter()
    info: dict[tuple[str, str], Citation] = {}
    for c in citations:
        key = (c.post_id, c.anchor)
        counts[key] += 1
        info.setdefault(key, c)
    anchors: dict[str, set[str] | None] = {}
    broken = []
    for (post_id, anchor), n in counts.items():
        if post_id not in anchors:
            anchors[post_id] = (
                {p.anchor for p in index.post_passages(post_id) if p.anchor}
                if index.post(post_id) is not None
                else None
            )
        known = anchors[post_id]
        if known is not None and (not anchor or anchor in known):
            continue
        c = info[(post_id, anchor)]
        broken.append(
            BrokenCitation(
                post_id=post_id,
                title=c.title,
                heading=c.heading,
                anchor=anchor,
                reason="post removed" if known is None else "section gone",
                times_cited=n,
            )
        )
    broken.sort(key=lambda b: (-b.times_cited, b.post_id, b.anchor))
    return broken


def _category(post_id: str) -> str:
    return post_id.split("/", 1)[0] if "/" in post_id else "none"


def eval_lines(
    rows: Sequence[LoggedQuestion],
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The log as evaluation questions (the format of ``../shared/eval/dev.jsonl``).

    First, answered questions the asker voted helpful: gold is the cited post, the answer span
    the sentence the answer quoted from it. Second, for a person to review: declined questions
    and answers voted unhelpful (no gold yet; what was cited is kept under ``cited``).
    """
    good: list[dict[str, object]] = []
    review: list[dict[str, object]] = []
    for row in rows:
        if not row.declined and row.vote == 1 and row.citations:
            first = row.citations[0]
            good.append(
                {
                    "id": f"u{row.id}",
                    "question": row.question,
                    "gold": [first.post_id],
                    "answer": first.sentence,
                    "kind": "usage",
                    "category": _category(first.post_id),
                }
            )
        elif row.declined or row.vote == -1:
            review.append(
                {
                    "id": f"u{row.id}",
                    "question": row.question,
                    "gold": [],
                    "answer": "",
                    "kind": "declined" if row.declined else "unhelpful",
                    "category": "none",
                    "cited": [
                        f"{c.post_id}#{c.anchor}" if c.anchor else c.post_id for c in row.citations
                    ],
                }
            )
    return good, review
