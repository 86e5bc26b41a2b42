"""Post files → ParsedPost / LoadIssue, on hand-made bad files and on the real corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index.ingest.loader import parse_post, read_front_matter, split_front_matter
from index.ingest.site import find_site, iter_post_files
from index.models import LoadIssue, ParsedPost, SiteConfig

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
SEED = SHARED / "seed" / "2020-06-21-face-recog-police.md"
PROJECT_CONTENT = Path(__file__).resolve().parents[1] / "content"
needs_shared = pytest.mark.skipif(
    not CORPUS.exists(), reason="../shared corpus not present (fresh clone); CI provides it"
)

SITE = SiteConfig(url="https://www.example.com", permalink="/:categories/:title/")


def load(
    tmp_path: Path, rel: str, content: str | bytes, *, root_name: str = "_posts"
) -> ParsedPost | LoadIssue:
    """Parse ``content`` as ``rel`` under a Jekyll ``_posts`` folder (or, with ``root_name``, a
    plain folder of posts, where a file needs no date in its name)."""
    root = tmp_path / root_name
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return parse_post(path, root, SITE)


def ok(result: ParsedPost | LoadIssue) -> ParsedPost:
    assert isinstance(result, ParsedPost), result
    return result


def all_text(parsed: ParsedPost) -> str:
    return "\n".join(p.text for p in parsed.passages)


GOOD = """---
title: "A &amp; B: *the* story"
date: 2021-03-04 10:00:00 -0700
categories: [News]
tags: ai, ethics, policy
author: [ann, bob]
excerpt: "Short [summary](https://x.y)"
---

## What Happened

Something happened.
"""


def test_good_post_metadata(tmp_path: Path) -> None:
    parsed = ok(load(tmp_path, "briefs/2021-03-05-a-b-story.md", GOOD))
    post = parsed.post
    assert post.id == "briefs/2021-03-05-a-b-story.md"
    assert post.title == "A & B: the story"
    assert post.date == dt.date(2021, 3, 4)  # front matter date wins over the file name
    assert post.categories == ("News",)  # a folder inside _posts is no category in Jekyll
    assert post.tags == ("ai", "ethics", "policy")
    assert post.authors == ("ann", "bob")
    assert post.excerpt == "Short summary"
    assert post.url == "https://www.example.com/news/a-b-story/"
    assert post.layout is None and post.redirect is False
    assert post.fingerprint == hashlib.sha256(GOOD.encode()).hexdigest()
    assert [(p.heading_path, p.anchor, p.text) for p in parsed.passages] == [
        (("What Happened",), "what-happened", "What Happened\nSomething happened.")
    ]
    assert parsed.issues == ()


def test_windows_and_old_mac_line_ends_read_as_newlines(tmp_path: Path) -> None:
    good = ok(load(tmp_path, "briefs/2021-03-05-a-b-story.md", GOOD))
    for newline in ("\r\n", "\r"):
        crlf = ok(load(tmp_path, "briefs/2021-03-05-a-b-story.md", GOOD.replace("\n", newline)))
        assert crlf.post.model_copy(update={"fingerprint": ""}) == good.post.model_copy(
            update={"fingerprint": ""}
        )
        assert crlf.passages == good.passages


def test_data_argument_is_used_instead_of_reading(tmp_path: Path) -> None:
    root = tmp_path / "_posts"
    result = parse_post(root / "x" / "2020-01-01-ghost.md", root, SITE, data=b"Hello there.")
    parsed = ok(result)
    assert parsed.post.id == "x/2020-01-01-ghost.md"
    assert parsed.post.title == "Ghost"
    assert all_text(parsed) == "Hello there."


def test_invalid_yaml_is_recovered_and_reported(tmp_path: Path) -> None:
    text = (
        "---\nlayout: redirect\n"
        'title: "Last Week in AI #258"\n'
        'excerpt: "OpenAI\'s Sora 🎥, Gemini with "Mixture of Experts" 🚀, and more!"\n'
        "image: \n  feature: assets/img/x.png\ncategories: [digests]\n"
        "redirect: https://lastweekin.ai/p/258\n---\n\n### Top News\n\nBody.\n"
    )
    parsed = ok(load(tmp_path, "digests/2024-02-19-258.md", text))
    assert parsed.post.title == "Last Week in AI #258"
    assert parsed.post.excerpt == (
        'OpenAI\'s Sora 🎥, Gemini with "Mixture of Experts" 🚀, and more!'
    )
    assert parsed.post.url == "https://lastweekin.ai/p/258" and parsed.post.redirect
    [issue] = parsed.issues
    assert issue.kind == "recovered" and issue.path == "digests/2024-02-19-258.md"
    assert "invalid YAML front matter" in issue.reason and "line 3" in issue.reason


def test_not_utf8_is_skipped_with_reason(tmp_path: Path) -> None:
    result = load(
        tmp_path, "a/2020-01-01-latin1.md", "---\ntitle: Café\n---\nNaïve".encode("latin-1")
    )
    assert isinstance(result, LoadIssue)
    assert result.kind == "skipped" and result.path == "a/2020-01-01-latin1.md"
    assert "not valid UTF-8" in result.reason and "0xe9" in result.reason
    bom = load(tmp_path, "a/2020-01-03-bom.md", b"\xef\xbb\xbfab\xe9cd")
    assert isinstance(bom, LoadIssue) and "byte 0xe9 at offset 5" in bom.reason
    ok_bom = ok(load(tmp_path, "a/2020-01-04-bom.md", "\ufeff---\ntitle: BOM\n---\nx".encode()))
    assert ok_bom.post.title == "BOM"
    utf16 = load(tmp_path, "a/2020-01-02-u16.md", "---\ntitle: x\n---\n".encode("utf-16"))
    assert isinstance(utf16, LoadIssue) and "UTF-16" in utf16.reason


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    result = parse_post(tmp_path / "_posts" / "missing.md", tmp_path / "_posts", SITE)
    assert isinstance(result, LoadIssue) and result.kind == "skipped"
    assert "cannot read" in result.reason


def test_code_fence_around_front_matter(tmp_path: Path) -> None:
    text = "```markdown\n---\ntitle: Fenced\ncategories: [digests]\n---\n\n## News\n\nText.\n```\n"
    parsed = ok(load(tmp_path, "digests/2025-07-28-317.md", text))
    assert parsed.post.title == "Fenced"
    assert all_text(parsed) == "News\nText."
    assert [i.kind for i in parsed.issues] == ["recovered"]
    assert "code fence" in parsed.issues[0].reason


def test_closing_delimiter_glued_to_body(tmp_path: Path) -> None:
    text = "---\ntitle: Glued\n---### Top News\n\nStory.\n"
    parsed = ok(load(tmp_path, "d/2025-08-18-319.md", text))
    assert parsed.post.title == "Glued"
    assert [(p.heading_path, p.text) for p in parsed.passages] == [
        (("Top News",), "Top News\nStory.")
    ]
    assert "glued" in parsed.issues[0].reason


def test_unclosed_front_matter_is_body(tmp_path: Path) -> None:
    parsed = ok(load(tmp_path, "2020-01-01-open.md", "---\ntitle: never closed\n\nText.\n"))
    assert parsed.post.title == "Open"
    assert "never closed" in parsed.issues[0].reason


def test_empty_body_and_empty_file(tmp_path: Path) -> None:
    parsed = ok(load(tmp_path, "e/2021-10-29-robot-butlers.md", "---\ntitle: Robots\n---"))
    assert parsed.post.title == "Robots" and parsed.passages == () and parsed.issues == ()
    empty = ok(load(tmp_path, "2020-02-03-so-so-ai.md", ""))
    assert empty.post.title == "So So Ai" and empty.post.date == dt.date(2020, 2, 3)
    assert empty.passages == ()


def test_a_body_less_post_is_one_passage_of_its_excerpt(tmp_path: Path) -> None:
    # Redirect stubs (editorials published elsewhere) are front matter only: their excerpt is
    # what they argue, and without a passage no question could ever cite them.
    stub = (
        "---\nlayout: redirect\ntitle: The Inherent Limitations of GPT-3\n"
        'excerpt: "On why GPT-3 as is will not cost many people their jobs."\n'
        "redirect: https://lastweekin.ai/p/the-inherent-limitations-of-gpt-3\n---\n"
    )
    parsed = ok(load(tmp_path, "editorials/2021-11-27-gpt-3-limits.md", stub))
    [passage] = parsed.passages
    assert passage.text == "On why GPT-3 as is will not cost many people their jobs."
    assert passage.ordinal == 0 and passage.heading_path == () and passage.anchor is None
    assert parsed.post.url == "https://lastweekin.ai/p/the-inherent-limitations-of-gpt-3"


def test_no_front_matter_still_a_post(tmp_path: Path) -> None:
    parsed = ok(load(tmp_path, "2020-01-01-plain.md", "# Title\n\nJust text.\n"))
    assert parsed.post.title == "Plain"
    assert parsed.post.categories == ()
    assert parsed.post.url == "https://www.example.com/plain/"
    assert parsed.post.excerpt == "Just text."


def test_date_fallbacks(tmp_path: Path) -> None:
    a = ok(load(tmp_path, "2019-05-06-x.md", "---\ndate: not a date\n---\nx"))
    assert a.post.date == dt.date(2019, 5, 6)
    # (A plain folder of posts: in a Jekyll _posts folder a file needs a dated name.)
    b = ok(load(tmp_path, "u.md", "---\ndate: '2018-01-02T03:04:05+09:00'\n---\nx", root_name="p"))
    assert b.post.date == dt.date(2018, 1, 1)  # 18:04 UTC the day before: the site's zone
    jekyll_style = ok(
        load(tmp_path, "2018-05-01-j.md", "---\ndate: 2018-05-14 23:30:00 -0700\n---\nx")
    )
    assert jekyll_style.post.date == dt.date(2018, 5, 15)
    c = ok(load(tmp_path, "undated2.md", "no date anywhere", root_name="p"))
    assert c.post.date == dt.date(1970, 1, 1)  # never the mtime: deterministic, and oldest
    assert [i.reason for i in c.issues] == [
        "no date in the front matter or the file name; dated 1970-01-01"
    ]


def test_an_impossible_date_in_the_front_matter_is_read_as_jekyll_reads_it(
    tmp_path: Path,
) -> None:
    text = "---\ntitle: Leap\ndate: 2020-02-30\ntags: [a, b]\n---\nBody text.\n"
    post = ok(load(tmp_path, "briefs/2020-02-28-leap.md", text))
    assert post.post.date == dt.date(2020, 3, 1)  # Ruby's Time.parse runs the day over
    assert post.post.title == "Leap" and post.post.tags == ("a", "b")  # the rest kept
    assert post.post.url == "https://www.example.com/leap/"
    reasons = [i.reason for i in post.issues if i.kind == "recovered"]
    assert reasons == [
        "impossible date '2020-02-30' in the front matter; read as 2020-03-01, as Jekyll does"
    ]
    quoted = ok(load(tmp_path, "2020-03-05-q.md", "---\ndate: '2020-02-30'\n---\nx"))
    assert quoted.post.date == dt.date(2020, 3, 1)
    assert [i.reason for i in quoted.issues] == reasons


def test_an_impossible_date_in_the_file_name_is_read_deterministically(tmp_path: Path) -> None:
    """Issue 11 item 7: never the mtime, which made an old digest the newest post."""
    path = "digests/2021-2-29-105.md"
    first = ok(load(tmp_path, path, "---\ntitle: 'Last Week in AI #105'\n---\nNews.\n"))
    assert first.post.date == dt.date(2021, 3, 1)  # as Jekyll (Ruby's Time.parse) reads it
    assert [(i.kind, i.reason) for i in first.issues] == [
        (
            "recovered",
            "impossible date 2021-2-29 in the file name; read as 2021-03-01, as Jekyll does",
        )
    ]
    assert first.post.url == "https://www.example.com/105/"
    # A fresh clone: a new mtime gives the same post.
    file = tmp_path / "_posts" / path
    os.utime(file, (0, 2_000_000_000))
    again = ok(parse_post(file, tmp_path / "_posts", SITE))
    assert again.post == first.post
    month = load(tmp_path, "2021-13-40-x.md", "x")  # Jekyll stops its build on it
    assert isinstance(month, LoadIssue) and month.kind == "skipped", month


def test_messy_body(tmp_path: Path) -> None:
    body = (
        "---\ntitle: Mess\n---\n"
        "* TOC\n{:toc}\n\n"
        "Tom&nbsp;&amp;&nbsp;Jerry’s IBMâ€™s {{ site.imgpath }} {% include x.html %}text.\n\n"
        '<iframe src="https://youtube.com/embed/x"></iframe>\n\n'
        '<blockquote class="twitter-tweet"><p>Tweet text</p>&mdash; A (@a) '
        '<a href="https://twitter.com/a/1">May 1</a></blockquote> <script src="w.js"></script>\n\n'
        "![alt](https://img.png)\n{: .center}\n"
    )
    parsed = ok(load(tmp_path, "2020-01-01-mess.md", body))
    assert all_text(parsed) == "Tom & Jerry’s IBM’s text.\nTweet text — A, May 1"


def test_various_front_matter_shapes(tmp_path: Path) -> None:
    text = (
        "---\ntitle: 42\ncategory: Deep Learning\ncategories: ai ml\ntags: [x, 7, null]\n"
        "authors: Jane Doe\nlayout: [odd]\npermalink: /custom/\nslug: my-slug\n---\nx"
    )
    post = ok(load(tmp_path, "2020-01-01-s.md", text)).post
    assert post.title == "42"
    assert post.categories == ("ai", "ml", "Deep Learning")
    dup = ok(load(tmp_path, "briefs/2020-01-03-d.md", "---\ncategories: [Briefs, AI]\n---\nx"))
    assert dup.post.categories == ("Briefs", "AI")
    assert post.tags == ("x", "7")
    comma = ok(load(tmp_path, "2020-01-04-c.md", "---\ntags: ai, machine learning\n---\nx"))
    assert comma.post.tags == ("ai", "machine learning")
    assert post.authors == ("Jane Doe",)
    assert post.layout is None
    assert post.url == "https://www.example.com/custom/"
    scalar = ok(load(tmp_path, "2020-01-02-t.md", "---\njust a string\n---\nbody"))
    assert "not a mapping" in scalar.issues[0].reason


def test_split_front_matter_variants() -> None:
    assert split_front_matter("---\na: 1\n---\nbody") == ("a: 1\n", "body", [])
    assert split_front_matter("---\n---\nbody") == ("", "body", [])
    assert split_front_matter("---\na: 1\n...\nbody") == ("a: 1\n", "body", [])
    assert split_front_matter("no front matter") == (None, "no front matter", [])
    assert split_front_matter("---\na: 1\n---")[:2] == ("a: 1\n", "")


# --- the real corpus ------------------------------------------------------------------------------

GLUED = [
    f"digests/{name}.md"
    for name in (
        "2025-08-18-319",
        "2025-08-25-320",
        "2025-09-08-321",
        "2025-09-22-322",
        "2025-09-29-323",
        "2025-10-20-324",
        "2025-10-27-325",
        "2025-11-10-326",
        "2025-11-24-327",
        "2025-12-08-328",
        "2025-12-15-329",
        "2025-12-22-330",
        "2026-01-05-331",
        "2026-01-12-332",
        "2026-01-19-333",
        "2026-02-02-334",
        "2026-02-16-335",
        "2026-02-23-336",
        "2026-03-09-337",
        "2026-03-16-338",
        "2026-03-23-339",
        "2026-05-04-340",
    )
]
RECOVERED = {
    "digests/2024-02-19-258.md": "invalid YAML front matter",
    "digests/2024-07-15-279.md": "invalid YAML front matter",
    "digests/2021-2-29-105.md": "impossible date 2021-2-29 in the file name",
    "digests/2025-07-28-317.md": "code fence",
    "digests/2025-08-04-318.md": "code fence",
    **dict.fromkeys(GLUED, "glued"),
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, ParsedPost | LoadIssue]:
    if not CORPUS.exists():
        pytest.skip("../shared corpus not present (fresh clone); CI provides it")
    root, site = find_site(CORPUS)
    return {
        p.relative_to(root).as_posix(): parse_post(p, root, site) for p in iter_post_files(root)
    }


@pytest.mark.shared
@needs_shared
def test_corpus_all_load_exact_recovered_set_none_skipped(corpus: dict) -> None:
    assert len(corpus) == 439
    assert not [k for k, v in corpus.items() if isinstance(v, LoadIssue)]
    recovered = {k: [i.reason for i in v.issues] for k, v in corpus.items() if v.issues}
    assert set(recovered) == set(RECOVERED)
    for key, reasons in recovered.items():
        assert len(reasons) == 1 and RECOVERED[key] in reasons[0], (key, reasons)
        assert all(i.kind == "recovered" and i.path == key for i in corpus[key].issues)


@pytest.mark.shared
@needs_shared
def test_corpus_metadata_and_urls(corpus: dict) -> None:
    posts = {k: v.post for k, v in corpus.items()}
    redirects = [p for p in posts.values() if p.layout == "redirect"]
    assert len(redirects) == 267
    assert all(p.redirect and re.match(r"https://", p.url) for p in redirects)
    assert posts["digests/2024-02-19-258.md"].url == "https://lastweekin.ai/p/258"
    assert posts["digests/2025-07-28-317.md"].url == "https://lastweekin.ai/p/317"
    assert not any(p.redirect for p in posts.values() if p.layout != "redirect")
    # Posts without a permalink get the site pattern /:categories/:title/.
    assert posts["editorials/2019-06-24-agi-useless.md"].url == (
        "https://www.skynettoday.com/editorials/agi-useless/"
    )
    assert posts["briefs/2017-02-22-alphago.md"].url.startswith("https://www.skynettoday.com/")
    assert all(p.title and p.categories for p in posts.values())
    # 21 editorials are front matter only (redirect stubs): each is one passage, its excerpt.
    stubs = [v for v in corpus.values() if v.post.layout == "redirect" and len(v.passages) == 1]
    from_excerpt = [v for v in stubs if v.passages[0].text == v.post.excerpt]
    assert len(from_excerpt) == 21
    assert not [k for k, v in corpus.items() if not v.passages]


@pytest.mark.shared
@needs_shared
def test_corpus_passages_are_clean(corpus: dict) -> None:
    bad = re.compile(r"https?://|www\.|\]\(|\{\{|\{%|\{:|â€|Ã|Â©|ðŸ|&amp;|&nbsp;|\u00a0")
    for key, parsed in corpus.items():
        for passage in parsed.passages:
            assert passage.text.strip() and len(passage.text.split()) <= 250
            assert not bad.search(passage.text), (key, bad.search(passage.text))


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(SEED, marks=[pytest.mark.shared, needs_shared], id="shared-seed"),
        pytest.param(
            PROJECT_CONTENT / "_posts/briefs/2020-06-21-face-recog-police.md", id="content"
        ),
    ],
)
def test_seed_brief(path: Path) -> None:
    root = path.parent.parent if path.parent.name == "briefs" else path.parent
    _, site = find_site(PROJECT_CONTENT)
    parsed = ok(parse_post(path, root, site))
    text = all_text(parsed)
    assert "IBM’s decision" in text and "we’re glad" in text and "Cahn🔯" in text
    assert "â€" not in text and "ðŸ" not in text
    assert "http" not in text and "](" not in text
    assert parsed.post.url == "https://www.skynettoday.com/briefs/face-recog-police"
    anchors = {p.anchor for p in parsed.passages}
    assert {"summary", "what-happened", "the-reactions", "our-perspective"} <= anchors
    what = [p for p in parsed.passages if p.anchor == "what-happened"]
    assert what and what[0].heading_path == ("What Happened",)
    assert what[0].text.startswith(
        "What Happened\nIn a June 8 letter to members of Congress, IBM declared"
    )


def test_front_matter_follows_jekylls_delimiters(tmp_path: Path) -> None:
    """python-frontmatter reads well-formed files, with Jekyll's delimiters, not its own."""
    dots = ok(load(tmp_path, "2020-01-01-dots.md", "---\ntitle: Dots\n...\n\nBody here.\n"))
    assert dots.post.title == "Dots" and not dots.issues
    assert all_text(dots) == "Body here."
    # "----" does not open front matter in Jekyll: the file is all body.
    dashes = ok(load(tmp_path, "2020-01-02-dashes.md", "----\ntitle: No\n----\n\nText.\n"))
    assert dashes.post.title == "Dashes"
    # The body is the file's text after the closing line, as it is (an indented code block
    # that opens it stays one).
    text = "---\ntitle: Code\n---\n    indented code\n\nText.\n"
    assert read_front_matter(text) == ({"title": "Code"}, "\n    indented code\n\nText.\n", [])
    assert split_front_matter(text)[1] == "    indented code\n\nText.\n"
    # A list instead of a mapping: reported, the post kept.
    listed = ok(load(tmp_path, "2020-01-03-list.md", "---\n- a\n- b\n---\nText.\n"))
    assert "not a mapping" in listed.issues[0].reason


def test_a_script_redirect_is_ignored_and_reported(tmp_path: Path) -> None:
    text = "---\ntitle: T\nredirect_to: 'javascript:alert(1)'\n---\nBody.\n"
    post = ok(load(tmp_path, "briefs/2020-01-01-t.md", text))
    assert post.post.url == "https://www.example.com/t/" and not post.post.redirect
    assert "is not an http(s) URL or a site path" in post.issues[0].reason
    site_path = "---\ntitle: T\nredirect_to: /elsewhere/\n---\nBody.\n"
    moved = ok(load(tmp_path, "briefs/2020-01-02-t.md", site_path))
    assert moved.post.url == "https://www.example.com/elsewhere/" and moved.post.redirect


def test_front_matter_aliases_nested_a_billion_times_load_at_once(tmp_path: Path) -> None:
    """ "Billion laughs": nine levels of YAML aliases, nine each. PyYAML shares the lists; code
    that walks them visits 9**9 of them (hours). Run aside so a regression fails, not hangs."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = tmp_path / "_posts" / "2020-01-01-laughs.md"
    path.parent.mkdir(parents=True)
    fields = ["title: *a8", "tags: *a8", "date: *a8", "redirect_to: *a8", "permalink: *a8"]
    text = "---\n" + "\n".join([*lines, *fields]) + "\n---\nBody.\n"
    path.write_text(text, encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from index.ingest.loader import parse_post; "
        "from index.models import SiteConfig; p = Path(sys.argv[1]); "
        "r = parse_post(p, p.parent, SiteConfig()); print(r.post.title, r.post.tags)"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("parsing the aliased front matter did not finish")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Laughs ()\n"
