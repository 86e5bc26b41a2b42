"""What Jekyll publishes, where and dated when — as the bot must cite and announce it.

Each case was checked against a real `jekyll build` (Jekyll 4.3, built in UTC) of the same files:
the URL a citation links is the page Jekyll writes, the date shown is the page's date, and a post
Jekyll does not publish (``published: false``, dated in the future) is never cited or announced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import pytest

from index.ingest.loader import parse_post
from index.ingest.site import find_site
from index.models import LoadIssue, ParsedPost, SiteConfig
from index.storage.indexer import Indexer
from index.storage.store import IndexStore

DATED = SiteConfig(url="https://ex.org", baseurl="/blog", permalink="date")
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def load(
    tmp_path: Path, rel: str, text: str, site: SiteConfig = DATED, now: dt.datetime = NOW
) -> ParsedPost | LoadIssue:
    root = tmp_path / "_posts"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_post(path, root, site, now=now)


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


def test_published_false_is_never_indexed(tmp_path: Path) -> None:
    text = "---\ntitle: Secret\npublished: false\n---\nBody about llamas.\n"
    issue = load(tmp_path, "2020-01-01-secret.md", text)
    assert isinstance(issue, LoadIssue) and issue.kind == "skipped"
    assert "published: false" in issue.reason
    assert isinstance(
        load(tmp_path, "2020-01-02-shown.md", "---\npublished: true\n---\nx"), ParsedPost
    )


def test_future_posts_wait_for_their_date_unless_future_is_set(tmp_path: Path) -> None:
    text = "---\ntitle: Later\ndate: 2026-12-07 13:00:00 +0000\n---\nBody about llamas.\n"
    issue = load(tmp_path, "2026-12-07-later.md", text)
    assert isinstance(issue, LoadIssue) and issue.kind == "skipped"
    assert "future" in issue.reason and "2026-12-07" in issue.reason
    # An hour later Jekyll publishes it; so does briefbot.
    assert ok(load(tmp_path, "2026-12-07-later.md", text, now=NOW + dt.timedelta(hours=2)))
    # Dated today by its file name (midnight): already published.
    assert ok(load(tmp_path, "2026-12-07-today.md", "Body.\n"))
    assert isinstance(load(tmp_path, "2027-01-01-next-year.md", "Body.\n"), LoadIssue)
    future = DATED.model_copy(update={"future": True})
    assert ok(load(tmp_path, "2027-01-01-next-year.md", "Body.\n", site=future))


def test_a_date_with_a_time_zone_is_the_sites_date(tmp_path: Path) -> None:
    """Jekyll converts a front matter time to the site's ``timezone`` (UTC when unset): the
    page's date, and the day in its URL, may be the next day of the one written."""
    text = "---\ntitle: T\ndate: 2020-06-21 23:30:00 -0700\n---\nBody.\n"
    post = ok(load(tmp_path, "2020-06-21-tz.md", text)).post
    assert post.date == dt.date(2020, 6, 22)
    assert post.url == "https://ex.org/blog/2020/06/22/tz.html"
    pacific = DATED.model_copy(update={"timezone": "America/Los_Angeles"})
    there = ok(load(tmp_path, "2020-06-21-tz.md", text, site=pacific)).post
    assert there.date == dt.date(2020, 6, 21)
    assert there.url == "https://ex.org/blog/2020/06/21/tz.html"
    # A time without a zone is the site's own time.
    naive = "---\ndate: 2020-06-21 23:30:00\n---\nBody.\n"
    assert ok(load(tmp_path, "2020-06-21-n.md", naive, site=pacific)).post.date == dt.date(
        2020, 6, 21
    )


def test_the_timezone_is_read_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_config.yml").write_text("timezone: Europe/Berlin\nfuture: true\n")
    _, site = find_site(tmp_path)
    assert site.timezone == "Europe/Berlin" and site.future is True


def test_an_impossible_file_name_day_rolls_over_as_in_jekyll(tmp_path: Path) -> None:
    """Ruby's Time.parse reads 2021-2-29 as 1 March: the page is dated, and filed, there."""
    post = ok(load(tmp_path, "2021-2-29-leap.md", "---\ntitle: Leap\n---\nBody.\n"))
    assert post.post.date == dt.date(2021, 3, 1)
    assert post.post.url == "https://ex.org/blog/2021/03/01/leap.html"
    assert [i.reason for i in post.issues] == [
        "impossible date 2021-2-29 in the file name; read as 2021-03-01, as Jekyll does"
    ]


# Checked against Ruby's Time.parse (Jekyll's Utils.parse_date), which SafeYAML leaves every
# timestamp a date cannot hold to: a day up to 31 and 24:00:00 run over, the rest raise.
RUN_OVER = [
    ("2020-02-30", "2020-03-01", "/2020/03/01/"),
    ("2020-02-31 10:00:00 +0100", "2020-03-02", "/2020/03/02/"),
    ("2020-01-01 24:00:00", "2020-01-02", "/2020/01/02/"),
]
REJECTED = [
    ("2021-13-01", "month 13 is out of range"),
    ("2020-00-10", "month 0 is out of range"),
    ("2020-01-32", "day 32 is out of range"),
    ("2020-01-01 25:00:00", "hour 25 is out of range"),
    ("2020-01-01 10:61:00", "minute 61 is out of range"),
]


@pytest.mark.parametrize(("written", "day", "path"), RUN_OVER)
def test_an_impossible_front_matter_date_runs_over_as_in_jekyll(
    tmp_path: Path, written: str, day: str, path: str
) -> None:
    """The front matter's date wins over the file name's, as in Jekyll, and is read as Ruby
    reads it (not lost with the whole front matter as invalid YAML, nor the time dropped)."""
    text = f"---\ntitle: Leap\ntags: [a]\ndate: {written}\n---\nBody.\n"
    post = ok(load(tmp_path, "2020-05-05-leap.md", text))
    assert str(post.post.date) == day
    assert post.post.url == f"https://ex.org/blog{path}leap.html"
    assert post.post.tags == ("a",)  # the rest of the front matter is read as it is
    [issue] = post.issues
    assert issue.kind == "recovered" and issue.reason.startswith(
        f"impossible date {written!r} in the front matter; read as {day}"
    )


@pytest.mark.parametrize(("written", "why"), REJECTED)
def test_a_date_jekyll_rejects_skips_the_post_in_the_name_or_the_front_matter(
    tmp_path: Path, written: str, why: str
) -> None:
    """Jekyll stops its build on such a date ('Invalid date'): no page exists to cite, so the
    post is skipped with the reason, for the front matter's date and the file name's alike."""
    text = f"---\ntitle: Bad\ndate: {written}\n---\nBody.\n"
    issue = load(tmp_path, "2020-05-05-bad.md", text)
    assert isinstance(issue, LoadIssue) and issue.kind == "skipped", issue
    assert issue.reason.startswith(f"invalid date {written!r} in the front matter ({why}):")
    assert "Jekyll stops its build" in issue.reason
    day = written.split()[0]
    named = load(tmp_path / "n", f"{day}-bad.md", "---\ntitle: Bad\n---\nBody.\n")
    if " " not in written:  # (a file name holds no time)
        assert isinstance(named, LoadIssue) and named.kind == "skipped", named
        assert named.reason.startswith(f"invalid date {day!r} in the file name ({why}):")
    # Jekyll reads the file name's date only when the front matter has none.
    dated = ok(load(tmp_path / "d", f"{day}-bad.md", "---\ndate: 2020-06-07\n---\nBody.\n"))
    assert dated.post.date == dt.date(2020, 6, 7) and dated.issues == ()


def test_a_two_digit_year_is_completed_as_ruby_does(tmp_path: Path) -> None:
    """ "99-01-01" is 1999 for Ruby (69–99 → 19xx): not 2099, a post scheduled for ever."""
    post = ok(load(tmp_path, "99-01-02-old.md", "---\ntitle: Old\n---\nBody.\n"))
    assert post.post.date == dt.date(1999, 1, 2)
    assert ok(load(tmp_path, "21-03-04-new.md", "x")).post.date == dt.date(2021, 3, 4)


def test_a_scheduled_post_is_indexed_once_its_time_comes(tmp_path: Path) -> None:
    """The bot's scans re-read a post skipped as scheduled: it is added (and so announced) when
    Jekyll would publish it, though its file did not change."""
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2020-01-01-old.md").write_text("---\ntitle: Old\n---\nOld llamas.\n")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    stamp = soon.strftime("%Y-%m-%d %H:%M:%S +0000")
    (posts / "2020-01-02-soon.md").write_text(f"---\ntitle: Soon\ndate: {stamp}\n---\nNew.\n")

    async def run() -> None:
        store = await IndexStore.open(tmp_path / "index.sqlite3")
        try:
            indexer = Indexer(store, tmp_path / "site", workers=1)
            first = await indexer.refresh()
            assert first.report.posts == 1
            assert [i.path for i in first.report.issues] == ["2020-01-02-soon.md"]
            time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
            second = await indexer.refresh()
            assert second.report.added == ("2020-01-02-soon.md",)
            assert second.report.issues == ()
        finally:
            await store.close()

    asyncio.run(run())


def test_a_post_without_a_title_is_named_from_its_file_as_in_jekyll(tmp_path: Path) -> None:
    """Jekyll titles such a post from its file name's slug, even when the front matter sets
    ``slug`` (which only moves its URL): the citation names the page as the page names itself."""
    text = "---\nslug: moved-here\n---\nBody.\n"
    post = ok(load(tmp_path, "2020-01-01-the-real-name.md", text)).post
    assert post.title == "The Real Name"
    assert post.url == "https://ex.org/blog/2020/01/01/moved-here.html"


def test_a_file_in_posts_without_a_dated_name_is_no_post(tmp_path: Path) -> None:
    """Jekyll reads only ``YYYY-MM-DD-title`` files in ``_posts`` as posts (a front matter
    date does not make one): it writes no page for ``_posts/about.md``, so it is never cited."""
    issue = load(tmp_path, "about.md", "---\ntitle: About\ndate: 2020-05-05\n---\nBody.\n")
    assert isinstance(issue, LoadIssue) and issue.kind == "skipped"
    assert "no date in the file name" in issue.reason
    plain = tmp_path / "notes"  # a plain folder of posts is no Jekyll site: it is indexed
    plain.mkdir()
    (plain / "about.md").write_text("---\ntitle: About\n---\nBody.\n", encoding="utf-8")
    assert ok(parse_post(plain / "about.md", plain, DATED, now=NOW)).post.title == "About"
