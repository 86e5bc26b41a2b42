"""The bot's scheduled reindex past bad files: the real client, the Discord emulator, SQLite."""

from __future__ import annotations

from alerts_support import (
    NEW_POST,
    NEW_TITLE,
    Launcher,
    Site,
    add_post,
    alert_messages,
    watch_news,
)
from discord_emulator import DiscordEmulator


async def test_a_scheduled_reindex_skips_bad_files_and_still_announces_new_posts(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    briefs = fresh_site.posts / "briefs"
    (briefs / "2024-02-01-dangling.md").symlink_to(briefs / "no-such-post.md")
    (briefs / "2024-02-02-loop.md").symlink_to(briefs / "2024-02-02-loop.md")
    outside = fresh_site.content.parent / "outside.md"
    outside.write_text("---\ntitle: Not the site's\n---\n\nPrivate notes.\n", encoding="utf-8")
    (briefs / "2024-02-03-outside.md").symlink_to(outside)

    add_post(fresh_site, NEW_POST, NEW_TITLE)
    news = await emulator.wait_for_message(world.news, timeout=10)
    assert news.embeds[0]["title"] == NEW_TITLE
    assert bot.index.post(NEW_POST) is not None
    assert bot.index.post("briefs/2024-02-03-outside.md") is None
    await cog.wait_for_cycles(cog.cycles + 2)
    assert [m.embeds[0]["title"] for m in alert_messages(emulator, world.news)] == [NEW_TITLE]


async def test_an_impossible_file_name_date_is_not_the_newest_post_in_latest(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """Issue 11 item 7: ``2021-2-29-105.md`` was dated by its mtime, so today: the newest post."""
    digest = fresh_site.posts / "digests" / "2021-2-29-105.md"
    digest.parent.mkdir(parents=True, exist_ok=True)
    digest.write_text("---\ntitle: 'Last Week in AI #105'\n---\n\nThe week in AI.\n", "utf-8")
    bot = await launcher.start(fresh_site)
    post = bot.index.post("digests/2021-2-29-105.md")
    assert post is not None and post.date.isoformat() == "2021-03-01"  # as Jekyll reads it
    handle = await emulator.send_slash_command("latest", {"count": 1})
    description = (await handle.wait_for_message()).embeds[0]["description"]
    assert "Last Week in AI #105" not in description
