"""Property tests: the content pipeline never raises, and passages are bounded and complete."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.ingest import anchors, cleaning, inline
from index.ingest.anchors import AnchorGenerator
from index.ingest.cleaning import Block, body_text, clean_body
from index.ingest.inline import clean_inline
from index.ingest.loader import parse_post, split_front_matter
from index.ingest.passages import CODE_MARK, is_code, split_passages
from index.models import LoadIssue, ParsedPost, SiteConfig
from index.terms import analyzer

SITE = SiteConfig(url="https://s.io", permalink="/:categories/:title/")
ROOT = Path("/nonexistent/_posts")  # parse_post gets the bytes: nothing is read from disk

# Text that looks like the corpus' Markdown: markup characters, HTML, Liquid, odd spaces, emoji.
MARKUP = [
    "# ",
    "## ",
    "### ",
    "\n",
    "\n\n",
    "* ",
    "- ",
    "1. ",
    "> ",
    "    ",
    "```",
    "---",
    "***",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "<",
    ">",
    "</",
    "&",
    ";",
    "{%",
    "%}",
    "{{",
    "}}",
    "{:",
    "}",
    "`",
    "*",
    "_",
    "~~",
    "|",
    "\\",
    '"',
    "'",
    "http://",
    "www.",
    "<script>",
    "</script>",
    "<iframe>",
    "<p>",
    "<br>",
    "&amp;",
    "&nbsp;",
    "\u00a0",
    "\u200b",
    "â€™",
    "Â©",
    "’",
    "😀",
    "\ufe0f",
    ":",
    "-",
    ".",
    "!",
    "?",
    " ",
]
WORDS = ["alpha", "beta", "Gamma", "delta.", "Epsilon!", "z", "42", "é", "東京"]
markdownish = st.lists(st.sampled_from(MARKUP + WORDS) | st.text(max_size=5), max_size=60).map(
    "".join
)
any_text = st.text(max_size=400) | markdownish

fm_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.dates()
    | st.datetimes(timezones=st.just(dt.timezone(dt.timedelta(hours=-7))) | st.none()),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
fm_keys = st.sampled_from(
    [
        "title",
        "date",
        "categories",
        "category",
        "tags",
        "tag",
        "author",
        "authors",
        "excerpt",
        "layout",
        "permalink",
        "redirect",
        "redirect_to",
        "slug",
    ]
) | st.text(max_size=10)
front_matter = st.dictionaries(fm_keys, fm_values, max_size=8)
file_names = st.sampled_from(
    ["2020-01-02-post.md", "post.md", "a/b/2019-13-45-bad-date.md", "x/1999-1-2-ü.markdown", "9.md"]
)

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def normalized(text: str) -> list[str]:
    return text.split()


def check_passages(blocks: list[Block], max_words: int, min_words: int = 40) -> None:
    passages = split_passages("p.md", blocks, min_words=min_words, max_words=max_words)
    for i, passage in enumerate(passages):
        assert passage.ordinal == i
        assert passage.text.strip()
        assert len(passage.text.split()) <= max_words
    # Coverage in order: nothing lost, nothing duplicated (whitespace-normalised; code marked as
    # code in passages, each line of it).
    for line in "\n".join(p.text for p in passages).split("\n"):
        assert not is_code(line) or line.endswith(CODE_MARK), line
    # (A mark is removed, not spaced: code ending in a backtick, "0`", is marked "```0````", and
    # a space for the mark would cut its last backtick off as a word of its own.)
    covered = " ".join(p.text for p in passages).replace(CODE_MARK, "")
    assert normalized(covered) == normalized(body_text(blocks).replace(CODE_MARK, ""))


@PROPS
@given(st.binary(max_size=3000), file_names)
def test_loader_never_raises_on_arbitrary_bytes(data: bytes, name: str) -> None:
    result = parse_post(ROOT / name, ROOT, SITE, data=data)
    assert isinstance(result, ParsedPost | LoadIssue)


@PROPS
@given(front_matter, any_text, file_names, st.booleans())
def test_loader_on_arbitrary_front_matter_and_body(
    front: dict, body: str, name: str, fenced: bool
) -> None:
    try:
        dumped = yaml.safe_dump(front, allow_unicode=True)
    except yaml.YAMLError:
        dumped = "title: x\n"
    text = f"---\n{dumped}---\n{body}"
    if fenced:
        text = f"```markdown\n{text}\n```\n"
    result = parse_post(ROOT / name, ROOT, SITE, data=text.encode("utf-8", "surrogatepass"))
    if isinstance(result, LoadIssue):
        # Only undecodable text (lone surrogates) or what Jekyll does not publish is skipped
        # (a date it stops its build on: "2019-13-45-bad-date.md").
        unpublished = (
            "UTF-8",
            "published: false",
            "scheduled for ",
            "no date in the file name",
            "Jekyll stops its build",
        )
        assert result.kind == "skipped" and any(w in result.reason for w in unpublished)
        return
    assert result.post.title
    assert result.post.url.startswith("https://") or result.post.redirect
    for passage in result.passages:
        assert passage.text.strip() and len(passage.text.split()) <= 250


@PROPS
@given(any_text, any_text)
def test_loader_on_broken_yaml(fm: str, body: str) -> None:
    text = f"---\n{fm}\n---\n{body}"
    result = parse_post(ROOT / "2020-01-01-x.md", ROOT, SITE, data=text.encode("utf-8", "replace"))
    assert isinstance(result, ParsedPost | LoadIssue)


@PROPS
@given(any_text)
def test_cleaning_never_raises_and_gives_single_line_blocks(body: str) -> None:
    blocks = clean_body(body)
    for block in blocks:
        assert block.text and block.text == block.text.strip()
        assert "\n" not in block.text and "  " not in block.text
        assert "\u00a0" not in block.text and "\u200b" not in block.text
    assert "http://" not in clean_inline(body) or "`" in body


@PROPS
@given(any_text, st.integers(min_value=1, max_value=60))
# (found by hypothesis: unpaired backticks opening a piece of a paragraph cut at word
# boundaries were read as a code line)
@example("0 ```0", 1)
def test_markdown_to_passages_is_bounded_and_complete(body: str, max_words: int) -> None:
    check_passages(clean_body(body), max_words, min_words=min(40, max_words))


block_kinds = st.sampled_from(["paragraph", "list_item", "quote", "table_row", "html", "code"])
sentences = st.lists(
    st.sampled_from([*WORDS, "Mr.", "U.S.", "e.g.", "end.", "Why?", "Wow!", "(A.", "B)"]),
    max_size=80,
).map(" ".join)
blocks_strategy = st.lists(
    st.builds(Block, block_kinds, sentences | st.text(max_size=200))
    | st.builds(
        Block,
        st.just("heading"),
        st.text(max_size=20),
        st.integers(min_value=0, max_value=7),
        st.none() | st.text(max_size=10),
    ),
    max_size=40,
)


@PROPS
@given(blocks_strategy, st.integers(min_value=1, max_value=300), st.integers(0, 100))
@example([Block("code", "0`")], 1, 0)  # (hypothesis found it: see check_passages)
def test_splitter_bounded_and_complete(blocks: list[Block], max_words: int, min_words: int) -> None:
    check_passages(blocks, max_words, min_words=min_words)


@PROPS
@given(st.lists(any_text, max_size=10))
def test_anchors_never_raise_and_have_no_spaces(headings: list[str]) -> None:
    # (Not necessarily unique: kramdown itself gives "a", "a-1", "a-1" for "a", "a-1", "a".)
    gen = AnchorGenerator()
    ids = [gen.anchor(h) for h in headings]
    assert all(" " not in i and "\t" not in i for i in ids)


@PROPS
@given(st.text(alphabet="ab1 \u00a0_*~`$[]()!<>&{}:#^\\.-/=|"))
def test_heading_text_fast_path_misses_no_span_element(text: str) -> None:
    # raw_heading_text skips its span scan when no hint character occurs: no element may start.
    if anchors._SPAN_HINT.search(text) is None:
        assert anchors._SPAN.search(text) is None


@PROPS
@given(st.text() | st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000\u200bab"))
def test_normalize_spaces_is_split_and_join(text: str) -> None:
    # normalize_spaces returns normal text as it is: the same as splitting and joining it.
    expected = " ".join(inline._ODD.sub(inline._odd_char, text).split())
    assert inline.normalize_spaces(text) == expected


_WORD = rf"\w[\w{analyzer._mark_ranges()}]*"
PLAIN_TOKEN_RE = re.compile(rf"{_WORD}(?:[-'’.,]{_WORD})*")


@PROPS
@given(st.text(alphabet="aZ9_ -'’.,é\u0301\u0915\u093f") | st.text(max_size=40))
def test_token_patterns_find_the_same_words(text: str) -> None:
    # The analyzer's possessive patterns, and its ASCII one, find what the plain pattern finds.
    folded = text.casefold()
    assert analyzer._TOKEN_RE.findall(folded) == PLAIN_TOKEN_RE.findall(folded)
    if folded.isascii():
        assert analyzer._ASCII_TOKEN_RE.findall(folded) == PLAIN_TOKEN_RE.findall(folded)


definition_text = st.lists(
    st.sampled_from(
        ["[a]: /u", "[^n]: note", " [B b]: <x> 'T'", "   [c]:", "]:", "[", "]", " ", "x"]
    )
    | st.text(alphabet="[]^: \n'\"()<>ab", max_size=8),
    max_size=20,
).map("".join)


@PROPS
@given(definition_text)
def test_definitions_found_as_by_scanning_the_whole_text(text: str) -> None:
    expected = (
        frozenset(m.group("name") for m in cleaning._FOOTNOTE_DEF.finditer(text)),
        frozenset(
            anchors.normalize_ref(m.group("label")) for m in cleaning._REFERENCE_DEF.finditer(text)
        ),
        cleaning._REFERENCE_DEF.sub("", text),
    )
    assert cleaning._definitions(text) == expected


JEKYLL_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL
)


front_matter_lines = st.lists(
    st.sampled_from(["---", "...", "--", "-", ".", " ", "\t", "a: b", "#", "---x", "....", ""]),
    max_size=8,
).map("\n".join)


@PROPS
@given(st.sampled_from(["", "---\n", "--- \t\n", "---\t"]), front_matter_lines, st.booleans())
def test_front_matter_split_as_by_one_lazy_regex(opening: str, lines: str, end: bool) -> None:
    # split_front_matter finds the closing line from line break to line break: the same result
    # as the plain regex with a lazy ".*?" (which tries every character).
    text = opening + lines + ("\n" if end else "")
    m = JEKYLL_FRONT_MATTER.match(text)
    if m is not None:
        assert split_front_matter(text) == (m.group("yaml") or "", text[m.end() :], [])
    else:
        assert split_front_matter(text)[0] is None or "glued" in split_front_matter(text)[2][0]
