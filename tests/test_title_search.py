"""Title look-ups for /brief's autocomplete: the titles are folded and ordered once per index
(not per keystroke), and the posts found are those of searching every title per keystroke."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import numpy as np
import pytest
from retrieval_support import ROOT

from index.models import Post
from index.retrieval.catalogue import Catalogue

WORDS = ["Last", "Week", "in", "AI", "Face", "Recognition", "Police", "GPT-3", "Ünïcode", "ß"]


def test_titles_found_are_those_of_searching_every_title_per_keystroke(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # (``bench`` is the project's scripts, not installed)
    per_keystroke = importlib.import_module("bench.autocomplete").before
    rng = random.Random(3)
    posts = [
        Post(
            id=f"p{i}.md",
            # Few words and few dates: many titles share prefixes, many posts share a date.
            title=" ".join(rng.choices(WORDS, k=rng.randint(1, 5))) + f" #{i % 7}",
            date=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(30)),
            url=f"https://example.org/p{i}",
            fingerprint=str(i),
        )
        for i in range(400)
    ]
    catalogue = Catalogue(posts, [], np.zeros(len(posts), dtype=np.int64))
    typed = ["", "  ", "l", "LAST WEEK", "ss", "ünï", "#3", "police face", "recogniton polce"]
    for post in rng.sample(posts, 40):
        typed += [post.title[:n] for n in range(1, len(post.title) + 1)]
    for text in typed:
        for limit in (25, 3, 1):
            assert catalogue.find_titles(text, limit) == per_keystroke(posts, text, limit), text
