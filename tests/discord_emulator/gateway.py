"""Gateway (websocket) side of the emulator: HELLO, heartbeats, IDENTIFY/READY,
RESUME, sequence numbers and transport compression (zlib-stream)."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALIDATE_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class GatewayConnection:
    """One websocket connection (a session may span several after RESUME)."""

    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = dict(query)
        self.compress = query.get("compress")
        self.encoding = query.get("encoding", "json")
        self.version = query.get("v")
        self._lock = asyncio.Lock()
        # zlib-stream is what discord.py requests unless `zstandard` is installed; for
        # anything else we send plain TEXT frames, which discord.py always accepts.
        self._zlib = zlib.compressobj() if self.compress == "zlib-stream" else None
        self.session: GatewaySession | None = None
        self.sent: list[dict] = []

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, payload: dict[str, Any]) -> bool:
        raw = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(raw.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(raw)
            except (ConnectionResetError, RuntimeError):
                return False
            self.sent.append(payload)
            return True

    async def close(self, code: int = 1000, message: str = "") -> None:
        await self.ws.close(code=code, message=message.encode())


@dataclass
class GatewaySession:
    session_id: str
    identify: dict[str, Any]
    intents: int
    seq: int = 0
    #: (seq, payload) of every dispatch, for RESUME replay and assertions.
    events: list[tuple[int, dict]] = field(default_factory=list)
    connection: GatewayConnection | None = None
    resumes: int = 0
    invalidated: bool = False

    @staticmethod
    def new(identify: dict[str, Any]) -> GatewaySession:
        return GatewaySession(
            session_id=secrets.token_hex(16),
            identify=identify,
            intents=int(identify.get("intents") or 0),
        )

    def next_dispatch(self, event: str, data: Any) -> dict:
        self.seq += 1
        payload = {"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data}
        self.events.append((self.seq, payload))
        return payload
