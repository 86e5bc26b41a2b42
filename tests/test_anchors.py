"""Heading ids as kramdown (GFM input, auto_ids) makes them."""

from __future__ import annotations

import pytest

from index.ingest.anchors import AnchorGenerator, gfm_slug, raw_heading_text


def ids(*headings: str) -> list[str]:
    gen = AnchorGenerator()
    return [gen.anchor(h) for h in headings]


def test_kramdown_gfm_header_ids_testcase() -> None:
    # kramdown's own test/testcases_gfm/header_ids.{text,html}, in one document.
    assert ids(
        "test {#myid}",
        "variable_name",
        "abc def öúß",
        "192 abc 192",
        ";.;;",
        "variable_name",
        "variable_name",
        ";;",
        "before \tafter tab",
        "with `code`",
        "with &nbsp;&Auml;&nbsp;space",
        'With "smart" quotes',
        "with --- typographic ... symbols",
        "with $$m=5$$",
    ) == [
        "myid",
        "variable_name",
        "abc-def-öúß",
        "192-abc-192",
        "",  # no id at all; but it is counted:
        "variable_name-1",
        "variable_name-2",
        "-1",
        "before--after-tab",
        "with-code",
        "with-äspace",
        "with-smart-quotes",
        "with--typographic--symbols",
        "with-m5",
    ]


def test_repeated_headings_get_numbered_suffixes() -> None:
    assert ids("Business", "Research", "Business", "Business", "Research") == [
        "business",
        "research",
        "business-1",
        "business-2",
        "research-1",
    ]


def test_generators_are_per_post() -> None:
    assert ids("Summary") == ids("Summary") == ["summary"]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("What Happened", "what-happened"),
        ("Advances & Business", "advances--business"),  # spaces are not collapsed
        (
            "Don't: state programs “learn” without appropriate caveats",
            "dont-state-programs-learn-without-appropriate-caveats",
        ),
        ("Part 1: The Beginnings (1950s-1980s)", "part-1-the-beginnings-1950s-1980s"),
        (
            "What’s a good translation? The difficulty of evaluating NMT systems ",
            "whats-a-good-translation-the-difficulty-of-evaluating-nmt-systems",
        ),
        ("GPT-3 -- the hype", "gpt-3--the-hype"),  # "--" is an en dash, dropped
        ("A &amp; B &eacute;", "a--b-é"),
        ("x² and ½", "x-and-"),  # only decimal digits are word characters in Ruby
        ("Heading ##", "heading"),  # ATX closing hashes
    ],
)
def test_punctuation_and_symbols(heading: str, expected: str) -> None:
    assert ids(heading) == [expected]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        (
            "[OpenAI built a voice cloning tool, but you can’t use it… yet]"
            "(https://techcrunch.com/2024/03/29/openai-custom-voice-engine-preview/)",
            "openai-built-a-voice-cloning-tool-but-you-cant-use-it-yet",
        ),
        (
            "[Gemini 1.5 is Google’s next-gen AI model — and it’s already almost ready](https://x.y/z)",
            "gemini-15-is-googles-next-gen-ai-model--and-its-already-almost-ready",
        ),
        ("Link [text][ref] here", "link-text-here"),
        ("**Bold** and *em* and _under_ and snake_case", "bold-and-em-and-under-and-snake_case"),
        ("Code `a_b()` here", "code-a_b-here"),
        ("![logo](logo.png) Title", "-title"),  # an image adds nothing, its space stays
        ("<span>HTML</span> head", "html-head"),
        ("Footnote[^1] here", "footnote-here"),
        (r"Escaped \-\- dashes", "escaped----dashes"),  # escaped: not typographic
    ],
)
def test_links_emphasis_code_in_headings(heading: str, expected: str) -> None:
    assert ids(heading) == [expected]


# Expected ids below were produced by kramdown 2.4.0 + kramdown-parser-gfm 1.1.0 (Debian packages).
@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Closing </span> alone", "closing-span-alone"),  # closes nothing: literal text
        ("A <div> in text", "a-div-in-text"),  # block-level tag in span text: literal
        ("<span>unclosed *em* &amp; more", "unclosed-em--more"),  # auto-closed, parsed on
        ("Note[^9] undefined", "note9-undefined"),  # footnote not defined: literal
        ("[text][nope] here", "textnope-here"),  # reference not defined: literal
        ("x << y >> z", "x-y-z"),  # "« " / " »" use a no-break space
        ("a ` b ` c", "a--b--c"),  # lone backticks between spaces are text
        ("Title {: .cls} here", "title--cls-here"),  # span IAL after text: literal
        ("*em*{:.cls} tail", "em-tail"),  # span IAL after an element: applied
        ("__strong__ and _em_ in_word_", "strong-and-em-in_word_"),
    ],
)
def test_html_footnotes_refs_and_other_span_rules(heading: str, expected: str) -> None:
    gen = AnchorGenerator(footnotes=frozenset(), link_refs=frozenset())
    assert gen.anchor(heading) == expected


def test_defined_footnotes_and_references_are_elements() -> None:
    gen = AnchorGenerator(footnotes=frozenset({"9"}), link_refs=frozenset({"nope"}))
    assert gen.anchor("Note[^9] defined") == "note-defined"
    assert gen.anchor("[text][Nope] here") == "text-here"


def test_emoji_keep_variation_selector_like_ruby() -> None:
    # Ruby's \p{Word} includes marks: U+FE0F (a nonspacing mark) survives, the emoji do not.
    assert ids("Fast ⚡️ models 🚀") == ["fast-\ufe0f-models-"]


def test_raw_text_and_slug_helpers() -> None:
    assert raw_heading_text("[a *b*](http://x) `c`") == "a b c"
    assert gfm_slug("Hello World!") == "hello-world"
