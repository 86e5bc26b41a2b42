"""Fixtures for the bot's tests: a small real site, a real SQLite index, the real Briefbot.

The site is the bundled seed brief plus a few hand-made posts (other categories, dates, a title
full of Markdown and longer than Discord's 100-character choice names). The index is built once
per session; every test gets its own copy of the SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_emulator import DiscordEmulator, InteractionHandle, MessageRecord

from bot.client import Briefbot
from bot.formatting import text as fmt
from bot.settings import Settings
from index.storage.service import IndexService

ROOT = Path(__file__).resolve().parent.parent
# The suite's own settings, kept when a test clears the developer's (conftest.py says why).
SUITE_SETTINGS = ("BRIEFBOT_EMBEDDINGS",)
SEED = ROOT / "content"

HANDMADE: dict[str, str] = {
    "editorials/2021-03-02-gpt3-hype.md": """---
title: "The GPT-3 Hype, and What It Means for Language Models"
categories: [editorials]
tags: [gpt-3, language models]
author: [andrey_kurenkov]
excerpt: "GPT-3 impressed many, but its limits matter as much as its abilities."
---

## The Hype

OpenAI's GPT-3 language model produced essays and code that impressed many people on Twitter.
Commentators called it a step towards general intelligence.

## What It Means

GPT-3 still makes basic reasoning mistakes. Language models learn statistics of text, and
careful evaluation shows where they fail. Hype makes it harder to judge real progress.
""",
    "digests/2021-05-10-last-week-in-ai.md": """---
title: "Last Week in AI #100: Amazon Extends Its Rekognition Moratorium"
categories: [digests]
tags: [facial recognition, policy]
excerpt: "Amazon extends its moratorium on police use of facial recognition, and more."
---

## Top News

Amazon extended its moratorium on police use of its Rekognition facial recognition software
indefinitely, a year after announcing the pause.

## Other News

Researchers released a dataset for evaluating bias in speech recognition systems.
""",
    "briefs/2022-01-15-deepfakes-elections.md": """---
title: "Deepfakes and Elections: How Worried Should We Be?"
categories: [briefs]
tags: [deepfakes, elections]
excerpt: "Synthetic video is getting easier to make; its effect on elections is less clear."
---

## Summary

Deepfakes are synthetic videos made with generative models. Experts worry about their use in
elections, but so far cheap edits have spread more than deepfakes.

## What Happened

Several campaigns reported manipulated videos of candidates. Platforms added labels to them.
""",
    "editorials/2023-07-01-markdown-title.md": """---
title: "A *very* long title with [brackets], `code`, @everyone and <@123> that goes on well past
  one hundred characters"
categories: [editorials]
excerpt: "A post whose title is full of Markdown."
---

## Odd Section

Odd titles must still display safely when they are listed or chosen.
""",
}


def write_site(root: Path) -> Path:
    """The seed site plus the hand-made posts, under ``root``."""
    shutil.copytree(SEED, root, dirs_exist_ok=True)
    for rel, text in HANDMADE.items():
        path = root / "_posts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


async def _build(db: Path, content: Path) -> None:
    service = await IndexService.open(db, content)
    try:
        await service.reindex()
    finally:
        await service.close()


@pytest.fixture
def clean_cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the developer's environment or a .env file in the working directory
    (the CLI tests use it: ``pytestmark = pytest.mark.usefixtures("clean_cli_environment")``)."""
    for name in list(os.environ):
        if (name.startswith("BRIEFBOT_") or name == "DISCORD_TOKEN") and name not in SUITE_SETTINGS:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def bot_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(content folder, SQLite file with its index), built once for the session."""
    base = tmp_path_factory.mktemp("site")
    content = write_site(base / "content")
    db = base / "index.sqlite3"
    asyncio.run(_build(db, content))
    return content, db


@pytest.fixture
def bot_content_dir(bot_site: tuple[Path, Path]) -> Path:
    return bot_site[0]


@pytest.fixture
def bot_db_path(bot_site: tuple[Path, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "briefbot.sqlite3"
    shutil.copyfile(bot_site[1], copy)
    return copy


@pytest.fixture
async def bot_service(bot_db_path: Path, bot_content_dir: Path) -> AsyncIterator[IndexService]:
    svc = await IndexService.open(bot_db_path, bot_content_dir)
    await svc.ensure()
    yield svc
    await svc.close()


def make_settings(
    emulator: DiscordEmulator, content_dir: Path, db_path: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "content_dir": content_dir,
        "db_path": db_path,
        "discord_token": emulator.token,
        "dev_guild_id": emulator.guild.id,
        "ask_cooldown_seconds": 0,
        "health_file": db_path.parent / "heartbeat",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Per-module overrides of the bot's settings (override this fixture)."""
    return {}


@pytest.fixture
async def briefbot(
    emulator: DiscordEmulator,
    bot_service: IndexService,
    bot_content_dir: Path,
    bot_db_path: Path,
    bot_settings: dict[str, Any],
) -> AsyncIterator[Briefbot]:
    """The real bot, connected to the emulator, commands synced to the test server."""
    # As strict as Discord: commands must have been synced, and answered within 3 s.
    emulator.strict_commands = True
    emulator.interaction_deadline = 3.0
    settings = make_settings(emulator, bot_content_dir, bot_db_path, **bot_settings)
    bot = Briefbot(settings, bot_service)
    await emulator.start_client(bot)
    # Let the start-up scan of the alerts watcher finish (it refreshes the index), so a test
    # that changes what is served is not overtaken by it.
    await bot.get_cog("Alerts").wait_for_cycles(1)  # type: ignore[union-attr]
    try:
        yield bot
        # Liveness: the test fails if an exception escaped the client's gateway loop.
        emulator.assert_clients_alive()
    finally:
        # Before its index service closes: the bot's background work (alerts) uses the database.
        await emulator.stop_client(bot)


# ------------------------------------------------------------------------------ helpers


def button(message: MessageRecord, label: str) -> dict[str, Any]:
    found = [b for b in message.buttons() if b.get("label") == label]
    assert found, f"no {label!r} button in {[b.get('label') for b in message.buttons()]}"
    return found[0]


def labels(message: MessageRecord) -> dict[str, bool]:
    """Button label → enabled."""
    return {b.get("label", ""): not b.get("disabled", False) for b in message.buttons()}


def bot_payloads(emulator: DiscordEmulator) -> list[dict[str, Any]]:
    """Every message body the bot sent or edited (callbacks with data, webhooks, channels)."""
    bodies: list[dict[str, Any]] = []
    for call in emulator.calls:
        body = call.json
        if not isinstance(body, dict) or call.method not in ("POST", "PATCH"):
            continue
        if "/callback" in call.path:
            data = body.get("data") or {}
            if body.get("type") in (4, 7) and data:
                bodies.append(data)
        elif call.path.startswith(("/webhooks/", "/channels/")):
            bodies.append(body)
    return bodies


async def ask(
    emulator: DiscordEmulator, question: str, user: Any = None, **options: Any
) -> tuple[InteractionHandle, MessageRecord]:
    handle = await emulator.send_slash_command("ask", {"question": question, **options}, user=user)
    return handle, await handle.wait_for_message()


def assert_embed_within_limits(embed: discord.Embed) -> dict[str, Any]:
    """Discord's embed limits (total, title, description, footer, author, fields); returns the
    embed as Discord receives it, for the caller's own checks."""
    data = embed.to_dict()
    assert len(embed) <= fmt.EMBED_TOTAL_MAX
    assert len(data.get("title", "")) <= fmt.TITLE_MAX
    assert len(data.get("description", "")) <= fmt.DESCRIPTION_MAX
    assert len(data.get("footer", {}).get("text", "")) <= fmt.FOOTER_MAX
    assert len(data.get("author", {}).get("name", "")) <= fmt.AUTHOR_MAX
    fields = data.get("fields", [])
    assert len(fields) <= fmt.FIELDS_MAX
    for field in fields:
        assert 0 < len(field["name"]) <= fmt.FIELD_NAME_MAX
        assert 0 < len(field["value"]) <= fmt.FIELD_VALUE_MAX
    return dict(data)
