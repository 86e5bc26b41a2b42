"""Locate a site's posts and read what briefbot needs from its ``_config.yml``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .models import SiteConfig
from .yamltools import load_mapping

POST_SUFFIXES = (".md", ".markdown")


def _clean_str(value: Any) -> str:
    # YAML may give None, numbers or lists for hand-edited keys; only plain strings are usable.
    return value.strip() if isinstance(value, str) else ""


def read_site_config(config_path: Path) -> SiteConfig:
    """SiteConfig from a ``_config.yml``; a missing, unreadable or broken file gives defaults.

    Broken YAML is recovered entry by entry (see ``yamltools``), so one bad line elsewhere in the
    config does not lose ``url`` or ``permalink``.
    """
    try:
        text = config_path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return SiteConfig()
    data, _error = load_mapping(text.replace("\r\n", "\n"))
    defaults = SiteConfig()
    url = _clean_str(data.get("url")).rstrip("/")
    baseurl = _clean_str(data.get("baseurl")).strip("/")
    permalink = _clean_str(data.get("permalink")) or defaults.permalink
    title = _clean_str(data.get("title")) or _clean_str(data.get("name"))
    return SiteConfig(
        url=url,
        baseurl=f"/{baseurl}" if baseurl else "",
        permalink=permalink,
        title=title,
    )


def find_site(content: Path) -> tuple[Path, SiteConfig]:
    """Return ``(posts_root, site_config)`` for a content folder.

    Accepts a Jekyll site root (``_config.yml`` + ``_posts/``), the ``_posts`` folder itself, or a
    plain folder of Markdown posts (optionally with its own ``_config.yml``).
    Raises FileNotFoundError / NotADirectoryError when ``content`` is not a folder.
    """
    content = Path(content)
    if not content.exists():
        raise FileNotFoundError(f"content folder not found: {content}")
    if not content.is_dir():
        raise NotADirectoryError(f"content is not a folder: {content}")
    if (content / "_posts").is_dir():
        return content / "_posts", read_site_config(content / "_config.yml")
    if content.name == "_posts":
        return content, read_site_config(content.parent / "_config.yml")
    return content, read_site_config(content / "_config.yml")


def iter_post_files(posts_root: Path) -> list[Path]:
    """All ``*.md`` / ``*.markdown`` files under ``posts_root``, sorted, hidden files/dirs skipped.

    Sorted by their relative POSIX path so post ids and passage order are deterministic.
    """
    root = Path(posts_root)
    found: list[tuple[str, Path]] = []
    # os.walk with in-place pruning: cheaper than rglob and never descends into .git & co.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(POST_SUFFIXES):
                continue
            path = Path(dirpath, name)
            found.append((path.relative_to(root).as_posix(), path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]
