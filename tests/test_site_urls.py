"""Finding the posts of a site, reading _config.yml, and Jekyll permalinks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.ingest.site import find_site, iter_post_files, read_site_config
from index.ingest.urls import expand_pattern, post_url, slugify
from index.models import SiteConfig

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
needs_shared = pytest.mark.skipif(
    not CORPUS.exists(), reason="../shared corpus not present (fresh clone); CI provides it"
)

SITE = SiteConfig(url="https://www.example.com", permalink="/:categories/:title/")


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- find_site / iter_post_files --------------------------------------------------------------


def test_find_site_from_root_posts_folder_or_plain_folder(tmp_path: Path) -> None:
    write(tmp_path / "_config.yml", "url: https://x.org/\nbaseurl: /blog/\npermalink: pretty\n")
    write(tmp_path / "_posts" / "a" / "2020-01-01-x.md")
    for content in (tmp_path, tmp_path / "_posts"):
        root, site = find_site(content)
        assert root == tmp_path / "_posts"
        assert site.url == "https://x.org"  # no trailing slash
        assert site.baseurl == "/blog"
        assert site.permalink == "pretty"

    plain = tmp_path / "plain"
    write(plain / "2020-01-01-y.md")
    root, site = find_site(plain)
    assert root == plain
    assert site == SiteConfig()


def test_find_site_missing_folder_raises_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="content folder not found"):
        find_site(tmp_path / "nope")


def test_broken_or_odd_config_gives_defaults(tmp_path: Path) -> None:
    cfg = write(tmp_path / "_config.yml", 'url: "https://a.b\ntitle: [unclosed\n')
    site = read_site_config(cfg)
    assert site.permalink == SiteConfig().permalink
    write(cfg, "- just\n- a list\n")
    assert read_site_config(cfg) == SiteConfig()
    write(cfg, "url: 42\nbaseurl:\ntitle: T\n")
    assert read_site_config(cfg) == SiteConfig(title="T")
    assert read_site_config(tmp_path / "missing.yml") == SiteConfig()


def test_broken_config_keeps_good_keys(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "_config.yml",
        'url: https://good.org\ndescription: "a "quoted" word"\npermalink: /:title/\n',
    )
    site = read_site_config(cfg)
    assert site.url == "https://good.org"
    assert site.permalink == "/:title/"


def test_iter_post_files_sorted_markdown_only_no_hidden(tmp_path: Path) -> None:
    for rel in [
        "b/2020-01-02-b.md",
        "a/2020-01-01-a.markdown",
        "a/notes.txt",
        ".hidden/2020-01-01-h.md",
        "a/.draft.md",
        "2019-12-31-top.md",
    ]:
        write(tmp_path / rel)
    rels = [p.relative_to(tmp_path).as_posix() for p in iter_post_files(tmp_path)]
    assert rels == ["2019-12-31-top.md", "a/2020-01-01-a.markdown", "b/2020-01-02-b.md"]


# --- permalinks -------------------------------------------------------------------------------

DATE = dt.date(2020, 6, 1)


def url(front: dict, site: SiteConfig = SITE, categories=("briefs",), slug="face-recog") -> str:
    value, _ = post_url(site, front, categories=list(categories), date=DATE, slug=slug)
    return value


def test_front_matter_permalink_wins_and_is_kept_as_written() -> None:
    assert url({"permalink": "/briefs/face-recog-police"}) == (
        "https://www.example.com/briefs/face-recog-police"
    )
    assert url({"permalink": "briefs/x/"}) == "https://www.example.com/briefs/x/"
    assert url({"permalink": "//a//b/../c/"}) == "https://www.example.com/a/b/c/"
    # Placeholders work in front matter permalinks too, as in Jekyll.
    assert (
        url({"permalink": "/:year/:title.html"}) == "https://www.example.com/2020/face-recog.html"
    )


def test_site_pattern_and_categories() -> None:
    assert url({}) == "https://www.example.com/briefs/face-recog/"
    assert (
        url({}, categories=["News", "AI", "news"]) == "https://www.example.com/news/ai/face-recog/"
    )
    assert url({}, categories=[]) == "https://www.example.com/face-recog/"


@pytest.mark.parametrize(
    ("permalink", "expected"),
    [
        ("pretty", "/briefs/2020/06/01/face-recog/"),
        ("date", "/briefs/2020/06/01/face-recog.html"),
        ("none", "/briefs/face-recog.html"),
        ("ordinal", "/briefs/2020/153/face-recog.html"),
        ("/:categories/:year/:month/:day/:title:output_ext", "/briefs/2020/06/01/face-recog.html"),
        ("/:i_month/:i_day/:short_year/:slug", "/6/1/20/face-recog"),
        ("/:title:output_ext/", "/face-recog/"),
        ("/:unknown/:title", "/:unknown/face-recog"),
    ],
)
def test_permalink_styles_and_placeholders(permalink: str, expected: str) -> None:
    site = SiteConfig(url="https://s.io", permalink=permalink)
    assert url({}, site=site) == "https://s.io" + expected


def test_title_and_slug_placeholders_slugify_like_jekyll() -> None:
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("Hello, World!", pretty=True, cased=True) == "Hello,-World!"
    path = expand_pattern("/:title/:slug/", categories=[], date=DATE, slug="Café au lait")
    assert path == "/Caf%C3%A9-au-lait/caf%C3%A9-au-lait/"


def test_baseurl_is_prepended() -> None:
    site = SiteConfig(url="https://s.io", baseurl="/blog", permalink="/:title/")
    assert url({}, site=site) == "https://s.io/blog/face-recog/"
    assert url({"permalink": "/p/"}, site=site) == "https://s.io/blog/p/"


def test_redirects_are_cited_at_their_target() -> None:
    assert post_url(
        SITE,
        {"layout": "redirect", "redirect": "https://lastweekin.ai/p/258"},
        categories=[],
        date=DATE,
        slug="x",
    ) == ("https://lastweekin.ai/p/258", True)
    assert post_url(
        SITE, {"redirect_to": ["https://a.b/c"]}, categories=[], date=DATE, slug="x"
    ) == ("https://a.b/c", True)
    assert post_url(SITE, {"redirect_to": "/elsewhere/"}, categories=[], date=DATE, slug="x") == (
        "https://www.example.com/elsewhere/",
        True,
    )
    # redirect_from means other URLs point here: not a redirect of this post.
    assert post_url(
        SITE,
        {"redirect_from": ["/old/"], "layout": "redirect"},
        categories=["b"],
        date=DATE,
        slug="x",
    ) == ("https://www.example.com/b/x/", False)


@pytest.mark.shared
@needs_shared
def test_real_site_config_and_posts() -> None:
    root, site = find_site(CORPUS)
    assert root == CORPUS / "_posts"
    assert site == SiteConfig(
        url="https://www.skynettoday.com",
        baseurl="",
        permalink="/:categories/:title/",
        title="Skynet Today",
    )
    files = iter_post_files(root)
    assert len(files) == 439
    assert files == sorted(files, key=lambda p: p.relative_to(root).as_posix())


@pytest.mark.parametrize(
    ("pattern", "categories", "slug", "expected"),
    [
        # Each as `jekyll build` (4.3) writes it.
        ("/:categories/:title/", ["One", "two"], "Mixed_Case Name", "/one/two/Mixed_Case-Name/"),
        ("/:title:output_ext", [], "my_post", "/my_post.html"),
        ("/:slug/", [], "my_post", "/my-post/"),
        ("/:categories/:title/", ["AI News"], "café au lait", "/ai%20news/caf%C3%A9-au-lait/"),
        ("/:slugified_categories/:title/", ["AI News", "Robots"], "x", "/ai-news/robots/x/"),
    ],
)
def test_placeholders_as_jekyll_writes_them(
    pattern: str, categories: list[str], slug: str, expected: str
) -> None:
    """``:title`` keeps the underscore (Jekyll's "pretty" slug): ``2020-01-01-my_post.md`` is
    at /my_post/, and a link to /my-post/ opened nothing."""
    assert expand_pattern(pattern, categories=categories, date=DATE, slug=slug) == expected
