"""Title look-ups for /brief's autocomplete: the titles are folded and ordered once per index
(not per keystroke), and the posts found are those of searching every title per keystroke."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from index.models import Post
from index.retrieval.catalogue import Catalogue


def per_keystroke(posts: list[Post], text: str, limit: int = 25) -> list[Post]:
    """The definition (the code before): every title casefolded and every match sorted."""
    needle = text.casefold().strip()
    if not needle:
        return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)[:limit]
    exact = [p for p in posts if needle in p.title.casefold()]
    exact.sort(key=lambda p: (not p.title.casefold().startswith(needle), -p.date.toordinal()))
    if len(exact) >= limit:
        return exact[:limit]
    seen = {p.id for p in exact}
    from rapidfuzz import process

    fuzzy = process.extract(
        needle,
        {i: p.title.casefold() for i, p in enumerate(posts) if p.id not in seen},
        limit=limit - len(exact),
        score_cutoff=60,
    )
    return exact + [posts[key] for _, _, key in fuzzy]


WORDS = ["Last", "Week", "in", "AI", "Face", "Recognition", "Police", "GPT-3", "Ünïcode", "ß"]


def test_titles_found_are_those_of_searching_every_title_per_keystroke() -> None:
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
