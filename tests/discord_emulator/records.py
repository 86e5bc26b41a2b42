"""What the emulator records: REST calls, messages, interactions, faults, heartbeats,
plus the small waiting primitive every ``wait_for_*`` helper is built on."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .validation import walk_components

if TYPE_CHECKING:
    from .server import DiscordEmulator
    from .state import User

EPHEMERAL = 1 << 6
LOADING = 1 << 7


class EmulatorTimeout(AssertionError):
    """A ``wait_for_*`` helper timed out. It is an AssertionError so pytest shows the
    message (which includes the most recent REST calls) as a plain test failure."""


class Notifier:
    """'Something changed' broadcast: waiters re-check their predicate on each change."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        *,
        timeout: float,
        what: str,
        diagnostics: Callable[[], str] | None = None,
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                extra = f"\n{diagnostics()}" if diagnostics else ""
                raise EmulatorTimeout(f"timed out after {timeout}s waiting for {what}{extra}")
            if self._event is None:
                self._event = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)


@dataclass
class UploadedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@dataclass
class Call:
    """One REST request as the emulator received it."""

    index: int
    method: str
    #: Path relative to the API base, e.g. ``/channels/123/messages`` (percent-decoded).
    path: str
    query: dict[str, str]
    #: Parsed JSON body (``payload_json`` for multipart requests), else None.
    json: Any
    files: list[UploadedFile]
    #: Request headers without Authorization.
    headers: dict[str, str]
    #: "Bot <token>" was present (whatever the token).
    authorized: bool
    timestamp: float
    monotonic: float
    status: int | None = None
    response: Any = None
    #: The response's headers (what the client read: Retry-After, X-RateLimit-*, Via, …).
    response_headers: dict[str, str] = field(default_factory=dict)
    #: True when a queued fault (``fail_next``) produced the response.
    injected: bool = False
    #: Name of the emulator route that handled it (None for unknown routes).
    route: str | None = None

    def matches(self, method: str | None, path: str | re.Pattern | None) -> bool:
        if method is not None and method.upper() != self.method:
            return False
        if path is None:
            return True
        pattern = path if isinstance(path, re.Pattern) else re.compile(path)
        return pattern.fullmatch(self.path) is not None

    def __repr__(self) -> str:
        tag = " injected" if self.injected else ""
        return f"<Call #{self.index} {self.method} {self.path} -> {self.status}{tag}>"


@dataclass
class Fault:
    method: str
    pattern: re.Pattern
    status: int
    body: Any
    headers: dict[str, str]
    times: int
    delay: float = 0.0
    #: Apply the request, then answer with the fault (the response was lost on the way).
    after_applying: bool = False
    hits: list[Call] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.method in ("*", method)
            and self.pattern.fullmatch(path) is not None
        )


@dataclass
class Heartbeat:
    monotonic: float
    sequence: int | None
    acked: bool


@dataclass(eq=False)
class MessageRecord:
    """A message that exists in the fake Discord (sent by the bot or by a test user)."""

    #: The message object exactly as the emulator returns it over REST.
    data: dict[str, Any]
    #: "channel" (POST /channels/../messages), "interaction" (callback / @original),
    #: "followup" (POST /webhooks/{app}/{token}) or "user" (``emulator.send_message``).
    source: str
    #: JSON body of the request that created it (None for user messages).
    request: dict | None = None
    files: list[UploadedFile] = field(default_factory=list)
    interaction: InteractionHandle | None = None
    deleted: bool = False
    #: JSON bodies of every later edit (PATCH), in order.
    edits: list[dict] = field(default_factory=list)
    #: The ``allowed_mentions`` object of the create request (and of the last edit that
    #: carried one). None means the request did not send any (Discord then pings all).
    allowed_mentions: dict | None = None
    #: Emoji key (unicode name or custom emoji id) -> user ids who reacted.
    reaction_users: dict[str, list[int]] = field(default_factory=dict)
    #: The embeds a user hid with ``emulator.suppress_embeds`` (restored when unsuppressed).
    suppressed_embeds: list[dict] = field(default_factory=list)

    # -- convenient views on ``data`` ------------------------------------------------
    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict]:
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict]:
        return self.data.get("components") or []

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Still the deferred "Bot is thinking…" placeholder."""
        return bool(self.flags & LOADING)

    @property
    def mentions(self) -> list[int]:
        """User ids Discord would ping (after allowed_mentions)."""
        return [int(u["id"]) for u in self.data.get("mentions") or []]

    @property
    def mention_roles(self) -> list[int]:
        return [int(r) for r in self.data.get("mention_roles") or []]

    @property
    def mention_everyone(self) -> bool:
        return bool(self.data.get("mention_everyone"))

    @property
    def reactions(self) -> list[dict]:
        return self.data.get("reactions") or []

    def all_components(self) -> list[dict]:
        return list(walk_components(self.components))

    def buttons(self) -> list[dict]:
        return [c for c in self.all_components() if c.get("type") == 2]

    def find_component(self, custom_id: str) -> dict | None:
        return next((c for c in self.all_components() if c.get("custom_id") == custom_id), None)

    def text(self) -> str:
        """Content plus embed titles/descriptions/fields/footers, for substring asserts."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title") or "", e.get("description") or ""]
            for f in e.get("fields") or []:
                parts += [f.get("name") or "", f.get("value") or ""]
            parts.append((e.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)

    def __repr__(self) -> str:
        flags = " ephemeral" if self.ephemeral else ""
        flags += " loading" if self.loading else ""
        flags += " deleted" if self.deleted else ""
        return (
            f"<MessageRecord {self.source} id={self.data.get('id')} "
            f"channel={self.data.get('channel_id')}{flags} content={self.content[:40]!r}>"
        )


class InteractionHandle:
    """Tracks one interaction the emulator dispatched: its callback, follow-ups, edits."""

    def __init__(
        self,
        emulator: DiscordEmulator[Any],
        payload: dict,
        user: User,
        target_message: MessageRecord | None = None,
    ) -> None:
        self.emulator = emulator
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.user = user
        self.channel_id = int(payload["channel_id"]) if payload.get("channel_id") else None
        self.guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        #: The message a component interaction was triggered from.
        self.target_message = target_message
        #: Accepted callback bodies ({"type": .., "data": ..}); Discord accepts one.
        self.callbacks: list[dict] = []
        #: Calls rejected with 40060 "already acknowledged" and similar.
        self.rejected: list[Call] = []
        self.original: MessageRecord | None = None
        self.followups: list[MessageRecord] = []
        #: JSON bodies of PATCHes to @original or to this interaction's messages.
        self.edits: list[dict] = []
        self.original_deleted = False
        #: On the emulator's clock (``emulator.now()``), which tests may advance.
        self.created_monotonic = emulator.now()

    # -- state ----------------------------------------------------------------------
    @property
    def response(self) -> dict | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def response_data(self) -> dict:
        return (self.callbacks[0].get("data") or {}) if self.callbacks else {}

    @property
    def responded(self) -> bool:
        return bool(self.callbacks)

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def choices(self) -> list[dict]:
        """Autocomplete result (callback type 8)."""
        return list(self.response_data.get("choices") or [])

    @property
    def modal(self) -> dict | None:
        """The modal (callback type 9) data, if one was opened."""
        return self.response_data if self.response_type == 9 else None

    @property
    def messages(self) -> list[MessageRecord]:
        out = [self.original] if self.original is not None else []
        return out + [m for m in self.followups if m is not self.original]

    @property
    def calls(self) -> list[Call]:
        return [c for c in self.emulator.calls if self.token in c.path]

    def final_message(self) -> MessageRecord | None:
        """First message the user actually sees: a non-loading original, else the first
        follow-up. None while only the "thinking…" placeholder exists."""
        if self.original is not None and not self.original.loading and not self.original.deleted:
            return self.original
        for m in self.followups:
            if not m.loading:
                return m
        return None

    # -- waiting --------------------------------------------------------------------
    def _wait(self, predicate: Callable[[], Any], timeout: float, what: str):
        return self.emulator._notifier.wait_for(
            predicate,
            timeout=timeout,
            what=f"{what} (interaction {self.id})",
            diagnostics=self.emulator.describe_recent,
        )

    async def wait_for_response(self, timeout: float = 5.0) -> dict:
        """The interaction callback body ({"type": 4|5|6|7|8|9, "data": ...})."""
        return await self._wait(lambda: self.response, timeout, "the interaction callback")

    async def wait_for_message(self, timeout: float = 5.0) -> MessageRecord:
        """The first visible message: a direct response, a deferred response once edited,
        or the first follow-up."""
        return await self._wait(self.final_message, timeout, "a visible response message")

    async def wait_for_followup(self, index: int = 0, timeout: float = 5.0) -> MessageRecord:
        return await self._wait(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout,
            f"follow-up #{index}",
        )

    async def wait_for_edit(self, count: int = 1, timeout: float = 5.0) -> dict:
        """The ``count``-th edit (PATCH) body of this interaction's messages."""
        return await self._wait(
            lambda: self.edits[count - 1] if len(self.edits) >= count else None,
            timeout,
            f"edit #{count}",
        )

    def __repr__(self) -> str:
        return (
            f"<InteractionHandle id={self.id} type={self.type} "
            f"response_type={self.response_type} followups={len(self.followups)}>"
        )
