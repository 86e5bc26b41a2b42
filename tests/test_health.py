"""The heartbeat the bot writes while connected, and ``briefbot health`` (the HEALTHCHECK)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alerts_support import Launcher, Site, eventually
from discord_emulator import DiscordEmulator

from bot import cli
from bot.client import Briefbot
from bot.health import check_heartbeat, write_heartbeat


def health(path: Path, max_age: float = 120) -> int:
    return cli.main(["health", "--file", str(path), "--max-age", str(max_age)])


async def health_in_loop(path: Path, max_age: float = 120) -> int:
    """``briefbot health`` from a test already running an event loop."""
    args = cli.build_parser().parse_args(["health", "--file", str(path), "--max-age", str(max_age)])
    return await cli.cmd_health(args)


def test_health_passes_with_a_fresh_heartbeat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beat = tmp_path / "heartbeat"
    write_heartbeat(beat)
    assert health(beat) == 0
    out = capsys.readouterr()
    assert out.out.startswith("briefbot: ok: connected to Discord, last heartbeat ")
    assert out.out.count("\n") == 1 and out.err == ""


def test_health_fails_with_a_stale_heartbeat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beat = tmp_path / "heartbeat"
    write_heartbeat(beat, now=time.time() - 600)
    assert health(beat) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "briefbot: the last heartbeat is 600 s old (limit 120 s): the bot is "
        "not connected to Discord"
    )
    assert err.count("\n") == 1


def test_health_fails_without_a_heartbeat_or_with_a_broken_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "data" / "heartbeat"
    assert health(missing) == 1
    err = capsys.readouterr().err
    assert err == (
        f"briefbot: no heartbeat file at {missing}: the bot is not running, or has "
        "not connected to Discord yet\n"
    )
    garbage = tmp_path / "garbage"
    garbage.write_text("yesterday\n")
    assert health(garbage) == 1
    assert "holds no timestamp" in capsys.readouterr().err
    assert check_heartbeat(tmp_path, 120)[0] is False  # a directory: unreadable, not a crash


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400"])
def test_health_rejects_a_heartbeat_that_is_no_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    beat = tmp_path / "heartbeat"
    beat.write_text(text + "\n")
    assert health(beat) == 1
    assert "holds no timestamp" in capsys.readouterr().err


def test_health_rejects_a_heartbeat_from_the_future(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beat = tmp_path / "heartbeat"
    write_heartbeat(beat, now=time.time() + 3600)
    assert health(beat) == 1
    err = capsys.readouterr().err
    assert "in the future" in err and err.count("\n") == 1
    write_heartbeat(beat, now=time.time() + 0.5)  # the same clock, rounded: still fine
    assert health(beat) == 0


def test_health_does_not_hang_on_a_fifo(tmp_path: Path) -> None:
    """A FIFO at the heartbeat path (no writer): one line and exit 1, not a hung check."""
    fifo = tmp_path / "heartbeat"
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from bot.cli import main; sys.exit(main())",
                "health",
                "--file",
                str(fifo),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("briefbot health hung on a FIFO")
    assert done.returncode == 1
    assert done.stderr == f"briefbot: cannot read the heartbeat file {fifo}: not a regular file\n"


def test_the_health_command_reads_its_settings_from_the_environment(tmp_path: Path) -> None:
    """What the container's HEALTHCHECK runs: the installed ``briefbot`` script, env settings."""
    script = Path(sys.executable).with_name("briefbot")
    if not script.exists():
        pytest.skip("the briefbot script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env["BRIEFBOT_HEALTH_FILE"] = str(tmp_path / "heartbeat")
    env["BRIEFBOT_HEALTH_MAX_AGE_SECONDS"] = "60"
    write_heartbeat(tmp_path / "heartbeat", now=time.time() - 90)
    done = subprocess.run(
        [str(script), "health"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "(limit 60 s)" in done.stderr
    write_heartbeat(tmp_path / "heartbeat")
    done = subprocess.run(
        [str(script), "health"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def _beat(path: Path) -> float:
    try:
        return float(path.read_text())
    except (OSError, ValueError):
        return 0.0


async def test_the_bot_writes_its_heartbeat_while_connected_and_after_a_resume(
    emulator: DiscordEmulator, briefbot: Briefbot
) -> None:
    path = briefbot.settings.health_file
    await eventually(lambda: _beat(path) > 0)  # written at READY
    assert await health_in_loop(path) == 0
    before = _beat(path)
    await emulator.disconnect(4000)  # discord.py reconnects and resumes the session
    await emulator.wait_for_resume()
    await eventually(lambda: _beat(path) > before)


@pytest.mark.parametrize("max_age", [0.4])
async def test_a_stopped_bot_becomes_unhealthy(
    emulator: DiscordEmulator, launcher: Launcher, fresh_site: Site, max_age: float
) -> None:
    settings: dict[str, Any] = {"health_max_age_seconds": max_age}
    bot = await launcher.start(fresh_site, **settings)  # writes every max_age / 4 seconds
    path = bot.settings.health_file
    first = _beat(path)
    await eventually(lambda: _beat(path) > first)  # periodic, not only at READY
    assert await health_in_loop(path, max_age) == 0
    await launcher.stop(bot)
    stopped_at = _beat(path)
    await eventually(lambda: not check_heartbeat(path, max_age)[0])
    assert await health_in_loop(path, max_age) == 1
    assert _beat(path) == stopped_at  # nothing writes it any more
