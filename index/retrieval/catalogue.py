"""Catalogue look-ups: posts by id, a post's passages, categories, the latest posts, titles
for autocomplete (/brief), and the closest titles offered when a question is declined."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from urllib.parse import quote

import numpy as np

from ..models import Passage, Post, PostRef, SearchFilters
from .examples import Examples, site_examples
from .passage_table import PassageTable
from .title_words import TitleMatchWeights, TitleWords

# A text fragment's words: enough to find a heading on its page, short enough for a citation.
FRAGMENT_CHARS = 80
# Fewer words are no heading's own: the browser would stop at their first use on the page (it
# matches regardless of case), "Business" in the introduction rather than the section.
FRAGMENT_MIN_WORDS = 3


def section_url(post: Post, anchor: str | None, heading: str = "", near: str = "") -> str:
    """The post URL, opened at the section ``anchor``. A redirected post lives elsewhere, where
    the site's anchors need not exist: it opens at the section's ``heading`` text instead (a
    text fragment; a browser that cannot find the text, or predates text fragments, opens the
    page's top, as the bare URL did), so two stories of one newsletter link apart. A heading
    of fewer than ``FRAGMENT_MIN_WORDS`` words ("Business": the browser would stop at its first
    use on the page) opens at ``near`` instead, the words of the sentence cited from the
    section (a newsletter's item in it), or else the page's top."""
    if post.redirect:
        if not anchor:
            return post.url
        words = heading if len(heading.split()) >= FRAGMENT_MIN_WORDS else _item_title(near)
        if not words.split():
            return post.url
        return post.url + (":~:text=" if "#" in post.url else "#:~:text=") + text_fragment(words)
    if anchor:
        return f"{post.url.split('#', 1)[0]}#{anchor}"
    return post.url


# Where a newsletter item's title ends and its quote or summary begins ("Title - "Quote…"",
# "Title · Summary"): the title's words are the likelier to be on the target page as written
# (its quotes may be typeset there, the separator drawn otherwise).
_ITEM_SPLIT = re.compile(r" [-–—·…] ")


def _item_title(sentence: str) -> str:
    """``sentence`` up to its first item separator, if that leaves enough words to be found."""
    head = _ITEM_SPLIT.split(sentence, maxsplit=1)[0]
    return head if len(head.split()) >= FRAGMENT_MIN_WORDS else sentence


def text_fragment(text: str) -> str:
    """``text`` as a text directive's words: its first whole words up to ``FRAGMENT_CHARS``
    (a prefix of whole words still matches: the browser matches at word boundaries),
    percent-encoded with the directive's own syntax characters (``-``, ``,``, ``&``) too."""
    words = text.split()
    kept: list[str] = []
    for word in words:
        if kept and len(" ".join([*kept, word])) > FRAGMENT_CHARS:
            break
        kept.append(word)
    return quote(" ".join(kept), safe="").replace("-", "%2D")


def passage_url(post: Post, passage: Passage) -> str:
    """The post URL, opened at the passage's section."""
    return section_url(post, passage.anchor, passage.heading)


class Catalogue:
    """The posts and their passages, in index order, and where each post's passages are."""

    def __init__(
        self,
        posts: list[Post],
        passages: Sequence[Passage],
        passage_counts: np.ndarray,
        title_weights: TitleMatchWeights | None = None,
    ) -> None:
        self.posts = posts
        # A table whose texts are read when shown (from the index's file when served; passages
        # made in memory keep theirs in memory).
        self.passages = (
            passages if isinstance(passages, PassageTable) else PassageTable.of_passages(passages)
        )
        # In the smallest type that holds a post's index: a question looks up its hundred best
        # passages' posts here, and a small table is likelier to be in cache.
        self.passage_post = np.repeat(
            np.arange(len(posts), dtype=np.min_scalar_type(max(len(posts) - 1, 0))),
            passage_counts,
        )
        self.post_index = {p.id: i for i, p in enumerate(posts)}
        self.post_first_passage = np.concatenate([[0], np.cumsum(passage_counts)]).astype(np.int64)
        self.post_dates = np.array([p.date.toordinal() for p in posts], dtype=np.int64)
        # For title look-ups (autocomplete: one per keystroke), made once per index rather than
        # per keystroke: every title casefolded, and the posts newest first (ties in index order).
        self._folded_titles = [p.title.casefold() for p in posts]
        self._newest_first = sorted(range(len(posts)), key=lambda i: -posts[i].date.toordinal())
        # Each post's place in that order (ties among equally matching titles: newest first).
        self._recency = np.empty(len(posts), dtype=np.int64)
        self._recency[self._newest_first] = np.arange(len(posts))
        self._title_weights = title_weights

    passage_url = staticmethod(passage_url)

    def __len__(self) -> int:
        return len(self.posts)

    def post(self, post_id: str) -> Post | None:
        i = self.post_index.get(post_id)
        return None if i is None else self.posts[i]

    def post_passages(self, post_id: str) -> list[Passage]:
        i = self.post_index[post_id]
        first, stop = int(self.post_first_passage[i]), int(self.post_first_passage[i + 1])
        return self.passages.select(range(first, stop))

    def post_of(self, passage: int) -> Post:
        """The post passage ``passage`` (its index) belongs to."""
        return self.posts[int(self.passage_post[passage])]

    def categories(self) -> list[str]:
        return sorted({c for p in self.posts for c in p.categories})

    def latest(self, count: int = 5, category: str | None = None) -> list[Post]:
        posts = [p for p in self.posts if category is None or category in p.categories]
        return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)[:count]

    def newest(self, count: int, filters: SearchFilters) -> list[int]:
        """The ``count`` newest posts (their indices) that pass ``filters``."""
        keep = self.post_mask(filters)
        return [i for i in self._newest_first if keep is None or keep[i]][:count]

    @cached_property
    def examples(self) -> Examples:
        """The example question (and title word, category) this site's replies suggest: every
        reply that suggests a question shows this one (``examples.site_examples``)."""
        return site_examples([self.posts[i] for i in self._newest_first])

    @cached_property
    def title_words(self) -> TitleWords:
        """The titles' vocabulary for matching typed words, made at the first look-up that needs
        it (a process answering one question never does). Two threads making it at once make
        the same thing."""
        return TitleWords([p.title for p in self.posts], self._title_weights)

    def find_titles(self, text: str, limit: int = 25) -> list[Post]:
        """Posts whose title best matches ``text`` (for autocomplete): titles starting with it,
        then titles containing it (newest first within each), then titles holding most of its
        words (see ``TitleWords``; none holding too little of them)."""
        needle = text.casefold().strip()
        if not needle:
            return self.latest(limit)
        titles = self._folded_titles
        starts: list[int] = []
        contains: list[int] = []
        for i in self._newest_first:
            if titles[i].startswith(needle):
                starts.append(i)
                if len(starts) == limit:  # nothing later comes before these
                    break
            elif needle in titles[i]:
                contains.append(i)
        exact = (starts + contains)[:limit]
        if len(exact) == limit:
            return [self.posts[i] for i in exact]
        shares = self.title_words.shares(text)
        shares[exact] = 0.0
        found = np.flatnonzero(shares >= self.title_words.weights.min_share)
        # Most of the typed weight first, then newest first.
        found = found[np.lexsort((self._recency[found], -shares[found]))]
        return [self.posts[i] for i in exact] + [self.posts[i] for i in found[: limit - len(exact)]]

    def ref(self, i: int) -> PostRef:
        """A reference to passage ``i``'s post, opened at its section."""
        post = self.post_of(i)
        path = self.passages.heading_path(i)
        heading = path[-1] if path else ""
        url = section_url(post, self.passages.anchor(i), heading)
        return PostRef(post_id=post.id, title=post.title, date=post.date, url=url, heading=heading)

    def suggest(
        self,
        question: str,
        filters: SearchFilters,
        ranked: list[tuple[int, float]] | None = None,
        limit: int = 3,
    ) -> list[PostRef]:
        """Closest post titles: from weak matches if any, else by fuzzy title similarity.

        Only posts that pass ``filters``: a post the asker filtered out (an older one, another
        category) is no answer to "not covered in what you chose".
        """
        keep = self.post_mask(filters)
        # A weak match is offered at its section, named: a digest's title ("Last Week in AI
        # #210") alone tells a reader nothing of what came closest.
        refs: dict[str, PostRef] = {}
        for i, _ in ranked or []:
            if (post_id := self.post_of(i).id) not in refs:  # (its best passage: the first)
                refs[post_id] = self.ref(i)
        if len(refs) < limit:
            # With filters, look through every title: the closest may be filtered out.
            for p in self.find_titles(question, limit if keep is None else len(self.posts)):
                refs.setdefault(p.id, PostRef(post_id=p.id, title=p.title, date=p.date, url=p.url))
        if keep is not None:
            allowed = {p.id for p, kept in zip(self.posts, keep, strict=True) if kept}
            refs = {k: ref for k, ref in refs.items() if k in allowed}
        return list(refs.values())[:limit]

    def filter_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Per passage, whether its post passes ``filters`` (None: no filters)."""
        keep = self.post_mask(filters)
        return None if keep is None else keep[self.passage_post]

    def post_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Per post, whether it passes ``filters`` (None: no filters)."""
        if filters == SearchFilters():
            return None
        keep = np.ones(len(self.posts), dtype=bool)
        if filters.category:
            cat = filters.category.casefold()
            keep &= [cat in (c.casefold() for c in p.categories) for p in self.posts]
        if filters.tag:
            tag = filters.tag.casefold()
            keep &= [tag in (t.casefold() for t in p.tags) for p in self.posts]
        if filters.since:
            keep &= self.post_dates >= filters.since.toordinal()
        if filters.until:
            keep &= self.post_dates <= filters.until.toordinal()
        if filters.post_id:
            keep &= [p.id == filters.post_id for p in self.posts]
        return keep
