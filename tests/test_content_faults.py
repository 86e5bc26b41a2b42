"""Faults in the content folder: files that cannot or must not be read are skipped with their
reason, and everything else is indexed (real files in tmp dirs, a real SQLite database)."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from retrieval_support import copy_site

import index.storage.indexer
from index.ingest.site import find_site, iter_post_files, scan_post_files
from index.models import IndexReport, LoadIssue, SiteConfig
from index.storage.service import IndexService

GOOD = "---\ntitle: {title}\n---\n\nSome text about {title}.\n"
FIXTURE_POSTS = 13


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def reindex(content: Path, db: Path) -> tuple[IndexReport, IndexService]:
    service = await IndexService.open(db, content)
    report = await service.reindex()
    return report, service


def skipped(report: IndexReport) -> dict[str, str]:
    return {i.path: i.reason for i in report.issues if i.kind == "skipped"}


def test_a_symlink_to_a_file_outside_the_site_is_skipped_and_reported(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    secret = write(tmp_path / "elsewhere" / "secret.md", "---\ntitle: Secret\n---\n\nsecret\n")
    (site / "_posts" / "briefs" / "2024-01-01-leak.md").symlink_to(secret)
    # A symlink to a file inside the site is fine (Jekyll follows it too).
    inside = write(site / "shared" / "note.md", GOOD.format(title="Inside"))
    (site / "_posts" / "briefs" / "2024-01-02-inside.md").symlink_to(inside)

    scan = scan_post_files(site / "_posts")
    names = [p.name for p in scan.files]
    assert "2024-01-01-leak.md" not in names
    assert "2024-01-02-inside.md" in names
    assert [(i.path, i.kind) for i in scan.skipped] == [("briefs/2024-01-01-leak.md", "skipped")]
    assert "outside the content folder" in scan.skipped[0].reason


async def test_bad_files_are_skipped_with_their_reason_and_the_rest_indexed(
    tmp_path: Path,
) -> None:
    site = copy_site(tmp_path / "site")
    posts = site / "_posts" / "briefs"
    (posts / "2024-02-01-dangling.md").symlink_to(posts / "no-such-file.md")
    (posts / "2024-02-02-loop-a.md").symlink_to(posts / "2024-02-03-loop-b.md")
    (posts / "2024-02-03-loop-b.md").symlink_to(posts / "2024-02-02-loop-a.md")
    # A socket: even root cannot read it (reading it fails with ENXIO).
    sock = socket.socket(socket.AF_UNIX)
    sock_path = posts / "2024-02-04-socket.md"
    try:
        sock.bind(str(sock_path))
    except OSError:  # pragma: no cover - a path too long for AF_UNIX
        pytest.skip("cannot bind a unix socket here")
    try:
        report, service = await reindex(site, tmp_path / "db.sqlite3")
        try:
            assert report.posts == FIXTURE_POSTS  # every good post indexed
            assert service.current is not None and len(service.current) == FIXTURE_POSTS
        finally:
            await service.close()
    finally:
        sock.close()
    reasons = skipped(report)
    assert "dangling symlink" in reasons["briefs/2024-02-01-dangling.md"]
    assert reasons["briefs/2024-02-02-loop-a.md"] == "symlink loop"
    assert reasons["briefs/2024-02-03-loop-b.md"] == "symlink loop"
    assert reasons["briefs/2024-02-04-socket.md"] == "not a regular file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
async def test_a_file_without_read_permission_is_skipped(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    locked = write(site / "_posts" / "briefs" / "2024-03-01-locked.md", GOOD.format(title="L"))
    locked.chmod(0)
    try:
        report, service = await reindex(site, tmp_path / "db.sqlite3")
        await service.close()
    finally:
        locked.chmod(0o644)
    assert report.posts == FIXTURE_POSTS
    assert "Permission denied" in skipped(report)["briefs/2024-03-01-locked.md"]


async def test_a_file_deleted_while_indexing_runs_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(tmp_path / "site")
    doomed = write(site / "_posts" / "briefs" / "2024-04-01-doomed.md", GOOD.format(title="D"))
    scan = index.storage.indexer.scan_post_files

    def scan_then_delete(posts_root: Path):  # the file goes after it was listed
        found = scan(posts_root)
        doomed.unlink()
        return found

    monkeypatch.setattr(index.storage.indexer, "scan_post_files", scan_then_delete)
    report, service = await reindex(site, tmp_path / "db.sqlite3")
    await service.close()
    assert report.posts == FIXTURE_POSTS
    assert "No such file" in skipped(report)["briefs/2024-04-01-doomed.md"]


async def test_a_scheduled_reindex_keeps_going_past_a_bad_file(tmp_path: Path) -> None:
    """The bot's poll calls ``IndexService.reindex``: a bad file must not stop new posts."""
    site = copy_site(tmp_path / "site")
    db = tmp_path / "db.sqlite3"
    report, service = await reindex(site, db)
    try:
        posts = site / "_posts" / "briefs"
        (posts / "2024-05-01-dangling.md").symlink_to(posts / "gone.md")
        write(posts / "2024-05-02-new-post.md", GOOD.format(title="Tidal kites"))
        report = await service.reindex()
        assert report.added == ("briefs/2024-05-02-new-post.md",)
        assert "briefs/2024-05-01-dangling.md" in skipped(report)
        assert service.current is not None
        assert service.current.post("briefs/2024-05-02-new-post.md") is not None
    finally:
        await service.close()


def test_files_jekyll_never_publishes_are_not_indexed(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    posts = site / "_posts"
    write(posts / "briefs" / "_2024-06-01-unfinished.md", GOOD.format(title="Unfinished"))
    write(posts / "#2024-06-02-emacs-lock.md#", GOOD.format(title="Lock"))
    write(posts / "briefs" / "2024-06-03-backup.md~", GOOD.format(title="Backup"))
    rels = [p.relative_to(posts).as_posix() for p in iter_post_files(posts)]
    assert len(rels) == FIXTURE_POSTS
    assert not [r for r in rels if "unfinished" in r or "emacs" in r or "backup" in r]

    # A plain folder of posts (no _posts/): its _drafts/ are not published either.
    plain = tmp_path / "plain"
    write(plain / "2024-06-04-real.md", GOOD.format(title="Real"))
    write(plain / "_drafts" / "2024-06-05-draft.md", GOOD.format(title="Draft"))
    assert [p.name for p in iter_post_files(plain)] == ["2024-06-04-real.md"]


def test_skipped_files_are_load_issues(tmp_path: Path) -> None:
    posts = tmp_path / "_posts"
    posts.mkdir()
    (posts / "2024-07-01-x.md").symlink_to(posts / "missing.md")
    scan = scan_post_files(posts)
    assert scan.files == []
    assert scan.skipped == [
        LoadIssue(
            path="2024-07-01-x.md",
            kind="skipped",
            reason="dangling symlink (its target does not exist)",
        )
    ]


async def test_an_impossible_date_in_the_site_config_is_read_as_its_text(
    tmp_path: Path,
) -> None:
    """Jekyll's SafeYAML reads a timestamp no date can hold as a string: the config is valid."""
    site = copy_site(tmp_path / "site")
    config = site / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "launched: 2020-13-01\n", "utf-8")
    _, settings = find_site(site)
    assert settings.url == "https://circuitnotes.example.org"  # the good keys are kept
    report, service = await reindex(site, tmp_path / "db.sqlite3")
    await service.close()
    assert report.posts == FIXTURE_POSTS
    assert "_config.yml" not in {i.path for i in report.issues}


def post_with_permalink(title: str, words: str) -> str:
    return f"---\ntitle: {title}\npermalink: /briefs/shared-page/\n---\n\n{words}\n"


async def test_two_posts_with_one_permalink_are_cited_once_and_reported(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    posts = site / "_posts" / "briefs"
    older = "briefs/2024-08-01-kelp.md"
    newer = "briefs/2024-08-08-kelp-again.md"
    write(site / "_posts" / older, post_with_permalink("Kelp", "Kelp forests store carbon."))
    write(site / "_posts" / newer, post_with_permalink("Kelp again", "Kelp forests regrow fast."))
    url = "https://circuitnotes.example.org/briefs/shared-page/"
    report, service = await reindex(site, tmp_path / "db.sqlite3")
    try:
        # Jekyll writes posts in date order: the later one is what the URL serves.
        assert report.posts == FIXTURE_POSTS + 1
        assert skipped(report) == {
            older: f"same URL as {newer}, which Jekyll publishes there instead: {url}"
        }
        index = service.current
        assert index is not None and index.post(older) is None and index.post(newer) is not None
        answer = index.search("kelp forests", k=10)
        assert [r.post_id for r in answer.results if r.url.startswith(url)] == [newer]

        # Nothing changed: nothing rewritten, and the report still says so.
        again = await service.reindex()
        assert (again.added, again.changed, again.removed) == ((), (), ())
        assert older in skipped(again)
        assert await service.store.generation() == 1

        # The published post goes: the other one is cited at the URL now.
        (posts / "2024-08-08-kelp-again.md").unlink()
        report = await service.reindex()
        assert report.added == (older,) and report.removed == (newer,)
        assert skipped(report) == {}
        assert service.current is not None and service.current.post(older) is not None

        # A later post takes the URL from an indexed one: the indexed one is dropped.
        write(site / "_posts" / newer, post_with_permalink("Kelp again", "Kelp regrows."))
        report = await service.reindex()
        assert report.added == (newer,) and report.removed == (older,)
        assert older in skipped(report)
    finally:
        await service.close()
    # A fresh index of the same files gives the same outcome.
    fresh, service = await reindex(site, tmp_path / "fresh.sqlite3")
    await service.close()
    assert skipped(fresh) == skipped(report)


def test_a_posts_folder_that_is_itself_a_symlink_is_read(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "_posts").rename(tmp_path / "posts-volume")
    (site / "_posts").symlink_to(tmp_path / "posts-volume")
    scan = scan_post_files(site / "_posts")
    assert len(scan.files) == FIXTURE_POSTS and scan.skipped == []


def test_a_site_config_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    (site / "_config.yml").unlink()
    os.mkfifo(site / "_config.yml")
    found: list[object] = []
    # With no writer, reading the FIFO would never return: run it aside, and unblock it.
    reader = threading.Thread(target=lambda: found.append(find_site(site)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():
        with open(site / "_config.yml", "wb"):  # EOF for the blocked reader
            pass
        reader.join()
        pytest.fail("reading a FIFO _config.yml blocked")
    assert found == [(site / "_posts", SiteConfig())]


async def test_a_file_name_that_is_not_utf8_is_skipped_and_the_rest_indexed(
    tmp_path: Path,
) -> None:
    site = copy_site(tmp_path / "site")
    briefs = os.fsencode(site / "_posts" / "briefs")
    with open(briefs + b"/2024-09-01-caf\xe9.md", "wb") as bad:  # Latin-1 "café"
        bad.write(GOOD.format(title="Cafe").encode())
    write(site / "_posts" / "briefs" / "2024-09-02-new\nline.md", GOOD.format(title="Newline"))
    report, service = await reindex(site, tmp_path / "db.sqlite3")
    await service.close()
    assert report.posts == FIXTURE_POSTS + 1  # the newline is odd, but text: indexed
    assert skipped(report) == {
        "briefs/2024-09-01-caf\N{REPLACEMENT CHARACTER}.md": (
            "file name is not valid UTF-8; rename the file"
        )
    }
    assert "briefs/2024-09-02-new\nline.md" in report.added


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_a_folder_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    locked = site / "_posts" / "digests"
    locked.chmod(0)
    try:
        scan = scan_post_files(site / "_posts")
    finally:
        locked.chmod(0o755)
    assert len(scan.files) == FIXTURE_POSTS - 3
    assert [(i.path, i.kind) for i in scan.skipped] == [("digests/", "skipped")]
    assert "Permission denied" in scan.skipped[0].reason


async def test_a_posts_folder_gone_during_a_reindex_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. a checkout switching branches: not "every post was removed"."""
    site = copy_site(tmp_path / "site")
    _report, service = await reindex(site, tmp_path / "db.sqlite3")
    try:
        found = index.storage.indexer.find_site

        def find_then_vanish(content: Path, url: str = ""):  # _posts goes after the site was found
            result = found(content, url)
            (site / "_posts").rename(tmp_path / "moved-away")
            return result

        monkeypatch.setattr(index.storage.indexer, "find_site", find_then_vanish)
        with pytest.raises(FileNotFoundError):
            await service.reindex()
        assert service.current is not None and len(service.current) == FIXTURE_POSTS
        assert len(await service.store.file_states()) == FIXTURE_POSTS
    finally:
        await service.close()
