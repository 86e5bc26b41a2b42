"""A site whose posts have no public address (no ``url`` in _config.yml, or a plain folder of
posts): what the operator is told, ``BRIEFBOT_SITE_URL``, and what reaches Discord and the
terminal. The real client and the Discord emulator (which checks links as Discord does), SQLite.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from briefbot_support import bot_payloads, make_settings
from discord_emulator import DiscordEmulator
from pydantic import ValidationError
from retrieval_support import copy_site, run_cli

from bot.client import Briefbot
from bot.settings import load_settings
from index.ingest.site import find_site, site_config
from index.ingest.urls import link_problem
from index.models import SiteConfig
from index.storage.service import IndexService

QUESTION = "Why did Lumenar stop selling face recognition?"
POST = "briefs/2021-05-18-lumenar-face-recognition.md"


def without_url(site: Path) -> Path:
    config = site / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^url:.*\n", "", text), encoding="utf-8")
    return site


def texts(bodies: list[dict[str, Any]]) -> str:
    """Every description, field and content the bot sent, with every embed's url."""
    parts = []
    for body in bodies:
        parts.append(str(body.get("content") or ""))
        for embed in body.get("embeds") or []:
            parts += [str(embed.get("description") or ""), str(embed.get("url") or "")]
            parts += [str(f.get("value")) for f in embed.get("fields") or []]
    return "\n".join(parts)


async def answer_bodies(
    emulator: DiscordEmulator, site: Path, db: Path, site_url: str = ""
) -> list[dict[str, Any]]:
    service = await IndexService.open(db, site, site_url)
    await service.ensure()
    settings = make_settings(emulator, site, db, site_url=site_url or None)
    bot = Briefbot(settings, service)
    try:
        await emulator.start_client(bot)
        for name, options in (("ask", {"question": QUESTION}), ("about", {})):
            handle = await emulator.send_slash_command(name, options)
            await handle.wait_for_message()
            assert not handle.rejected
        assert all(call.status is None or call.status < 400 for call in emulator.calls)
        return bot_payloads(emulator)
    finally:
        await emulator.stop_client(bot)
        await service.close()


async def test_a_site_without_url_is_cited_without_links_discord_would_refuse(
    emulator: DiscordEmulator, tmp_path: Path
) -> None:
    site = without_url(copy_site(tmp_path / "site"))
    sent = texts(await answer_bodies(emulator, site, tmp_path / "db.sqlite3"))
    assert "Lumenar" in sent  # answered, and cited
    assert "](/" not in sent and "/briefs/" not in sent  # no relative link, not even as text


async def test_the_site_url_setting_gives_every_citation_its_link(
    emulator: DiscordEmulator, tmp_path: Path
) -> None:
    site = without_url(copy_site(tmp_path / "site"))
    db = tmp_path / "db.sqlite3"
    sent = texts(await answer_bodies(emulator, site, db, "https://notes.example.net/"))
    assert "](https://notes.example.net/briefs/lumenar-fine/" in sent
    assert "(https://notes.example.net/)" in sent  # /about links the site's home


def test_the_setting_overrides_the_config_and_keeps_its_baseurl(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    config = site / "_config.yml"
    config.write_text(config.read_text().replace('baseurl: ""', "baseurl: /notes/"))
    _, found = find_site(site, "https://mirror.example.net/")
    assert found.url == "https://mirror.example.net" and found.baseurl == "/notes"
    assert site_config(site, "https://mirror.example.net") == found
    assert site_config(site) == find_site(site)[1]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "the site has no url"),
        ("www.example.org", "is not an http(s) address"),
        ("http://localhost:4000", "is on this machine only"),
        ("https://example.org/blog", None),
    ],
)
def test_link_problems(url: str, problem: str | None) -> None:
    found = link_problem(SiteConfig(url=url))
    assert found is None if problem is None else problem in (found or "")


@pytest.mark.parametrize("bad", ["example.org", "ftp://example.org", "https://", "/blog"])
def test_the_site_url_setting_must_be_a_web_address(bad: str) -> None:
    with pytest.raises(ValidationError, match="expected an http"):
        load_settings(site_url=bad)
    assert load_settings(site_url=" ").site_url is None


@pytest.mark.usefixtures("clean_cli_environment")
def test_the_cli_warns_of_relative_links_and_asks_as_the_bot_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = without_url(copy_site(tmp_path / "site"))
    where = ["--content", str(site), "--db", str(tmp_path / "db.sqlite3")]
    code, out, err = run_cli(["index", *where])
    assert code == 0, err
    flat = " ".join(err.split())
    assert "Links: the site has no url" in flat and "BRIEFBOT_SITE_URL" in flat
    code, out, err = run_cli(["ask", QUESTION, *where])
    assert code == 0 and "Lumenar" in out, err
    assert "/briefs/" not in out  # no link the bot would not show either
    assert "Links: the site has no url" in " ".join(err.split())

    monkeypatch.setenv("BRIEFBOT_SITE_URL", "https://notes.example.net")
    code, out, err = run_cli(["index", *where])
    assert code == 0 and "Links:" not in err, err
    code, out, err = run_cli(["ask", QUESTION, *where])
    assert "https://notes.example.net/briefs/lumenar-fine/" in out, out
    assert "Links:" not in err


@pytest.mark.usefixtures("clean_cli_environment")
def test_json_gives_a_link_only_where_there_is_one_and_the_sites_path_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--json`` as the terminal and the bot: ``url`` a link a reader can open, or null; on a
    site without a public address, ``path`` the page's path there (each citation, its "also
    in" and the suggestions of a decline alike), so a consumer never takes a path for a link."""
    import json

    site = without_url(copy_site(tmp_path / "site"))
    where = ["--content", str(site), "--db", str(tmp_path / "db.sqlite3")]

    def refs(*question: str) -> list[dict[str, Any]]:
        code, out, err = run_cli(["ask", *question, *where, "--json"])
        assert code == 0, err
        data = json.loads(out)
        found = list(data["suggestions"])
        for result in data["results"]:
            found += [result, *result["also_in"]]
        assert found, data
        return found

    for ref in refs(QUESTION) + refs("face recognition lasagna recipe"):
        assert ref["url"] is None, ref
        assert ref["path"].startswith("/") and "://" not in ref["path"], ref
    monkeypatch.setenv("BRIEFBOT_SITE_URL", "https://notes.example.net")
    assert run_cli(["index", *where])[0] == 0
    for ref in refs(QUESTION) + refs("face recognition lasagna recipe"):
        assert ref["url"].startswith("https://notes.example.net/"), ref
        assert ref["path"] is None, ref
