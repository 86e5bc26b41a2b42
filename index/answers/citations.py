"""Citations: ranked passages → one citation per section (a story told twice cited once, the
other telling listed as "also in"), then the answer's results with their snippets."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..models import Answer, SearchResult
from ..retrieval.catalogue import Catalogue, section_url
from ..terms.term_counts import FieldCounts
from . import extraction
from .text import balance_runs

SECTION_PASSAGES = 3  # passages of one section a citation shows at most
# Two passages of different posts sharing this share of their words (IDF-weighted) tell the same
# story: a digest's items come back word for word in its yearly review, while related stories
# share well under two thirds.
SAME_STORY = 0.8
STORY_TERMS = 20  # distinct words a passage needs to tell a story ("Check out our podcast" not)

Section = tuple[int, tuple[str, ...], str | None]  # (post, heading path, anchor)
Story = tuple[frozenset[int], float]  # a passage's distinct words and their IDF weight


@dataclass(slots=True)
class Citation:
    """One cited section: its passages (indexes), its score, and the other tellings of it."""

    members: list[int]
    score: float
    also: list[int] = field(default_factory=list)  # passages of other posts telling the same


@dataclass(slots=True)
class _Entry:
    section: Section
    citation: Citation


class Stories:
    """Which passages tell the same story (see ``SAME_STORY``)."""

    def __init__(self, body: FieldCounts, idf: list[float]) -> None:
        self.body = body
        self.idf = idf  # per term, as Python floats (a few dozen looked up per question)

    def story(self, i: int) -> Story:
        """Passage ``i``'s distinct words and their IDF weight, for ``same``."""
        ids = frozenset(self.body.terms(i, i + 1).tolist())
        idf = self.idf
        return ids, sum(idf[t] for t in ids)

    def same(self, a: Story, b: Story) -> bool:
        """Whether two passages (their ``story``) tell the same story: the words they share
        weigh at least ``SAME_STORY`` of the lighter one's (IDF-weighted, distinct words)."""
        (ta, wa), (tb, wb) = a, b
        if min(len(ta), len(tb)) < STORY_TERMS:  # a line of boilerplate is not a story
            return False
        idf = self.idf
        return sum(idf[t] for t in ta & tb) >= SAME_STORY * min(wa, wb)


def cite(
    catalogue: Catalogue, stories: Stories, ranked: list[tuple[int, float]], k: int
) -> list[Citation]:
    """The first ``k`` citations: one per section, each with the passages of its section
    among the results (in text order) and the section's next passage, so that an answer
    just past a passage boundary is still shown; at the place of its best passage.

    A story told again in another post (a digest's item repeated in a yearly review, a
    brief and its digest item) is one citation: the fuller telling (the longer passage)
    takes the place of the first, and the other is listed as "also in"."""
    passages = catalogue.passages
    entries: list[_Entry] = []
    where: dict[Section, int] = {}  # section → its entry (-1: told in another's entry)
    told: dict[int, Story] = {}  # passage → its story
    for i, score in ranked:
        key = (int(catalogue.passage_post[i]), passages.heading_path(i), passages.anchor(i))
        n = where.get(key)
        if n is not None:
            if n >= 0:
                entries[n].citation.members.append(i)
            continue
        if i not in told:
            told[i] = stories.story(i)
        twin = next(
            (
                m
                for m, e in enumerate(entries)
                if e.section[0] != key[0] and stories.same(told[e.citation.members[0]], told[i])
            ),
            None,
        )
        if twin is not None:
            old = entries[twin]
            first = old.citation.members[0]
            where[key] = -1
            this, that = passages.texts([i, first])
            if len(this.split()) > len(that.split()):
                # The fuller telling is cited, where the first was.
                entries[twin] = _Entry(
                    key, Citation([i], old.citation.score, [*old.citation.also, first])
                )
                where[old.section], where[key] = -1, twin
            else:
                old.citation.also.append(i)
        elif len(entries) < k:
            where[key] = len(entries)
            entries.append(_Entry(key, Citation([i], score)))
    out = []
    for entry in entries:
        post, path, anchor = entry.section
        members = sorted(entry.citation.members[:SECTION_PASSAGES])  # the best few, in order
        after = members[-1] + 1
        if (
            len(members) < SECTION_PASSAGES
            and after < catalogue.post_first_passage[post + 1]
            and passages.heading_path(after) == path
            and passages.anchor(after) == anchor
        ):
            members.append(after)
        out.append(Citation(members, entry.citation.score, entry.citation.also))
    return out


def answer_evidence(
    catalogue: Catalogue,
    cited: list[Citation],
    boilerplate: Container[str] = (),
    has_boilerplate: np.ndarray | None = None,
    similarities: np.ndarray | None = None,
) -> list[extraction.Evidence]:
    """The cited results as extraction reads them: each one's passages' text, post title,
    score, heading, the site's ``boilerplate`` lines (looked for in the passages
    ``has_boilerplate`` marks, ``Boilerplate.passages``; None: in every passage) and, when the
    index has its vectors, the question's cosine (``similarities``: to every passage; each
    result's is its passages' best)."""
    passages = catalogue.passages
    # The texts shown, read in one go (from the index's file when served).
    members = [i for c in cited for i in c.members]
    read = dict(zip(members, passages.texts(members), strict=True))
    texts = ["\n".join(read[i] for i in c.members) for c in cited]
    return [
        extraction.Evidence(
            text,
            catalogue.post_of(c.members[0]).title,
            c.score,
            _heading(passages.heading_path(c.members[0])),
            boilerplate
            if has_boilerplate is None or any(has_boilerplate[i] for i in c.members)
            else (),
            None if similarities is None else float(max(similarities[i] for i in c.members)),
        )
        for text, c in zip(texts, cited, strict=True)
    ]


def build_answer(
    catalogue: Catalogue,
    question: str,
    cited: list[Citation],
    weight_of: dict[str, float],
    boilerplate: Container[str] = (),
    has_boilerplate: np.ndarray | None = None,
    similarities: np.ndarray | None = None,
    evidence: list[extraction.Evidence] | None = None,
    prepared: extraction.Prepared | None = None,
) -> Answer:
    """The cited results, their snippets and the headline (see ``extraction``), from their
    ``evidence`` (``answer_evidence`` of the other arguments when not given), or from that
    evidence already ``prepared`` for the question."""
    if prepared is not None:
        evidence = list(prepared.evidence)
    elif evidence is None:
        evidence = answer_evidence(catalogue, cited, boilerplate, has_boilerplate, similarities)
    texts = [e.text for e in evidence]
    if prepared is not None:
        found = extraction.extract_prepared(prepared)
    else:
        found = extraction.extract(question, weight_of, evidence)
    results = []
    labels: dict[tuple[str, str], int] = {}
    for n, c in enumerate(cited):
        result = _result(
            catalogue, c.members[0], c.score, found.best[n], found.snippets[n], texts[n]
        )
        if c.also:
            result = result.model_copy(update={"also_in": tuple(map(catalogue.ref, c.also))})
        # Two sections of one post with the same heading: told apart by a part number.
        label = (result.post_id, result.heading)
        labels[label] = labels.get(label, 0) + 1
        if labels[label] > 1:
            result = result.model_copy(update={"part": f"part {labels[label]}"})
        results.append(result)
    return Answer(
        question=question,
        results=tuple(results),
        headline=balance_runs(found.headline),
        headline_from=found.source,
    )


def _result(
    catalogue: Catalogue, i: int, score: float, sentence: str, snippet: str, text: str
) -> SearchResult:
    path = catalogue.passages.heading_path(i)
    post = catalogue.post_of(i)
    return SearchResult(
        post_id=post.id,
        title=post.title,
        heading=_heading(path),
        heading_path=path,
        date=post.date,
        categories=post.categories,
        url=section_url(post, catalogue.passages.anchor(i), _heading(path), sentence),
        score=round(score, 4),
        text=text,
        snippet=snippet,
        best_sentence=sentence,
    )


def _heading(path: tuple[str, ...]) -> str:
    """A section's own heading (``Passage.heading``, without making the passage)."""
    return path[-1] if path else ""


# A newsletter's story in a list section: a line "Title - summary" (or "Title — summary").
_STORY_LINE = re.compile(r"(\S.{7,}?) [-–—] \S")
STORY_CHARS = 60


def _story(result: SearchResult) -> str:
    """The title of the story a citation of a list section cites (the line of its passages
    holding its best sentence, up to the line's separator: the story its link opens at),
    within ``STORY_CHARS`` (cut at a word, with "…"); "" when that line is no story of a
    list."""
    sentence = result.best_sentence.strip()
    if not sentence:
        return ""
    probe = sentence[:60]
    line = next((line for line in result.text.split("\n") if probe in line), "")
    found = _STORY_LINE.match(line)
    if not found or len(found.group(1).split()) < 2:
        return ""
    title = " ".join(found.group(1).split())
    if len(title) <= STORY_CHARS:
        return title
    cut = title.rfind(" ", 0, STORY_CHARS)
    return title[: cut if cut >= STORY_CHARS // 2 else STORY_CHARS - 1].rstrip() + "…"


def alike_stories(results: Sequence[SearchResult]) -> list[str]:
    """For each result, the story it cites (``_story``) where another post's section of the
    same name is cited too, else "": "Last Week in AI #190 › Business" and "Last Week in AI
    #191 › Business" read alike, but for a number. Decided over all of an answer's results,
    so its pages (and the terminal's list) agree."""
    named: dict[str, set[str]] = {}
    for result in results:
        if result.heading:
            named.setdefault(result.heading.casefold(), set()).add(result.post_id)
    return [
        _story(result) if len(named.get(result.heading.casefold(), ())) > 1 else ""
        for result in results
    ]
