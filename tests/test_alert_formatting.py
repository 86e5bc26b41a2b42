"""Alerts, summaries, /alerts list and reindex reports stay within Discord's limits, whatever the
content, and ping nobody but a subscription's role."""

from __future__ import annotations

import datetime as dt

import discord
from briefbot_support import assert_embed_within_limits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.exts.alerts.store import HeldPost
from bot.formatting import alerts as fmt_alerts
from bot.formatting import reindex as fmt_reindex
from bot.formatting import text as fmt
from bot.formatting.alerts import add_held_field
from bot.ui.alerts import (
    ASK_POST_PREFIX,
    CUSTOM_ID_MAX,
    alert_view,
    find_post,
    post_button_key,
)
from index.models import IndexReport, LoadIssue, Post
from index.storage.service import IndexService

TRICKY = st.sampled_from(
    [
        "**",
        "`",
        "\\",
        "[",
        "](",
        ")",
        "<@123>",
        "<@&9>",
        "@everyone",
        "\n",
        " ",
        "# ",
        "https://x.test/a_b(c)",
        "🙂",
        "…",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), TRICKY), max_size=40).map("".join)
HUGE = st.integers(min_value=2_000, max_value=9_000).map(lambda n: ("word **b** " * n)[:n])
ANY_TEXT = st.one_of(TEXT, HUGE)
IDS = st.text(min_size=1, max_size=300)
RELAXED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def post(
    title: str,
    excerpt: str = "",
    *,
    post_id: str = "briefs/p.md",
    categories: tuple[str, ...] = ("briefs",),
    url: str = "https://e.test/p/",
) -> Post:
    return Post(
        id=post_id,
        title=title,
        date=dt.date(2024, 3, 1),
        categories=categories,
        excerpt=excerpt,
        url=url,
        fingerprint="0",
    )


def assert_within_limits(embed: discord.Embed) -> None:
    data = assert_embed_within_limits(embed)
    rendered = [
        data.get("title", ""),
        data.get("description", ""),
        data.get("footer", {}).get("text", ""),
        data.get("author", {}).get("name", ""),
        *(f["name"] + f["value"] for f in data.get("fields", [])),
    ]
    assert not any("@everyone" in text for text in rendered)  # URLs never ping


@RELAXED
@given(ANY_TEXT, ANY_TEXT, st.lists(TEXT, max_size=6), TEXT)
def test_alert_embed_within_limits(title: str, excerpt: str, cats: list[str], url: str) -> None:
    embed = fmt_alerts.alert_embed(
        post(title, excerpt, categories=tuple(cats), url=url), site_name="Skynet Today"
    )
    assert_within_limits(embed)


@RELAXED
@given(st.lists(st.builds(post, ANY_TEXT, post_id=IDS), min_size=1, max_size=80))
def test_summary_lists_what_fits_and_counts_the_rest(posts: list[Post]) -> None:
    embed = fmt_alerts.alert_summary_embed(posts, site_name="Skynet Today")
    assert_within_limits(embed)
    assert embed.title == f"{len(posts)} new posts on Skynet Today"
    listed = (embed.description or "").count("\n• ") + (embed.description or "").startswith("• ")
    if listed < len(posts):
        assert (embed.description or "").endswith(f"… and {len(posts) - listed} more")


@RELAXED
@given(
    st.lists(
        st.builds(
            fmt_alerts.SubscriptionInfo,
            st.integers(min_value=1, max_value=2**63),
            st.one_of(st.none(), TEXT),
            st.one_of(st.none(), st.integers(min_value=1, max_value=2**63)),
            st.one_of(st.none(), st.just(dt.datetime(2024, 3, 1, tzinfo=dt.UTC))),
            st.one_of(st.none(), ANY_TEXT),
            st.integers(min_value=0, max_value=10_000),
        ),
        max_size=60,
    )
)
def test_subscription_list_within_limits(subs: list[fmt_alerts.SubscriptionInfo]) -> None:
    assert_within_limits(fmt_alerts.subscriptions_embed(subs))


@RELAXED
@given(
    st.lists(IDS, max_size=300),
    st.lists(IDS, max_size=50),
    st.lists(IDS, max_size=50),
    st.lists(st.tuples(IDS, st.sampled_from(["skipped", "recovered"]), ANY_TEXT), max_size=60),
    st.dictionaries(IDS, ANY_TEXT, max_size=20),
)
def test_reindex_report_within_limits(
    added: list[str],
    changed: list[str],
    removed: list[str],
    issues: list[tuple[str, str, str]],
    titles: dict[str, str],
) -> None:
    report = IndexReport(
        posts=len(added),
        passages=10,
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        seconds=1.25,
        issues=tuple(LoadIssue(path=p, kind=k, reason=r) for p, k, r in issues),
    )
    embed = fmt_reindex.reindex_embed(report, titles)
    assert_within_limits(embed)
    for field in embed.fields:
        n = int((field.name or "").rsplit("(", 1)[1].rstrip(")"))
        shown = (field.value or "").count("• ")
        assert shown == n or (field.value or "").endswith(f"… and {n - shown} more")


@given(ANY_TEXT)
def test_reindex_failure_within_limits(error: str) -> None:
    assert_within_limits(
        fmt_reindex.reindex_failed_embed(error, posts=439, built_at=dt.datetime(2024, 1, 1))
    )


def test_only_the_subscription_role_may_be_pinged() -> None:
    assert fmt_alerts.alert_mentions(None).to_dict() == {"parse": []}
    assert fmt_alerts.alert_mentions(42).to_dict() == {"parse": [], "roles": [42]}
    assert fmt_alerts.alert_content(None) is None and fmt_alerts.alert_content(42) == "<@&42>"


@given(IDS)
def test_ask_button_ids_fit_discord_and_name_their_post(post_id: str) -> None:
    [button] = alert_view(post_id).children
    custom_id = button.custom_id  # type: ignore[attr-defined]
    assert custom_id.startswith(ASK_POST_PREFIX) and len(custom_id) <= CUSTOM_ID_MAX
    assert custom_id == ASK_POST_PREFIX + post_button_key(post_id)


async def test_a_key_digested_for_a_longer_custom_id_still_names_its_post(
    bot_service: IndexService,
) -> None:
    # A form's custom id carries more before the post's key than the button's does, so a post
    # id that fits in a button may have to be digested in a form: either key finds the post.
    index = bot_service.current
    assert index is not None
    for post in index.posts:
        for prefix in (ASK_POST_PREFIX, "x" * (CUSTOM_ID_MAX - 10)):
            assert find_post(index, post_button_key(post.id, prefix)) == post, (post.id, prefix)


@RELAXED
@given(st.lists(st.tuples(IDS, ANY_TEXT), max_size=120))
def test_held_back_posts_listed_within_limits(held: list[tuple[str, str]]) -> None:
    embed = fmt_alerts.subscriptions_embed([])
    add_held_field(
        embed, [HeldPost(pid, why, dt.datetime(2024, 3, 1, tzinfo=dt.UTC)) for pid, why in held]
    )
    embed = fmt.fit_embed(embed)
    assert_within_limits(embed)
    names = [f.name for f in embed.fields]
    assert (f"Not announced until fixed ({len(held)})" in names) == bool(held)
