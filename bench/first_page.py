"""What a person meets: how often an answer's first page reads badly.

    .venv/bin/python -m bench.first_page [--sets tune train2 ... dev] [--examples N]
                                         [--dump SET] [--save DIR]

Runs every question of the sets through one index build and counts, in the headline and in the
snippets under the first ``FIRST_PAGE`` citations (the text shown, as ``briefbot eval`` writes
it), the artifacts a reader notices: a text starting mid-sentence (lowercase, a closing quote
or bracket, a stray punctuation mark), an unbalanced quote or bracket (a sentence split inside a
quotation or a link's title), Markdown / HTML / Liquid leftovers, a list bullet opening it,
mojibake, a word cut, sentences glued without a space, a space before punctuation, an empty or
near-empty snippet or one that only repeats its citation's heading, a bare line (a heading or
title) as the whole headline or one ending on a colon (announcing what it does not show), a
headline running one digest item into the next (two stories as one answer), and two citations
on the page that look the same (the same "post › section" label).

Per artifact: the number of texts holding it, per set. Examples (``--examples``) and full first
pages (``--dump SET``, ``--save DIR``) only for the training sets: ``dev`` is counted in
aggregate only, and the held-out sets are not run at all (their answers are not read).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.answer_quality import HELD, TRAINING, set_path
from bench.common import CORPUS, base_parser, build_index, kept_temp_dir, require_shared
from index.answers.text import shown_text
from index.evaluation import FIRST_PAGE, load_questions
from index.ingest.cleaning import MOJIBAKE_CHARS
from index.models import Answer

ELLIPSIS = "…"
# A word written with a capital inside ("iPhone", "eBay", "macOS"): a name, not a sentence's
# lowercase middle.
_NAME_WORD = re.compile(r"[a-z]+[A-Z]\w*")
_BULLET = re.compile(r"^(?:[-*+•▪◦‣·]|\d{1,2}[.)])\s")
_CLOSING = re.compile(r"^(?:[”’)\]}]|[\"'](?=[\s.,;:!?)]|$))")
_STRAY = re.compile(r"^[.,;:!?|/\\]")
_MARKUP = re.compile(
    r"\*|\]\(|\[\s*\]|\[\^|\{%|%\}|\{\{|\}\}|\{:|<\/?[A-Za-z][^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);"
    r"|`|^#{1,6}\s|\\|(?:^|\s)_+\w|\w_+(?:\s|$)"
)
_MOJIBAKE = re.compile("\ufffd|" + MOJIBAKE_CHARS)  # (what ingest repairs, or a lost byte)
_CUT_WORD = re.compile(r"\w…$|^…\w")
_GLUED = re.compile(r"\b[a-z]{2,}[.!?][A-Z][a-z]+\b")
_SPACE_BEFORE = re.compile(r"\s[,.;:!?](?:\s|$)|\(\s|\s\)")
_DOUBLE = re.compile(r"(?<!\.)\.\.(?!\.)|,,|,\.|;;|::|[?!]\.")
_URL = re.compile(r"https?://|www\.")
_ENDED = re.compile(r"[.!?:;…][\"'”’)\]]*$")
TINY_WORDS = 5


def _body(text: str) -> str:
    """The text without the "…" that marks sentences left out before it."""
    return text.lstrip(ELLIPSIS + " ")


def _lower_start(text: str) -> bool:
    body = _body(text)
    first = body.split(maxsplit=1)[0] if body else ""
    return bool(first) and first[0].islower() and not _NAME_WORD.match(first)


_OPENS = {"“": "”", "(": ")", "[": "]"}
_CLOSES = {v: k for k, v in _OPENS.items()}


def _quote_state(segment: str) -> tuple[bool, bool]:
    """(whether ``segment`` closes a quotation or bracket it never opened, whether it opens one
    it never closes): a text starting or ending inside a quotation. A straight double quote
    opens after a space and before a word, closes after a word and before a space or
    punctuation, else closes what is open; single quotes are left out (apostrophes too), and
    so are brackets closing what never opened when a digit is before them ("2) …")."""
    stack: list[str] = []
    starts_inside = False
    for n, c in enumerate(segment):
        if c == '"':
            before = segment[n - 1] if n else " "
            after = segment[n + 1] if n + 1 < len(segment) else " "
            opens = before.isspace() or before in "([{“‘-—–/"
            closes = after.isspace() or after in ".,;:!?)]}”’…"
            if opens and not closes:
                stack.append(c)
            elif '"' in stack:
                while stack.pop() != '"':
                    pass
            elif closes and not opens:
                starts_inside = True
        elif c in _OPENS:
            stack.append(c)
        elif c in _CLOSES:
            if _CLOSES[c] in stack:
                while stack.pop() != _CLOSES[c]:
                    pass
            elif not (c == ")" and segment[n - 1 : n].isalnum()):
                starts_inside = True
    return starts_inside, bool(stack)


def _segments(text: str) -> list[str]:
    """The runs of consecutive sentences of a shown text (apart where "…" marks a gap)."""
    return [s for s in re.split(r"\s…\s|^…\s|\s…$", text) if s.strip()]


def _starts_inside(text: str) -> bool:
    return any(_quote_state(s)[0] for s in _segments(text))


def _ends_inside(text: str) -> bool:
    return any(_quote_state(s)[1] for s in _segments(text))


# Each artifact: (name, test on a shown text). Applied to the headline and every snippet.
TEXT_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("lowercase start", _lower_start),
    ("closing quote/bracket start", lambda t: bool(_CLOSING.match(_body(t)))),
    ("stray punctuation start", lambda t: bool(_STRAY.match(_body(t)))),
    ("list bullet start", lambda t: bool(_BULLET.match(_body(t)))),
    ("starts inside a quotation/bracket", _starts_inside),
    ("ends inside a quotation/bracket", _ends_inside),
    ("markup leftover", lambda t: bool(_MARKUP.search(t))),
    ("URL leftover", lambda t: bool(_URL.search(t))),
    ("mojibake", lambda t: bool(_MOJIBAKE.search(t))),
    ("word cut", lambda t: bool(_CUT_WORD.search(t))),
    ("glued sentences", lambda t: bool(_GLUED.search(t))),
    ("space before punctuation", lambda t: bool(_SPACE_BEFORE.search(t))),
    ("doubled punctuation", lambda t: bool(_DOUBLE.search(t))),
)
PAGE_CHECKS = (
    "headline a bare line",
    "headline ends on a colon",
    "headline runs into the next item",
    "snippet only its heading",
    "snippet empty",
    "snippet near-empty",
    "same-looking citations",
)
ARTIFACTS = tuple(name for name, _ in TEXT_CHECKS) + PAGE_CHECKS


# A digest's item: its linked title, " - ", then its summary.
_ITEM = re.compile(r"^[^.!?]{8,200}? - \S")


def _spans_paragraphs(headline: str, passage: str) -> bool:
    """Whether the headline runs the end of one paragraph (or list item) of its passage into
    the start of the next when that next one opens a new digest item (its title, " - ", its
    summary): the end of one story and the start of another as one answer."""
    runs = [r.strip() for r in headline.replace(" · ", "\n").split(" … ")]
    lines = passage.split("\n")
    for run in runs:
        if any(run in line for line in lines):
            continue
        for line, after in itertools.pairwise(lines):
            tail = next((line[n:] for n in range(len(line)) if run.startswith(line[n:])), "")
            rest = run[len(tail) :].strip()
            if tail and rest and after.startswith(rest[:20]) and _ITEM.match(after):
                return True
    return False


def label(answer: Answer, n: int) -> str:
    """Result ``n``'s citation as a reader sees it ("post › section (part)")."""
    r = answer.results[n]
    text = f"{r.title} › {r.heading}" if r.heading else r.title
    return f"{text} ({r.part})" if r.part else text


def first_page(answer: Answer) -> list[tuple[str, str]]:
    """What the first page shows: ("headline", text), then ("[n] label", snippet) per citation."""
    if answer.declined or not answer.results:
        return []
    page = [("headline", answer.headline)]
    page += [
        (f"[{n + 1}] {label(answer, n)}", shown_text(answer.results[n].snippet))
        for n in range(min(FIRST_PAGE, len(answer.results)))
    ]
    return page


def artifacts(answer: Answer) -> list[tuple[str, str]]:
    """The artifacts of an answer's first page: (artifact, the text showing it)."""
    page = first_page(answer)
    found: list[tuple[str, str]] = []
    for where, text in page:
        for name, check in TEXT_CHECKS:
            if text and check(text):
                found.append((name, f"{where}: {text}"))
        if where == "headline":
            if text and not _ENDED.search(text) and len(text.split()) < 15:
                found.append(("headline a bare line", text))
            if text.rstrip().endswith(":"):
                found.append(("headline ends on a colon", text))
            if _spans_paragraphs(text, answer.results[answer.headline_from].text):
                found.append(("headline runs into the next item", text))
            continue
        heading = answer.results[int(where[1 : where.index("]")]) - 1].heading
        if heading and text.strip("… ") == heading:
            found.append(("snippet only its heading", f"{where}: {text}"))
        words = [w for w in text.split() if w != ELLIPSIS]
        if not words:
            # (the headline's own passage shows none when the headline holds all it has)
            if not where.startswith(f"[{answer.headline_from + 1}]"):
                found.append(("snippet empty", where))
        elif len(words) <= TINY_WORDS:
            found.append(("snippet near-empty", f"{where}: {text}"))
    labels = Counter(where.split(" ", 1)[1] for where, _ in page[1:])
    for text, count in labels.items():
        if count > 1:
            found.append(("same-looking citations", text))
    return found


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sets", nargs="+", default=[*TRAINING, "dev"])
    parser.add_argument("--examples", type=int, default=3, help="examples per artifact and set")
    parser.add_argument("--dump", nargs="*", default=[], help="print these sets' first pages")
    parser.add_argument("--save", type=Path, default=None, help="write first pages to DIR")
    args = parser.parse_args()
    held = [s for s in args.sets if s in HELD]
    if held:
        parser.error(f"held-out sets are not read here: {', '.join(held)}")
    require_shared()
    index, _ = build_index(kept_temp_dir() / "bench.sqlite3", CORPUS)
    counts: dict[str, Counter[str]] = {}
    texts: dict[str, int] = {}
    for name in args.sets:
        path = set_path(name)
        if not path.exists():
            print(f"(no {path})")
            continue
        readable = name != "dev"  # dev is counted, not read
        counts[name] = Counter()
        texts[name] = 0
        examples: dict[str, list[str]] = {}
        pages = []
        for q in load_questions(path):
            answer = index.search(q.question, k=10)
            page = first_page(answer)
            texts[name] += sum(bool(t) for _, t in page)
            found = artifacts(answer)
            counts[name].update(a for a, _ in found)
            for a, text in found:
                examples.setdefault(a, []).append(f"{q.id}: {text}")
            if readable:
                pages.append({"id": q.id, "question": q.question, "page": page})
        if readable and (name in args.dump or args.save):
            lines = []
            for p in pages:
                lines.append(f"## {p['id']}: {p['question']}")
                lines += [f"{where}\n    {text}" for where, text in p["page"]] or ["(declined)"]
                lines.append("")
            if name in args.dump:
                print("\n".join(lines))
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
        if readable and args.examples:
            for a in ARTIFACTS:
                for e in examples.get(a, [])[: args.examples]:
                    print(f"{name} | {a} | {e[:300]}")
    sets = list(counts)
    print()
    print(f"| artifact | {' | '.join(sets)} |")
    print(f"|---|{'---:|' * len(sets)}")
    print(f"| texts shown | {' | '.join(str(texts[s]) for s in sets)} |")
    for a in ARTIFACTS:
        print(f"| {a} | {' | '.join(str(counts[s][a]) for s in sets)} |")
    total = {s: sum(counts[s].values()) for s in sets}
    print(f"| **all** | {' | '.join(str(total[s]) for s in sets)} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({s: dict(counts[s]) for s in sets}, indent=2) + "\n")


if __name__ == "__main__":
    main()
