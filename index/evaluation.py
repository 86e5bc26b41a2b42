"""Retrieval evaluation: run questions through search and score the runs against gold posts.

Question file format (JSON lines): ``id``, ``question``, ``gold`` (post ids), ``answer`` (verbatim
excerpt of the first gold post), ``kind``. Metrics, over answerable questions:

- hit@1, hit@5: a gold post is among the first 1 / 5 *distinct* posts of the results;
- MRR@10: mean reciprocal rank of the first gold post among the first 10 distinct posts;
- answer@1, answer@5: the normalised answer text occurs in the first / one of the first 5
  results' passage text;
- headline holds the answer: it occurs in the headline, the text shown first;
- first page shows the answer: it occurs in the headline or in one of the snippets shown under
  the first ``FIRST_PAGE`` citations (the first page of an answer in Discord);
- wrongly declined: share of answerable questions the search declined;
and over unanswerable ones (kind ``unanswerable``) the share declined.

"Occurs" is strict containment after ``normalise`` (whitespace, case, Markdown link and emphasis
syntax, entities and typographic quotes folded): a shown text holding only part of the answer
span does not count. Snippets cut with "…" count only for what they show. The answer metrics
(answer@k, headline, first page) are over answerable questions that have an answer span.

Every figure is computed from the run records (``run_record``), so runs written by
``briefbot eval --runs-out`` can be scored again without the index (``score_runs``).

A run depends on nothing but the question text: no filters, no gold, no kind.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError

from .answers.text import shown_text
from .models import Answer

RUN_RESULTS = 10  # results written per question when not declined (a contract for other tools)
FIRST_PAGE = 3  # citations on an answer's first page in Discord (``answer_page_size``'s default)


class Question(BaseModel):
    id: str
    question: str
    gold: list[str] = Field(default_factory=list)
    answer: str = ""
    kind: str = ""
    category: str = ""

    @property
    def unanswerable(self) -> bool:
        return self.kind == "unanswerable"

    @property
    def answerable(self) -> bool:
        return bool(self.gold) and not self.unanswerable


class Scores(BaseModel):
    answerable: int = 0
    unanswerable: int = 0
    hit1: float | None = None
    hit5: float | None = None
    mrr10: float | None = None
    answer1: float | None = None
    answer5: float | None = None
    headline: float | None = None  # the headline holds the answer
    first_page: float | None = None  # the headline or the first page's snippets hold it
    wrongly_declined: float | None = None
    declined_unanswerable: float | None = None


class Report(BaseModel):
    overall: Scores
    by_kind: dict[str, Scores]
    questions: int


def load_questions(path: Path) -> list[Question]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(Question.model_validate_json(line))
        except ValidationError as exc:
            raise ValueError(f"{path}:{n}: not a valid question line ({_first(exc)})") from None
    return questions


def unknown_gold(
    questions: Iterable[Question], post_urls: Mapping[str, str]
) -> list[tuple[str, str, str | None]]:
    """Per gold post id no indexed post has (``post_urls``: each post's id and URL), the
    question's id, the gold, and the post it likely names or None: one whose id the gold ends
    with (a path under _posts/ written from the site's root), or whose page it is (its URL, or
    the URL's path). Such a gold scores as a miss: the operator must be told."""
    by_path = {urlsplit(url).path.rstrip("/"): post for post, url in post_urls.items()}
    found = []
    for q in questions:
        for gold in q.gold:
            if gold in post_urls:
                continue
            meant = next((p for p in post_urls if gold.endswith("/" + p)), None)
            if meant is None:
                meant = by_path.get(urlsplit(gold.strip()).path.rstrip("/") or "?")
            found.append((q.id, gold, meant))
    return found


def unscored(questions: Iterable[Question]) -> list[str]:
    """The ids of questions no figure counts: no gold post, and not of kind unanswerable."""
    return [q.id for q in questions if not q.gold and not q.unanswerable]


def _first(exc: ValidationError) -> str:
    """The first problem, on one line: pydantic's own message spans lines and adds a link."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else error["msg"]


# Inline, reference and bare links, and an excerpt cut off after the link text: "[text](".
_LINK = re.compile(r"!?\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])?")
_EMPHASIS = re.compile(r"[*_`~]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Whitespace, case and Markdown link/emphasis syntax folded away (and entities/quotes)."""
    text = html.unescape(_LINK.sub(r"\1", text)).translate(_QUOTES)
    return " ".join(_EMPHASIS.sub("", text).split()).casefold()


def distinct_posts(answer: Answer) -> list[str]:
    return list(dict.fromkeys(r.post_id for r in answer.results))


def run_record(question: Question, answer: Answer) -> dict[str, object]:
    """One question's run: whether declined, the headline (the text shown first; "" when
    declined) and the results, each with the snippet shown under its citation, as read."""
    return {
        "id": question.id,
        "declined": answer.declined,
        "headline": "" if answer.declined else answer.headline,
        "results": [
            {
                "post": r.post_id,
                "heading": r.heading,
                "url": r.url,
                "score": r.score,
                "text": r.text,
                "snippet": shown_text(r.snippet),
            }
            for r in answer.results
        ],
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score(pairs: Iterable[tuple[Question, Answer]]) -> Report:
    return score_runs((q, run_record(q, a)) for q, a in pairs)


Run = dict[str, Any]


def score_runs(pairs: Iterable[tuple[Question, Run]]) -> Report:
    """Figures from questions and their run records (as ``run_record`` makes them)."""
    groups: dict[str, list[tuple[Question, Run]]] = {}
    everything: list[tuple[Question, Run]] = []
    for q, run in pairs:
        groups.setdefault(q.kind or "unlabelled", []).append((q, run))
        everything.append((q, run))
    return Report(
        overall=_scores(everything),
        by_kind={kind: _scores(items) for kind, items in sorted(groups.items())},
        questions=len(everything),
    )


def holds(shown: str, answer: str) -> bool:
    """Whether shown text holds the whole answer span (both normalised; strict containment)."""
    needle = normalise(answer)
    return bool(needle) and needle in normalise(shown)


def _scores(items: list[tuple[Question, Run]]) -> Scores:
    hit1, hit5, rr, ans1, ans5, head, page, wrong = [], [], [], [], [], [], [], []
    declined_unanswerable = []
    for q, run in items:
        declined = bool(run["declined"])
        if q.unanswerable:
            declined_unanswerable.append(float(declined))
            continue
        if not q.answerable:
            continue
        gold = set(q.gold)
        results: list[dict[str, Any]] = [] if declined else run["results"]
        posts = list(dict.fromkeys(r["post"] for r in results))
        hit1.append(float(bool(posts[:1]) and posts[0] in gold))
        hit5.append(float(any(p in gold for p in posts[:5])))
        rank = next((n for n, p in enumerate(posts[:10], 1) if p in gold), None)
        rr.append(1.0 / rank if rank else 0.0)
        if q.answer:
            found = [holds(r["text"], q.answer) for r in results[:5]]
            ans1.append(float(any(found[:1])))
            ans5.append(float(any(found)))
            headline = "" if declined else str(run.get("headline", ""))
            head.append(float(holds(headline, q.answer)))
            shown = [headline] + [str(r.get("snippet", "")) for r in results[:FIRST_PAGE]]
            page.append(float(any(holds(s, q.answer) for s in shown)))
        wrong.append(float(declined))
    return Scores(
        answerable=len(hit1),
        unanswerable=len(declined_unanswerable),
        hit1=_mean(hit1),
        hit5=_mean(hit5),
        mrr10=_mean(rr),
        answer1=_mean(ans1),
        answer5=_mean(ans5),
        headline=_mean(head),
        first_page=_mean(page),
        wrongly_declined=_mean(wrong),
        declined_unanswerable=_mean(declined_unanswerable),
    )


def evaluate(
    questions: list[Question], search: Callable[[str, int], Answer], k: int = 5
) -> tuple[Report, list[dict[str, object]]]:
    """Run every question (by its text alone) and score the runs."""
    pairs = []
    runs = []
    for q in questions:
        answer = search(q.question, max(k, RUN_RESULTS))
        pairs.append((q, answer))
        runs.append(run_record(q, answer))
    return score(pairs), runs


def write_runs(path: Path, runs: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for record in runs:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
