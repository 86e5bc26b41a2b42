"""Section-aware passage splitting."""

from __future__ import annotations

import pytest

from index.ingest.cleaning import Block, clean_body
from index.ingest.passages import split_passages, split_sentences


def words(n: int, word: str = "w") -> str:
    return " ".join(f"{word}{i}" for i in range(n))


def h(text: str, level: int = 2, anchor: str | None = None) -> Block:
    return Block("heading", text, level, anchor if anchor is not None else text.lower())


def p(text: str) -> Block:
    return Block("paragraph", text)


def test_heading_paths_and_anchors() -> None:
    blocks = [
        p(words(50, "intro")),
        h("Top", 2),
        p(words(60, "top")),
        h("Sub", 3),
        p(words(60, "sub")),
        h("Next", 2),
        p(words(60, "next")),
    ]
    passages = split_passages("post.md", blocks)
    assert [(x.heading_path, x.anchor) for x in passages] == [
        ((), None),
        (("Top",), "top"),
        (("Top", "Sub"), "sub"),
        (("Next",), "next"),
    ]
    assert [x.ordinal for x in passages] == [0, 1, 2, 3]
    assert all(x.post_id == "post.md" for x in passages)
    # Each section's first passage opens with its heading line.
    assert [x.text.split("\n")[0] for x in passages[1:]] == ["Top", "Sub", "Next"]


def test_small_blocks_merge_within_a_section_and_keep_order() -> None:
    blocks = [h("S"), p("One."), Block("list_item", "Two."), p("Three.")]
    [only] = split_passages("x", blocks)
    assert only.text == "S\nOne.\nTwo.\nThree."


def test_sections_are_packed_greedily_and_never_exceed_max() -> None:
    blocks = [h("S")] + [p(words(100, f"b{i}_")) for i in range(5)]
    passages = split_passages("x", blocks, max_words=250)
    assert [len(x.text.split()) for x in passages] == [201, 200, 100]  # 1: the heading "S"


def test_tiny_tail_borrows_blocks_from_the_previous_passage() -> None:
    blocks = [h("S"), p(words(150)), p(words(95, "m")), p(words(10, "t"))]
    passages = split_passages("x", blocks, min_words=40, max_words=250)
    assert [len(x.text.split()) for x in passages] == [151, 105]  # 1: the heading "S"
    assert passages[1].text.startswith("m0 ")


def test_tiny_section_merges_into_its_subsection_not_its_sibling() -> None:
    blocks = [
        h("Part 1", 1),
        p("A short intro."),
        h("Chapter", 2),
        p(words(60)),
        h("Sibling", 1),
        p("Tiny."),
        h("Other", 1),
        p(words(60, "o")),
    ]
    passages = split_passages("x", blocks)
    assert [(x.heading_path, x.text.split()[:3]) for x in passages] == [
        (("Part 1",), ["Part", "1", "A"]),  # cited where its text starts
        (("Sibling",), ["Sibling", "Tiny."]),  # a sibling section stays separate
        (("Other",), ["Other", "o0", "o1"]),
    ]
    assert passages[0].anchor == "part 1"


def test_a_short_introduction_stays_apart_from_the_first_section() -> None:
    blocks = [p("Not a big story, but a telling one."), h("What Happened", 2), p(words(60))]
    intro, section = split_passages("x", blocks)
    assert (intro.heading_path, intro.anchor) == ((), None)
    assert intro.text == "Not a big story, but a telling one."
    assert (section.heading_path, section.anchor) == (("What Happened",), "what happened")
    assert section.text.startswith("What Happened\n")


def test_long_paragraph_splits_at_sentences() -> None:
    sentences = [f"Sentence {i} says {words(20, 'x')}." for i in range(30)]
    text = " ".join(sentences)
    passages = split_passages("x", [p(text)], max_words=100)
    assert all(len(x.text.split()) <= 100 for x in passages)
    for x in passages:
        assert x.text.startswith("Sentence ") and x.text.endswith(".")
    assert " ".join(x.text for x in passages) == text


def test_over_long_sentence_is_cut_at_words_hard_max() -> None:
    text = words(260) + "."
    passages = split_passages("x", [p(text)], max_words=100)
    assert [len(x.text.split()) for x in passages] == [100, 100, 60]
    assert " ".join(x.text for x in passages) == text


def test_sentence_splitter_respects_abbreviations() -> None:
    text = "Dr. Smith met the U.S. Army. Then J. Doe left! Did he? Yes (e.g. Bob) stayed."
    assert split_sentences(text) == [
        "Dr. Smith met the U.S. Army.",
        "Then J. Doe left!",
        "Did he?",
        "Yes (e.g. Bob) stayed.",
    ]


def test_no_blocks_give_no_passages_and_headings_alone_are_kept() -> None:
    assert split_passages("x", []) == []
    assert split_passages("x", [p("   ")]) == []
    [only] = split_passages("x", [h("A"), h("B", 3)])
    assert only.text == "A\nB" and only.heading_path == ("A", "B")


def test_heading_without_text_leads_into_the_next_section() -> None:
    blocks = [h("Top News", 3), h("Story one", 4), p(words(50, "s")), h("Story two", 4), p("x")]
    first, *_ = split_passages("x", blocks)
    assert first.text.startswith("Top News\nStory one\ns0")
    assert first.heading_path == ("Top News", "Story one") and first.anchor == "story one"


def test_a_heading_without_text_before_a_sibling_is_a_passage_of_its_own() -> None:
    # A digest item that is only a linked title: cited at its own anchor, not as the first
    # line of the next item (whose link would open the other story).
    blocks = [
        h("Mini Briefs", 2),
        h("Drones deliver mail", 4),
        h("A cat feeder", 4),
        p("It feeds the right cat."),
        h("Other News", 2),
        p("More."),
    ]
    passages = split_passages("x", blocks)
    assert [(x.heading_path, x.anchor, x.text) for x in passages] == [
        (
            ("Mini Briefs", "Drones deliver mail"),
            "drones deliver mail",
            "Mini Briefs\nDrones deliver mail",
        ),
        (("Mini Briefs", "A cat feeder"), "a cat feeder", "A cat feeder\nIt feeds the right cat."),
        (("Other News",), "other news", "Other News\nMore."),
    ]


def test_empty_anchor_becomes_none() -> None:
    [only] = split_passages("x", [Block("heading", ";;", 2, ""), p("text")])
    assert only.heading_path == (";;",) and only.anchor is None


def test_invalid_bounds() -> None:
    with pytest.raises(ValueError):
        split_passages("x", [p("a")], max_words=0)


def test_end_to_end_from_markdown() -> None:
    md = (
        "## Summary\n\n* one\n* two\n\n"
        "## What Happened\n\nIt happened.\n\n## What Happened\n\nAgain.\n"
    )
    passages = split_passages("p.md", clean_body(md))
    assert [(x.anchor, x.text) for x in passages] == [
        ("summary", "Summary\none\ntwo"),
        ("what-happened", "What Happened\nIt happened."),
        ("what-happened-1", "What Happened\nAgain."),
    ]


def test_sentence_splitter_keeps_a_i_together() -> None:
    assert split_sentences("Prize Awarded for Pioneering A.I. Research by 2 Scientists. Next.") == [
        "Prize Awarded for Pioneering A.I. Research by 2 Scientists.",
        "Next.",
    ]


def test_code_is_a_marked_line_of_its_own_and_no_sentence_shown() -> None:
    """Code (each piece of a long block) is a line of its own marked as code: indexed, never
    one of the sentences answers show; a sentence announcing it ends on "…"."""
    from index.answers.text import sentences
    from index.ingest.passages import CODE_MARK, is_code

    blocks = [p("It prints a greeting:"), Block("code", words(30, "x")), p("Then it ends.")]
    [passage] = split_passages("post.md", blocks, max_words=40, min_words=0)
    lines = passage.text.split("\n")
    assert len(lines) == 3 and lines[1] == CODE_MARK + words(30, "x") + CODE_MARK
    passages = split_passages("post.md", blocks, max_words=20, min_words=0)
    lines = [line for x in passages for line in x.text.split("\n")]
    assert lines[0] == "It prints a greeting:" and lines[-1] == "Then it ends."
    assert [is_code(line) for line in lines] == [False, True, True, False]
    assert lines[1] == CODE_MARK + words(20, "x") + CODE_MARK
    assert sentences(passage.text) == ["It prints a greeting: …", "Then it ends."]
    assert sentences("It prints:\nDone.") == ["It prints:", "Done."]
