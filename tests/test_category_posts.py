"""Posts in ``<category>/_posts/`` folders, read as Jekyll reads them.

Jekyll's ``Reader`` reads the ``_posts`` folder of every folder it walks (not those it filters
out: names starting with "_", ".", "#" or "~", ``exclude:`` entries and its default excludes such
as ``node_modules``, unless ``include:`` names them); such a post's categories are the folders
above its ``_posts``, before the front matter's, and its URL follows. A root ``_posts`` post keeps
its id (its path inside ``_posts``), so existing databases and alerts see no change.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from index.ingest.loader import parse_post
from index.ingest.site import find_site, scan_post_files
from index.models import ParsedPost
from index.storage.indexer import Indexer
from index.storage.store import IndexStore

CONFIG = """\
url: https://ex.org
permalink: /:categories/:title/
exclude:
  - archive
include:
  - _special
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_site(root: Path, config: str = CONFIG) -> Path:
    write(root, "_config.yml", config)
    write(root, "_posts/2020-01-02-root.md", "---\ntitle: Root\ncategories: [News]\n---\nRoot.\n")
    write(root, "_posts/2019/2019-05-06-filed.md", "---\ntitle: Filed\n---\nFiled by year.\n")
    write(
        root,
        "movies/horror/_posts/2009-03-27-zombies.md",
        "---\ntitle: Zombies\ncategories: [Reviews]\n---\nZombies walk.\n",
    )
    write(root, "movies/_posts/2009-04-01-musicals.md", "---\ntitle: Musicals\n---\nSing.\n")
    # Never read by Jekyll: an excluded folder, a default-excluded one, a "_" folder, a dot one.
    write(root, "archive/_posts/2010-01-01-old.md", "---\ntitle: Old\n---\nOld.\n")
    write(root, "node_modules/pkg/_posts/2010-01-02-dep.md", "---\ntitle: Dep\n---\nDep.\n")
    write(root, "_drafts/_posts/2010-01-03-draft.md", "---\ntitle: Draft\n---\nDraft.\n")
    write(root, "_private/x/_posts/2010-01-04-hidden.md", "---\ntitle: Hidden\n---\nHidden.\n")
    write(root, ".github/_posts/2010-01-05-dot.md", "---\ntitle: Dot\n---\nDot.\n")
    # ``include:`` brings back a folder whose name Jekyll would otherwise skip.
    write(root, "_special/_posts/2010-01-06-special.md", "---\ntitle: Special\n---\nIn.\n")
    return root


def parsed(site: Path) -> dict[str, ParsedPost]:
    posts_root, config = find_site(site)
    out = {}
    for path in scan_post_files(posts_root).files:
        result = parse_post(path, posts_root, config)
        assert isinstance(result, ParsedPost), result
        out[result.post.id] = result
    return out


def test_posts_in_category_folders_are_read_with_their_categories_and_urls(
    tmp_path: Path,
) -> None:
    posts = parsed(make_site(tmp_path / "site"))
    assert sorted(posts) == [
        "2019/2019-05-06-filed.md",
        "2020-01-02-root.md",
        "_special/_posts/2010-01-06-special.md",
        "movies/_posts/2009-04-01-musicals.md",
        "movies/horror/_posts/2009-03-27-zombies.md",
    ]
    zombies = posts["movies/horror/_posts/2009-03-27-zombies.md"].post
    # The folders above ``_posts`` first, then the front matter's (as Jekyll merges them).
    assert zombies.categories == ("movies", "horror", "Reviews")
    assert zombies.url == "https://ex.org/movies/horror/reviews/zombies/"
    assert (
        posts["movies/_posts/2009-04-01-musicals.md"].post.url == "https://ex.org/movies/musicals/"
    )
    # Root posts: ids, categories and URLs as before (a folder inside ``_posts`` is none).
    assert posts["2020-01-02-root.md"].post.categories == ("News",)
    assert posts["2020-01-02-root.md"].post.url == "https://ex.org/news/root/"
    assert posts["2019/2019-05-06-filed.md"].post.categories == ()
    assert posts["2019/2019-05-06-filed.md"].post.url == "https://ex.org/filed/"
    # Passages carry the post's id (citations and the alerts' "seen" records use it).
    assert {p.post_id for p in posts["movies/horror/_posts/2009-03-27-zombies.md"].passages} == {
        "movies/horror/_posts/2009-03-27-zombies.md"
    }


def test_the_date_permalink_puts_a_category_folders_post_under_its_folders(
    tmp_path: Path,
) -> None:
    site = make_site(tmp_path / "site", config="url: https://ex.org\npermalink: date\n")
    posts = parsed(site)
    assert posts["movies/horror/_posts/2009-03-27-zombies.md"].post.url == (
        "https://ex.org/movies/horror/reviews/2009/03/27/zombies.html"
    )
    assert posts["2020-01-02-root.md"].post.url == "https://ex.org/news/2020/01/02/root.html"
    # Without ``exclude:`` in the config, "archive" is read; the defaults still leave out
    # node_modules, and "_" folders stay out without ``include:``.
    assert "archive/_posts/2010-01-01-old.md" in posts
    assert not any(key.startswith(("node_modules/", "_special/", "_drafts/")) for key in posts)


def test_a_new_post_in_a_category_folder_is_picked_up_by_a_reindex(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")

    async def run() -> None:
        store = await IndexStore.open(tmp_path / "index.sqlite3")
        try:
            indexer = Indexer(store, site, workers=1)
            first = await indexer.refresh()
            assert first.report.posts == 5
            assert first.report.issues == ()
            write(
                site,
                "movies/horror/_posts/2009-05-01-vampires.md",
                "---\ntitle: Vampires\n---\nVampires bite.\n",
            )
            second = await indexer.refresh()
            assert second.report.added == ("movies/horror/_posts/2009-05-01-vampires.md",)
            assert second.report.changed == () and second.report.removed == ()
            third = await indexer.refresh()
            assert third.report.added == () and third.report.changed == ()
        finally:
            await store.close()
        reopened = await IndexStore.open(tmp_path / "index.sqlite3")
        try:
            stored = await reopened.load()
            assert stored is not None
            by_id = {post.id: post for post in stored.posts}
            post = by_id["movies/horror/_posts/2009-05-01-vampires.md"]
            assert post.categories == ("movies", "horror")
            assert post.url == "https://ex.org/movies/horror/vampires/"
        finally:
            await reopened.close()

    asyncio.run(run())


def test_a_category_posts_folder_leading_outside_the_site_is_not_served(tmp_path: Path) -> None:
    """The scan's safety rules hold in category folders: a ``_posts`` symlinked outside the site
    serves nothing (its files are reported), and a symlinked folder is not walked."""
    site = make_site(tmp_path / "site")
    write(tmp_path, "elsewhere/_posts/2011-01-01-secret.md", "---\ntitle: Secret\n---\nSecret.\n")
    (site / "leak").mkdir()
    (site / "leak" / "_posts").symlink_to(tmp_path / "elsewhere" / "_posts")
    (site / "linked").symlink_to(tmp_path / "elsewhere")
    scan = scan_post_files(site / "_posts")
    ids = {path.relative_to(site).as_posix() for path in scan.files}
    assert not any("secret" in i for i in ids)
    assert [(i.path, i.reason) for i in scan.skipped] == [
        (
            "leak/_posts/2011-01-01-secret.md",
            "symlink to a file outside the content folder; not served",
        )
    ]


def test_a_site_with_posts_only_in_category_folders_is_a_jekyll_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site, "_config.yml", "url: https://ex.org\npermalink: /:categories/:title/\n")
    write(site, "movies/_posts/2009-04-01-musicals.md", "---\ntitle: Musicals\n---\nSing.\n")
    write(site, "about.md", "---\ntitle: About\n---\nA page, not a post.\n")
    posts = parsed(site)
    assert list(posts) == ["movies/_posts/2009-04-01-musicals.md"]
    assert posts["movies/_posts/2009-04-01-musicals.md"].post.url == (
        "https://ex.org/movies/musicals/"
    )


def test_the_walk_skips_what_jekyll_skips_and_finds_the_rest(tmp_path: Path) -> None:
    """Globs and prefixes in ``exclude:`` (Jekyll's ``File.fnmatch?`` and ``start_with?``), the
    build's ``destination`` (Jekyll's ``Reader`` never reads it), default excludes such as
    ``vendor/bundle/`` but not the rest of ``vendor``, symlinked folders not walked."""
    config = (
        "url: https://ex.org\npermalink: /:categories/:title/\ndestination: public\n"
        "exclude: [archive, '*-old', 'tmp/scratch']\ninclude: [_special]\n"
    )
    site = make_site(tmp_path / "site", config=config)
    for rel in (
        "public/movies/_posts",  # the built site
        "films-old/_posts",  # a glob
        "tmp/scratch-2/_posts",  # a prefix
        "vendor/bundle/gem/_posts",  # a default exclude
    ):
        write(site, f"{rel}/2011-01-01-x.md", "---\ntitle: Not read\n---\nNo.\n")
    write(site, "vendor/themes/_posts/2011-01-02-theme.md", "---\ntitle: Theme\n---\nIn.\n")
    write(site, "tmp/keep/_posts/2011-01-03-kept.md", "---\ntitle: Kept\n---\nIn.\n")
    (site / "linked").symlink_to(site / "movies", target_is_directory=True)
    assert sorted(parsed(site)) == [
        "2019/2019-05-06-filed.md",
        "2020-01-02-root.md",
        "_special/_posts/2010-01-06-special.md",
        "movies/_posts/2009-04-01-musicals.md",
        "movies/horror/_posts/2009-03-27-zombies.md",
        "tmp/keep/_posts/2011-01-03-kept.md",
        "vendor/themes/_posts/2011-01-02-theme.md",
    ]


def test_a_site_with_a_collections_dir_reads_its_posts_there(tmp_path: Path) -> None:
    """Jekyll's ``collections_dir``: posts are read from its ``_posts`` and its folders'
    ``_posts`` only (a root ``_posts`` is not read), categories from the folders below it."""
    site = tmp_path / "site"
    config = (
        "url: https://ex.org\npermalink: /:categories/:title/\ncollections_dir: my_collections\n"
        "exclude: [my_collections/old]\n"
    )
    write(site, "_config.yml", config)
    write(site, "my_collections/_posts/2020-01-01-first.md", "---\ntitle: First\n---\nOne.\n")
    write(site, "my_collections/movies/_posts/2020-01-02-film.md", "---\ntitle: F\n---\nFilm.\n")
    write(site, "my_collections/old/_posts/2020-01-03-old.md", "---\ntitle: Old\n---\nNo.\n")
    write(site, "_posts/2020-01-04-outside.md", "---\ntitle: Outside\n---\nNo.\n")
    write(site, "blog/_posts/2020-01-05-outside.md", "---\ntitle: Outside\n---\nNo.\n")
    posts = parsed(site)
    assert sorted(posts) == ["2020-01-01-first.md", "movies/_posts/2020-01-02-film.md"]
    assert posts["2020-01-01-first.md"].post.url == "https://ex.org/first/"
    film = posts["movies/_posts/2020-01-02-film.md"].post
    assert film.categories == ("movies",) and film.url == "https://ex.org/movies/film/"
