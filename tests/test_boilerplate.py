"""Site boilerplate: lines recurring in many posts are never a headline nor in a snippet; what
recurs is counted from the indexed posts, stored with them, and follows a reindex."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.models import Answer
from index.storage.service import IndexService
from index.terms.boilerplate import (
    MIN_POSTS,
    Boilerplate,
    normalised,
    post_hashes,
    recurring,
    sentence_hash,
)

FOOTER = "Thanks for reading! Subscribe to the Harbour Weekly newsletter for more harbour news."
STORIES = {
    "ferries": "A new ferry route to the islands opened in April, with six crossings a day.",
    "cranes": "The port bought twelve electric cranes from Kessel for 40 million euros.",
    "lighthouse": "The old lighthouse was restored by volunteers over three summers.",
    "market": "The fish market moved to the northern quay after the 2019 floods.",
    "seawall": "Engineers raised the sea wall by a metre to hold back winter storms.",
    "museum": "The maritime museum now shows ship models carved by local sailors.",
    "regatta": "The summer regatta drew ninety boats, a record for the harbour.",
    "dredging": "Dredging the outer basin let container ships dock at low tide.",
}
QUESTIONS = [
    "How do I subscribe to the Harbour Weekly newsletter?",
    "harbour news newsletter",
    "When did the new ferry route to the islands open?",
    "How much did the port pay for the electric cranes?",
]


def write_site(root: Path, with_footer: set[str]) -> Path:
    """A small site: one post per story, each ending on ``FOOTER`` when in ``with_footer``."""
    (root / "_posts").mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text("title: Harbour Weekly\nurl: https://harbour.test\n")
    for n, (name, story) in enumerate(STORIES.items()):
        body = f"## The story\n\n{story} The harbour board welcomed it.\n"
        if name in with_footer:
            body += f"\n{FOOTER}\n"
        post = f'---\ntitle: "Harbour {name}"\ncategories: [news]\n---\n\n{body}'
        (root / "_posts" / f"2024-01-{n + 10:02d}-{name}.md").write_text(post, encoding="utf-8")
    return root


def shown(answer: Answer) -> list[str]:
    """The text a reader sees first: the headline and every result's snippet."""
    return [answer.headline, *(r.snippet for r in answer.results)]


def footer_shown(service: IndexService) -> bool:
    assert service.current is not None
    answers = [service.current.search(q, k=5) for q in QUESTIONS]
    return any("Harbour Weekly newsletter" in text for a in answers for text in shown(a))


def test_a_line_is_compared_without_case_spacing_or_digits() -> None:
    assert normalised("Copyright © 2021  Skynet Today, All rights reserved.") == normalised(
        "copyright ©2022 Skynet Today , all rights reserved."
    )
    assert sentence_hash("That's all for this week!") != sentence_hash("That's all for today!")
    assert sentence_hash("2009.") == 0  # a number alone is no template line
    assert post_hashes(["2009.", "2010.", "—"]) == [0, 0, 0]


def test_a_line_counts_once_per_post() -> None:
    # "Related:" under every item of one post, and in MIN_POSTS - 2 posts more; "Learn more."
    # in MIN_POSTS posts.
    posts = [post_hashes(["Related:", "A story.", "Related:", "Learn more.", "Related:"])]
    posts += [post_hashes(["Related:", "Learn more."])] * (MIN_POSTS - 2)
    posts += [post_hashes(["Learn more."])]
    assert posts[0][2] == posts[0][4] == posts[0][0] - 1  # (repeats within a post not counted)
    hashes = np.array([h for p in posts for h in p], np.uint64)
    found = recurring(hashes, 50)
    assert found.tolist() == [sentence_hash("Learn more.")]
    boilerplate = Boilerplate(found.tolist())
    assert "learn  MORE." in boilerplate and "Related:" not in boilerplate
    # With one more post, "Related:" is boilerplate too, and so are its repeats: the passages
    # holding one are known from the stored hashes (here the first post's passages: its first
    # two sentences, then its last three; then each post one passage).
    posts.append(post_hashes(["Related:"]))
    hashes = np.array([h for p in posts for h in p], np.uint64)
    boilerplate = Boilerplate(recurring(hashes, 50).tolist())
    assert "Related:" in boilerplate
    counts = np.array([2, 3] + [len(p) for p in posts[1:]])
    assert boilerplate.passages(hashes, counts).tolist() == [True] * len(counts)
    alone = np.array([sentence_hash("A story.")], np.uint64)
    assert boilerplate.passages(alone, np.array([1])).tolist() == [False]


async def test_a_footer_repeated_across_posts_is_never_shown(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", set(STORIES))
    db = tmp_path / "index.sqlite3"
    service = await IndexService.open(db, site)
    try:
        await service.reindex()
        assert not footer_shown(service)
        assert service.current is not None
        # The stories still answer, and their passages still show what they say.
        ferry = service.current.search(QUESTIONS[2], k=5)
        assert "April" in ferry.headline
    finally:
        await service.close()
    # Loaded from the database (the per-post hashes stored with the statistics): the same.
    restarted = await IndexService.open(db, site)
    try:
        await restarted.ensure()
        assert restarted.last_report is None  # loaded, not rebuilt
        assert not footer_shown(restarted)
    finally:
        await restarted.close()


async def test_a_reindex_that_drops_the_footer_from_most_posts_makes_it_shown_again(
    tmp_path: Path,
) -> None:
    site = write_site(tmp_path / "site", set(STORIES))
    db = tmp_path / "index.sqlite3"
    service = await IndexService.open(db, site)
    try:
        await service.reindex()
        assert not footer_shown(service)
        kept = {"ferries", "cranes"}  # two posts keep it: a line of theirs, not the site's
        write_site(site, kept)
        report = await service.reindex()
        assert len(report.changed) == len(STORIES) - len(kept)
        assert footer_shown(service)
        assert service.current is not None
        answer = service.current.search(QUESTIONS[0], k=5)
        assert "Subscribe to the Harbour Weekly newsletter" in answer.headline
        # And back: the footer on every post again is boilerplate again.
        write_site(site, set(STORIES))
        await service.reindex()
        assert not footer_shown(service)
    finally:
        await service.close()
