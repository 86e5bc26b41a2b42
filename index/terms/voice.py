"""A passage's voice: the writer's own view (commentary) against reporting what happened
(issue 10, round 21).

A post's commentary ("we believe…", "it seems…", "arguably…") restates its topic's words and a
question's verbs without stating the facts: a question asking what someone *did* matches it as
well as the passage that says so. Two general readings, for any site:

- ``passage``: the share of a passage's sentences in the writer's voice: first-person words
  (I, we, our, us…) or hedging / evaluative ones (believe, think, should, seems, arguably…);
- ``heading``: learned from the site: a section heading recurring in at least ``RECUR`` posts
  (a site's own section, whatever it is called) carries the mean voice of the passages under
  it, site-wide; a passage gets that of its deepest recurring heading (0 under none).

Derived from the passages' texts when first read (0.4 s once for the real site's 5 400
passages, against an 8.7 s build; nothing a question), never stored: a reindex makes its own.
Nothing reads it unless the passage scorer's model has a voice feature: measured in round 21
(bench/README.md), cross-fitted on six training sets it gained a question or two at ranking
and lost one headline, so the shipped model has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..ingest.passages import is_code, split_sentences

# Words of the writer's own voice: the first person (case-sensitive "I"; "us" lower-case only,
# not the country), and words hedging or judging rather than reporting.
FIRST_PERSON = frozenset({"me", "my", "mine", "myself", "we", "our", "ours", "ourselves", "us"})
HEDGING = frozenset(
    {
        "think",
        "believe",
        "feel",
        "should",
        "seem",
        "seems",
        "seemingly",
        "arguably",
        "perhaps",
        "probably",
        "hopefully",
        "maybe",
        "personally",
        "clearly",
        "surely",
        "certainly",
        "hope",
        "wonder",
        "opinion",
        "imo",
    }
)
# Words of a question asking for a view rather than a fact.
ASKS_OPINION = frozenset(
    {
        "think",
        "thinks",
        "opinion",
        "opinions",
        "view",
        "views",
        "should",
        "why",
        "perspective",
        "take",
        "believe",
        "believes",
        "feel",
        "feels",
        "argue",
        "argues",
        "stance",
    }
)
RECUR = 5  # posts a heading recurs in to be the site's own section
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def in_voice(sentence: str) -> bool:
    """Whether a sentence speaks in the writer's voice (first person, hedging, judging)."""
    for word in _WORD.findall(sentence):
        if word == "I" or word.startswith("I'"):
            return True
        if word == "US":
            continue
        low = word.lower()
        if low in FIRST_PERSON or low in HEDGING or low.split("'")[0] in FIRST_PERSON:
            return True
    return False


def passage_voice(text: str, headings: Sequence[str] = ()) -> float:
    """The share of a passage's sentences in the writer's voice (its heading lines, which its
    text repeats, not counted)."""
    lines = [
        line for line in text.splitlines() if line.strip() not in headings and not is_code(line)
    ]
    sentences = [s for line in lines for s in split_sentences(line) if s.strip()]
    if not sentences:
        return 0.0
    return sum(in_voice(s) for s in sentences) / len(sentences)


def asks_opinion(question: str) -> bool:
    """Whether a question asks for a view (what someone thinks, why, should) not a fact."""
    return any(w.lower() in ASKS_OPINION for w in _WORD.findall(question))


def _key(heading: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(heading))


@dataclass(frozen=True)
class Voice:
    """Per passage: its own voice (``passage``) and its deepest recurring heading's
    (``heading``)."""

    passage: np.ndarray
    heading: np.ndarray

    @classmethod
    def learn(
        cls,
        texts: Sequence[str],
        heading_paths: Sequence[Sequence[str]],
        passage_post: Sequence[int],
        recur: int = RECUR,
    ) -> Voice:
        """From every passage's text, heading path and post."""
        own = np.array(
            [passage_voice(t, h) for t, h in zip(texts, heading_paths, strict=True)], np.float64
        )
        keys = [[_key(h) for h in path] for path in heading_paths]
        posts: dict[str, set[int]] = {}
        for path, post in zip(keys, passage_post, strict=True):
            for k in path:
                if k:
                    posts.setdefault(k, set()).add(int(post))
        recurring = {k for k, p in posts.items() if len(p) >= recur}
        deepest = [next((k for k in reversed(path) if k in recurring), "") for path in keys]
        total: dict[str, float] = {}
        count: dict[str, int] = {}
        for k, v in zip(deepest, own, strict=True):
            if k:
                total[k] = total.get(k, 0.0) + float(v)
                count[k] = count.get(k, 0) + 1
        heading = np.array([total[k] / count[k] if k else 0.0 for k in deepest], np.float64)
        return cls(own, heading)
