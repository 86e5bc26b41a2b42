"""Locate a site's posts and read what briefbot needs from its ``_config.yml``."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import LoadIssue, SiteConfig
from .yamltools import load_mapping

POST_SUFFIXES = (".md", ".markdown")
CONFIG_NAME = "_config.yml"


def _clean_str(value: Any) -> str:
    # YAML may give None, numbers or lists for hand-edited keys; only plain strings are usable.
    return value.strip() if isinstance(value, str) else ""


def load_site_config(config_path: Path) -> tuple[SiteConfig, str | None]:
    """``(SiteConfig, problem)`` from a ``_config.yml``; a missing or unreadable file gives
    defaults, and broken YAML gives what could be recovered with ``problem`` saying what is wrong.

    Broken YAML is recovered entry by entry (see ``yamltools``), so one bad line elsewhere in the
    config does not lose ``url`` or ``permalink``.
    """
    if not config_path.is_file():  # missing, or a FIFO or device a read would block on
        return SiteConfig(), None
    try:
        text = config_path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return SiteConfig(), None
    data, error = load_mapping(text.replace("\r\n", "\n"))
    defaults = SiteConfig()
    url = _clean_str(data.get("url")).rstrip("/")
    baseurl = _clean_str(data.get("baseurl")).strip("/")
    permalink = _clean_str(data.get("permalink")) or defaults.permalink
    title = _clean_str(data.get("title")) or _clean_str(data.get("name"))
    config = SiteConfig(
        url=url,
        baseurl=f"/{baseurl}" if baseurl else "",
        permalink=permalink,
        title=title,
        timezone=_clean_str(data.get("timezone")),
        future=data.get("future") is True,
    )
    return config, error and f"invalid YAML in {config_path.name} ({error}); salvaged key by key"


def read_site_config(config_path: Path) -> SiteConfig:
    """SiteConfig from a ``_config.yml``; a missing, unreadable or broken file gives defaults
    (for what a broken one loses)."""
    return load_site_config(config_path)[0]


def find_site(content: Path, url: str = "") -> tuple[Path, SiteConfig]:
    """Return ``(posts_root, site_config)`` for a content folder.

    Accepts a Jekyll site root (``_config.yml`` + ``_posts/``), the ``_posts`` folder itself, or a
    plain folder of Markdown posts (optionally with its own ``_config.yml``). ``url``, when given,
    is the site's ``url`` whatever its ``_config.yml`` says (a plain folder of posts has none).
    Raises FileNotFoundError / NotADirectoryError when ``content`` is not a folder.
    """
    posts_root, config = _find_site(Path(content))
    return posts_root, _with_url(config, url)


def _config_path(content: Path) -> Path:
    # The ``_config.yml`` beside ``_posts``: the content folder's own, unless it is ``_posts``.
    if content.name == "_posts" and not (content / "_posts").is_dir():
        return content.parent / CONFIG_NAME
    return content / CONFIG_NAME


def site_config(content: Path, url: str = "") -> SiteConfig:
    """The site settings ``find_site`` gives for ``content``, without looking for its posts (no
    walk of the site's folders): defaults when the folder or its ``_config.yml`` is missing."""
    return _with_url(read_site_config(_config_path(Path(content))), url)


def _with_url(config: SiteConfig, url: str) -> SiteConfig:
    url = url.strip().rstrip("/")
    return config.model_copy(update={"url": url}) if url else config


def _find_site(content: Path) -> tuple[Path, SiteConfig]:
    if not content.exists():
        raise FileNotFoundError(f"content folder not found: {content}")
    if not content.is_dir():
        raise NotADirectoryError(f"content is not a folder: {content}")
    config = read_site_config(_config_path(content))
    collections = _collections_dir(_config_data(content))
    if collections and content.name != "_posts":
        # Jekyll reads the posts in ``collections_dir`` only: its ``_posts`` and its folders'.
        return content / collections / "_posts", config
    if (content / "_posts").is_dir():
        return content / "_posts", config
    if content.name == "_posts":
        return content, config
    if (content / CONFIG_NAME).is_file() and _category_posts_folders(content, [], first=True):
        # A Jekyll site whose posts are all in its folders' ``_posts`` (``movies/_posts``).
        return content / "_posts", config
    return content, config


# Jekyll's EntryFilter: names starting with these are never published ("_draft.md", "#x.md#").
_UNPUBLISHED_LEAD = (".", "_", "#", "~")


@dataclass(frozen=True, slots=True)
class PostFiles:
    """The post files to read, and the ones skipped before reading (each with its reason).

    ``skipped`` also holds a "recovered" issue for a broken ``_config.yml``.
    """

    files: list[Path]
    skipped: list[LoadIssue]


def _unusable(path: Path, roots: tuple[str, ...], *, in_site: bool = False) -> str | None:
    """Why ``path`` cannot be read as a post (None when it can), without reading it.

    A symlink is followed only to a regular file inside the site: one that leaves it would serve
    a file from elsewhere on the machine under a site URL; a FIFO or device would block a read.
    ``in_site``: ``path`` was reached by a walk that follows no symlinked folder from a folder
    inside the site, so only a symlink needs its real path resolved (one ``lstat`` for the rest).
    """
    if in_site:
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                return None
        except OSError:
            pass  # (the full check says why)
    try:
        real = os.path.realpath(path, strict=True)
        mode = os.stat(real).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "dangling symlink (its target does not exist)"
        return f"cannot read file: {exc.strerror or exc}"
    if not _inside(real, roots):
        return "symlink to a file outside the content folder; not served"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def _inside(real: str, roots: tuple[str, ...]) -> bool:
    return any(os.path.commonpath([real, root]) == root for root in roots)


def _is_utf8(name: str) -> bool:
    # os.walk gives undecodable bytes of a name as lone surrogates ("caf\udce9.md").
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Jekyll 4 adds these to every site's ``exclude`` (its ``Configuration::DEFAULTS``).
_DEFAULT_EXCLUDE = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor/bundle/",
    "vendor/cache/",
    "vendor/gems/",
    "vendor/ruby/",
)


class _Patterns:
    """Jekyll's ``EntryFilter#glob_include?`` for folders, over one list of ``exclude:`` or
    ``include:`` entries: a glob (``fnmatch``), a prefix of the path, or "folder/" naming it.
    Compiled once per scan: a walk tests every folder of the site against every entry."""

    def __init__(self, patterns: list[str]) -> None:
        self.prefixes = tuple(patterns)
        self.folders = frozenset(p[:-1] for p in patterns if p.endswith("/"))
        globs = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
        self.globs = re.compile(globs) if patterns else None

    def match(self, rel: str) -> bool:
        return self.globs is not None and (
            rel.startswith(self.prefixes) or rel in self.folders or bool(self.globs.match(rel))
        )


@dataclass(frozen=True, slots=True)
class _FolderFilter:
    """Which folders Jekyll's ``Reader`` walks looking for ``_posts``: not its special names
    (unless ``include:`` names them), not ``exclude:`` (with Jekyll's defaults added), and not
    the build's ``destination``."""

    exclude: _Patterns
    include: _Patterns
    destination: str  # relative to the site; "" when unset or outside it

    def walked(self, name: str, rel: str) -> bool:
        if rel == self.destination:
            return False
        if self.include.match(rel) or self.include.match(name):
            return True
        if name.startswith(_UNPUBLISHED_LEAD) or name.endswith("~"):
            return False
        return not self.exclude.match(rel)


def _config_data(site_root: str | Path) -> dict[str, Any]:
    """The site's ``_config.yml`` as a mapping ({} when missing or unreadable)."""
    path = Path(site_root, CONFIG_NAME)
    if not path.is_file():
        return {}
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return {}
    return load_mapping(text.replace("\r\n", "\n"))[0]


def _collections_dir(data: dict[str, Any]) -> str:
    # Jekyll's ``collections_dir``: the folder holding the site's ``_posts`` (and its other
    # collections); "" when unset.
    value = data.get("collections_dir")
    return value.strip().strip("/") if isinstance(value, str) else ""


def _site_of_posts(root: Path) -> tuple[Path, Path]:
    """``(site_root, holder)`` of a ``_posts`` folder: the folder holding it, twice, or, when
    the site above names that folder its ``collections_dir``, that site and the folder."""
    holder = root.parent
    if (holder / CONFIG_NAME).is_file():
        return holder, holder
    for above in holder.parents:
        if (above / CONFIG_NAME).is_file():
            collections = _collections_dir(_config_data(above))
            if collections and os.path.normpath(above / collections) == os.path.normpath(holder):
                return above, holder
            break
    return holder, holder


def _folder_filter(site_root: str) -> _FolderFilter:
    """The site's ``_config.yml`` as ``_FolderFilter``; entries that are not strings are
    ignored."""
    data = _config_data(site_root)

    def strings(value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [
            item.strip().lstrip("/") for item in items if isinstance(item, str) and item.strip()
        ]

    destination = ""
    if isinstance(data.get("destination"), str) and data["destination"].strip():
        # Relative to where Jekyll runs: the site's folder.
        built = os.path.normpath(os.path.join(site_root, data["destination"].strip()))
        rel = os.path.relpath(built, site_root)
        destination = "" if rel.startswith("..") or rel == "." else Path(rel).as_posix()
    return _FolderFilter(
        exclude=_Patterns(strings(data.get("exclude")) + list(_DEFAULT_EXCLUDE)),
        include=_Patterns(strings(data.get("include"))),
        destination=destination,
    )


def post_id(path: Path, posts_root: Path) -> str:
    """A post's id: its path relative to ``posts_root`` (the site's ``_posts``, so the ids of
    existing databases and alerts hold), or, for a post in a category's ``_posts`` folder
    (``movies/horror/_posts/…``), relative to the site root: a root post's id never holds a
    ``_posts`` folder (folders starting with "_" inside ``_posts`` are not read), so the two
    never meet."""
    path, posts_root = Path(path), Path(posts_root)
    try:
        return path.relative_to(posts_root).as_posix()
    except ValueError:
        pass
    if posts_root.name == "_posts":
        try:
            return path.relative_to(posts_root.parent).as_posix()
        except ValueError:
            pass
    return path.name


def post_id_categories(post_id: str) -> list[str]:
    """The folders above a category's ``_posts`` in ``post_id`` (Jekyll's categories from the
    path: ``movies/horror/_posts/x.md`` → movies, horror); none for a root ``_posts`` post."""
    parts = post_id.split("/")[:-1]
    return parts[: parts.index("_posts")] if "_posts" in parts else []


def _category_posts_folders(
    start: Path, skipped: list[LoadIssue], *, first: bool = False, site: Path | None = None
) -> list[Path]:
    """Every ``<folder>/_posts`` Jekyll reads below ``start`` besides its own, in the folders it
    walks (Jekyll's ``Reader`` reads ``_posts`` in each folder it does not filter out); with
    ``first``, the walk ends at the first one found. ``site``: the site's root when ``start``
    is its ``collections_dir`` (``exclude:`` is relative to the root). Symlinked folders are not
    walked, as nowhere else in the scan (a symlinked ``_posts`` is found: its files are judged
    by where they lead)."""
    site = site or start
    rules = _folder_filter(str(site))
    found: list[Path] = []
    top = "" if start == site else Path(os.path.relpath(start, site)).as_posix()
    # A stack of (path relative to the site, path): os.scandir, whose entries know whether
    # they are folders without a stat of each file (an asset tree is mostly files).
    stack = [(top, str(start))]
    while stack and not (first and found):
        rel, folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                folders = [e for e in entries if _is_folder(e)]
        except OSError as exc:
            if rel != top:  # (the start's own posts are still read; its error shows there)
                reason = f"cannot read folder: {exc.strerror or exc}; its posts are left out"
                skipped.append(LoadIssue(path=f"{rel}/", kind="skipped", reason=reason))
            continue
        for entry in folders:
            if entry.name == "_posts":
                if rel != top:
                    found.append(Path(entry.path))
                continue
            child = f"{rel}/{entry.name}" if rel else entry.name
            if not entry.is_symlink() and rules.walked(entry.name, child):
                stack.append((child, entry.path))
    return sorted(found)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # (a symlink to a folder counts; it is not walked)
    except OSError:
        return False


def scan_post_files(posts_root: Path) -> PostFiles:
    """All publishable ``*.md`` / ``*.markdown`` files under ``posts_root``, sorted, and the
    files skipped as unreadable (each a "skipped" ``LoadIssue``).

    Raises OSError when ``posts_root`` itself cannot be read (it vanished, no permission):
    reading it as a folder without posts would remove every post from the index.

    Sorted by their post id (``post_id``) so post ids and passage order are deterministic. As in
    Jekyll, files and folders whose names start with ".", "_", "#" or "~" (drafts such as
    ``_drafts/``) are never published, so they are left out without a report. For a site's
    ``_posts``, the ``_posts`` folders of the site's other folders (``movies/horror/_posts``)
    are read too, as Jekyll does, except in folders it skips (special names, ``exclude``).
    """
    root = Path(posts_root)
    jekyll = root.name == "_posts"
    # The site root: the folder holding ``_posts`` (or the site whose ``collections_dir`` it
    # is), else the posts folder itself. (A ``_posts`` that is itself a symlink was made so on
    # purpose: its files count as inside.)
    site_dir, holder = _site_of_posts(root) if jekyll else (root, root)
    site_root = os.path.realpath(site_dir)
    roots = (site_root, os.path.realpath(root))
    found: list[tuple[str, Path]] = []
    skipped: list[LoadIssue] = []

    # os.walk with in-place pruning: cheaper than rglob and never descends into .git & co.
    # (It does not follow symlinked folders.)
    def unreadable_folder(exc: OSError) -> None:  # os.walk would skip it without a word
        folder = Path(exc.filename or root)
        if folder == root:  # not a site with no posts: an error (the index is kept as it is)
            raise exc
        reason = f"cannot read folder: {exc.strerror or exc}; its posts are left out"
        skipped.append(LoadIssue(path=f"{post_id(folder, root)}/", kind="skipped", reason=reason))

    others = _category_posts_folders(holder, skipped, site=site_dir) if jekyll else []
    # A site may keep all its posts in its folders' ``_posts``; without them, a missing root
    # ``_posts`` is an error (raised by the walk), never a site with no posts.
    tops = others if others and not os.path.lexists(root) else [root, *others]
    for top in tops:
        # (A ``_posts`` that is a symlink leading outside the site serves nothing: ``_unusable``
        # resolves each of its files.)
        in_site = _inside(os.path.realpath(top), roots)
        for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable_folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(_UNPUBLISHED_LEAD)]
            for name in filenames:
                if name.startswith(_UNPUBLISHED_LEAD) or name.endswith("~"):
                    continue
                if not name.lower().endswith(POST_SUFFIXES):
                    continue
                path = Path(dirpath, name)
                rel = post_id(path, root)
                reason = _unusable(path, roots, in_site=in_site)
                if not _is_utf8(rel):  # a post id must be text (SQLite, Discord, URLs)
                    rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    reason = "file name is not valid UTF-8; rename the file"
                if reason is None:
                    found.append((rel, path))
                else:
                    skipped.append(LoadIssue(path=rel, kind="skipped", reason=reason))
    found.sort(key=lambda item: item[0])
    skipped.sort(key=lambda issue: issue.path)
    _, problem = load_site_config(Path(site_root, CONFIG_NAME))
    if problem:  # reported with the files: the operator sees it where the index's issues show
        skipped.insert(0, LoadIssue(path=CONFIG_NAME, kind="recovered", reason=problem))
    return PostFiles([path for _, path in found], skipped)


def iter_post_files(posts_root: Path) -> list[Path]:
    """The readable post files of ``scan_post_files`` (its skipped files left out)."""
    return scan_post_files(posts_root).files
