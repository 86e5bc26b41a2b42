"""What Discord does to messages and interactions after they are created.

Kept apart from ``server.py`` (a mixin of :class:`DiscordEmulator`) so the core routes stay
readable: a controllable clock, interaction-token expiry, users pinning messages and suppressing
embeds (both MESSAGE_UPDATE, as Discord sends them), threads, ``enforce_nonce`` de-duplication,
and the liveness of the clients a test started.

Discord's rules modelled here (https://discord.com/developers/docs/interactions/receiving-and-
responding and .../topics/gateway-events):

* An interaction must get its first response within 3 s, else 10062 "Unknown interaction".
* Its token then works for 15 minutes on the webhook routes (follow-ups, ``@original``); after
  that Discord answers 401 50027 "Invalid Webhook Token".
* Pinning or unpinning a message sends MESSAGE_UPDATE (the full message, ``pinned`` changed) and
  CHANNEL_PINS_UPDATE; suppressing a message's embeds sends MESSAGE_UPDATE with the
  SUPPRESS_EMBEDS flag and no embeds.
* With ``enforce_nonce``, a second message by the same author with the same nonce within a few
  minutes is not created: the first one is returned.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from .payloads import thread_payload
from .records import MessageRecord
from .state import Channel, ChannelType, Permission, User, iso_now
from .validation import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .gateway import GatewaySession
    from .records import Notifier
    from .state import World

#: Discord's limits on interactions, in seconds.
INITIAL_RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60.0
#: How long Discord remembers an enforced nonce ("the past few minutes").
NONCE_WINDOW = 5 * 60.0
SUPPRESS_EMBEDS_FLAG = 1 << 2
THREAD_TYPES = (ChannelType.PUBLIC_THREAD, 12, 10)


class SwallowedErrors(logging.Handler):
    """What discord.py caught and only logged: an event handler's, a view's or a dynamic
    item's exception (its "Ignoring exception in …" records)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Ignoring exception"):
            self.records.append(record)

    def assert_none(self) -> None:
        """Fail when discord.py swallowed an exception (a test that provokes one on purpose
        clears ``records``)."""
        if self.records:
            lines = [
                f"{r.name}: {r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
                for r in self.records
            ]
            raise AssertionError("discord.py swallowed exceptions:\n" + "\n".join(lines))


class LifecycleMixin:
    """Clock, token expiry, pins, embed suppression, threads, nonces and client liveness."""

    if TYPE_CHECKING:  # what the mixin uses of DiscordEmulator (server.py), for the type checker
        world: World
        session: GatewaySession | None
        interaction_deadline: float | None
        _clients: list[tuple[Any, asyncio.Task[Any]]]
        _stopped_dead: list[tuple[Any, BaseException | None]]
        _notifier: Notifier
        swallowed: SwallowedErrors

        async def dispatch(
            self, event: str, data: dict[str, Any], *, respect_intents: bool = False
        ) -> int | None: ...
        async def wait_until(
            self, predicate: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition"
        ) -> Any: ...
        def _default_user(self) -> User: ...
        def _resolve_channel(self, channel: Channel | int | None) -> Channel: ...
        def _resolve_message(self, message: MessageRecord | int) -> MessageRecord: ...
        def _gateway_user_message(self, record: MessageRecord) -> dict[str, Any]: ...

    def _init_lifecycle(self) -> None:
        #: Seconds added to the emulator's clock (see :meth:`advance_clock`): lets a test make
        #: interaction tokens expire without sleeping. The bot's own clock is not touched.
        self.clock_offset = 0.0
        #: Seconds an interaction token works on the webhook routes (Discord: 15 min).
        #: None disables expiry.
        self.token_lifetime: float | None = TOKEN_LIFETIME
        #: (channel id, author id, nonce) -> (monotonic time, message) for ``enforce_nonce``.
        self._nonces: dict[tuple[int, int, str], tuple[float, MessageRecord]] = {}

    # ------------------------------------------------------------------ the clock
    def now(self) -> float:
        """The emulator's monotonic clock: the loop's time plus :attr:`clock_offset`."""
        return asyncio.get_running_loop().time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock forward, e.g. ``advance_clock(16 * 60)`` expires every
        interaction token issued so far."""
        self.clock_offset += seconds

    def _check_token_age(self, handle: Any) -> None:
        if self.token_lifetime is None:
            return
        if self.now() - handle.created_monotonic > self.token_lifetime:
            raise ApiError(401, 50027, "Invalid Webhook Token")

    def _check_initial_response(self, handle: Any, call: Any) -> None:
        age = self.now() - handle.created_monotonic
        too_late = self.interaction_deadline is not None and age > self.interaction_deadline
        expired = self.token_lifetime is not None and age > self.token_lifetime
        if (too_late or expired) and not handle.callbacks:
            handle.rejected.append(call)
            raise ApiError(404, 10062, "Unknown interaction")

    # -------------------------------------------------------------- enforce_nonce
    def _nonce_duplicate(self, channel: Channel, author: User, body: dict) -> MessageRecord | None:
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        key = (channel.id, author.id, str(nonce))
        seen = self._nonces.get(key)
        if seen is not None and self.now() - seen[0] <= NONCE_WINDOW and not seen[1].deleted:
            return seen[1]
        return None

    def _remember_nonce(self, record: MessageRecord, body: dict) -> None:
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            key = (record.channel_id, record.author_id, str(body["nonce"]))
            self._nonces[key] = (self.now(), record)

    # ----------------------------------------------------------- users' actions
    async def _user_update(self, record: MessageRecord) -> None:
        if self.session is not None and not record.ephemeral:
            await self.dispatch(
                "MESSAGE_UPDATE", self._gateway_user_message(record), respect_intents=True
            )
        self._notifier.notify()

    async def pin_message(
        self, message: MessageRecord | int, *, pinned: bool = True
    ) -> MessageRecord:
        """Someone (un)pins a message: MESSAGE_UPDATE with ``pinned`` and CHANNEL_PINS_UPDATE."""
        record = self._resolve_message(message)
        record.data["pinned"] = pinned
        await self._user_update(record)
        if self.session is not None:
            data: dict[str, Any] = {
                "channel_id": str(record.channel_id),
                "last_pin_timestamp": iso_now() if pinned else None,
            }
            guild = self.world.guild_of(record.channel_id)
            if guild is not None:
                data["guild_id"] = str(guild.id)
            await self.dispatch("CHANNEL_PINS_UPDATE", data, respect_intents=True)
        return record

    async def delete_messages(self, *messages: MessageRecord | int) -> None:
        """Someone deletes messages of one channel: its author (one message) or a moderator or
        bot (several at once, ``POST …/messages/bulk-delete``). Discord then sends
        MESSAGE_DELETE with ``id``, ``channel_id`` and ``guild_id`` (one message) or
        MESSAGE_DELETE_BULK with ``ids`` (several): ids only, never the message."""
        records = [self._resolve_message(m) for m in messages]
        channels = {r.channel_id for r in records}
        if len(channels) != 1:
            raise ValueError("delete_messages deletes messages of one channel")
        for record in records:
            record.deleted = True
        self._notifier.notify()
        if self.session is None:
            return
        channel_id = channels.pop()
        data: dict[str, Any] = {"channel_id": str(channel_id)}
        guild = self.world.guild_of(channel_id)
        if guild is not None:
            data["guild_id"] = str(guild.id)
        if len(records) == 1:
            data["id"] = str(records[0].id)
            await self.dispatch("MESSAGE_DELETE", data, respect_intents=True)
        else:
            data["ids"] = [str(r.id) for r in records]
            await self.dispatch("MESSAGE_DELETE_BULK", data, respect_intents=True)

    async def suppress_embeds(
        self, message: MessageRecord | int, *, suppress: bool = True
    ) -> MessageRecord:
        """Someone hides a message's link previews/embeds (the ✕ on an embed)."""
        record = self._resolve_message(message)
        flags = int(record.data.get("flags") or 0)
        if suppress:
            record.data["flags"] = flags | SUPPRESS_EMBEDS_FLAG
            record.suppressed_embeds = record.data.get("embeds") or []
            record.data["embeds"] = []
        else:
            record.data["flags"] = flags & ~SUPPRESS_EMBEDS_FLAG
            record.data["embeds"], record.suppressed_embeds = record.suppressed_embeds, []
        await self._user_update(record)
        return record

    async def create_thread(
        self, parent: Channel | int, name: str, *, owner: User | None = None
    ) -> Channel:
        """A member starts a public thread in ``parent``: THREAD_CREATE (the bot is told about
        every thread it can see, as Discord does with the GUILDS intent)."""
        parent = self._resolve_channel(parent)
        guild = self.world.guild_of(parent.id)
        if guild is None:
            raise ValueError("threads live in guild channels")
        thread = self.world.add_text_channel(
            guild, name, type=ChannelType.PUBLIC_THREAD, parent_id=parent.id
        )
        if self.session is not None:
            data = thread_payload(thread, owner_id=(owner or self._default_user()).id)
            data["newly_created"] = True
            await self.dispatch("THREAD_CREATE", data, respect_intents=True)
        return thread

    # ----------------------------------------------------------------- liveness
    @staticmethod
    def _dead_entry(
        entry: tuple[Any, asyncio.Task[Any]],
    ) -> tuple[Any, BaseException | None] | None:
        client, task = entry
        if not task.done():
            return None
        return client, None if task.cancelled() else task.exception()

    def dead_clients(self) -> list[tuple[Any, BaseException | None]]:
        """Clients a test started whose ``start()`` task ended before the test stopped them
        (also those stopped since, by a restart or a fixture): (client, what it raised)."""
        running = [d for d in map(self._dead_entry, self._clients) if d is not None]
        return [*self._stopped_dead, *running]

    def assert_nothing_swallowed(self) -> None:
        """Fail when discord.py caught a handler's exception and only logged it, while the
        ``emulator`` fixture listened (``swallowed``: what it caught)."""
        self.swallowed.assert_none()

    def assert_clients_alive(self) -> None:
        """Fail when a started client died (an exception escaped its gateway loop)."""
        dead = self.dead_clients()
        if dead:
            reasons = "; ".join(f"{type(c).__name__}: {exc!r}" for c, exc in dead)
            raise AssertionError(f"the client task is no longer running: {reasons}")

    async def wait_for_dispatch(self, event: str, *, after: int = 0, timeout: float = 5.0) -> dict:
        """The first dispatch of ``event`` with a sequence number above ``after``."""

        def find() -> dict | None:
            session = self.session
            for seq, payload in session.events if session else []:
                if seq > after and payload["t"] == event:
                    return payload
            return None

        return await self.wait_until(find, timeout=timeout, what=event)


def thread_permission(needed: int) -> int:
    """Sending in a thread needs SEND_MESSAGES_IN_THREADS instead of SEND_MESSAGES."""
    if needed & Permission.SEND_MESSAGES:
        needed = (needed & ~Permission.SEND_MESSAGES) | Permission.SEND_MESSAGES_IN_THREADS
    return needed
