"""The heartbeat file: written by the bot while it is connected, read by ``briefbot health``.

A container health check cannot ask the bot whether its gateway connection is alive, so the bot
writes the time into a file every few seconds while connected (and stops when disconnected), and
``briefbot health`` fails when that time is older than ``BRIEFBOT_HEALTH_MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

INTERVAL_MAX = 30.0


def heartbeat_interval(max_age: float) -> float:
    """How often to write: every 30 s, and several times within the allowed age."""
    return max(0.05, min(INTERVAL_MAX, max_age / 4))


def write_heartbeat(path: Path, now: float | None = None) -> None:
    """Record ``now`` (Unix time) atomically: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{time.time() if now is None else now:.3f}\n", encoding="ascii")
    os.replace(tmp, path)


def check_heartbeat(path: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) for the heartbeat in ``path``."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return False, (f"no heartbeat file at {path}: the bot is not running, or has not "
                       "connected to Discord yet")
    except OSError as exc:
        return False, f"cannot read the heartbeat file {path}: {exc.strerror or exc}"
    try:
        beat = float(text.strip())
    except ValueError:
        return False, f"the heartbeat file {path} holds no timestamp"
    age = (time.time() if now is None else now) - beat
    if age > max_age:
        return False, (f"the last heartbeat is {age:.0f} s old (limit {max_age:.0f} s): "
                       "the bot is not connected to Discord")
    return True, f"ok: connected to Discord, last heartbeat {max(age, 0):.0f} s ago"
