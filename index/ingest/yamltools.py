"""Tolerant YAML mapping loading for front matter and ``_config.yml``.

Real sites contain hand-written YAML that Jekyll itself would reject (e.g. unescaped quotes inside
a double-quoted string). We parse strictly first and, only if that fails, recover entry by entry so
one bad line costs one value instead of the whole post's metadata. A timestamp no date can hold
(``2020-02-30``, ``25:00:00``) is read as its text, as Jekyll's SafeYAML does: the loader then
judges it by Jekyll's rules.
"""

from __future__ import annotations

import re
from typing import Any

import frontmatter
import yaml

# python-frontmatter's YAML handler: the safe loader (libyaml's C one when installed).
_YAML = frontmatter.YAMLHandler()
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, with a timestamp Python's dates cannot hold (``2020-02-30``, an hour of
    25) read as its text rather than failing the whole document: Jekyll's SafeYAML does the
    same, and its date rules (Ruby's ``Time.parse``) then decide (``loader.ruby_time``)."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

# A top-level ``key:`` at column 0 starts a new entry; indented or continuation lines belong to it.
_TOP_KEY = re.compile(r"^([^\s#:][^:]*?)[ \t]*:(?:[ \t]+|$)(.*)$")


def _brief_error(exc: Exception) -> str:
    """First line of a YAML error plus its position: enough to find the mistake."""
    if isinstance(exc, ValueError):
        # PyYAML reads "2020-02-30" as a date and the date constructor rejects it.
        return f"impossible date ({exc})"
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        problem = getattr(exc, "problem", None) or first
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return first


def _safe_load(text: str) -> Any:
    return _YAML.load(text, Loader=Loader)  # safe loaders only: no arbitrary objects


def _unquote_broken(value: str) -> str:
    """``"He said "hi" today"`` → ``He said "hi" today``: keep the author's text verbatim."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _recover(text: str) -> dict[str, Any]:
    """Parse each top-level entry on its own; an unparsable entry keeps its raw (unquoted) text."""
    entries: list[list[str]] = []
    for line in text.split("\n"):
        if line and not line[0].isspace() and not line.startswith("#") and _TOP_KEY.match(line):
            entries.append([line])
        elif entries:
            entries[-1].append(line)
    data: dict[str, Any] = {}
    for lines in entries:
        chunk = "\n".join(lines)
        try:
            parsed = _safe_load(chunk)
        except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: an impossible date
            parsed = None
        if isinstance(parsed, dict) and len(parsed) == 1:
            data.update({str(k): v for k, v in parsed.items()})
            continue
        m = _TOP_KEY.match(lines[0])
        if m is None:  # pragma: no cover - entries only start on matching lines
            continue
        key, first = m.group(1).strip(), m.group(2)
        rest = " ".join(s.strip() for s in lines[1:] if s.strip())
        data[key] = _unquote_broken(f"{first} {rest}".strip())
    return data


def load_mapping(text: str) -> tuple[dict[str, Any], str | None]:
    """Parse a YAML mapping; never raises.

    Returns ``(data, error)``: ``error`` is None when the YAML was valid, else a short description
    of the YAML error and ``data`` holds what the entry-by-entry recovery could salvage.
    A valid document that is not a mapping (a list, a scalar) counts as an error with ``{}``.
    """
    if not text.strip():
        return {}, None
    try:
        parsed = _safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date (2020-02-30)
        return _recover(text), _brief_error(exc)
    except Exception as exc:  # e.g. RecursionError on pathological nesting
        return _recover(text), _brief_error(exc)
    if parsed is None:
        return {}, None
    if not isinstance(parsed, dict):
        return {}, f"front matter is a {type(parsed).__name__}, not a mapping"
    return {str(k): v for k, v in parsed.items()}, None
