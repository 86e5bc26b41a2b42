"""The formatting layer: every embed and choice within Discord's limits, whatever the text."""

from __future__ import annotations

import datetime as dt
import re

import discord
from briefbot_support import assert_embed_within_limits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.formatting import answers as fmt_answers
from bot.formatting import choices as fmt_choices
from bot.formatting import posts as fmt_posts
from bot.formatting import questions as fmt_questions
from bot.formatting import text as fmt
from index.models import Answer, Passage, Post, PostRef, SearchResult

# Text with everything that trips formatting up: Markdown, mentions, long words, newlines.
TRICKY = st.sampled_from(
    [
        "**",
        "*",
        "__",
        "_",
        "~~",
        "||",
        "`",
        "```",
        "\\",
        "[",
        "](",
        ")",
        "<@123>",
        "@everyone",
        "@here",
        "# ",
        "- ",
        "> ",
        "\n",
        " ",
        "https://x.test/a_b(c)",
        "é",
        "🙂",
        "…",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), TRICKY), max_size=60).map("".join)
HUGE = st.integers(min_value=3_000, max_value=12_000).map(lambda n: ("word **bold** " * n)[:n])
ANY_TEXT = st.one_of(TEXT, HUGE)
DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1))
URLS = st.one_of(st.just("https://www.skynettoday.com/briefs/x/#what-happened"), TEXT)

UNESCAPED_BOLD = re.compile(r"(?<!\\)(?:\\\\)*\*\*")


def assert_within_limits(embed: discord.Embed) -> None:
    data = assert_embed_within_limits(embed)
    if "url" in data:
        assert data["url"].startswith(("https://", "http://"))
        assert len(data["url"]) <= fmt.URL_MAX


def result(
    title: str, heading: str, snippet: str, sentence: str, url: str, date: dt.date
) -> SearchResult:
    return SearchResult(
        post_id="p.md",
        title=title,
        heading=heading,
        heading_path=(heading,) if heading else (),
        date=date,
        url=url,
        score=1.0,
        text=sentence,
        snippet=snippet,
        best_sentence=sentence,
    )


RESULTS = st.builds(result, ANY_TEXT, TEXT, ANY_TEXT, ANY_TEXT, URLS, DATES)


# ----------------------------------------------------------------------------- truncate


@given(ANY_TEXT, st.integers(min_value=0, max_value=5000))
def test_truncate_fits_and_balances_markdown(text: str, limit: int) -> None:
    out = fmt.truncate(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
        return
    if limit > 1:
        assert fmt.ELLIPSIS in out
        # Whatever Markdown the kept part opened is closed again.
        assert fmt._open_markers(out) == []
        assert len(UNESCAPED_BOLD.findall(out.replace("\\**", ""))) % 2 == 0 or "`" in out


@given(st.text(min_size=1, max_size=300), st.integers(min_value=20, max_value=200))
def test_truncate_keeps_a_prefix_cut_at_a_word(text: str, limit: int) -> None:
    out = fmt.truncate(text, limit)
    if len(text) <= limit:
        return
    head = out.split(fmt.ELLIPSIS)[0]
    assert text.startswith(head)
    assert not head.endswith("\\") or head.endswith("\\\\")


def test_truncate_closes_bold_and_prefers_word_boundaries() -> None:
    out = fmt.truncate("**IBM halted sales of facial recognition** to police", 24)
    assert out == "**IBM halted sales of…**"
    assert fmt.truncate("plain words only here", 12) == "plain words…"


def test_truncate_never_cuts_inside_a_link_or_an_escape() -> None:
    text = "see [the post](https://www.skynettoday.com/briefs/face-recog-police) now"
    assert fmt.truncate(text, 30) == "see…"
    assert fmt.truncate("a\\*b\\*c\\*d\\*e\\*f\\*g", 6) in ("a\\*b…", "a\\*…")


def test_truncate_plain_is_one_line() -> None:
    assert fmt.truncate_plain("two\nlines   here and more words", 15) == "two lines here…"


# ----------------------------------------------------------------------------- escaping


def test_escape_makes_mentions_and_markdown_inert() -> None:
    out = fmt.escape("@everyone **hi** <@123> [x](https://e.test) # title")
    assert "@everyone" not in out.replace("\\", "")
    assert "\\*\\*hi\\*\\*" in out
    assert "\\<\\@123\\>" in out
    assert "\\[x\\](https://e.test)" in out


@given(TEXT)
def test_escaped_text_opens_no_markdown(text: str) -> None:
    out = fmt.escape(text)
    assert fmt._open_markers(out) == []
    assert "@everyone" not in out and "@here" not in out
    assert not fmt._MASKED_LINK.search(out.replace("\\[", "").replace("\\]", ""))


def test_safe_url_rejects_what_discord_refuses() -> None:
    assert fmt.safe_url("/briefs/x/") is None
    assert fmt.safe_url("javascript:alert(1)") is None
    assert fmt.safe_url("https://e.test/a (b)") == "https://e.test/a%20%28b%29"


# ----------------------------------------------------------------------------- embeds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ANY_TEXT,
    st.lists(RESULTS, min_size=1, max_size=12),
    st.integers(1, 10),
    st.integers(0, 12),
    TEXT,
    TEXT,
)
def test_answer_embed_within_limits(
    question: str, results: list[SearchResult], size: int, page: int, site: str, note: str
) -> None:
    answer = Answer(question=question, results=tuple(results))
    embed = fmt_answers.answer_embed(
        answer, fmt_answers.Page(page, size), site_name=site, note=note
    )
    assert_within_limits(embed)


@settings(max_examples=40, deadline=None)
@given(
    ANY_TEXT,
    ANY_TEXT,
    st.lists(st.builds(PostRef, post_id=TEXT, title=ANY_TEXT, date=DATES, url=URLS), max_size=5),
)
def test_declined_embed_within_limits(question: str, message: str, refs: list[PostRef]) -> None:
    answer = Answer(question=question, declined=True, message=message, suggestions=tuple(refs))
    embed = fmt_answers.declined_embed(answer, site_name="Skynet Today")
    assert_within_limits(embed)
    assert embed.description and embed.description.startswith("**Not covered")


def post(
    title: str,
    excerpt: str = "",
    url: str = "https://e.test/p/",
    date: dt.date = dt.date(2020, 6, 21),
    categories: tuple[str, ...] = ("briefs",),
    tags: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    post_id: str = "briefs/p.md",
) -> Post:
    return Post(
        id=post_id,
        title=title,
        date=date,
        categories=categories,
        tags=tags,
        authors=authors,
        excerpt=excerpt,
        url=url,
        fingerprint="0",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ANY_TEXT,
    ANY_TEXT,
    URLS,
    st.lists(TEXT, max_size=8),
    st.lists(TEXT, max_size=30),
    st.lists(st.tuples(st.lists(TEXT, min_size=1, max_size=3), TEXT), max_size=120),
)
def test_brief_embed_within_limits(
    title: str,
    excerpt: str,
    url: str,
    cats: list[str],
    tags: list[str],
    heads: list[tuple[list[str], str]],
) -> None:
    p = post(title, excerpt, url, categories=tuple(cats), tags=tuple(tags), authors=tuple(tags))
    passages = [
        Passage(
            post_id=p.id, ordinal=i, heading_path=tuple(path), anchor=f"a{i}{anchor}"[:50], text="x"
        )
        for i, (path, anchor) in enumerate(heads)
    ]
    assert_within_limits(fmt_posts.brief_embed(p, passages, site_name="Skynet Today"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(post, ANY_TEXT, url=URLS, categories=st.lists(TEXT, max_size=5).map(tuple)),
        max_size=10,
    ),
    st.one_of(st.none(), TEXT),
)
def test_latest_embed_within_limits(posts: list[Post], category: str | None) -> None:
    assert_within_limits(fmt_posts.latest_embed(posts, category=category, site_name="Skynet Today"))


@given(st.lists(st.builds(post, ANY_TEXT, post_id=st.text(min_size=1, max_size=300)), max_size=40))
def test_title_choices_within_limits(posts: list[Post]) -> None:
    choices = fmt_choices.title_choices(posts)
    assert len(choices) <= fmt.CHOICES_MAX
    for choice in choices:
        assert 1 <= len(choice.name) <= fmt.CHOICE_NAME_MAX
        assert 1 <= len(choice.value) <= fmt.CHOICE_VALUE_MAX


def test_long_post_ids_get_stable_short_keys() -> None:
    long_id = "briefs/" + "x" * 200 + ".md"
    assert fmt_choices.post_key(long_id) == fmt_choices.post_key(long_id)
    assert len(fmt_choices.post_key(long_id)) <= fmt.CHOICE_VALUE_MAX
    assert fmt_choices.post_key("briefs/short.md") == "briefs/short.md"


@given(st.lists(st.builds(discord.Embed, title=ANY_TEXT, description=ANY_TEXT), max_size=15))
def test_fit_embeds_respects_message_totals(embeds: list[discord.Embed]) -> None:
    kept = fmt.fit_embeds(embeds)
    assert len(kept) <= fmt.EMBEDS_MAX
    assert sum(len(e) for e in kept) <= fmt.EMBED_TOTAL_MAX
    for embed in kept:
        assert_within_limits(embed)


@given(ANY_TEXT)
def test_message_content_fits(text: str) -> None:
    assert len(fmt.message_content(text)) <= fmt.CONTENT_MAX


def test_answer_embed_reads_well() -> None:
    results = tuple(
        result(
            f"Post {i}",
            "What Happened",
            f"IBM **halted** sales {i}",
            "IBM halted sales.",
            f"https://e.test/p{i}/#what-happened",
            dt.date(2020, 6, 21),
        )
        for i in range(5)
    )
    answer = Answer(question="What did @everyone **IBM** decide?", results=results)
    first = fmt_answers.answer_embed(answer, fmt_answers.Page(0, 3), site_name="Skynet Today")
    assert first.title == "What did \\@\u200beveryone \\*\\*IBM\\*\\* decide?"
    assert first.description is not None
    assert first.description.startswith("> IBM halted sales. **[1]**")
    assert "**[1]** [Post 0 › What Happened](https://e.test/p0/#what-happened) · 21 Jun 2020" in (
        first.description
    )
    assert "**[4]**" not in first.description
    assert first.footer.text == "Page 1 of 2 · 5 cited passages · Skynet Today"
    second = fmt_answers.answer_embed(answer, fmt_answers.Page(1, 3))
    assert second.description is not None
    assert "**[4]**" in second.description and "**[5]**" in second.description
    assert not second.description.startswith(">")


def test_links_without_a_public_url_stay_plain_text() -> None:
    assert fmt.link("A [title]", "/briefs/x/") == "A \\[title\\]"
    assert fmt.link("A (title)", "https://e.test/x") == "[A (title)](https://e.test/x)"


def test_about_embed_within_limits() -> None:
    stats = fmt_posts.AboutStats(
        posts=439,
        passages=5000,
        categories=["briefs", "digests"],
        built_at=dt.datetime(2026, 1, 1, 12, 0),
        version="0.1.0",
        site_name="Skynet Today",
        site_url="https://www.skynettoday.com",
    )
    embed = fmt_posts.about_embed(stats)
    assert_within_limits(embed)
    fields = {f.name: str(f.value) for f in embed.fields}
    assert fields["Posts"] == "439" and fields["Passages"] == "5,000"
    assert "<t:1767268800:R>" in fields["Last indexed"]
    assert "Ranking" not in fields  # (said only when the bot knows it)


def test_about_says_how_answers_are_ranked_within_limits() -> None:
    def line(ranking: fmt_posts.Ranking) -> str:
        stats = fmt_posts.AboutStats(
            posts=439, passages=5386, categories=[], built_at=None, version="1", ranking=ranking
        )
        embed = fmt_posts.about_embed(stats)
        assert_within_limits(embed)
        return {f.name: str(f.value) for f in embed.fields}["Ranking"]

    assert line(fmt_posts.Ranking(meaning=False)) == "By words (meaning-based ranking is off)"
    assert line(fmt_posts.Ranking(meaning=True, ready=True)) == "By words and meaning"
    assert line(fmt_posts.Ranking(meaning=True, embedded=1204, passages=5386)) == (
        "By words; meaning-based ranking is being prepared (1,204 of 5,386 passages embedded)"
    )
    assert line(fmt_posts.Ranking(meaning=True)) == (
        "By words; meaning-based ranking is being prepared"  # (not counted yet)
    )
    # A reason from an exception: one line, inert, short.
    problem = "cannot load @everyone's <@&1> **model**\n" + "x" * 2000
    said = line(fmt_posts.Ranking(meaning=True, problem=problem))
    assert said.startswith("By words; meaning-based ranking is unavailable: cannot load ")
    assert "@everyone" not in said and "<@&" not in said and "\n" not in said
    assert "\\*\\*model\\*\\*" in said and len(said) < 400
    # A failed fill tried again: why, when (Discord's relative timestamp), and how far it got.
    paused = fmt_posts.Ranking(
        meaning=True, embedded=40, passages=5415, problem="disk full", retry_at=1_800_000_000.7
    )
    assert line(paused) == (
        "By words; meaning-based ranking is paused: disk full; trying again"
        " <t:1800000000:R> (40 of 5,415 passages embedded)"
    )
    # Passages the model fails on: counted, with why (inert, short), ranked by words alone.
    skipped = fmt_posts.Ranking(
        meaning=True, ready=True, skipped=2, skipped_reason="ValueError: <@&1> " + "y" * 900
    )
    said = line(skipped)
    assert said.startswith(
        "By words and meaning (2 passages could not be embedded and are ranked by words"
        " alone: ValueError: "
    )
    assert "<@&" not in said and len(said) < 450
    preparing = fmt_posts.Ranking(
        meaning=True, embedded=10, passages=12, skipped=1, skipped_reason="ValueError: bad"
    )
    assert line(preparing) == (
        "By words; meaning-based ranking is being prepared (10 of 12 passages embedded; 1"
        " passage could not be embedded and is ranked by words alone: ValueError: bad)"
    )


def test_the_first_page_shows_the_headlines_citation() -> None:
    # With pages smaller than extraction's pool, the headline may come from a result past the
    # first page: its citation is shown on the first page too (after the page's own), and on
    # its own page as usual.
    results = tuple(
        result(
            f"Post {n}",
            "Story",
            f"Snippet {n}.",
            f"Sentence {n}.",
            f"https://e.test/p{n}/#story",
            dt.date(2020, 6, n + 1),
        )
        for n in range(5)
    )
    answer = Answer(question="Q?", results=results, headline="Sentence 4.", headline_from=4)
    first = fmt_answers.answer_embed(answer, fmt_answers.Page(0, 3)).description or ""
    assert first.startswith("> Sentence 4. **[5]**")
    cited = re.findall(r"\*\*\[(\d)\]\*\* \[", first)
    assert cited == ["1", "2", "3", "5"]
    assert "Snippet 4." in first
    second = fmt_answers.answer_embed(answer, fmt_answers.Page(1, 3)).description or ""
    assert re.findall(r"\*\*\[(\d)\]\*\* \[", second) == ["4", "5"]
    # A headline from the first page's results adds nothing.
    within = answer.model_copy(update={"headline_from": 1})
    shown = fmt_answers.answer_embed(within, fmt_answers.Page(0, 3)).description or ""
    assert re.findall(r"\*\*\[(\d)\]\*\* \[", shown) == ["1", "2", "3"]


def test_answer_embed_shows_the_headline_with_its_citation_and_tells_citations_apart() -> None:
    base = result(
        "Post",
        "What Happened",
        "IBM **halted** sales.",
        "IBM halted sales.",
        "https://e.test/p/#what-happened",
        dt.date(2020, 6, 21),
    )
    other = base.model_copy(
        update={
            "heading": "The Reactions",
            "heading_path": ("The Reactions",),
            "url": "https://e.test/p/#the-reactions",
            "snippet": "Critics **welcomed** it.",
        }
    )
    again = base.model_copy(
        update={
            "part": "part 2",
            "url": "https://e.test/p/#what-happened-1",
            "also_in": (
                PostRef(
                    post_id="d.md",
                    title="Digest [7]",
                    date=dt.date(2020, 6, 28),
                    url="https://e.test/d/#ibm",
                ),
            ),
        }
    )
    answer = Answer(
        question="What did IBM do?",
        results=(base, other, again),
        headline="IBM *halted* sales of face recognition.",
        headline_from=1,
    )
    embed = fmt_answers.answer_embed(answer, fmt_answers.Page(0, 3))
    assert embed.description is not None
    # The headline is plain text, escaped, cited by the result it was taken from.
    assert embed.description.startswith("> IBM \\*halted\\* sales of face recognition. **[2]**")
    assert "[Post › What Happened (part 2)](https://e.test/p/#what-happened-1)" in embed.description
    assert "-# Also in [Digest \\[7\\]](https://e.test/d/#ibm) · 28 Jun 2020" in embed.description
    labels = re.findall(r"\*\*\[\d\]\*\* \[([^\]]+)\]", embed.description)
    assert len(labels) == len(set(labels)) == 3


def test_discord_markup_in_a_question_is_shown_as_read_and_never_searched() -> None:
    typed = (
        "<@123456789012345678> <@!123456789012345678> <@&223456789012345678> "
        "<#323456789012345678> <a:party:423456789012345678> <t:1600000000:R> <t:1600000000> "
        "</insights report:523456789012345678> what did <@ IBM> decide?"
    )
    assert fmt_questions.searchable_question(typed) == "what did <@ IBM> decide?"
    assert fmt_questions.readable_question(typed, None) == (
        "@unknown-user @unknown-user @deleted-role #unknown :party: 13 Sep 2020 13 Sep 2020 "
        "/insights report what did <@ IBM> decide?"
    )
    # A timestamp past what a date can hold stays as typed.
    assert fmt_questions.readable_question("<t:9999999999999>", None) == "<t:9999999999999>"


def test_users_an_interaction_resolved_are_named_as_discord_shows_them() -> None:
    """A member's nickname, else the user's global name, else the username (``data.resolved``
    of a slash command whose text mentions them)."""
    data = {
        "resolved": {
            "users": {
                "123456789012345678": {"username": "ann", "global_name": "Ann"},
                "223456789012345678": {"username": "ben", "global_name": None},
                "323456789012345678": {"username": "cy", "global_name": "Cy"},
            },
            "members": {"323456789012345678": {"nick": "Captain Cy", "roles": []}},
        }
    }
    names = fmt_questions.resolved_names(data)
    assert names == {
        123456789012345678: "Ann",
        223456789012345678: "ben",
        323456789012345678: "Captain Cy",
    }
    typed = "<@123456789012345678> <@!223456789012345678> <@323456789012345678> <@9999999999999999>"
    assert fmt_questions.readable_question(typed, None, names=names) == (
        "@Ann @ben @Captain Cy @unknown-user"
    )
    assert fmt_questions.resolved_names(None) == fmt_questions.resolved_names({}) == {}
