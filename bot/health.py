"""The heartbeat file: written by the bot while it is connected, read by ``briefbot health``.

A container health check cannot ask the bot whether its gateway connection is alive, so the bot
writes the time into a file every few seconds while connected (and stops when disconnected), and
``briefbot health`` fails when that time is older than ``BRIEFBOT_HEALTH_MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import time
from pathlib import Path

INTERVAL_MAX = 30.0
# The writer runs on the same clock and rounds to the millisecond: a beat "from the future"
# beyond this was not written by the bot (or the clock was set back).
CLOCK_SLACK = 2.0


def heartbeat_interval(max_age: float) -> float:
    """How often to write: every 30 s, and several times within the allowed age."""
    return max(0.05, min(INTERVAL_MAX, max_age / 4))


def write_heartbeat(path: Path, now: float | None = None) -> None:
    """Record ``now`` (Unix time) atomically: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{time.time() if now is None else now:.3f}\n", encoding="ascii")
    os.replace(tmp, path)


def _read_small_file(path: Path, limit: int = 64) -> str:
    """The first ``limit`` bytes of a regular file; never blocks.

    Opened non-blocking and checked to be a regular file: a FIFO put at the path would
    otherwise hang the health check until it is killed.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return os.read(fd, limit).decode("ascii", errors="replace")
    finally:
        os.close(fd)


def check_heartbeat(path: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) for the heartbeat in ``path``."""
    try:
        text = _read_small_file(path)
    except FileNotFoundError:
        return False, (
            f"no heartbeat file at {path}: the bot is not running, or has not "
            "connected to Discord yet"
        )
    except OSError as exc:
        return False, f"cannot read the heartbeat file {path}: {exc.strerror or exc}"
    try:
        beat = float(text.strip())
    except ValueError:
        beat = math.nan
    if not math.isfinite(beat):  # "nan" and "inf" parse as floats but are no time
        return False, f"the heartbeat file {path} holds no timestamp"
    age = (time.time() if now is None else now) - beat
    if age < -CLOCK_SLACK:
        return False, (
            f"the heartbeat in {path} is {-age:.0f} s in the future: it was not "
            "written by this bot, or the clock jumped back"
        )
    if age > max_age:
        return False, (
            f"the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s): "
            "the bot is not connected to Discord"
        )
    return True, f"ok: connected to Discord, last heartbeat {max(age, 0):.0f} s ago"
