"""One post file → ``ParsedPost`` (post metadata + passages), or a ``LoadIssue`` if unusable.

Never raises: a broken post is recovered best-effort (and reported) or skipped (and reported).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import frontmatter

from ..models import IssueKind, LoadIssue, ParsedPost, Passage, Post, SiteConfig
from .cleaning import Block, clean_body, fix_mojibake
from .inline import clean_inline
from .passages import split_passages
from .site import post_id as id_of_post
from .site import post_id_categories
from .urls import post_url
from .yamltools import Loader as YamlLoader
from .yamltools import load_mapping

EXCERPT_CHARS = 300
# The date of a post with none in its front matter or file name: deterministic, and oldest.
UNDATED = dt.date(1970, 1, 1)

# Jekyll's DATE_FILENAME_MATCHER: "YYYY-MM-DD-slug.ext" (year may have 2-4 digits).
_DATED_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)\Z", re.DOTALL)
_DATE_PREFIX = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
# Front matter as Jekyll reads it: "---" line, YAML, "---" (or "...") line. The closing line is
# looked for from line break to line break: a lazy ".*?" would try every character of a long post
# whose closing line is missing or glued to the body.
_FRONT_MATTER_OPEN = re.compile(r"---[ \t]*\n")
_FRONT_MATTER_CLOSE = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
# Seen in the wild: the closing "---" with the first body line glued to it ("---### Top News").
_GLUED_CLOSE = re.compile(r"^---(?=[^\s-])", re.MULTILINE)
# python-frontmatter with Jekyll's delimiters (the opening one is checked by _FRONT_MATTER_OPEN).
_JEKYLL_YAML = frontmatter.YAMLHandler(
    fm_boundary=re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
)
# A whole file pasted inside a code fence (```markdown … ```), front matter included.
_OPENING_FENCE = re.compile(r"\A[ \t]*(?P<fence>`{3,}|~{3,})[^\n]*\n(?=---[ \t]*\n)")


_SCHEDULED = "scheduled for "


def is_scheduled(reason: str) -> bool:
    """Whether a skipped post's ``reason`` is its future date: it is read again at every scan,
    unchanged or not, and indexed once that time has come."""
    return reason.startswith(_SCHEDULED)


def site_zone(site: SiteConfig) -> dt.tzinfo:
    """The site's ``timezone`` (Jekyll builds in it); UTC when unset or unknown, as Ruby takes
    a time zone it does not know."""
    if site.timezone:
        try:
            return ZoneInfo(site.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return dt.UTC


def _moment(when: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A post's date as Jekyll's ``page.date``: a time in the site's zone (a date alone is its
    midnight there; a time without a zone is the site's own)."""
    if not isinstance(when, dt.datetime):
        return dt.datetime(when.year, when.month, when.day, tzinfo=zone)
    return when.astimezone(zone) if when.tzinfo else when.replace(tzinfo=zone)


def _issue(post_id: str, kind: IssueKind, reason: str) -> LoadIssue:
    return LoadIssue(path=post_id, kind=kind, reason=reason)


def split_front_matter(text: str) -> tuple[str | None, str, list[str]]:
    """Split ``text`` into ``(front_matter_yaml or None, body, recovery_notes)``.

    Handles a code fence wrapping the file, and a closing ``---`` glued to the first body line.
    """
    notes: list[str] = []
    fence = _OPENING_FENCE.match(text)
    if fence:
        text = text[fence.end() :]
        closing = fence.group("fence")
        stripped = text.rstrip()
        last_nl = stripped.rfind("\n")
        if stripped[last_nl + 1 :].strip() == closing:
            text = stripped[: last_nl + 1]
        notes.append(f"front matter wrapped in a {closing} code fence; fence removed")
    if not text.startswith("---"):
        return None, text, notes
    opening = _FRONT_MATTER_OPEN.match(text)
    closing = opening and _FRONT_MATTER_CLOSE.search(text, opening.end() - 1)
    if opening and closing:
        return text[opening.end() : closing.start() + 1], text[closing.end() :], notes
    glued = _GLUED_CLOSE.search(text, 3)
    if glued and text[: glued.start()].startswith(("---\n", "--- \n")):
        notes.append("closing '---' of the front matter has body text glued to it")
        return text[text.index("\n") + 1 : glued.start()], text[glued.start() + 3 :], notes
    if text.startswith(("---\n", "--- \n")):
        notes.append("front matter is never closed by '---'; read the file as body")
    return None, text, notes


def read_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """``(front matter, body, recovery_notes)`` of a post's text (line ends already ``\n``).

    python-frontmatter reads a well-formed file, with Jekyll's delimiters ("---" on the first
    line, "---" or "..." closing; its default handler would also take "----" and strip leading
    blank lines, which Jekyll does not). What it rejects (invalid YAML, an impossible date, a
    code fence around the file, a glued or missing closing line, YAML that is not a mapping)
    goes through ``split_front_matter`` and the key-by-key recovery, which say what was wrong.
    """
    if _FRONT_MATTER_OPEN.match(text):
        # The handler's own split and load: ``frontmatter.parse`` would also strip the body,
        # turning an indented code block that opens it into a paragraph.
        try:
            fm, body = _JEKYLL_YAML.split(text)  # ValueError: no closing line
            front = _JEKYLL_YAML.load(fm, Loader=YamlLoader)
        except Exception:  # YAMLError, deep nesting …
            front = None
        if isinstance(front, dict) and front:
            # Mojibake in the values (the body is repaired by ``clean_body``).
            return {str(k): _fixed(v) for k, v in front.items()}, body, []
    fm_text, body, notes = split_front_matter(text)
    front = {}
    if fm_text:
        front, error = load_mapping(fix_mojibake(fm_text))
        if error:
            notes.append(f"invalid YAML front matter ({error}); salvaged key by key")
    return front, body, notes


def _fixed(value: Any) -> Any:
    """Front matter ``value`` with mojibake repaired in a string, or the strings of a list (all
    the loader reads). Not deeper: YAML aliases can nest a list in itself a billion times over
    ("billion laughs"), and walking that takes forever."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_mojibake(v) if isinstance(v, str) else v for v in value]
    return value


def _as_str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | tuple | set):
        return None
    return str(value).strip() or None


def _str_list(value: Any, *, split: bool) -> list[str]:
    """Front matter list values: a YAML list, or a string (split on commas/spaces if ``split``).

    Repeats are dropped by ``_merged``, which every list goes through.
    """
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        items: Iterable[Any] = value
    elif isinstance(value, str) and split:
        # "ai, machine learning" keeps multi-word tags; "ai ethics" is Jekyll's spaced form.
        items = value.split(",") if "," in value else value.split()
    else:
        items = [value]
    return [s for s in map(_as_str, items) if s]


def _merged(*lists: list[str]) -> list[str]:
    """Concatenate, dropping case-insensitive repeats (folder "briefs" + category "Briefs")."""
    out: dict[str, str] = {}
    for items in lists:
        for item in items:
            out.setdefault(item.casefold(), item)
    return list(out.values())


# "YYYY-MM-DD", maybe a time and a zone: the dates Ruby's ``Time.parse`` reads field by field.
_STAMP = re.compile(
    r"(?P<y>\d{2,4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:[.,]\d+)?)?"
    r"[ \t]*(?P<z>[Zz]|UTC|[-+]\d{1,2}(?::?\d{2})?)?)?"
)


class ImpossibleDate(ValueError):
    """A date Ruby's ``Time.parse`` rejects: Jekyll stops its build on it (InvalidDateError),
    so no page of the post is published."""


def ruby_time(stamp: str) -> dt.date | dt.datetime | None:
    """The moment Jekyll reads from a "YYYY-MM-DD[ HH:MM[:SS][ zone]]" stamp (through Ruby's
    ``Time.parse``), or None when ``stamp`` is not of that shape: a date alone is a ``date``,
    a time without a zone a naive ``datetime``.

    Ruby takes any day up to 31 and runs it over into the next month ("2020-02-30" is March 1st),
    "24:00:00" as the next day's midnight and second 60 as the next minute; a month outside
    1–12, a day outside 1–31, an hour over 24 or a minute over 59 raise ``ImpossibleDate``.
    A two-digit year is 1969–2068, as Ruby completes it.
    """
    m = _STAMP.fullmatch(stamp.strip())
    if m is None:
        return None
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if len(m["y"]) == 2:
        year += 1900 if year >= 69 else 2000
    hour, minute, second = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
    last = 0 if hour == 24 else None  # 24:00:00 only
    for name, value, low, high in (
        ("month", month, 1, 12),
        ("day", day, 1, 31),
        ("hour", hour, 0, 24),
        ("minute", minute, 0, 59 if last is None else last),
        ("second", second, 0, 60 if last is None else last),
    ):
        if not low <= value <= high:
            raise ImpossibleDate(f"{name} {value} is out of range")
    zone: dt.tzinfo | None = None
    if m["z"]:
        zone = dt.UTC
        if m["z"][0] in "+-":
            digits = m["z"][1:].replace(":", "")
            hours, minutes = (
                (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
            )
            offset = dt.timedelta(hours=hours, minutes=minutes)
            if offset >= dt.timedelta(days=1) or minutes > 59:
                raise ImpossibleDate(f"time zone {m['z']} is out of range")
            zone = dt.timezone(-offset if m["z"][0] == "-" else offset)
    try:
        start = dt.datetime(year, month, 1) + dt.timedelta(
            days=day - 1, hours=hour, minutes=minute, seconds=second
        )
    except (ValueError, OverflowError):  # year 0, or past 9999
        raise ImpossibleDate(f"year {year} is out of range") from None
    if m["h"] is None:
        return start.date()
    return start.replace(tzinfo=zone)


def _jekyll_date(text: str) -> tuple[dt.date | dt.datetime | None, bool]:
    """``(moment, ran_over)`` of a date stamp as Jekyll reads it (``ran_over``: it is not the
    day or time written, e.g. "2020-02-30" read as 2020-03-01); ``(None, False)`` when the
    text is no such stamp. Raises ``ImpossibleDate`` (see ``ruby_time``)."""
    when = ruby_time(text)
    if when is None:
        return None, False
    m = _STAMP.fullmatch(text.strip())
    assert m is not None
    written = (int(m["mo"]), int(m["d"]), int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0))
    time = when if isinstance(when, dt.datetime) else dt.datetime(when.year, when.month, when.day)
    return when, written != (time.month, time.day, time.hour, time.minute, time.second)


def _date_from(value: Any) -> tuple[dt.date | dt.datetime | None, str | None]:
    """``(date, problem)`` of a front matter date: a YAML date/datetime, or a string like
    "2020-06-21 10:00:00 -0700"; ``problem`` says when it is not the day or time written (see
    ``ruby_time``). Raises ``ImpossibleDate`` for a date Jekyll stops on."""
    if isinstance(value, dt.datetime | dt.date):
        return value, None
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text), None
        except ValueError:
            pass
        when, ran_over = _jekyll_date(text)
        if when is not None:
            read = when.isoformat(" ") if isinstance(when, dt.datetime) else when
            problem = (
                f"impossible date {text!r} in the front matter; read as {read}, as Jekyll does"
            )
            return when, problem if ran_over else None
        m = _DATE_PREFIX.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
            except ValueError:
                return None, None
    return None, None


def _name_date(stem: str) -> tuple[dt.date | None, str, str | None, str | None]:
    """``(date, slug, problem, rejected)`` from a "YYYY-MM-DD-slug" file name; ``(None, stem,
    None, None)`` when the name has no date.

    An impossible day of a month ("2021-2-29") runs over into the next month (2021-03-01) as
    Ruby's ``Time.parse`` reads it, so the post is dated and filed where Jekyll puts it, and
    ``problem`` says so. A date Jekyll rejects (month 13, day 32) gives no date and
    ``rejected`` saying why (Jekyll reads it only when the front matter has no date). Never the
    file's mtime, which changes with every fresh clone.
    """
    m = _DATED_NAME.match(stem)
    if not m:
        return None, stem, None, None
    written = "-".join(m.group(i) for i in (1, 2, 3))
    try:
        when, ran_over = _jekyll_date(written)
    except ImpossibleDate as exc:
        return None, m.group(4), None, _rejected(written, "file name", exc)
    assert isinstance(when, dt.date)  # (the name's date always has the stamp's shape)
    if not ran_over:
        return when, m.group(4), None, None
    problem = f"impossible date {written} in the file name; read as {when}, as Jekyll does"
    return when, m.group(4), problem, None


def _rejected(written: str, where: str, exc: ImpossibleDate) -> str:
    return (
        f"invalid date {written[:40]!r} in the {where} ({exc}): Jekyll stops its build on it"
        " ('Invalid date') and publishes nothing; fix the date"
    )


def _excerpt(front: dict[str, Any], blocks: list[Block]) -> str:
    given = _as_str(front.get("excerpt"))
    if given:
        return clean_inline(given)  # front matter text was already repaired
    first = next((b.text for b in blocks if b.kind == "paragraph"), None)
    if first is None:
        first = next((b.text for b in blocks if b.kind != "heading"), "")
    if len(first) <= EXCERPT_CHARS:
        return first
    cut = first[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def parse_post(
    path: Path,
    posts_root: Path,
    site: SiteConfig,
    data: bytes | None = None,
    *,
    now: dt.datetime | None = None,
) -> ParsedPost | LoadIssue:
    """Read one post file (or ``data``, its bytes) into a ``ParsedPost``; never raises.

    Unusable files (unreadable, not UTF-8) give a ``LoadIssue`` of kind "skipped". Files read
    with a repair (invalid YAML front matter, a code fence around the file, a glued closing
    ``---``) give a post whose ``issues`` hold a "recovered" ``LoadIssue`` saying what was wrong.
    A post Jekyll does not publish (``published: false``, or dated after ``now`` without the
    site's ``future: true``) is "skipped": citing or announcing it would link a page not there.
    """
    path, posts_root = Path(path), Path(posts_root)
    post_id = id_of_post(path, posts_root)
    try:
        jekyll = posts_root.name == "_posts"  # Jekyll's rules, else a plain folder of posts
        now = now or dt.datetime.now(dt.UTC)
        return _parse(path, post_id, site, data, jekyll=jekyll, now=now)
    except Exception as exc:  # a post must never break indexing: report and skip it
        return _issue(post_id, "skipped", f"unexpected error while parsing: {exc!r}"[:300])


def _parse(
    path: Path,
    post_id: str,
    site: SiteConfig,
    data: bytes | None,
    *,
    jekyll: bool,
    now: dt.datetime,
) -> ParsedPost | LoadIssue:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return _issue(post_id, "skipped", f"cannot read file: {exc.strerror or exc}")
    fingerprint = hashlib.sha256(data).hexdigest()
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + bom
        utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        hint = " (looks like UTF-16)" if utf16 else ""
        return _issue(
            post_id, "skipped", f"not valid UTF-8{hint}: byte 0x{data[at]:02x} at offset {at}"
        )

    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, body, notes = read_front_matter(text)
    if "published" in front and front["published"] in (False, None):
        # Jekyll writes no page for it (an empty ``published:`` counts as false there too).
        return _issue(post_id, "skipped", "published: false in its front matter; not published")

    stem = path.stem
    name_date, name_slug, name_problem, name_rejected = _name_date(stem)
    if jekyll and name_date is None and name_rejected is None:
        # Jekyll reads only "YYYY-MM-DD-title" files in _posts as posts, front matter date or
        # not: it writes no page for this one.
        return _issue(
            post_id,
            "skipped",
            "no date in the file name: Jekyll publishes only YYYY-MM-DD-title files in _posts",
        )
    # Jekyll takes categories from the folders above a ``_posts`` (``movies/horror/_posts/…``),
    # before the front matter's, never from folders inside it (``_posts/2019/…`` is filed, not
    # categorised: its page is not under /2019/). A plain folder of posts is no Jekyll site: its
    # folders count.
    parts = post_id_categories(post_id) if jekyll else post_id.split("/")[:-1]

    raw_date = front.get("date")
    try:
        fm_date, fm_problem = _date_from(raw_date)
    except ImpossibleDate as exc:
        # Jekyll's build stops on it: skipped, as a dated-by-guess post would cite a page that
        # does not exist (and the file name's date is not read when the front matter has one).
        return _issue(post_id, "skipped", _rejected(str(raw_date).strip(), "front matter", exc))
    if fm_date is None and name_rejected:
        return _issue(post_id, "skipped", name_rejected)
    blank = raw_date is None or (isinstance(raw_date, str) and not raw_date.strip())
    if fm_date is None and not blank:
        # Never str() a list: YAML aliases can make its text astronomically long.
        text_date = _as_str(raw_date)
        given = repr(text_date[:40]) if text_date else f"a {type(raw_date).__name__}"
        notes.append(f"front matter date {given} is not a valid date; ignored")
    if fm_problem:
        notes.append(fm_problem)
    if fm_date is None and name_problem:
        notes.append(name_problem)
    when: dt.date | dt.datetime = fm_date or name_date or UNDATED
    if fm_date is None and name_date is None:
        # Never the file's mtime: it changes with a fresh clone, and an old post would show as new.
        notes.append(f"no date in the front matter or the file name; dated {UNDATED}")
    # The page's date, and the day in its URL, are in the site's zone: "23:30 -0700" built in
    # UTC is the next day.
    moment = _moment(when, site_zone(site))
    day = moment.date()
    if moment > now and not site.future:
        # Jekyll leaves it out of every build before its time: its link would open nothing yet.
        return _issue(
            post_id,
            "skipped",
            f"{_SCHEDULED}{moment.isoformat(' ')}: Jekyll publishes a post dated in the future"
            " only once that time has come (or with `future: true` in _config.yml)",
        )

    slug = _as_str(front.get("slug")) or name_slug
    title = clean_inline(_as_str(front.get("title")) or "")
    if not title:
        # From the file name, as Jekyll does: a front matter ``slug`` moves only the URL.
        title = " ".join(w.capitalize() for w in name_slug.split("-") if w) or stem

    categories = _merged(
        parts,
        _str_list(front.get("categories"), split=True),
        _str_list(front.get("category"), split=False),
    )
    tags = _merged(
        _str_list(front.get("tags"), split=True), _str_list(front.get("tag"), split=False)
    )
    authors = _merged(
        _str_list(front.get("authors"), split=False), _str_list(front.get("author"), split=False)
    )

    url, redirect = post_url(site, front, categories=categories, date=moment, slug=slug, name=stem)
    asked = next((v for k in ("redirect_to", "redirect") if isinstance(v := front.get(k), str)), "")
    if asked.strip() and not redirect:
        notes.append(
            f"redirect target {asked.strip()[:60]!r} is not an http(s) URL or a site path; "
            "cited at the post's own URL"
        )
    issues = [_issue(post_id, "recovered", note) for note in notes]
    blocks = clean_body(body)
    post = Post(
        id=post_id,
        title=title,
        date=day,
        categories=tuple(categories),
        tags=tuple(tags),
        authors=tuple(authors),
        excerpt=_excerpt(front, blocks),
        url=url,
        layout=_as_str(front.get("layout")),
        redirect=redirect,
        fingerprint=fingerprint,
    )
    passages = split_passages(post_id, blocks) or _excerpt_passage(post)
    return ParsedPost(post=post, passages=tuple(passages), issues=tuple(issues))


def _excerpt_passage(post: Post) -> list[Passage]:
    """The one passage of a post with no body text: its excerpt.

    A redirect stub (an editorial published elsewhere) has only front matter; without a passage
    no question could ever cite it, though its excerpt says what it argues and its link opens it.
    """
    if not post.excerpt.strip():
        return []
    return [Passage(post_id=post.id, ordinal=0, text=post.excerpt)]
