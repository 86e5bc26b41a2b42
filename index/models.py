"""Pydantic models at the boundaries of the index: posts, passages, search results, reports.

Data flows one way: files → Post + Passage → SearchIndex → Answer (of SearchResult).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteConfig(_Frozen):
    """What briefbot needs from a Jekyll ``_config.yml``."""

    url: str = ""  # e.g. "https://www.skynettoday.com" (no trailing slash)
    baseurl: str = ""  # e.g. "/blog" (no trailing slash)
    permalink: str = "/:categories/:year/:month/:day/:title:output_ext"
    title: str = ""
    timezone: str = ""  # IANA name, e.g. "America/New_York"; "" → UTC (as Jekyll built in CI)
    future: bool = False  # Jekyll's ``future``: publish posts dated after the build


class Post(_Frozen):
    """One Markdown post, as read from its file."""

    id: str  # path relative to the posts folder ("/" separators); a category's _posts: to the site
    title: str
    date: dt.date
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    excerpt: str = ""
    url: str  # absolute public URL (the redirect target for redirect layouts)
    layout: str | None = None
    redirect: bool = False  # the post's page redirects elsewhere (its URL is the target)
    fingerprint: str  # sha256 of the file's bytes: unchanged files are not re-parsed


class Passage(_Frozen):
    """A retrievable piece of a post: a few paragraphs or list items under one heading."""

    post_id: str
    ordinal: int  # position within the post, from 0
    heading_path: tuple[str, ...] = ()  # ("The Reactions", "From the Press"); () before any
    anchor: str | None = None  # kramdown auto id of the innermost heading, e.g. "what-happened"
    text: str

    @property
    def heading(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""


IssueKind = Literal["skipped", "recovered"]


class LoadIssue(_Frozen):
    """A file that could not be read cleanly: skipped entirely, or recovered best-effort."""

    path: str  # post id (relative path)
    kind: IssueKind
    reason: str


class ParsedPost(_Frozen):
    """The loader's output for one file."""

    post: Post
    passages: tuple[Passage, ...]
    issues: tuple[LoadIssue, ...] = ()


class SearchFilters(_Frozen):
    category: str | None = None
    tag: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    post_id: str | None = None  # restrict to one post ("Ask about this post")


class PostRef(_Frozen):
    post_id: str = Field(serialization_alias="post")
    title: str
    date: dt.date
    url: str  # the post's page, at ``heading``'s section when there is one
    heading: str = ""  # the section meant (its innermost heading); "" for the post as a whole


class SearchResult(_Frozen):
    post_id: str = Field(serialization_alias="post")
    title: str
    heading: str  # innermost section heading ("" for the post's opening)
    heading_path: tuple[str, ...] = ()
    date: dt.date
    categories: tuple[str, ...] = ()
    url: str  # post URL with the section anchor
    score: float
    text: str  # the passage text
    snippet: str  # ≤ 70 words of the passage around the evidence, the answer (or terms) **bold**
    best_sentence: str  # the single sentence that best matches the question
    part: str = ""  # "another part": a second citation of a section already cited above
    also_in: tuple[PostRef, ...] = ()  # other posts telling the same story (digest and brief)


class Answer(_Frozen):
    question: str
    results: tuple[SearchResult, ...] = ()
    headline: str = ""  # the sentence (or two) shown first, plain text, ≤ 60 words
    headline_from: int = 0  # the result whose passage the headline is taken from
    declined: bool = False  # nothing in the content answers the question
    suggestions: tuple[PostRef, ...] = ()  # closest posts, offered when declined
    message: str = ""  # human explanation when declined or when the question was unusable
    wordless: bool = False  # declined: no word to search for (only punctuation, "what", "the")


class IndexReport(_Frozen):
    """What an index build did."""

    posts: int
    passages: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    issues: tuple[LoadIssue, ...] = ()
    seconds: float = 0.0
    first_index: bool = False  # the database had never indexed this content before
