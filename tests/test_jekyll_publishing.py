"""What Jekyll publishes, where and dated when — as the bot must cite and announce it.

Each case was checked against a real `jekyll build` (Jekyll 4.3, built in UTC) of the same files:
the URL a citation links is the page Jekyll writes, the date shown is the page's date, and a post
Jekyll does not publish (``published: false``, dated in the future) is never cited or announced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from index.ingest.loader import parse_post
from index.models import LoadIssue, ParsedPost, SiteConfig

DATED = SiteConfig(url="https://ex.org", baseurl="/blog", permalink="date")
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def load(
    tmp_path: Path, rel: str, text: str, site: SiteConfig = DATED, now: dt.datetime = NOW
) -> ParsedPost | LoadIssue:
    root = tmp_path / "_posts"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_post(path, root, site)


def ok(result: ParsedPost | LoadIssue) -> ParsedPost:
    assert isinstance(result, ParsedPost), result
    return result


def test_folders_inside_posts_are_not_categories(tmp_path: Path) -> None:
    """Jekyll takes categories from the folders *above* ``_posts`` and the front matter, never
    from folders inside it: ``_posts/2019/…`` is filed by year, and its page is not under /2019/."""
    post = ok(load(tmp_path, "2019/2019-03-04-sub-folder.md", "---\ntitle: S\n---\nBody.\n")).post
    assert post.url == "https://ex.org/blog/2019/03/04/sub-folder.html"
    assert post.categories == ()
    named = ok(load(tmp_path, "briefs/2020-01-02-x.md", "---\ncategories: [News]\n---\nBody.\n"))
    assert named.post.categories == ("News",)
    assert named.post.url == "https://ex.org/blog/news/2020/01/02/x.html"
