"""Alerts announce a post when Jekyll publishes it: the real client, the emulator, SQLite."""

from __future__ import annotations

import datetime as dt

from alerts_support import Launcher, Site, alert_messages, watch_news, write_atomically
from discord_emulator import DiscordEmulator

SECRET = "briefs/2024-03-02-secret-robots.md"
SCHEDULED = "briefs/2024-03-03-scheduled-robots.md"


def text(title: str, extra: str) -> str:
    return (
        f'---\ntitle: "{title}"\ncategories: [briefs]\n{extra}---\n\n## Summary\n\n'
        f"{title} is the subject of this post. Engineers described how the robots work.\n"
    )


async def test_unpublished_and_scheduled_posts_are_announced_only_once_jekyll_publishes_them(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    world = emulator.world
    bot, cog = await watch_news(emulator, launcher, fresh_site)
    write_atomically(fresh_site.posts / SECRET, text("Secret Robots", "published: false\n"))
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    stamp = soon.strftime("%Y-%m-%d %H:%M:%S +0000")
    write_atomically(fresh_site.posts / SCHEDULED, text("Scheduled Robots", f"date: {stamp}\n"))
    await cog.wait_for_cycles(cog.cycles + 2)
    # Jekyll has no page for either yet: an alert's link (or a citation's) would open nothing.
    assert alert_messages(emulator, world.news) == []
    assert bot.index.post(SECRET) is None and bot.index.post(SCHEDULED) is None

    news = await emulator.wait_for_message(world.news, timeout=15)
    embed = news.embeds[0]
    assert embed["title"] == "Scheduled Robots"
    # Dated and linked as the page Jekyll writes once its time has come (site pattern
    # /:categories/:title/).
    assert embed["url"].endswith("/briefs/scheduled-robots/")
    post = bot.index.post(SCHEDULED)
    assert post is not None and post.date == soon.date()
    await cog.wait_for_cycles(cog.cycles + 2)
    titles = [m.embeds[0]["title"] for m in alert_messages(emulator, world.news)]
    assert titles == ["Scheduled Robots"]  # the unpublished post never


async def test_about_links_the_sites_home_under_its_baseurl(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site
) -> None:
    """A site served under a path (GitHub project pages: ``url`` + ``baseurl: /notes``) has its
    home there; the bare host is another site, or nothing."""
    config = fresh_site.content / "_config.yml"
    config.write_text(config.read_text().replace('baseurl: ""', "baseurl: /notes"))
    await launcher.start(fresh_site)
    handle = await emulator.send_slash_command("about")
    embed = (await handle.wait_for_message()).embeds[0]
    assert "[Skynet Today](https://www.skynettoday.com/notes/)" in embed["description"]
    handle = await emulator.send_slash_command("latest", {"count": 1})
    latest = (await handle.wait_for_message()).embeds[0]["description"]
    assert "(https://www.skynettoday.com/notes/" in latest  # the posts were already right
