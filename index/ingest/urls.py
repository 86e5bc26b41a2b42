"""Public post URLs, following Jekyll's permalink rules (Jekyll 4 ``URL`` / ``Drops::UrlDrop``).

Front matter ``permalink`` wins, else the site's ``permalink`` pattern or named style. Placeholders
are substituted in both, as Jekyll does. Posts that redirect (``layout: redirect`` with a
``redirect:`` URL, or jekyll-redirect-from's ``redirect_to``) are cited at their target.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from ..models import SiteConfig

# Jekyll's named permalink styles (Jekyll::Utils / Configuration#style_to_permalink).
PERMALINK_STYLES: dict[str, str] = {
    "pretty": "/:categories/:year/:month/:day/:title/",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_MULTI_SLASH = re.compile(r"/{2,}")
# Jekyll::Utils.slugify: "default" keeps letters/marks/digits; "pretty" also keeps ._~!$&'()+,;=@
# (the underscore among them: "my_post.md" is at /my_post/, as written)
_SLUG_DEFAULT = re.compile(r"(?:[^\w]|_)+")
_SLUG_PRETTY = re.compile(r"[^\w.~!$&'()+,;=@]+")
_URL_SCHEME = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]*$")


def permalink_pattern(permalink: str) -> str:
    """Resolve a named style ("pretty", "date", ...) to its pattern; patterns pass through."""
    return PERMALINK_STYLES.get(permalink.strip(), permalink.strip())


def slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll ``Utils.slugify`` in its "default" or "pretty" mode."""
    slug = (_SLUG_PRETTY if pretty else _SLUG_DEFAULT).sub("-", text).strip("-")
    return slug if cased else slug.lower()


def _escape_path(value: str) -> str:
    # Jekyll URL.escape_path: untouched when already safe, else percent-encode unsafe characters.
    if _SAFE_PATH.match(value):
        return value
    return quote(value, safe="/!$&'()*+,;=:@-._~")


def _sanitize(path: str) -> str:
    # Jekyll URL#sanitize_url: leading slash, no "..", no "./", no repeated slashes.
    path = ("/" + path).replace("..", "/").replace("./", "")
    return _MULTI_SLASH.sub("/", path)


def category_path(categories: Sequence[str]) -> str:
    """The ``:categories`` value: lower-cased, de-duplicated, joined with "/" (Jekyll 4)."""
    seen: dict[str, None] = {}
    for cat in categories:
        seen.setdefault(str(cat).lower(), None)
    return "/".join(seen)


def expand_pattern(
    pattern: str,
    *,
    categories: Sequence[str],
    date: dt.date | dt.datetime,
    slug: str,
    name: str = "",
) -> str:
    """Substitute Jekyll placeholders in a permalink pattern and sanitise the result.

    ``slug`` is the post's slug (front matter ``slug`` or the file name after its date);
    ``name`` the file name without extension. Unknown placeholders are left as written.
    """
    when = date if isinstance(date, dt.datetime) else dt.datetime(date.year, date.month, date.day)
    iso = when.isocalendar()
    values: dict[str, str] = {
        "year": f"{when.year:04d}",
        "month": f"{when.month:02d}",
        "day": f"{when.day:02d}",
        "i_month": str(when.month),
        "i_day": str(when.day),
        "short_year": f"{when.year % 100:02d}",
        "hour": f"{when.hour:02d}",
        "minute": f"{when.minute:02d}",
        "second": f"{when.second:02d}",
        "y_day": f"{when.timetuple().tm_yday:03d}",
        "short_month": when.strftime("%b"),
        "long_month": when.strftime("%B"),
        "short_day": when.strftime("%a"),
        "long_day": when.strftime("%A"),
        "week": f"{iso[1]:02d}",
        "w_year": str(iso[0]),
        "w_day": str(iso[2]),
        "title": slugify(slug, pretty=True, cased=True),
        "slug": slugify(slug),
        "name": slugify(name or slug),
        "categories": category_path(categories),
        "slugified_categories": "/".join(dict.fromkeys(slugify(str(c)) for c in categories)),
        "collection": "posts",
        # "Pretty" (directory-style) URLs end in "/" and have no extension.
        "output_ext": "" if pattern.endswith("/") else ".html",
    }

    def replace(m: re.Match[str]) -> str:
        key = m.group(1)
        # Jekyll tries "title_" then "title" so ":title_:year" style templates work.
        for candidate in (key, key.rstrip("_")):
            if candidate in values:
                rest = key[len(candidate) :]
                return _escape_path(values[candidate]) + rest
        return m.group(0)

    return _sanitize(_PLACEHOLDER.sub(replace, pattern))


def absolute_url(site: SiteConfig, path: str) -> str:
    """Site url + baseurl + path (a path already absolute, like "https://…", passes through)."""
    if _URL_SCHEME.match(path):
        return path
    base = site.baseurl.strip("/")
    prefix = site.url.rstrip("/") + (f"/{base}" if base else "")
    return prefix + (path if path.startswith("/") else "/" + path)


def _citable(target: str) -> bool:
    """An http(s) URL, or a path on the site: never ``javascript:``, ``data:`` and the like,
    which a reader would open from a citation."""
    if any(c.isspace() or not c.isprintable() for c in target):
        return False  # browsers drop tabs and newlines: "java\tscript:" is still a scheme
    if target.startswith("//"):
        return False  # another host, in whichever scheme the page happens to use
    scheme = _URL_SCHEME.match(target)
    return scheme is None or scheme.group(0).lower() in ("http:", "https:")


def redirect_target(front_matter: Mapping[str, Any]) -> str | None:
    """The URL a post redirects to: ``redirect``, or jekyll-redirect-from's ``redirect_to``.

    Only an http(s) URL or a site path counts; anything else (``javascript:…``) is ignored, so
    the post is cited at its own URL.
    """
    for key in ("redirect_to", "redirect"):
        value = front_matter.get(key)
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, str) and value.strip() and _citable(value.strip()):
            return value.strip()
    return None


def post_url(
    site: SiteConfig,
    front_matter: Mapping[str, Any],
    *,
    categories: Sequence[str],
    date: dt.date | dt.datetime,
    slug: str,
    name: str = "",
) -> tuple[str, bool]:
    """Return ``(absolute_url, redirect)`` for a post.

    A redirecting post is cited at its target (``redirect`` is True); otherwise its own permalink.
    """
    target = redirect_target(front_matter)
    if target is not None:
        return absolute_url(site, target), True
    permalink = front_matter.get("permalink")
    if isinstance(permalink, str | int | float) and str(permalink).strip():
        pattern = str(permalink).strip()
    else:
        # Named styles only apply to the site setting, as in Jekyll.
        pattern = permalink_pattern(site.permalink or SiteConfig().permalink)
    path = expand_pattern(pattern, categories=categories, date=date, slug=slug, name=name)
    return absolute_url(site, path), False


def link_problem(site: SiteConfig) -> str | None:
    """Why the site's post URLs are no links a reader can open (None when they are): no ``url``
    (they are paths like "/2021/03/04/x.html"), one that is not an http(s) address, or one on
    this machine only."""
    if not site.url:
        return "the site has no url (_config.yml sets none), so its post links are relative paths"
    parts = urlsplit(site.url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"the site's url {site.url[:80]!r} is not an http(s) address"
    if parts.hostname in ("localhost", "127.0.0.1", "0.0.0.0", "::1"):
        return f"the site's url {site.url[:80]!r} is on this machine only"
    return None
