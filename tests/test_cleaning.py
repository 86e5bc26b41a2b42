"""Post bodies → clean text blocks."""

from __future__ import annotations

from index.ingest.cleaning import Block, body_text, clean_body, fix_mojibake, strip_liquid
from index.ingest.inline import clean_inline


def texts(body: str, kind: str | None = None) -> list[str]:
    return [b.text for b in clean_body(body) if kind is None or b.kind == kind]


def test_links_keep_text_and_urls_never_appear() -> None:
    md = (
        "See [the letter](https://ibm.com/x_(y)) and [ref link][1], <https://auto.link/>, "
        "bare https://example.com/a?b=c. and www.example.org, or pic.twitter.com/AbC."
    )
    assert clean_inline(md) == "See the letter and ref link, , bare . and , or ."
    assert "http" not in clean_inline("[![img](https://i.png)](https://x.y) (https://z.w)")


def test_emphasis_code_and_escapes() -> None:
    assert clean_inline("**bold** *em* _u_ ~~del~~ snake_case `a*b_c` \\*lit\\*") == (
        "bold em u del snake_case a*b_c *lit*"
    )
    assert clean_inline("``code with ` tick``") == "code with ` tick"


def test_entities_nbsp_and_invisible_characters() -> None:
    assert (
        clean_inline("AT&amp;T&nbsp;rocks &mdash; &#39;q&#39; &lt;b&gt;") == "AT&T rocks — 'q' <b>"
    )
    assert clean_inline("a\u00a0b\u2009c\u200bd\u00ade\ufeff f\u2011g") == "a b cde f-g"
    assert clean_inline("Hyundai\ufffds\ufffdDecember") == "Hyundai s December"
    assert clean_inline("  many \n  lines\t\there  ") == "many lines here"


def test_mojibake_is_repaired_only_when_present() -> None:
    assert fix_mojibake("IBMâ€™s decision, weâ€™re glad") == "IBM’s decision, we’re glad"
    assert fix_mojibake("Copyright Â© 2022") == "Copyright © 2022"
    assert fix_mojibake("Albert Fox CahnðŸ”¯ (@FoxCahn)") == "Albert Fox Cahn🔯 (@FoxCahn)"
    clean = "Café “quotes” — naïve façade, 東京 😀"
    assert fix_mojibake(clean) is clean  # untouched (and ftfy not even called)
    assert texts("IBMâ€™s decision") == ["IBM’s decision"]


def test_liquid_is_removed_raw_is_kept() -> None:
    body = (
        '<img src="{{ site.imgpath }}/a.png"/>\n\n'
        "Before {% include note.html text='x' %}after.\n\n"
        "{% raw %}Keep {{ this }}{% endraw %}\n\n"
        "{% comment %}secret{% endcomment %}Visible\n"
    )
    assert texts(body) == ["Before after.", "Keep {{ this }}", "Visible"]
    assert strip_liquid("no liquid here") == "no liquid here"


def test_kramdown_ials_and_toc() -> None:
    body = (
        "* TOC\n{:toc}\n\n"
        "A paragraph.\n{: .notice}\n\n"
        "## Heading {#custom}\n\n"
        "{::comment}hidden{:/comment}Shown {:.cls} text\n"
    )
    blocks = clean_body(body)
    assert [(b.kind, b.text) for b in blocks] == [
        ("paragraph", "A paragraph."),
        ("heading", "Heading"),
        ("paragraph", "Shown text"),
    ]
    assert blocks[1].anchor == "custom"


def test_tweet_keeps_text_drops_script() -> None:
    body = (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">We&#39;ve all had to fight '
        "https://t.co/abc pic.twitter.com/xyz</p>&mdash; Jathan Sadowski (@jathansadowski) "
        '<a href="https://twitter.com/j/status/1">June 10, 2020</a></blockquote> '
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>\n'
    )
    # (its sign-off keeps whose words they are and when, not the handle: ``furniture``)
    assert texts(body) == ["We've all had to fight — Jathan Sadowski, June 10, 2020"]


def test_iframes_scripts_styles_images_dropped_figure_caption_kept() -> None:
    body = (
        '<iframe width="560" src="https://www.youtube.com/embed/x" allowfullscreen></iframe>\n\n'
        '<figure>\n <img src="/a.png" alt="alt text"/>\n  <figcaption>\n'
        '    Disparities. From the <a href="http://p.pdf">2018 study</a>.\n'
        "  </figcaption>\n</figure>\n\n"
        "<style>\n.x { color: red; }\n</style>\n\n"
        "<script>\nvar x = 1;\n</script>\n\n"
        "![An image](https://img/x.png)\n\n"
        "Text with <b>bold</b> and an <img src='x'> inline image.<br>Next line.\n"
    )
    assert texts(body) == [
        "Disparities. From the 2018 study.",
        "Text with bold and an inline image. Next line.",
    ]


def test_block_kinds_and_headings() -> None:
    body = (
        "Intro *text*.\n\n"
        "## What Happened\n\n"
        "- item one\n- item [two](x)\n\n"
        "> quoted\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "    indented code-ish prose\n\n"
        "Setext Title\n------------\n\n"
        "## What Happened\n"
    )
    blocks = clean_body(body)
    assert blocks == [
        Block("paragraph", "Intro text."),
        Block("heading", "What Happened", 2, "what-happened"),
        Block("list_item", "item one"),
        Block("list_item", "item two"),
        Block("quote", "quoted"),
        Block("table_row", "a | b"),
        Block("table_row", "1 | 2"),
        Block("code", "indented code-ish prose"),
        Block("heading", "Setext Title", 2, "setext-title"),
        Block("heading", "What Happened", 2, "what-happened-1"),
    ]
    assert body_text(blocks).split("\n")[0] == "Intro text."


def test_empty_heading_still_counts_for_anchor_suffixes() -> None:
    blocks = clean_body("## ![img](x.png)\n\n## Title\n\n## ![img](y.png)\n")
    assert [(b.text, b.anchor) for b in blocks] == [("Title", "title")]


def test_reference_definitions_and_footnotes() -> None:
    body = (
        "A [new model][1] came out.[^note]\n\n"
        "[1]: https://blog.openai.com/better-language-models/\n"
        '[2]: <https://x.y> "Title"\n\n'
        "[^note]: A footnote with [a link](https://z).\n"
    )
    assert texts(body) == ["A new model came out.", "A footnote with a link."]


def test_crlf_and_empty_bodies() -> None:
    assert texts("line one\r\nline two\r\n\r\nnext") == ["line one line two", "next"]
    assert clean_body("") == []
    assert clean_body("\n\n   \n") == []


def test_heading_right_after_html_is_a_heading_like_in_kramdown() -> None:
    # CommonMark would swallow the heading into the HTML block; kramdown resumes Markdown.
    body = (
        '<iframe src="https://player/x" width="100%"></iframe>\n### Mini Briefs\n\n'
        "Text.\n\n<div>\n### inside an open div\n</div>\n"
    )
    blocks = clean_body(body)
    assert [(b.kind, b.text, b.anchor) for b in blocks] == [
        ("heading", "Mini Briefs", "mini-briefs"),
        ("paragraph", "Text.", None),
        ("html", "### inside an open div", None),
    ]


def test_empty_atx_heading_is_not_a_heading() -> None:
    blocks = clean_body("#### \n\n## Other\n\n## Other\n")
    assert [b.anchor for b in blocks] == ["other", "other-1"]


def test_cleaning_uses_markdown_its_public_api_only() -> None:
    # No subclass of its block state, no tokens made behind Token's constructor, no rule table.
    from pathlib import Path

    for module in ("cleaning.py", "inline.py"):
        source = next((Path(__file__).resolve().parents[1] / "index").rglob(module)).read_text()
        for private in ("StateBlock", "__new__", "__rules__", "rules_block", "._"):
            assert private not in source, (module, private)


def test_a_generators_missing_value_after_a_link_is_no_text() -> None:
    # Digests list links as "[title](url) - summary"; where a summary was missing, the site's
    # generator wrote pandas' "nan" (35 lines of the reference site).
    body = (
        "[Adobe adds Content Credentials to Lightroom](https://example.com/a) - nan\n\n"
        "[Kling goes global](https://example.com/b) - Kuaishou opens its video model.\n\n"
        "Banana bread - nan\n\n"
        "The nan value is a float.\n"
    )
    assert texts(body) == [
        "Adobe adds Content Credentials to Lightroom",
        "Kling goes global - Kuaishou opens its video model.",
        "Banana bread",
        "The nan value is a float.",
    ]


WELCOME_CODE = (
    "Jekyll also offers powerful support for code snippets:\n\n"
    '{% highlight ruby %}\ndef print_hi(name)\n  puts "Hi, #{name}"\nend\n'
    "print_hi('Tom')\n{% endhighlight %}\n\nCheck out the docs.\n"
)


def test_code_blocks_are_code_whether_highlight_fenced_or_indented() -> None:
    """``jekyll new``'s welcome post: its ``{% highlight %}`` body was a paragraph, its Ruby read
    as a sentence. Fenced (``` and ~~~) and indented code are code blocks the same way, their
    text as written (HTML in code is code, not markup to strip)."""
    assert clean_body(WELCOME_CODE) == [
        Block("paragraph", "Jekyll also offers powerful support for code snippets:"),
        Block("code", "def print_hi(name) puts \"Hi, #{name}\" end print_hi('Tom')"),
        Block("paragraph", "Check out the docs."),
    ]
    for body in (
        "Run:\n\n```python\nprint('<b>hi</b>')\n```\n\nDone.",
        "Run:\n\n~~~\nprint('<b>hi</b>')\n~~~\n\nDone.",
        "Run:\n\n    print('<b>hi</b>')\n\nDone.",
        "Run:\n{% highlight python linenos %}print('<b>hi</b>'){% endhighlight %}\nDone.",
    ):
        assert clean_body(body) == [
            Block("paragraph", "Run:"),
            Block("code", "print('<b>hi</b>')"),
            Block("paragraph", "Done."),
        ], body


def test_indented_text_kramdown_reads_as_prose_is_no_code() -> None:
    """What markdown-it sees as indented code but kramdown does not: a footnote's indented
    continuation, and the indented rest of an HTML element a blank line interrupted (the real
    corpus's only two "code blocks")."""
    footnote = "Text.[^1]\n\n[^1]: Paul Edwards, A Vast Machine.\n\n    MIT Press, 2010.\n"
    assert texts(footnote, "code") == []
    assert "MIT Press, 2010." in texts(footnote)
    figure = (
        '<figure>\n  <div class="video">\n\n    </div>\n'
        "    <figcaption>The stuff promised in this video.</figcaption>\n</figure>\n"
    )
    assert texts(figure, "code") == []
    assert "The stuff promised in this video." in " ".join(texts(figure))
