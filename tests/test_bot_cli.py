"""``briefbot run``, ``python -m bot`` and ``briefbot sync`` against the Discord emulator."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from briefbot_support import ROOT, SUITE_SETTINGS, write_site
from discord_emulator import DiscordEmulator, Intent

from bot import cli

BAD_TOKEN = "MTE4.not-the-right.token-value"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A fresh site with no index yet, and a working directory without a .env file."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if (name.startswith("BRIEFBOT_") or name == "DISCORD_TOKEN") and name not in SUITE_SETTINGS:
            monkeypatch.delenv(name)
    return write_site(tmp_path / "content"), tmp_path / "data" / "briefbot.sqlite3"


def args(command: str, site: tuple[Path, Path], *extra: str) -> list[str]:
    return [command, "--content", str(site[0]), "--db", str(site[1]), *extra]


def test_python_m_bot_without_a_token_prints_one_line(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BRIEFBOT_") and k != "DISCORD_TOKEN"
    }
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--content", str(ROOT / "content")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("briefbot: DISCORD_TOKEN is not set")


async def test_rejected_token_fails_fast_with_one_line(
    emulator: DiscordEmulator,
    site: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", BAD_TOKEN)
    with caplog.at_level(logging.DEBUG):
        code = await cli.cmd_run(cli.build_parser().parse_args(args("run", site)))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("briefbot: Discord rejected the bot token") and err.count("\n") == 1
    assert "building it first" not in err  # checked before the (long) first index
    assert BAD_TOKEN not in err + caplog.text
    assert emulator.identifies == 0


async def test_run_builds_the_index_connects_and_stops_on_sigterm(
    emulator: DiscordEmulator,
    site: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", emulator.token)
    monkeypatch.setenv("BRIEFBOT_DEV_GUILD_ID", str(emulator.guild.id))
    with caplog.at_level(logging.DEBUG):
        run = asyncio.create_task(cli.cmd_run(cli.build_parser().parse_args(args("run", site))))
        await emulator.wait_until(lambda: emulator.identifies == 1 or run.done(), timeout=30)
        assert not run.done(), run.result()
        # The SIGTERM handler is the bot's (never the default, which would end pytest).
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, None)
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(run, 10) == 0
    assert "building it first" in capsys.readouterr().err
    assert site[1].exists()
    identify = next(p for p in emulator.gateway_received if p["op"] == 2)
    assert identify["d"]["intents"] == Intent.GUILDS | Intent.GUILD_MESSAGES
    assert emulator.calls_to("PUT", rf"/applications/\d+/guilds/{emulator.guild.id}/commands")
    assert not emulator.calls_to("PUT", r"/applications/\d+/commands")
    assert emulator.token not in caplog.text
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


async def test_sync_publishes_commands_globally_or_to_one_server(
    emulator: DiscordEmulator,
    site: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", emulator.token)
    parse = cli.build_parser().parse_args
    guild = str(emulator.guild.id)

    assert await cli.cmd_sync(parse(args("sync", site, "--guild", guild))) == 0
    out = capsys.readouterr().out
    assert out == (
        f"Synced 9 commands to server {guild}: /about, /alerts, /ask, /brief, /help, "
        "/insights, /latest, /reindex, Explain this answer (message menu)\n"
    )
    names = {
        "about",
        "alerts",
        "ask",
        "brief",
        "help",
        "insights",
        "latest",
        "reindex",
        "Explain this answer",
    }
    assert {c["name"] for c in emulator.guild_commands[emulator.guild.id]} == names

    assert await cli.cmd_sync(parse(args("sync", site))) == 0
    assert {c["name"] for c in emulator.global_commands} == names
    assert emulator.identifies == 0  # REST only, no gateway session

    emulator.fail_next("PUT", r"/applications/\d+/guilds/\d+/commands", status=403)
    assert await cli.cmd_sync(parse(args("sync", site, "--guild", guild))) == 2
    assert "is the bot in it" in capsys.readouterr().err


async def test_debug_logging_leaves_out_every_sql_statement(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``BRIEFBOT_LOG_LEVEL=DEBUG`` is for what the bot and discord.py do. aiosqlite would log
    each statement with its parameters (every passage text of a reindex, every question) and
    markdown-it each rule tried on each block: 140 MB of log for one index of the shared corpus,
    built at 0.6x the speed."""
    from bot.runner import setup_logging
    from index.storage.service import IndexService

    quiet = [logging.getLogger(name) for name in ("aiosqlite", "markdown_it")]
    levels = [logger.level for logger in quiet]
    try:
        with caplog.at_level(logging.DEBUG):
            setup_logging("DEBUG")
            content = write_site(tmp_path / "content")
            service = await IndexService.open(tmp_path / "db.sqlite3", content)
            try:
                await service.reindex()
            finally:
                await service.close()
            # (the bot's own DEBUG lines and discord.py's stay)
            assert logging.getLogger("bot.client").isEnabledFor(logging.DEBUG)
            assert logging.getLogger("discord.gateway").isEnabledFor(logging.DEBUG)
        assert not [r for r in caplog.records if r.name.startswith(("aiosqlite", "markdown_it"))]
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


async def test_discord_out_of_reach_says_why_in_one_line(
    emulator: DiscordEmulator,
    site: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A first run offline, behind a firewall or with no DNS said only "Could not reach Discord:
    ClientConnectorError": what failed (the host, the system's reason) is what to check."""
    import socket

    from discord import http as discord_http

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(discord_http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", BAD_TOKEN)
    code = await cli.cmd_run(cli.build_parser().parse_args(args("run", site)))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("briefbot: Could not reach Discord") and err.count("\n") == 1, err
    assert f"127.0.0.1:{port}" in err, err
    assert BAD_TOKEN not in err


def test_a_first_run_does_not_open_with_warnings_about_voice(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """discord.py warns once per process, as a client is made, that PyNaCl and davey are not
    installed: voice, which briefbot never uses. Its other warnings still reach the log."""
    import discord

    from bot.runner import setup_logging

    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True, raising=False)
    with caplog.at_level(logging.INFO):
        setup_logging("INFO")
        discord.Client(intents=discord.Intents.none())
        logging.getLogger("discord.client").warning("the gateway is slow")
    said = [r.getMessage() for r in caplog.records if r.name == "discord.client"]
    assert said == ["the gateway is slow"], said
