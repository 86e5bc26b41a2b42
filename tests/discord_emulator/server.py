"""A loopback Discord: REST (``/api/v10``) + gateway websocket on 127.0.0.1.

The real discord.py client talks to it over TCP. See ``__init__.py`` for the API
summary and ``DiscordEmulator.configure_discord`` for how discord.py is pointed here.

Why one long module (~2,200 lines): it is one class, :class:`DiscordEmulator`, whose every part
reads and writes the same recorded state (calls, messages, interactions, the gateway session)
and shares the same helpers (look-ups, permission checks, message creation, gateway echo).
Split into mixins, each module would have to redeclare for the type checker the dozen or more
members it uses of the others (as ``lifecycle.py`` does for its few), so a reader would follow
names across files instead of down one; the pure parts already live apart (``payloads``,
``validation``, ``records``, ``state``, ``gateway``, ``lifecycle``). Its sections, in order:

- basics, discord.py wiring, recordings (waits and look-ups for tests), fault injection;
- REST: the route table and dispatch, then the routes by resource — commands, messages core
  and their gateway echo, channels (messages, reactions, typing), guilds, interactions
  (callbacks, ``@original``, follow-ups);
- gateway: the websocket, IDENTIFY/RESUME, and gateway control (reconnects, invalidation);
- what users do (tests drive these): messages, reactions, slash commands, autocomplete,
  context menus, buttons, selects and modals.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Self, cast, overload

from aiohttp import BodyPartReader, WSMsgType, web
from typing_extensions import TypeVar

from .default_world import DefaultWorld
from .gateway import GatewayConnection, GatewaySession, Op
from .lifecycle import LifecycleMixin, SwallowedErrors, thread_permission
from .payloads import (
    application_payload,
    channel_payload,
    client_user_payload,
    emoji_payload,
    guild_create_payload,
    guild_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .records import (
    EPHEMERAL,
    LOADING,
    Call,
    EmulatorTimeout,
    Fault,
    Heartbeat,
    InteractionHandle,
    MessageRecord,
    Notifier,
    UploadedFile,
)
from .state import (
    Channel,
    ChannelType,
    Guild,
    Intent,
    Permission,
    Role,
    User,
    World,
    iso_now,
)
from .validation import (
    ApiError,
    computed_mentions,
    invalid_form,
    text_input_refusal,
    validate_choices,
    validate_commands,
    validate_message,
    validate_modal,
    walk_components,
)

API_VERSION = 10
SUPPRESS_EMBEDS = 1 << 2
IS_COMPONENTS_V2 = 1 << 15
SUPPRESS_NOTIFICATIONS = 1 << 12

#: Interaction type -> callback types Discord accepts for it.
_ALLOWED_CALLBACKS = {
    2: {4, 5, 9},  # APPLICATION_COMMAND
    3: {4, 5, 6, 7, 9},  # MESSAGE_COMPONENT
    4: {8},  # APPLICATION_COMMAND_AUTOCOMPLETE
    5: {4, 5, 6, 7},  # MODAL_SUBMIT
}

_DEFAULT_ERRORS = {
    400: ("Invalid Form Body", 50035),
    401: ("401: Unauthorized", 0),
    403: ("Missing Access", 50001),
    404: ("Unknown Channel", 10003),
    405: ("405: Method Not Allowed", 0),
    500: ("500: Internal Server Error", 0),
    502: ("502: Bad Gateway", 0),
    503: ("503: Service Unavailable", 0),
    504: ("504: Gateway Timeout", 0),
}


def _as_fetched(record: MessageRecord) -> dict[str, Any]:
    """A message as GET returns it: Discord keeps no nonce (only the create response and the
    MESSAGE_CREATE event carry it), so a bot cannot find its own message by nonce later."""
    data = copy.deepcopy(record.data)
    data.pop("nonce", None)
    return data


# A user, role or channel mention in text: (its sigil, its id).
_MENTION = re.compile(r"<(@!?|@&|#)([0-9]{15,21})>")


def _id_of(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value)
    if isinstance(value, MessageRecord):
        return value.id
    return int(value.id)


@dataclass
class HeldResponses:
    """Requests that Discord carries out but answers only on ``release()`` (``hold_responses``):
    the moment between "Discord accepted it" and "the client knows", where a crash hurts."""

    method: str
    pattern: re.Pattern
    times: int
    calls: list[Call] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, call: Call) -> bool:
        return len(self.calls) < self.times and call.matches(self.method, self.pattern)

    def release(self) -> None:
        self.released.set()


@dataclass
class DroppedConnections:
    """Requests whose connection is cut before any answer (``drop_connections``): what a
    client sees when the network fails. Set ``times`` to ``len(calls)`` to end it."""

    method: str
    pattern: re.Pattern
    times: int
    calls: list[Call] = field(default_factory=list)

    def matches(self, call: Call) -> bool:
        return len(self.calls) < self.times and call.matches(self.method, self.pattern)


#: The world an emulator serves; bare ``DiscordEmulator`` means the default one, so tests can
#: use its named guild, channels and users (``emulator.world.news``) with their types.
WorldT = TypeVar("WorldT", bound=World, default=DefaultWorld)


class DiscordEmulator(LifecycleMixin, Generic[WorldT]):
    """Fake Discord on 127.0.0.1. Use as ``async with DiscordEmulator() as emu:`` or via
    the ``emulator`` pytest fixture (``fixtures.py``)."""

    @overload
    def __init__(
        self: DiscordEmulator[DefaultWorld],
        world: None = None,
        *,
        heartbeat_interval: float = 1.0,
        host: str = "127.0.0.1",
    ) -> None: ...
    @overload
    def __init__(
        self, world: WorldT, *, heartbeat_interval: float = 1.0, host: str = "127.0.0.1"
    ) -> None: ...
    def __init__(
        self,
        world: WorldT | None = None,
        *,
        heartbeat_interval: float = 1.0,
        host: str = "127.0.0.1",
    ) -> None:
        # Without a world the overloads make WorldT the DefaultWorld built here.
        self.world: WorldT = world if world is not None else cast(WorldT, DefaultWorld())
        self.host = host
        #: Seconds, sent in HELLO (as ms). Changing it affects the next connection.
        self.heartbeat_interval = heartbeat_interval
        self.port: int | None = None

        # -- recordings ------------------------------------------------------------
        self.calls: list[Call] = []
        self.unknown_routes: list[Call] = []
        self.faults: list[Fault] = []
        self.message_log: list[MessageRecord] = []
        self.messages: dict[int, MessageRecord] = {}
        self.interactions: dict[int, InteractionHandle] = {}
        self.global_commands: list[dict] = []
        self.guild_commands: dict[int, list[dict]] = {}
        self.heartbeats: list[Heartbeat] = []
        self.gateway_received: list[dict] = []
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        #: The most recently IDENTIFYed (or RESUMEd) session; dispatch targets it.
        self.session: GatewaySession | None = None
        self.identifies = 0
        self.presence_updates: list[dict | None] = []
        #: Dispatches dropped because the session's intents exclude them.
        self.filtered_events: list[tuple[str, dict]] = []
        self.attachments: dict[int, UploadedFile] = {}

        # -- behaviour knobs -------------------------------------------------------
        #: Reply to op 1 with op 11. Set False to simulate a zombied connection.
        self.ack_heartbeats = True
        #: Send MESSAGE_CREATE/UPDATE/DELETE (and reaction events) for what the bot does
        #: over REST, as Discord does (subject to intents; never for ephemeral messages).
        self.echo_bot_messages = True
        #: First follow-up after a type-5 defer replaces the "thinking…" message (and
        #: inherits its ephemeral flag), as Discord does.
        self.followup_replaces_deferred = True
        #: Seconds within which the interaction callback must arrive, else 10062
        #: "Unknown interaction" (Discord: 3). None disables the check.
        self.interaction_deadline: float | None = None
        #: Privileged intents the application is allowed (4014 otherwise).
        self.allowed_privileged_intents = Intent.PRIVILEGED
        #: send_slash_command & co. refuse commands that were never synced.
        self.strict_commands = False
        #: X-RateLimit-Limit sent on normal responses (remaining is always limit-1).
        self.ratelimit_limit = 50
        #: Whether a message that mentions the bot's managed role (``tags.bot_id``), and not the
        #: bot, carries its content without MESSAGE_CONTENT. Discord documents the exception for
        #: messages "in which the app is mentioned" without saying whether its role counts:
        #: withheld by default, tests cover both.
        self.role_mention_shows_content = False

        self.holds: list[HeldResponses] = []
        self.drops: list[DroppedConnections] = []
        self._notifier = Notifier()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task] = set()
        self._clients: list[tuple[Any, asyncio.Task]] = []
        # Clients whose start() task had already ended when a test stopped them (a restart,
        # a fixture's teardown): still dead clients for assert_clients_alive.
        self._stopped_dead: list[tuple[Any, BaseException | None]] = []
        #: What discord.py caught and only logged (the ``emulator`` fixture listens).
        self.swallowed = SwallowedErrors()
        self._configure_depth = 0
        self._exit_stack = contextlib.ExitStack()
        self._routes = self._build_routes()
        self._init_lifecycle()

    # ======================================================================= basics
    @property
    def token(self) -> str:
        return self.world.token

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> int:
        return self.world.application.id

    @property
    def guild(self) -> Guild:
        """The default (first) guild."""
        return getattr(self.world, "guild", None) or next(iter(self.world.guilds.values()))

    @property
    def bot_mention(self) -> str:
        return f"<@{self.bot.id}>"

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{channel}/{aid}/{filename}", self._cdn)
        app.router.add_get("/", self._ws_handler)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for client, _task in list(self._clients):
            await self.stop_client(client)
        for conn in self.connections:
            if conn.open:
                with contextlib.suppress(Exception):
                    await conn.close(1000)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._exit_stack.close()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ============================================================ discord.py wiring
    @contextlib.contextmanager
    def configure_discord(self) -> Iterator[Self]:
        """Point discord.py at this emulator, restoring the originals on exit.

        discord.py 2.7 has no base-URL option: REST URLs come from ``Route.BASE`` (the
        webhook/interaction adapter uses the same Route class) and the gateway URL from
        ``DiscordWebSocket.DEFAULT_GATEWAY`` (a plain Client never calls GET /gateway;
        AutoShardedClient calls GET /gateway/bot, which we also serve). After READY the
        client reconnects/resumes to READY's ``resume_gateway_url`` (ours too)."""
        import yarl
        from discord import gateway as d_gateway
        from discord import http as d_http

        old_base = d_http.Route.BASE
        old_gateway = d_gateway.DiscordWebSocket.DEFAULT_GATEWAY
        d_http.Route.BASE = f"{self.base_url}/api/v{d_http.INTERNAL_API_VERSION}"
        d_gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        self._configure_depth += 1
        try:
            yield self
        finally:
            self._configure_depth -= 1
            d_http.Route.BASE = old_base
            d_gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def ensure_configured(self) -> None:
        """Apply ``configure_discord`` until ``stop()`` unless it is already active."""
        if self._configure_depth == 0:
            self._exit_stack.enter_context(self.configure_discord())

    async def start_client(
        self,
        client: Any,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        guild_ready_timeout: float | None = 0.2,
        reconnect: bool = True,
    ) -> Any:
        """Run ``client.start(token)`` in the background and wait until it is READY (all
        guilds received). Errors from login (e.g. ``discord.LoginFailure``) are raised
        here. The client is closed by ``stop_client`` / emulator teardown.

        ``guild_ready_timeout``: discord.py waits this long after the last GUILD_CREATE
        before firing on_ready (default 2 s); we shorten it on the client's connection
        state. Pass None to keep the client's own value."""
        self.ensure_configured()
        if guild_ready_timeout is not None:
            client._connection.guild_ready_timeout = guild_ready_timeout
        task = asyncio.get_running_loop().create_task(
            client.start(self.token if token is None else token, reconnect=reconnect),
            name=f"discord-client-{id(client):x}",
        )
        self._clients.append((client, task))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not client.is_ready():
            if task.done():
                # Raised here to the test: not a death for assert_clients_alive to report.
                self._clients.remove((client, task))
                await self.stop_client(client)
                exc = task.exception()
                if exc is not None:
                    raise exc
                raise RuntimeError("client.start() returned before the client became ready")
            if loop.time() > deadline:
                self._clients.remove((client, task))
                await self.stop_client(client)
                raise EmulatorTimeout(
                    f"client not ready after {timeout}s\n{self.describe_recent()}"
                )
            await asyncio.sleep(0.01)
        return client

    async def stop_client(self, client: Any) -> None:
        entry = next((e for e in self._clients if e[0] is client), None)
        if entry is not None:
            self._clients.remove(entry)
            dead = self._dead_entry(entry)
            if dead is not None:  # it died before the test stopped it
                self._stopped_dead.append(dead)
        with contextlib.suppress(Exception):
            await client.close()
        if entry is not None:
            task = entry[1]
            if not task.done():
                try:
                    await asyncio.wait_for(asyncio.shield(task), 5)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                except Exception:
                    pass
            elif not task.cancelled():
                task.exception()  # mark retrieved

    # ================================================================ recordings
    def calls_to(
        self,
        method: str | None = None,
        path: str | re.Pattern | None = None,
    ) -> list[Call]:
        """Recorded calls, filtered by method and a path regex (``re.fullmatch`` against
        the path relative to /api/v10, e.g. ``r"/channels/\\d+/messages"``)."""
        return [c for c in self.calls if c.matches(method, path)]

    def mark(self) -> int:
        """Current call index: pass as ``after=`` to only consider later calls."""
        return len(self.calls)

    async def wait_for_call(
        self,
        method: str | None,
        path: str | re.Pattern | None = None,
        *,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
        after: int | Call | None = None,
        status: int | None = None,
    ) -> Call:
        """First call (at index >= ``after``) matching method/path/predicate/status that
        has been answered."""
        start = after.index + 1 if isinstance(after, Call) else (after or 0)

        def find() -> Call | None:
            for c in self.calls[start:]:
                if c.status is None or not c.matches(method, path):
                    continue
                if status is not None and c.status != status:
                    continue
                if predicate is None or predicate(c):
                    return c
            return None

        return await self._notifier.wait_for(
            find, timeout=timeout, what=f"{method} {path}", diagnostics=self.describe_recent
        )

    async def wait_until(
        self, predicate: Callable[[], Any], *, timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        """Generic wait: re-evaluated after every REST call / gateway message."""
        return await self._notifier.wait_for(
            predicate, timeout=timeout, what=what, diagnostics=self.describe_recent
        )

    def describe_recent(self, n: int = 15) -> str:
        lines = [f"last {min(n, len(self.calls))} of {len(self.calls)} REST calls:"]
        for c in self.calls[-n:]:
            body = json.dumps(c.json)[:160] if c.json is not None else ""
            lines.append(
                f"  #{c.index} {c.method} {c.path} -> {c.status}"
                f"{' (injected)' if c.injected else ''} {body}"
            )
        if self.unknown_routes:
            lines.append(
                "unknown routes: "
                + ", ".join(f"{c.method} {c.path}" for c in self.unknown_routes[-5:])
            )
        return "\n".join(lines)

    def messages_in(
        self,
        channel_id: int | Channel,
        *,
        include_deleted: bool = False,
        include_ephemeral: bool = True,
    ) -> list[MessageRecord]:
        """Messages in a channel, oldest first (bot, interaction and user messages)."""
        cid = _id_of(channel_id)
        return [
            m
            for m in self.message_log
            if m.channel_id == cid
            and (include_deleted or not m.deleted)
            and (include_ephemeral or not m.ephemeral)
        ]

    def bot_messages(self, channel_id: int | Channel | None = None) -> list[MessageRecord]:
        return [
            m
            for m in self.message_log
            if m.author_id == self.bot.id
            and not m.deleted
            and (channel_id is None or m.channel_id == _id_of(channel_id))
        ]

    def get_message(self, message_id: int) -> MessageRecord | None:
        return self.messages.get(int(message_id))

    async def wait_for_message(
        self,
        channel_id: int | Channel | None = None,
        *,
        author_id: int | User | None = None,
        predicate: Callable[[MessageRecord], bool] | None = None,
        after: MessageRecord | int | None = None,
        timeout: float = 5.0,
    ) -> MessageRecord:
        """First non-deleted, non-loading message (default: authored by the bot) created
        after ``after`` (a MessageRecord or an index into ``message_log``)."""
        author = self.bot.id if author_id is None else _id_of(author_id)
        if isinstance(after, MessageRecord):
            start = self.message_log.index(after) + 1
        else:
            start = after or 0

        def find() -> MessageRecord | None:
            for m in self.message_log[start:]:
                if m.deleted or m.loading or m.author_id != author:
                    continue
                if channel_id is not None and m.channel_id != _id_of(channel_id):
                    continue
                if predicate is None or predicate(m):
                    return m
            return None

        return await self._notifier.wait_for(
            find, timeout=timeout, what="a message", diagnostics=self.describe_recent
        )

    async def wait_for_reply(self, to: MessageRecord, *, timeout: float = 5.0) -> MessageRecord:
        """A bot message replying (message_reference) to ``to``."""
        return await self.wait_for_message(
            to.channel_id,
            after=to,
            timeout=timeout,
            predicate=lambda m: (
                (m.data.get("message_reference") or {}).get("message_id") == str(to.id)
            ),
        )

    async def wait_for_heartbeats(
        self, count: int, *, timeout: float = 10.0, acked: bool = True
    ) -> list[Heartbeat]:
        def find():
            beats = [h for h in self.heartbeats if h.acked or not acked]
            return beats if len(beats) >= count else None

        return await self._notifier.wait_for(find, timeout=timeout, what=f"{count} heartbeats")

    def heartbeat_gaps(self) -> list[float]:
        """Seconds between consecutive heartbeats received (all connections)."""
        times = [h.monotonic for h in self.heartbeats]
        return [b - a for a, b in itertools.pairwise(times)]

    # ============================================================ fault injection
    def fail_next(
        self,
        method: str,
        path: str | re.Pattern,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: float | None = None,
        is_global: bool = False,
        scope: str | None = None,
        code: int | None = None,
        message: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        after_applying: bool = False,
    ) -> Fault:
        """Answer the next ``times`` requests matching ``method`` ("*" = any) and ``path``
        (regex, fullmatch on the path after /api/v10) with ``status``.

        Default bodies are Discord's: 403 -> Missing Access (50001), 404 -> Unknown Channel
        (10003), 5xx -> "500: Internal Server Error", 429 -> the rate-limit body with
        ``retry_after`` (default 0.2 s) plus Retry-After / X-RateLimit-* / Via headers,
        which discord.py needs to treat it as a real rate limit and retry. The headers are
        those of Discord's examples for each ``scope`` ("user", the default; "shared", a
        resource's limit; "global", also ``is_global=True``): a global 429 carries no bucket
        (no X-RateLimit-Limit, Remaining, Reset, Reset-After or Bucket), only
        X-RateLimit-Global and X-RateLimit-Scope; a shared one names the resource in its
        message.

        ``after_applying=True``: the request takes effect, and only its response is the fault
        (a 5xx whose work was done anyway: retries then create duplicates unless guarded)."""
        hdrs = dict(headers or {})
        if status == 429:
            ra = 0.2 if retry_after is None else float(retry_after)
            scope = scope or ("global" if is_global else "user")
            is_global = scope == "global"
            if body is None:
                default = (
                    "The resource is being rate limited."
                    if scope == "shared"
                    else "You are being rate limited."
                )
                body = {"message": message or default, "retry_after": ra, "global": is_global}
                if code is not None:
                    body["code"] = code
            bucket: dict[str, str] = {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{ra:.3f}",
                "__reset_after__": str(ra),
            }
            hdrs = {
                "Retry-After": str(max(1, math.ceil(ra))),
                **({"X-RateLimit-Global": "true"} if is_global else bucket),
                "X-RateLimit-Scope": scope,
                **hdrs,
            }
        elif body is None:
            default_msg, default_code = _DEFAULT_ERRORS.get(status, (f"{status}: Error", 0))
            body = {
                "message": message or default_msg,
                "code": default_code if code is None else code,
            }
        pattern = path if isinstance(path, re.Pattern) else re.compile(path)
        fault = Fault(
            method=method.upper(),
            pattern=pattern,
            status=status,
            body=body,
            headers=hdrs,
            times=times,
            delay=delay,
            after_applying=after_applying,
        )
        self.faults.append(fault)
        return fault

    # ======================================================================== REST
    def _build_routes(self) -> list[tuple[str, re.Pattern, Callable, bool, str]]:
        app, snow, tok = r"(\d+)", r"(\d+)", r"([^/]+)"
        table: list[tuple[str, str, Callable[..., Any], bool]] = [
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", rf"/users/{snow}", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"/applications/{app}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/commands", self._post_command, True),
            ("GET", rf"/applications/{app}/commands/{snow}", self._get_command, True),
            ("PATCH", rf"/applications/{app}/commands/{snow}", self._patch_command, True),
            ("DELETE", rf"/applications/{app}/commands/{snow}", self._delete_command, True),
            ("GET", rf"/applications/{app}/guilds/{snow}/commands", self._get_commands, True),
            ("PUT", rf"/applications/{app}/guilds/{snow}/commands", self._put_commands, True),
            ("POST", rf"/applications/{app}/guilds/{snow}/commands", self._post_command, True),
            ("GET", rf"/applications/{app}/guilds/{snow}/commands/{snow}", self._get_command, True),
            (
                "PATCH",
                rf"/applications/{app}/guilds/{snow}/commands/{snow}",
                self._patch_command,
                True,
            ),
            (
                "DELETE",
                rf"/applications/{app}/guilds/{snow}/commands/{snow}",
                self._delete_command,
                True,
            ),
            ("POST", rf"/interactions/{snow}/{tok}/callback", self._interaction_callback, False),
            ("GET", rf"/webhooks/{app}/{tok}/messages/@original", self._get_original, False),
            ("PATCH", rf"/webhooks/{app}/{tok}/messages/@original", self._edit_original, False),
            ("DELETE", rf"/webhooks/{app}/{tok}/messages/@original", self._delete_original, False),
            ("POST", rf"/webhooks/{app}/{tok}", self._execute_webhook, False),
            ("GET", rf"/webhooks/{app}/{tok}/messages/{snow}", self._get_webhook_message, False),
            ("PATCH", rf"/webhooks/{app}/{tok}/messages/{snow}", self._edit_webhook_message, False),
            (
                "DELETE",
                rf"/webhooks/{app}/{tok}/messages/{snow}",
                self._delete_webhook_message,
                False,
            ),
            ("GET", rf"/channels/{snow}", self._get_channel, True),
            ("GET", rf"/channels/{snow}/messages", self._get_messages, True),
            ("POST", rf"/channels/{snow}/messages", self._post_message, True),
            ("GET", rf"/channels/{snow}/messages/{snow}", self._get_message, True),
            ("PATCH", rf"/channels/{snow}/messages/{snow}", self._patch_message, True),
            ("DELETE", rf"/channels/{snow}/messages/{snow}", self._delete_message, True),
            (
                "PUT",
                rf"/channels/{snow}/messages/{snow}/reactions/{tok}/@me",
                self._put_reaction,
                True,
            ),
            (
                "DELETE",
                rf"/channels/{snow}/messages/{snow}/reactions/{tok}/@me",
                self._delete_own_reaction,
                True,
            ),
            (
                "DELETE",
                rf"/channels/{snow}/messages/{snow}/reactions/{tok}/{snow}",
                self._delete_user_reaction,
                True,
            ),
            (
                "DELETE",
                rf"/channels/{snow}/messages/{snow}/reactions/{tok}",
                self._clear_emoji_reactions,
                True,
            ),
            ("DELETE", rf"/channels/{snow}/messages/{snow}/reactions", self._clear_reactions, True),
            (
                "GET",
                rf"/channels/{snow}/messages/{snow}/reactions/{tok}",
                self._get_reaction_users,
                True,
            ),
            ("POST", rf"/channels/{snow}/typing", self._typing, True),
            ("GET", rf"/guilds/{snow}", self._get_guild, True),
            ("GET", rf"/guilds/{snow}/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/{snow}/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/{snow}/members", self._get_guild_members, True),
            ("GET", rf"/guilds/{snow}/members/{snow}", self._get_guild_member, True),
        ]
        return [(m, re.compile(p), h, a, p) for m, p, h, a in table]

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
        files: list[UploadedFile] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            payload = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: discord.py never sends one
                data = await part.read(decode=False)
                if part.name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode("utf-8", "replace"), files

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        auth = request.headers.get("Authorization")
        body, files = await self._read_body(request)
        loop = asyncio.get_running_loop()
        call = Call(
            index=len(self.calls),
            method=method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            authorized=auth is not None,
            timestamp=time.time(),
            monotonic=loop.time(),
        )
        self.calls.append(call)
        try:
            return await self._handle(call, request, auth)
        finally:
            self._notifier.notify()

    async def _handle(
        self, call: Call, request: web.Request, auth: str | None
    ) -> web.StreamResponse:
        drop = next((d for d in self.drops if d.matches(call)), None)
        if drop is not None:
            drop.calls.append(call)
            if request.transport is not None:
                request.transport.abort()  # no status line: the client gets a network error
            return web.Response(status=500)
        fault = next((f for f in self.faults if f.matches(call.method, call.path)), None)
        if fault is not None and fault.after_applying:
            fault.hits.append(call)
            with contextlib.suppress(Exception):
                await self._handle_route(call, auth)
            call.injected = True
            headers = self._fault_headers(fault, call)
            return self._respond(call, fault.status, fault.body, headers, ratelimit=False)
        if fault is not None:
            fault.hits.append(call)
            call.injected = True
            if fault.delay:
                await asyncio.sleep(fault.delay)
            headers = self._fault_headers(fault, call)
            return self._respond(call, fault.status, fault.body, headers, ratelimit=False)
        return await self._handle_route(call, auth)

    def _fault_headers(self, fault: Fault, call: Call) -> dict[str, str]:
        """A fault's headers; a rate limit's bucket (Reset, Bucket) is filled in now."""
        headers = dict(fault.headers)
        reset_after = headers.pop("__reset_after__", None)
        if reset_after is not None:
            headers.setdefault("X-RateLimit-Reset", f"{time.time() + float(reset_after):.3f}")
            headers.setdefault("X-RateLimit-Bucket", self._bucket(call.path))
        return headers

    async def _handle_route(self, call: Call, auth: str | None) -> web.StreamResponse:
        route = None
        path_known = False
        for method, pattern, handler, needs_auth, name in self._routes:
            m = pattern.fullmatch(call.path)
            if m is None:
                continue
            path_known = True
            if method == call.method:
                route = (handler, m, needs_auth, name)
                break
        if route is None:
            self.unknown_routes.append(call)
            status = 405 if path_known else 404
            message = "405: Method Not Allowed" if path_known else "404: Not Found"
            return self._respond(call, status, {"message": message, "code": 0})
        handler, m, needs_auth, name = route
        call.route = name
        if (auth is not None and auth != f"Bot {self.token}") or (auth is None and needs_auth):
            return self._respond(call, 401, {"message": "401: Unauthorized", "code": 0})
        try:
            status, body = await handler(call, *m.groups())
        except ApiError as exc:
            status, body = exc.status, exc.body()
        if status < 400:
            await self._hold_response(call)
        return self._respond(call, status, body, bucket=name)

    def drop_connections(
        self, method: str, path: str | re.Pattern, *, times: int = 1
    ) -> DroppedConnections:
        """Cut the connection of the next ``times`` matching requests before answering."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(path)
        drop = DroppedConnections(method=method.upper(), pattern=pattern, times=times)
        self.drops.append(drop)
        return drop

    def hold_responses(
        self, method: str, path: str | re.Pattern, *, times: int = 1
    ) -> HeldResponses:
        """Carry out the next ``times`` matching requests (a message is created, and so on)
        but answer each only after ``.release()``; ``.calls`` lists the held ones."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(path)
        hold = HeldResponses(method=method.upper(), pattern=pattern, times=times)
        self.holds.append(hold)
        return hold

    async def _hold_response(self, call: Call) -> None:
        hold = next((h for h in self.holds if h.matches(call)), None)
        if hold is None:
            return
        hold.calls.append(call)
        self._notifier.notify()
        await hold.released.wait()

    @staticmethod
    def _bucket(name: str) -> str:
        return hashlib.md5(name.encode()).hexdigest()[:16]

    def _respond(
        self,
        call: Call,
        status: int,
        body: Any,
        headers: dict | None = None,
        *,
        ratelimit: bool = True,
        bucket: str | None = None,
    ) -> web.Response:
        hdrs = {"Via": "1.1 google"}
        if ratelimit and status < 400:
            hdrs.update(
                {
                    "X-RateLimit-Limit": str(self.ratelimit_limit),
                    "X-RateLimit-Remaining": str(self.ratelimit_limit - 1),
                    "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                    "X-RateLimit-Reset-After": "1.000",
                    "X-RateLimit-Bucket": self._bucket(bucket or call.path),
                }
            )
        hdrs.update(headers or {})
        call.status = status
        call.response = body
        call.response_headers = hdrs
        if body is None:
            return web.Response(status=204 if status < 300 else status, headers=hdrs)
        # Exactly "application/json": discord.py's json_or_text compares the header
        # verbatim, so aiohttp's json_response ("...; charset=utf-8") would yield a str.
        hdrs["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        f = self.attachments.get(int(request.match_info["aid"]))
        if f is None:
            return web.Response(status=404)
        return web.Response(body=f.data, content_type=f.content_type or "application/octet-stream")

    # ------------------------------------------------------------- lookups/helpers
    def _channel_or_404(self, channel_id: str | int) -> Channel:
        channel = self.world.channel(int(channel_id))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _guild_or_404(self, guild_id: str | int) -> Guild:
        guild = self.world.guilds.get(int(guild_id))
        if guild is None or self.bot.id not in guild.members:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _message_or_404(self, channel_id: str | int, message_id: str | int) -> MessageRecord:
        record = self.messages.get(int(message_id))
        if record is None or record.deleted or record.channel_id != int(channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        return record

    def _require_bot_perms(self, channel: Channel, needed: int) -> None:
        guild_id = channel.guild_id
        if guild_id is None:
            return
        if channel.type == ChannelType.PUBLIC_THREAD and channel.parent_id:
            # A thread has the permissions of its parent, with its own right to send.
            channel, needed = self._channel_or_404(channel.parent_id), thread_permission(needed)
        perms = self.world.permissions_for(guild_id, self.bot.id, channel.id)
        if not perms & Permission.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    def _without_embeds_unless_allowed(self, channel: Channel, body: dict) -> dict:
        """What Discord makes of a channel message's embeds without Embed Links: with no
        content the message is refused (403 50013); beside content they are dropped, silently
        (interaction responses are not affected: they go through the interaction's webhook)."""
        if not body.get("embeds") or self._bot_may(channel, Permission.EMBED_LINKS):
            return body
        if not body.get("content"):
            raise ApiError(403, 50013, "Missing Permissions")
        return {**body, "embeds": []}

    def _bot_may(self, channel: Channel, needed: int) -> bool:
        try:
            self._require_bot_perms(channel, needed)
        except ApiError:
            return False
        return True

    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")

    # ------------------------------------------------------------------- basics
    async def _get_gateway(self, call: Call):
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, call: Call):
        return 200, {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, call: Call):
        return 200, client_user_payload(self.bot)

    async def _get_user(self, call: Call, user_id: str):
        user = self.world.users.get(int(user_id))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return 200, user_payload(user)

    async def _create_dm(self, call: Call):
        user = self.world.users.get(int((call.json or {}).get("recipient_id", 0)))
        if user is None:
            raise invalid_form(
                {
                    "recipient_id": {
                        "_errors": [
                            {"code": "NUMBER_TYPE_COERCE", "message": "Value is not snowflake."}
                        ]
                    }
                }
            )
        return 200, channel_payload(self.world.dm_channel_for(user))

    async def _get_application(self, call: Call):
        return 200, application_payload(self.world)

    # ---------------------------------------------------------------- commands
    def _command_list(self, guild_id: str | None) -> list[dict]:
        if guild_id is None:
            return self.global_commands
        self._guild_or_404(guild_id)
        return self.guild_commands.setdefault(int(guild_id), [])

    def _store_command(self, cmd: dict, guild_id: str | None, existing: list[dict]) -> dict:
        ctype = cmd.get("type", 1)
        old = next(
            (c for c in existing if c["name"] == cmd.get("name") and c.get("type", 1) == ctype),
            None,
        )
        stored = {
            "id": old["id"] if old else str(self.world.snowflake()),
            "application_id": str(self.application_id),
            "version": str(self.world.snowflake()),
            "type": ctype,
            "name": cmd.get("name"),
            "description": cmd.get("description", ""),
            "options": copy.deepcopy(cmd.get("options") or []),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "nsfw": cmd.get("nsfw", False),
            "name_localizations": cmd.get("name_localizations"),
            "description_localizations": cmd.get("description_localizations"),
        }
        for key in ("contexts", "integration_types", "handler"):
            if key in cmd:
                stored[key] = cmd[key]
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def _get_commands(self, call: Call, app_id: str, guild_id: str | None = None):
        self._check_app(app_id)
        return 200, copy.deepcopy(self._command_list(guild_id))

    async def _put_commands(self, call: Call, app_id: str, guild_id: str | None = None):
        self._check_app(app_id)
        existing = self._command_list(guild_id)
        commands = call.json or []
        validate_commands(commands)
        new = [self._store_command(c, guild_id, existing) for c in commands]
        existing[:] = new
        return 200, copy.deepcopy(new)

    async def _post_command(self, call: Call, app_id: str, guild_id: str | None = None):
        self._check_app(app_id)
        existing = self._command_list(guild_id)
        validate_commands([call.json or {}])
        stored = self._store_command(call.json or {}, guild_id, existing)
        created = not any(c["id"] == stored["id"] for c in existing)
        existing[:] = [c for c in existing if c["id"] != stored["id"]] + [stored]
        return (201 if created else 200), copy.deepcopy(stored)

    def _find_stored(self, app_id: str, guild_id: str | None, cmd_id: str) -> tuple[list, dict]:
        self._check_app(app_id)
        existing = self._command_list(guild_id)
        cmd = next((c for c in existing if c["id"] == cmd_id), None)
        if cmd is None:
            raise ApiError(404, 10063, "Unknown application command")
        return existing, cmd

    async def _get_command(self, call: Call, app_id: str, *rest: str):
        guild_id, cmd_id = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        _, cmd = self._find_stored(app_id, guild_id, cmd_id)
        return 200, copy.deepcopy(cmd)

    async def _patch_command(self, call: Call, app_id: str, *rest: str):
        guild_id, cmd_id = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        _, cmd = self._find_stored(app_id, guild_id, cmd_id)
        cmd.update(call.json or {})
        cmd["version"] = str(self.world.snowflake())
        return 200, copy.deepcopy(cmd)

    async def _delete_command(self, call: Call, app_id: str, *rest: str):
        guild_id, cmd_id = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        existing, cmd = self._find_stored(app_id, guild_id, cmd_id)
        existing.remove(cmd)
        return 204, None

    def find_command(self, name: str, *, guild_id: int | None = None, type: int = 1) -> dict | None:
        """A synced command: the guild's version first, then the global one."""
        if guild_id is not None:
            for c in self.guild_commands.get(int(guild_id), []):
                if c["name"] == name and c.get("type", 1) == type:
                    return c
        return next(
            (c for c in self.global_commands if c["name"] == name and c.get("type", 1) == type),
            None,
        )

    # ------------------------------------------------------------- messages core
    def _normalize_components(self, components: list[dict]) -> list[dict]:
        comps = copy.deepcopy(components or [])
        next_id = 1
        for comp in walk_components(comps):
            if "id" not in comp:
                comp["id"] = next_id
            next_id = max(next_id, int(comp["id"])) + 1
        return comps

    @staticmethod
    def _normalize_embeds(embeds: list[dict]) -> list[dict]:
        out = []
        for e in embeds or []:
            e = copy.deepcopy(e)
            e.setdefault("type", "rich")
            if e.get("color") is None:
                e.pop("color", None)
            out.append(e)
        return out

    def _attachments(
        self, channel_id: int, body: dict, files: list[UploadedFile], existing: list[dict]
    ) -> list[dict]:
        meta = body.get("attachments")
        out: list[dict] = []
        if meta is None:
            out = list(existing)
        else:
            keep = {str(a.get("id")) for a in meta}
            out = [a for a in existing if a["id"] in keep]
        by_index = {str(a.get("id")): a for a in (meta or [])}
        for i, f in enumerate(files):
            m = re.fullmatch(r"files\[(\d+)\]", f.field)
            idx = m.group(1) if m else str(i)
            info = by_index.get(idx, {})
            aid = self.world.snowflake()
            self.attachments[aid] = f
            filename = info.get("filename") or f.filename or f"file{idx}"
            url = f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}"
            att = {
                "id": str(aid),
                "filename": filename,
                "size": len(f.data),
                "url": url,
                "proxy_url": url,
                "content_type": f.content_type,
            }
            if info.get("description"):
                att["description"] = info["description"]
            out.append(att)
        return out

    def _mention_fields(
        self,
        *,
        content: str,
        allowed_mentions: dict | None,
        author_id: int,
        channel_id: int,
        replied_user_id: int | None,
    ) -> dict:
        guild = self.world.guild_of(channel_id)
        users, roles, everyone = computed_mentions(
            self.world,
            content=content,
            allowed_mentions=allowed_mentions,
            author_id=author_id,
            guild=guild,
            channel_id=channel_id,
            replied_user_id=replied_user_id,
        )
        mentions = []
        for uid in users:
            u = user_payload(self.world.users[uid])
            if guild is not None and uid in guild.members:
                u["member"] = member_payload(guild.members[uid], with_user=False)
            mentions.append(u)
        return {
            "mentions": mentions,
            "mention_roles": [str(r) for r in roles],
            "mention_everyone": everyone,
        }

    def _create_message(
        self,
        *,
        channel: Channel,
        body: dict,
        files: list[UploadedFile],
        author: User,
        source: str,
        interaction: InteractionHandle | None = None,
        msg_type: int = 0,
        flags: int | None = None,
    ) -> MessageRecord:
        mid = self.world.snowflake()
        content = str(body.get("content") or "")
        ref = body.get("message_reference")
        referenced: MessageRecord | None = None
        if ref and ref.get("type", 0) == 0:
            referenced = self.messages.get(int(ref.get("message_id") or 0))
            if referenced is None or referenced.deleted:
                if ref.get("fail_if_not_exists", True):
                    raise invalid_form(
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        }
                    )
                referenced = None
            if msg_type == 0 and referenced is not None:
                msg_type = 19
        am = body.get("allowed_mentions")
        data: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": user_payload(author),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "attachments": self._attachments(channel.id, body, files, []),
            "embeds": self._normalize_embeds(body.get("embeds") or []),
            "components": self._normalize_components(body.get("components") or []),
            "pinned": False,
            "type": msg_type,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
        }
        data.update(
            self._mention_fields(
                content=content,
                allowed_mentions=am,
                author_id=author.id,
                channel_id=channel.id,
                replied_user_id=referenced.author_id if referenced else None,
            )
        )
        if body.get("nonce") is not None:
            data["nonce"] = body["nonce"]
        if body.get("poll"):
            data["poll"] = copy.deepcopy(body["poll"])
        if referenced is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(referenced.id),
                "channel_id": str(referenced.channel_id),
            }
            if channel.guild_id:
                data["message_reference"]["guild_id"] = str(channel.guild_id)
            data["referenced_message"] = copy.deepcopy(referenced.data)
        if interaction is not None:
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            meta: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user_payload(interaction.user),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction.target_message is not None:
                meta["interacted_message_id"] = str(interaction.target_message.id)
            if interaction.original is not None and source == "followup":
                meta["original_response_message_id"] = str(interaction.original.id)
            data["interaction_metadata"] = meta
            # The deprecated message interaction object: Discord still sends it beside
            # interaction_metadata, and discord.py keys views on its id when present.
            idata = interaction.payload.get("data") or {}
            data["interaction"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "name": idata.get("name") or idata.get("custom_id") or "",
                "user": user_payload(interaction.user),
            }
        record = MessageRecord(
            data=data,
            source=source,
            request=body,
            files=files,
            interaction=interaction,
            allowed_mentions=am,
        )
        self.messages[mid] = record
        self.message_log.append(record)
        channel.last_message_id = mid
        return record

    def _apply_edit(
        self,
        record: MessageRecord,
        body: dict,
        files: list[UploadedFile],
        *,
        fill_loading: bool = False,
    ) -> None:
        data = record.data
        if "content" in body:
            data["content"] = str(body.get("content") or "")
        if "embeds" in body:
            data["embeds"] = self._normalize_embeds(body.get("embeds") or [])
        if "components" in body:
            data["components"] = self._normalize_components(body.get("components") or [])
        if "attachments" in body or files:
            data["attachments"] = self._attachments(
                record.channel_id, body, files, data.get("attachments") or []
            )
        flags = int(data.get("flags") or 0)
        if body.get("flags") is not None:
            new = int(body["flags"])
            flags = (flags & ~SUPPRESS_EMBEDS) | (new & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
        if fill_loading:
            flags &= ~LOADING
            if body.get("flags") is not None:  # the deferral decided ephemerality already
                flags |= int(body["flags"]) & (
                    SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
                )
        data["flags"] = flags
        if "allowed_mentions" in body:
            record.allowed_mentions = body["allowed_mentions"]
        if "content" in body or "allowed_mentions" in body:
            ref = data.get("referenced_message")
            data.update(
                self._mention_fields(
                    content=data["content"],
                    allowed_mentions=record.allowed_mentions,
                    author_id=record.author_id,
                    channel_id=record.channel_id,
                    replied_user_id=int(ref["author"]["id"]) if ref else None,
                )
            )
        if body.get("poll"):
            data["poll"] = copy.deepcopy(body["poll"])
        data["edited_timestamp"] = None if fill_loading else iso_now()
        record.edits.append(body)
        if fill_loading:
            record.files = record.files + files
            record.request = body

    # -------------------------------------------------------- gateway echo of REST
    def _gateway_message(self, record: MessageRecord, intents: int) -> dict:
        data = copy.deepcopy(record.data)
        guild = self.world.guild_of(record.channel_id)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(record.author_id)
            if member is not None and not record.data.get("webhook_id"):
                data["member"] = member_payload(member, with_user=False)
        # MESSAGE_CONTENT: without it, content & co. are empty unless the bot is the
        # author or is mentioned (its role too, if `role_mention_shows_content`), or the
        # message is a DM.
        if (
            guild is not None
            and not intents & Intent.MESSAGE_CONTENT
            and record.author_id != self.bot.id
            and self.bot.id not in record.mentions
            and not (self.role_mention_shows_content and self._mentions_bot_role(record, guild))
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
            data.pop("poll", None)
        return data

    def _mentions_bot_role(self, record: MessageRecord, guild: Guild) -> bool:
        """Whether ``record`` mentions the bot's managed role (the one tagged with its id)."""
        roles = [guild.roles[r] for r in record.mention_roles if r in guild.roles]
        return any((r.tags or {}).get("bot_id") == str(self.bot.id) for r in roles)

    def _echo(self, event: str, record: MessageRecord) -> None:
        if not self.echo_bot_messages or record.ephemeral or self.session is None:
            return
        session = self.session
        if event == "MESSAGE_DELETE":
            data = {"id": str(record.id), "channel_id": str(record.channel_id)}
            guild = self.world.guild_of(record.channel_id)
            if guild is not None:
                data["guild_id"] = str(guild.id)
        else:
            data = self._gateway_message(record, session.intents)
        self._spawn(self.dispatch(event, data, respect_intents=True))

    # --------------------------------------------------------------- channels
    async def _get_channel(self, call: Call, channel_id: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.VIEW_CHANNEL)
        return 200, channel_payload(channel)

    async def _get_messages(self, call: Call, channel_id: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.VIEW_CHANNEL)
        # Without Read Message History Discord answers 200 with no messages, not 403.
        if not self._bot_may(channel, Permission.READ_MESSAGE_HISTORY):
            return 200, []
        msgs = [m for m in self.messages_in(channel.id) if not m.ephemeral]
        q = call.query
        limit = max(1, min(100, int(q.get("limit", 50))))
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])][-limit:]
        elif "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])][:limit]
        elif "around" in q:
            around = int(q["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in msgs if m.id > around][: limit - len(older)]
            msgs = older + newer
        else:
            msgs = msgs[-limit:]
        return 200, [_as_fetched(m) for m in reversed(msgs)]

    async def _post_message(self, call: Call, channel_id: str):
        channel = self._channel_or_404(channel_id)
        body = call.json or {}
        if not isinstance(body, dict):
            raise invalid_form({})
        needed = Permission.SEND_MESSAGES
        if call.files:
            needed |= Permission.ATTACH_FILES
        if body.get("message_reference"):
            needed |= Permission.READ_MESSAGE_HISTORY
        self._require_bot_perms(channel, needed)
        validate_message(body, n_files=len(call.files))
        duplicate = self._nonce_duplicate(channel, self.bot, body)
        if duplicate is not None:
            return 200, copy.deepcopy(duplicate.data)
        flags = int(body.get("flags") or 0) & (
            SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
        )
        record = self._create_message(
            channel=channel,
            body=self._without_embeds_unless_allowed(channel, body),
            files=call.files,
            author=self.bot,
            source="channel",
            flags=flags,
        )
        record.request = body  # what the bot sent, whatever Discord kept of it
        self._remember_nonce(record, body)
        self._echo("MESSAGE_CREATE", record)
        return 200, copy.deepcopy(record.data)

    async def _get_message(self, call: Call, channel_id: str, message_id: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.READ_MESSAGE_HISTORY)
        record = self._message_or_404(channel_id, message_id)
        if record.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return 200, _as_fetched(record)

    async def _patch_message(self, call: Call, channel_id: str, message_id: str):
        self._channel_or_404(channel_id)
        record = self._message_or_404(channel_id, message_id)
        body = call.json or {}
        if record.author_id != self.bot.id and set(body) - {"flags"}:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        validate_message(body, n_files=len(call.files), editing=True)
        self._apply_edit(record, body, call.files)
        self._echo("MESSAGE_UPDATE", record)
        return 200, copy.deepcopy(record.data)

    async def _delete_message(self, call: Call, channel_id: str, message_id: str):
        channel = self._channel_or_404(channel_id)
        record = self._message_or_404(channel_id, message_id)
        if record.author_id != self.bot.id:
            self._require_bot_perms(channel, Permission.MANAGE_MESSAGES)
        record.deleted = True
        self._echo("MESSAGE_DELETE", record)
        return 204, None

    @staticmethod
    def _emoji_key(emoji: str | dict) -> str:
        e = emoji_payload(emoji)
        return str(e["id"]) if e.get("id") else str(e.get("name"))

    def _reaction_entry(self, record: MessageRecord, emoji: str | dict) -> dict | None:
        key = self._emoji_key(emoji)
        for r in record.data.setdefault("reactions", []):
            if self._emoji_key(r["emoji"]) == key:
                return r
        return None

    def _add_reaction(self, record: MessageRecord, emoji: str | dict, user: User) -> bool:
        key = self._emoji_key(emoji)
        users = record.reaction_users.setdefault(key, [])
        if user.id in users:
            return False
        entry = self._reaction_entry(record, emoji)
        if entry is None:
            entry = {
                "emoji": emoji_payload(emoji),
                "count": 0,
                "me": False,
                "me_burst": False,
                "burst_colors": [],
                "count_details": {"burst": 0, "normal": 0},
            }
            record.data["reactions"].append(entry)
        users.append(user.id)
        entry["count"] += 1
        entry["count_details"]["normal"] += 1
        if user.id == self.bot.id:
            entry["me"] = True
        return True

    def _remove_reaction(self, record: MessageRecord, emoji: str | dict, user_id: int) -> bool:
        users = record.reaction_users.get(self._emoji_key(emoji), [])
        entry = self._reaction_entry(record, emoji)
        if entry is None or user_id not in users:
            return False
        users.remove(user_id)
        entry["count"] -= 1
        entry["count_details"]["normal"] -= 1
        if user_id == self.bot.id:
            entry["me"] = False
        if entry["count"] == 0:
            record.data["reactions"].remove(entry)
        return True

    def _reaction_event(
        self, record: MessageRecord, emoji: str | dict, user: User, add: bool
    ) -> dict:
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(record.channel_id),
            "message_id": str(record.id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        guild = self.world.guild_of(record.channel_id)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if add and user.id in guild.members:
                data["member"] = member_payload(guild.members[user.id])
        if add:
            data["message_author_id"] = str(record.author_id)
            data["burst_colors"] = []
        return data

    async def _put_reaction(self, call: Call, channel_id: str, message_id: str, emoji: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.READ_MESSAGE_HISTORY)
        record = self._message_or_404(channel_id, message_id)
        entry = self._reaction_entry(record, emoji)
        if entry is None:
            self._require_bot_perms(channel, Permission.ADD_REACTIONS)
        if (
            self._add_reaction(record, emoji, self.bot)
            and self.echo_bot_messages
            and self.session is not None
        ):
            self._spawn(
                self.dispatch(
                    "MESSAGE_REACTION_ADD",
                    self._reaction_event(record, emoji, self.bot, True),
                    respect_intents=True,
                )
            )
        return 204, None

    async def _delete_own_reaction(self, call: Call, channel_id: str, message_id: str, emoji: str):
        return await self._delete_user_reaction(
            call, channel_id, message_id, emoji, str(self.bot.id)
        )

    async def _delete_user_reaction(
        self, call: Call, channel_id: str, message_id: str, emoji: str, user_id: str
    ):
        channel = self._channel_or_404(channel_id)
        record = self._message_or_404(channel_id, message_id)
        if int(user_id) != self.bot.id:
            self._require_bot_perms(channel, Permission.MANAGE_MESSAGES)
        user = self.world.users.get(int(user_id))
        if (
            self._remove_reaction(record, emoji, int(user_id))
            and user is not None
            and self.echo_bot_messages
            and self.session is not None
        ):
            self._spawn(
                self.dispatch(
                    "MESSAGE_REACTION_REMOVE",
                    self._reaction_event(record, emoji, user, False),
                    respect_intents=True,
                )
            )
        return 204, None

    async def _clear_emoji_reactions(
        self, call: Call, channel_id: str, message_id: str, emoji: str
    ):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.MANAGE_MESSAGES)
        record = self._message_or_404(channel_id, message_id)
        entry = self._reaction_entry(record, emoji)
        if entry is not None:
            record.data["reactions"].remove(entry)
        record.reaction_users.pop(self._emoji_key(emoji), None)
        return 204, None

    async def _clear_reactions(self, call: Call, channel_id: str, message_id: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.MANAGE_MESSAGES)
        record = self._message_or_404(channel_id, message_id)
        record.data["reactions"] = []
        record.reaction_users.clear()
        return 204, None

    async def _get_reaction_users(self, call: Call, channel_id: str, message_id: str, emoji: str):
        record = self._message_or_404(channel_id, message_id)
        ids = record.reaction_users.get(self._emoji_key(emoji), [])
        return 200, [user_payload(self.world.users[i]) for i in ids if i in self.world.users]

    async def _typing(self, call: Call, channel_id: str):
        channel = self._channel_or_404(channel_id)
        self._require_bot_perms(channel, Permission.SEND_MESSAGES)
        return 204, None

    # ----------------------------------------------------------------- guilds
    async def _get_guild(self, call: Call, guild_id: str):
        guild = self._guild_or_404(guild_id)
        data = guild_payload(guild)
        if call.query.get("with_counts") in ("true", "1", "True"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = len(guild.members)
        return 200, data

    async def _get_guild_channels(self, call: Call, guild_id: str):
        guild = self._guild_or_404(guild_id)
        return 200, [channel_payload(c) for c in guild.channels.values()]

    async def _get_guild_roles(self, call: Call, guild_id: str):
        guild = self._guild_or_404(guild_id)
        return 200, [role_payload(r) for r in guild.roles.values()]

    async def _get_guild_members(self, call: Call, guild_id: str):
        guild = self._guild_or_404(guild_id)
        limit = int(call.query.get("limit", 1))
        after = int(call.query.get("after", 0))
        members = sorted(
            (m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id
        )[:limit]
        return 200, [member_payload(m) for m in members]

    async def _get_guild_member(self, call: Call, guild_id: str, user_id: str):
        guild = self._guild_or_404(guild_id)
        member = guild.members.get(int(user_id))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, member_payload(member)

    # ----------------------------------------------------------- interactions
    def _handle_for_token(self, app_id: str, token: str) -> InteractionHandle:
        if int(app_id) != self.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        handle = next((h for h in self.interactions.values() if h.token == token), None)
        if handle is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        self._check_token_age(handle)
        return handle

    def _interaction_channel(self, handle: InteractionHandle) -> Channel:
        channel = self.world.channel(handle.channel_id or 0)
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    async def _interaction_callback(self, call: Call, interaction_id: str, token: str):
        handle = self.interactions.get(int(interaction_id))
        if handle is None or handle.token != token:
            raise ApiError(404, 10062, "Unknown interaction")
        self._check_initial_response(handle, call)
        if handle.callbacks:
            handle.rejected.append(call)
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        ctype = body.get("type")
        if ctype not in _ALLOWED_CALLBACKS.get(handle.type, set()):
            handle.rejected.append(call)
            raise invalid_form(
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": f"Interaction response type {ctype} is not valid for "
                                f"interaction type {handle.type}",
                            }
                        ]
                    }
                }
            )
        data = body.get("data") or {}
        channel = self._interaction_channel(handle)
        resource: dict[str, Any] | None = None
        if ctype == 4:
            validate_message(data, n_files=len(call.files))
            flags = int(data.get("flags") or 0) & (
                EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
            )
            handle.original = self._create_message(
                channel=channel,
                body=data,
                files=call.files,
                author=self.bot,
                source="interaction",
                interaction=handle,
                msg_type=20 if handle.type == 2 else 0,
                flags=flags,
            )
            self._echo("MESSAGE_CREATE", handle.original)
        elif ctype == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            handle.original = self._create_message(
                channel=channel,
                body={"content": ""},
                files=[],
                author=self.bot,
                source="interaction",
                interaction=handle,
                msg_type=20 if handle.type == 2 else 0,
                flags=flags,
            )
            self._echo("MESSAGE_CREATE", handle.original)
        elif ctype in (6, 7):
            handle.original = handle.target_message
            if ctype == 7:
                if handle.target_message is None:
                    raise ApiError(400, 50035, "Invalid Form Body")
                validate_message(data, n_files=len(call.files), editing=True)
                self._apply_edit(handle.target_message, data, call.files)
                self._echo("MESSAGE_UPDATE", handle.target_message)
        elif ctype == 8:
            validate_choices(data.get("choices") or [])
        elif ctype == 9:
            validate_modal(data)
        handle.callbacks.append(body)
        if ctype in (4, 5, 7) and handle.original is not None:
            resource = {"type": ctype, "message": copy.deepcopy(handle.original.data)}
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        info: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        if handle.original is not None and ctype in (4, 5, 6, 7):
            info["response_message_id"] = str(handle.original.id)
            info["response_message_loading"] = handle.original.loading
            info["response_message_ephemeral"] = handle.original.ephemeral
        out: dict[str, Any] = {"interaction": info}
        if resource is not None:
            out["resource"] = resource
        return 200, out

    def _original_or_404(self, handle: InteractionHandle) -> MessageRecord:
        if handle.original is None or handle.original.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return handle.original

    async def _get_original(self, call: Call, app_id: str, token: str):
        handle = self._handle_for_token(app_id, token)
        return 200, copy.deepcopy(self._original_or_404(handle).data)

    async def _edit_original(self, call: Call, app_id: str, token: str):
        handle = self._handle_for_token(app_id, token)
        record = self._original_or_404(handle)
        body = call.json or {}
        validate_message(body, n_files=len(call.files), editing=True)
        was_loading = record.loading
        self._apply_edit(record, body, call.files, fill_loading=was_loading)
        handle.edits.append(body)
        self._echo("MESSAGE_UPDATE", record)
        return 200, copy.deepcopy(record.data)

    async def _delete_original(self, call: Call, app_id: str, token: str):
        handle = self._handle_for_token(app_id, token)
        record = self._original_or_404(handle)
        record.deleted = True
        handle.original_deleted = True
        self._echo("MESSAGE_DELETE", record)
        return 204, None

    async def _execute_webhook(self, call: Call, app_id: str, token: str):
        handle = self._handle_for_token(app_id, token)
        if not handle.callbacks:
            raise ApiError(404, 10015, "Unknown Webhook")
        body = call.json or {}
        validate_message(body, n_files=len(call.files))
        original = handle.original
        if (
            self.followup_replaces_deferred
            and handle.response_type == 5
            and original is not None
            and original.loading
            and not original.deleted
        ):
            self._apply_edit(original, body, call.files, fill_loading=True)
            record = original
            handle.followups.append(record)
            self._echo("MESSAGE_UPDATE", record)
        else:
            flags = int(body.get("flags") or 0) & (
                EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
            )
            record = self._create_message(
                channel=self._interaction_channel(handle),
                body=body,
                files=call.files,
                author=self.bot,
                source="followup",
                interaction=handle,
                flags=flags,
            )
            handle.followups.append(record)
            self._echo("MESSAGE_CREATE", record)
        if call.query.get("wait") in ("1", "true", "True"):
            return 200, copy.deepcopy(record.data)
        return 204, None

    def _interaction_message_or_404(
        self, handle: InteractionHandle, message_id: str
    ) -> MessageRecord:
        for m in handle.messages:
            if m.id == int(message_id) and not m.deleted:
                return m
        raise ApiError(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, call: Call, app_id: str, token: str, message_id: str):
        handle = self._handle_for_token(app_id, token)
        return 200, copy.deepcopy(self._interaction_message_or_404(handle, message_id).data)

    async def _edit_webhook_message(self, call: Call, app_id: str, token: str, message_id: str):
        handle = self._handle_for_token(app_id, token)
        record = self._interaction_message_or_404(handle, message_id)
        body = call.json or {}
        validate_message(body, n_files=len(call.files), editing=True)
        self._apply_edit(record, body, call.files, fill_loading=record.loading)
        handle.edits.append(body)
        self._echo("MESSAGE_UPDATE", record)
        return 200, copy.deepcopy(record.data)

    async def _delete_webhook_message(self, call: Call, app_id: str, token: str, message_id: str):
        handle = self._handle_for_token(app_id, token)
        record = self._interaction_message_or_404(handle, message_id)
        record.deleted = True
        if record is handle.original:
            handle.original_deleted = True
        self._echo("MESSAGE_DELETE", record)
        return 204, None

    # ================================================================== gateway
    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, dict(request.query))
        self.connections.append(conn)
        try:
            if conn.encoding != "json":
                await conn.close(4002, "Error while decoding payload.")
                return ws
            await conn.send(
                {
                    "op": Op.HELLO,
                    "s": None,
                    "t": None,
                    "d": {
                        "heartbeat_interval": int(self.heartbeat_interval * 1000),
                        "_trace": ['["discord-emulator",{"micros":0}]'],
                    },
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(4002, "Error while decoding payload.")
                    break
                self.gateway_received.append(payload)
                try:
                    await self._on_gateway_op(conn, payload)
                finally:
                    self._notifier.notify()
        finally:
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._notifier.notify()
        return ws

    async def _on_gateway_op(self, conn: GatewayConnection, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == Op.HEARTBEAT:
            loop = asyncio.get_running_loop()
            self.heartbeats.append(Heartbeat(loop.time(), d, self.ack_heartbeats))
            if self.ack_heartbeats:
                await conn.send({"op": Op.HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == Op.IDENTIFY:
            await self._identify(conn, d or {})
        elif op == Op.RESUME:
            await self._resume(conn, d or {})
        elif op == Op.PRESENCE:
            self.presence_updates.append(d)
        elif op == Op.REQUEST_MEMBERS:
            await self._request_members(conn, d or {})

    async def _identify(self, conn: GatewayConnection, d: dict) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if d.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        if "intents" not in d:
            await conn.close(4013, "Invalid intent(s).")
            return
        intents = int(d["intents"])
        if intents & Intent.PRIVILEGED & ~self.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        session = GatewaySession.new(d)
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        self.session = session
        self.identifies += 1
        app = self.world.application
        ready = {
            "v": API_VERSION,
            "user": client_user_payload(self.bot),
            "guilds": [
                {"id": str(g.id), "unavailable": True}
                for g in self.world.guilds.values()
                if self.bot.id in g.members
            ],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(app.id), "flags": app.flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["emulator"],
            "user_settings": {},
            "_trace": ['["discord-emulator",{"micros":0}]'],
        }
        if d.get("shard") is not None:
            ready["shard"] = d["shard"]
        await conn.send(session.next_dispatch("READY", ready))
        for guild in self.world.guilds.values():
            if self.bot.id in guild.members:
                await conn.send(
                    session.next_dispatch(
                        "GUILD_CREATE",
                        guild_create_payload(guild, world=self.world, intents=intents),
                    )
                )

    async def _resume(self, conn: GatewayConnection, d: dict) -> None:
        session = self.sessions.get(d.get("session_id", ""))
        if session is None or session.invalidated or d.get("token") != self.token:
            await conn.send({"op": Op.INVALIDATE_SESSION, "s": None, "t": None, "d": False})
            return
        session.connection = conn
        conn.session = session
        session.resumes += 1
        self.session = session
        last = int(d.get("seq") or 0)
        for seq, payload in list(session.events):
            if seq > last:
                await conn.send(payload)
        await conn.send(session.next_dispatch("RESUMED", {"_trace": []}))

    async def _request_members(self, conn: GatewayConnection, d: dict) -> None:
        if conn.session is None:
            return
        guild = self.world.guilds.get(int(d.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        if d.get("user_ids"):
            wanted = {
                int(x)
                for x in (d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]])
            }
            members = [m for m in members if m.user.id in wanted]
        elif d.get("query"):
            q = str(d["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        if d.get("limit"):
            members = members[: int(d["limit"])]
        chunk = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await conn.send(conn.session.next_dispatch("GUILD_MEMBERS_CHUNK", chunk))

    # ----------------------------------------------------------- gateway control
    def _require_session(self) -> GatewaySession:
        if self.session is None:
            raise RuntimeError(
                "no gateway session: start a client first (emulator.start_client(bot))"
            )
        return self.session

    @staticmethod
    def _intent_for(event: str, data: dict) -> int | None:
        in_guild = bool(data.get("guild_id"))
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"):
            return Intent.GUILD_MESSAGES if in_guild else Intent.DIRECT_MESSAGES
        if event.startswith("MESSAGE_REACTION_"):
            return Intent.GUILD_MESSAGE_REACTIONS if in_guild else Intent.DIRECT_MESSAGE_REACTIONS
        if event == "TYPING_START":
            return Intent.GUILD_MESSAGE_TYPING if in_guild else Intent.DIRECT_MESSAGE_TYPING
        if event in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"):
            return Intent.GUILD_MEMBERS
        if event == "PRESENCE_UPDATE":
            return Intent.GUILD_PRESENCES
        if event.startswith(("GUILD_ROLE_", "CHANNEL_", "THREAD_")) or event in (
            "GUILD_UPDATE",
            "GUILD_DELETE",
        ):
            return Intent.GUILDS
        return None

    async def dispatch(
        self, event: str, data: dict, *, respect_intents: bool = False
    ) -> int | None:
        """Send a DISPATCH (op 0) with the next sequence number to the current session.
        Returns the sequence number, or None if filtered out by the session's intents
        (``respect_intents=True``). If the client is between connections the event is
        kept and replayed on RESUME."""
        session = self._require_session()
        if respect_intents:
            needed = self._intent_for(event, data)
            if needed is not None and not session.intents & needed:
                self.filtered_events.append((event, data))
                return None
        payload = session.next_dispatch(event, data)
        conn = session.connection
        if conn is not None and conn.open:
            await conn.send(payload)
        self._notifier.notify()
        return payload["s"]

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py closes and RESUMEs."""
        session = self._require_session()
        if session.connection is not None:
            await session.connection.send({"op": Op.RECONNECT, "s": None, "t": None, "d": None})

    async def disconnect(self, code: int = 4000, message: str = "emulator disconnect") -> None:
        """Close the current gateway connection (4000 = resumable for discord.py)."""
        session = self._require_session()
        if session.connection is not None:
            await session.connection.close(code, message)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9. With resumable=False discord.py re-IDENTIFYs (after its own 5 s
        ``before_identify_hook`` delay for non-initial identifies)."""
        session = self._require_session()
        if not resumable:
            session.invalidated = True
        if session.connection is not None:
            await session.connection.send(
                {"op": Op.INVALIDATE_SESSION, "s": None, "t": None, "d": resumable}
            )

    async def wait_for_resume(self, count: int = 1, *, timeout: float = 10.0) -> GatewaySession:
        return await self.wait_until(
            lambda: (
                self.session
                if self.session
                and self.session.resumes >= count
                and self.session.connection is not None
                else None
            ),
            timeout=timeout,
            what=f"{count} RESUME(s)",
        )

    # ================================================== dispatch helpers (users)
    def _default_channel(self) -> Channel:
        channel = getattr(self.world, "general", None)
        if channel is not None:
            return channel
        for guild in self.world.guilds.values():
            for c in guild.channels.values():
                if c.type == ChannelType.GUILD_TEXT:
                    return c
        raise RuntimeError("no text channel in the world")

    def _default_user(self) -> User:
        user = getattr(self.world, "alice", None)
        if user is not None:
            return user
        return next(u for u in self.world.users.values() if not u.bot)

    def _resolve_user(self, user: User | int | None) -> User:
        if user is None:
            return self._default_user()
        if isinstance(user, User):
            return user
        return self.world.users[int(user)]

    def _resolve_channel(self, channel: Channel | int | None) -> Channel:
        if channel is None:
            return self._default_channel()
        if isinstance(channel, Channel):
            return channel
        found = self.world.channel(int(channel))
        if found is None:
            raise KeyError(f"unknown channel {channel}")
        return found

    def _resolve_message(self, message: MessageRecord | int) -> MessageRecord:
        if isinstance(message, MessageRecord):
            return message
        record = self.messages.get(int(message))
        if record is None:
            raise KeyError(f"unknown message {message}")
        return record

    def _gateway_user_message(self, record: MessageRecord) -> dict:
        intents = self.session.intents if self.session else 0
        return self._gateway_message(record, intents)

    async def send_message(
        self,
        content: str = "",
        *,
        author: User | int | None = None,
        channel_id: Channel | int | None = None,
        mentions: list[User | int] | None = None,
        embeds: list[dict] | None = None,
        reply_to: MessageRecord | int | None = None,
        attachments: list[UploadedFile] | None = None,
        mention_author: bool = True,
    ) -> MessageRecord:
        """A user posts a message (MESSAGE_CREATE, subject to intents; content is blanked
        without MESSAGE_CONTENT unless it mentions the bot). Mentions are parsed from
        ``<@id>`` in content; ``mentions`` adds more (e.g. ``[emulator.bot]``). A reply
        (``reply_to``) pings the replied-to author unless ``mention_author=False``, as the
        Discord client's "@ ON" toggle does: that author is then in ``mentions``."""
        user = self._resolve_user(author)
        channel = self._resolve_channel(channel_id)
        guild = self.world.guild_of(channel.id)
        if guild is not None and user.id not in guild.members:
            raise ValueError(f"{user} is not a member of {guild.name}")
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            target = self._resolve_message(reply_to)
            body["message_reference"] = {
                "message_id": str(target.id),
                "channel_id": str(target.channel_id),
            }
            body["allowed_mentions"] = {
                "parse": ["users", "roles", "everyone"],
                "replied_user": mention_author,
            }
        files = list(attachments or [])
        for i, f in enumerate(files):
            if not f.field:
                f.field = f"files[{i}]"
        record = self._create_message(
            channel=channel, body=body, files=files, author=user, source="user"
        )
        record.request = None
        extra = [self._resolve_user(m) for m in (mentions or [])]
        have = set(record.mentions)
        for u in extra:
            if u.id not in have:
                p = user_payload(u)
                if guild is not None and u.id in guild.members:
                    p["member"] = member_payload(guild.members[u.id], with_user=False)
                record.data["mentions"].append(p)
        if self.session is not None:
            await self.dispatch(
                "MESSAGE_CREATE", self._gateway_user_message(record), respect_intents=True
            )
        self._notifier.notify()
        return record

    async def add_reaction(
        self,
        message: MessageRecord | int,
        emoji: str | dict = "👍",
        *,
        user: User | int | None = None,
    ) -> MessageRecord:
        """A user reacts (MESSAGE_REACTION_ADD, subject to intents)."""
        record = self._resolve_message(message)
        u = self._resolve_user(user)
        if self._add_reaction(record, emoji, u):
            await self.dispatch(
                "MESSAGE_REACTION_ADD",
                self._reaction_event(record, emoji, u, True),
                respect_intents=True,
            )
        return record

    async def remove_reaction(
        self,
        message: MessageRecord | int,
        emoji: str | dict = "👍",
        *,
        user: User | int | None = None,
    ) -> MessageRecord:
        record = self._resolve_message(message)
        u = self._resolve_user(user)
        if self._remove_reaction(record, emoji, u.id):
            await self.dispatch(
                "MESSAGE_REACTION_REMOVE",
                self._reaction_event(record, emoji, u, False),
                respect_intents=True,
            )
        return record

    # ---------------------------------------------------------- interactions
    def _interaction_payload(
        self,
        itype: int,
        data: dict,
        *,
        user: User,
        channel: Channel,
        message: MessageRecord | None = None,
        locale: str | None = None,
    ) -> dict:
        guild = self.world.guild_of(channel.id)
        iid = self.world.snowflake()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": f"emu-{iid}-{secrets.token_urlsafe(32)}",
            "version": 1,
            "channel_id": str(channel.id),
            "locale": locale or user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            member = guild.members.get(user.id)
            if member is None:
                raise ValueError(f"{user} is not a member of {guild.name}")
            perms = self.world.permissions_for(guild, user.id, channel.id)
            bot_perms = self.world.permissions_for(guild, self.bot.id, channel.id)
            ch = channel_payload(channel)
            ch["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={
                    "id": str(guild.id),
                    "locale": guild.preferred_locale,
                    "features": list(guild.features),
                },
                guild_locale=guild.preferred_locale,
                channel=ch,
                member=member_payload(member, permissions=perms),
                app_permissions=str(bot_perms),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            ch = channel_payload(channel)
            ch["permissions"] = str(Permission.DEFAULT_EVERYONE)
            payload.update(
                channel=ch,
                user=user_payload(user),
                app_permissions=str(Permission.DEFAULT_EVERYONE),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message.data)
        return payload

    async def _dispatch_interaction(
        self, payload: dict, user: User, target: MessageRecord | None = None
    ) -> InteractionHandle:
        self._require_session()
        handle = InteractionHandle(self, payload, user, target)
        self.interactions[handle.id] = handle
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, User):
            return 6
        if isinstance(value, Role):
            return 8
        if isinstance(value, Channel):
            return 7
        if isinstance(value, UploadedFile):
            return 11
        return 3

    def _resolve_into(
        self,
        resolved: dict,
        otype: int,
        value: Any,
        guild: Guild | None,
        invoker: User,
        channel: Channel,
    ) -> str:
        if otype == 11 and isinstance(value, UploadedFile):
            aid = self.world.snowflake()
            self.attachments[aid] = value
            url = f"{self.base_url}/attachments/{channel.id}/{aid}/{value.filename or 'file'}"
            resolved.setdefault("attachments", {})[str(aid)] = {
                "id": str(aid),
                "filename": value.filename or "file",
                "size": len(value.data),
                "url": url,
                "proxy_url": url,
                "content_type": value.content_type,
            }
            return str(aid)
        oid = _id_of(value)
        if otype in (6, 9) and oid in self.world.users:
            resolved.setdefault("users", {})[str(oid)] = user_payload(self.world.users[oid])
            if guild is not None and oid in guild.members:
                resolved.setdefault("members", {})[str(oid)] = member_payload(
                    guild.members[oid],
                    with_user=False,
                    permissions=self.world.permissions_for(guild, oid, channel.id),
                )
            return str(oid)
        if otype in (8, 9) and guild is not None and oid in guild.roles:
            resolved.setdefault("roles", {})[str(oid)] = role_payload(guild.roles[oid])
            return str(oid)
        if otype == 7:
            target = self.world.channel(oid)
            if target is not None:
                ch = channel_payload(target)
                if guild is not None:
                    ch["permissions"] = str(self.world.permissions_for(guild, invoker.id, oid))
                resolved.setdefault("channels", {})[str(oid)] = ch
        return str(oid)

    def _resolve_mentions(
        self, resolved: dict, text: str, guild: Guild | None, invoker: User, channel: Channel
    ) -> None:
        """Discord resolves the mentions typed in a STRING option as it does a USER, ROLE or
        CHANNEL option's value: ``data.resolved`` carries the users (and their members), roles
        and channels the text names (clients read them from there, e.g. JDA's
        ``OptionMapping.getMentions``)."""
        for kind, oid in _MENTION.findall(text):
            otype = {"@": 6, "@!": 6, "@&": 8, "#": 7}[kind]
            if otype == 6 and int(oid) not in self.world.users:
                continue
            self._resolve_into(resolved, otype, int(oid), guild, invoker, channel)

    def _build_options(
        self,
        values: dict | list | None,
        schema: list[dict] | None,
        *,
        focused: str | None,
        guild: Guild | None,
        user: User,
        channel: Channel,
        resolved: dict,
    ) -> list[dict]:
        if values is None:
            values = {}
        if isinstance(values, list):  # raw Discord option dicts
            return copy.deepcopy(values)
        out = []
        for name, value in values.items():
            sch = None
            if schema is not None:
                sch = next((o for o in schema if o["name"] == name), None)
                if sch is None:
                    raise ValueError(
                        f"command has no option {name!r}; it has {[o['name'] for o in schema]}"
                    )
            otype = sch["type"] if sch else self._infer_type(value)
            option: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                option["focused"] = True
                option["value"] = value if isinstance(value, str) else str(value)
            elif otype in (6, 7, 8, 9, 11):
                option["value"] = self._resolve_into(resolved, otype, value, guild, user, channel)
            elif otype == 4:
                option["value"] = int(value)
            elif otype == 10:
                option["value"] = float(value)
            elif otype == 5:
                option["value"] = bool(value)
            else:
                option["value"] = str(value)
                if otype == 3:
                    self._resolve_mentions(resolved, option["value"], guild, user, channel)
            if sch and sch.get("choices") and name != focused:
                allowed = [c["value"] for c in sch["choices"]]
                if option["value"] not in allowed:
                    raise ValueError(f"{option['value']!r} is not a choice of {name!r}: {allowed}")
            out.append(option)
        if schema is not None and focused is None:
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
            if missing:
                raise ValueError(f"missing required options {missing}")
        return out

    def _command_data(
        self,
        name: str,
        options: dict | list | None,
        *,
        subcommand: str | None,
        user: User,
        channel: Channel,
        focused: str | None,
        command_guild_id: int | None,
        check_permissions: bool,
    ) -> dict:
        guild = self.world.guild_of(channel.id)
        schema = self.find_command(name, guild_id=guild.id if guild else None)
        if schema is None and self.strict_commands:
            raise LookupError(f"/{name} was never synced (strict_commands is on)")
        if schema is not None and check_permissions:
            self._check_command_visible(schema, user, channel, guild)
        data: dict[str, Any] = {
            "id": schema["id"] if schema else str(self.world.snowflake()),
            "name": name,
            "type": 1,
        }
        gid = schema.get("guild_id") if schema else command_guild_id
        if gid:
            data["guild_id"] = str(gid)
        resolved: dict[str, Any] = {}
        opts_schema = schema.get("options") if schema else None
        path = subcommand.split() if subcommand else []
        wrappers: list[dict] = []
        for part in path:
            sub_schema = None
            if opts_schema is not None:
                sub_schema = next(
                    (o for o in opts_schema if o["name"] == part and o["type"] in (1, 2)), None
                )
                if sub_schema is None:
                    raise ValueError(f"/{name} has no subcommand (group) {part!r}")
            wrappers.append(
                {
                    "type": sub_schema["type"]
                    if sub_schema
                    else (1 if len(wrappers) == len(path) - 1 else 2),
                    "name": part,
                }
            )
            opts_schema = sub_schema.get("options") if sub_schema else None
        if (
            schema is not None
            and not path
            and any(o.get("type") in (1, 2) for o in schema.get("options") or [])
        ):
            raise ValueError(f"/{name} has subcommands; pass subcommand=...")
        leaf = self._build_options(
            options,
            opts_schema if schema else None,
            focused=focused,
            guild=guild,
            user=user,
            channel=channel,
            resolved=resolved,
        )
        for wrapper in reversed(wrappers):
            wrapper["options"] = leaf
            leaf = [wrapper]
        data["options"] = leaf
        if resolved:
            data["resolved"] = resolved
        return data

    def _check_command_visible(
        self, schema: dict, user: User, channel: Channel, guild: Guild | None
    ) -> None:
        if guild is None:
            if schema.get("dm_permission") is False or (
                schema.get("contexts") is not None and 1 not in schema["contexts"]
            ):
                raise PermissionError(f"/{schema['name']} is not available in DMs")
            return
        if schema.get("contexts") is not None and 0 not in schema["contexts"]:
            raise PermissionError(f"/{schema['name']} is not available in guilds")
        needed = schema.get("default_member_permissions")
        if needed is not None:
            needed = int(needed)
            perms = self.world.permissions_for(guild, user.id, channel.id)
            hidden = perms != Permission.ALL if needed == 0 else perms & needed != needed
            if hidden:
                raise PermissionError(
                    f"{user} cannot see /{schema['name']} (default_member_permissions={needed})"
                )

    async def send_slash_command(
        self,
        name: str,
        options: dict | list | None = None,
        *,
        user: User | int | None = None,
        channel_id: Channel | int | None = None,
        guild_id: int | None = None,
        subcommand: str | None = None,
        locale: str | None = None,
        command_guild_id: int | None = None,
        check_permissions: bool = True,
    ) -> InteractionHandle:
        """A user runs ``/name`` (INTERACTION_CREATE type 2).

        ``options``: {name: value}; values may be str/int/float/bool or emulator
        ``User``/``Role``/``Channel`` objects (or ids when the command was synced, whose
        schema then gives the types and ``resolved`` is filled in). ``subcommand``:
        "sub" or "group sub". Defaults: user alice, channel #general."""
        u = self._resolve_user(user)
        channel = self._resolve_channel(channel_id)
        if guild_id is not None and channel.guild_id != int(guild_id):
            raise ValueError(f"channel {channel.id} is not in guild {guild_id}")
        data = self._command_data(
            name,
            options,
            subcommand=subcommand,
            user=u,
            channel=channel,
            focused=None,
            command_guild_id=command_guild_id,
            check_permissions=check_permissions,
        )
        payload = self._interaction_payload(2, data, user=u, channel=channel, locale=locale)
        return await self._dispatch_interaction(payload, u)

    async def send_autocomplete(
        self,
        name: str,
        options: dict | list | None = None,
        *,
        focused: str,
        user: User | int | None = None,
        channel_id: Channel | int | None = None,
        subcommand: str | None = None,
        locale: str | None = None,
        command_guild_id: int | None = None,
    ) -> InteractionHandle:
        """The user is typing into option ``focused`` (INTERACTION_CREATE type 4);
        ``options`` holds what is typed so far (the focused value is sent as a string).
        ``await handle.wait_for_response()`` then ``handle.choices``."""
        u = self._resolve_user(user)
        channel = self._resolve_channel(channel_id)
        opts = dict(options or {})
        opts.setdefault(focused, "")
        data = self._command_data(
            name,
            opts,
            subcommand=subcommand,
            user=u,
            channel=channel,
            focused=focused,
            command_guild_id=command_guild_id,
            check_permissions=False,
        )
        payload = self._interaction_payload(4, data, user=u, channel=channel, locale=locale)
        return await self._dispatch_interaction(payload, u)

    async def send_context_menu(
        self,
        name: str,
        target: User | MessageRecord,
        *,
        user: User | int | None = None,
        channel_id: Channel | int | None = None,
    ) -> InteractionHandle:
        """User (type 2) or message (type 3) context-menu command on ``target``."""
        u = self._resolve_user(user)
        channel = self._resolve_channel(channel_id)
        guild = self.world.guild_of(channel.id)
        ctype = 3 if isinstance(target, MessageRecord) else 2
        schema = self.find_command(name, guild_id=guild.id if guild else None, type=ctype)
        resolved: dict[str, Any] = {}
        if isinstance(target, MessageRecord):
            resolved["messages"] = {str(target.id): copy.deepcopy(target.data)}
            target_id = str(target.id)
        else:
            target_id = self._resolve_into(resolved, 6, target, guild, u, channel)
        data: dict[str, Any] = {
            "id": schema["id"] if schema else str(self.world.snowflake()),
            "name": name,
            "type": ctype,
            "target_id": target_id,
            "resolved": resolved,
        }
        if schema and schema.get("guild_id"):
            data["guild_id"] = schema["guild_id"]
        payload = self._interaction_payload(2, data, user=u, channel=channel)
        return await self._dispatch_interaction(payload, u)

    def _component_target(
        self,
        message: MessageRecord | int,
        custom_id: str,
        user: User,
        check: bool,
        types: tuple[int, ...],
    ) -> tuple[MessageRecord, dict | None]:
        record = self._resolve_message(message)
        comp = record.find_component(custom_id)
        if check:
            if record.deleted:
                raise LookupError(f"message {record.id} was deleted")
            if comp is None:
                raise LookupError(
                    f"no component {custom_id!r} on {record!r}; custom_ids: "
                    f"{[c.get('custom_id') for c in record.all_components()]}"
                )
            if comp.get("type") not in types:
                raise ValueError(f"component {custom_id!r} has type {comp.get('type')}")
            if comp.get("disabled"):
                raise ValueError(f"component {custom_id!r} is disabled")
            if (
                record.ephemeral
                and record.interaction is not None
                and record.interaction.user.id != user.id
            ):
                raise PermissionError("only the invoking user can see an ephemeral message")
        return record, comp

    async def click_button(
        self,
        message: MessageRecord | int,
        custom_id: str,
        *,
        user: User | int | None = None,
        check: bool = True,
    ) -> InteractionHandle:
        """``user`` clicks the button ``custom_id`` on ``message`` (a message the bot sent).
        With ``check`` the button must exist and be enabled."""
        u = self._resolve_user(user)
        record, comp = self._component_target(message, custom_id, u, check, (2,))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if comp is not None and "id" in comp:
            data["id"] = comp["id"]
        channel = self._resolve_channel(record.channel_id)
        payload = self._interaction_payload(3, data, user=u, channel=channel, message=record)
        return await self._dispatch_interaction(payload, u, record)

    async def select_option(
        self,
        message: MessageRecord | int,
        custom_id: str,
        values: list[Any],
        *,
        user: User | int | None = None,
        check: bool = True,
    ) -> InteractionHandle:
        """Choose ``values`` in a select menu (string select: the option values; user /
        role / channel selects: emulator objects or ids)."""
        u = self._resolve_user(user)
        record, comp = self._component_target(message, custom_id, u, check, (3, 5, 6, 7, 8))
        ctype = comp.get("type", 3) if comp else 3
        channel = self._resolve_channel(record.channel_id)
        guild = self.world.guild_of(channel.id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if comp is not None and "id" in comp:
            data["id"] = comp["id"]
        if ctype == 3:
            if check and comp is not None:
                allowed = [o.get("value") for o in comp.get("options") or []]
                bad = [v for v in values if v not in allowed]
                if bad:
                    raise ValueError(f"{bad} not among select options {allowed}")
            data["values"] = [str(v) for v in values]
        else:
            resolved: dict[str, Any] = {}
            kind = {5: 6, 6: 8, 7: 9, 8: 7}[ctype]
            data["values"] = [
                self._resolve_into(
                    resolved,
                    kind if kind != 9 else (8 if isinstance(v, Role) else 6),
                    v,
                    guild,
                    u,
                    channel,
                )
                for v in values
            ]
            data["resolved"] = resolved
        payload = self._interaction_payload(3, data, user=u, channel=channel, message=record)
        return await self._dispatch_interaction(payload, u, record)

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: dict[str, str | list[str]],
        *,
        user: User | int | None = None,
    ) -> InteractionHandle:
        """Submit the modal that ``opened_by`` responded with (callback type 9), with
        text-input values by custom_id (INTERACTION_CREATE type 5)."""
        modal = opened_by.modal
        if modal is None:
            raise LookupError(f"{opened_by!r} did not open a modal")
        u = self._resolve_user(user) if user is not None else opened_by.user

        def submit(comp: dict) -> dict:
            return {k: v for k, v in _submit(comp).items() if v is not None}

        def _submit(comp: dict) -> dict:
            t = comp.get("type")
            if t == 1:
                return {
                    "type": 1,
                    "id": comp.get("id"),
                    "components": [submit(c) for c in comp.get("components") or []],
                }
            if t == 18:  # label
                return {"type": 18, "id": comp.get("id"), "component": submit(comp["component"])}
            if t == 4:
                value = values.get(comp["custom_id"], comp.get("value") or "")
                refusal = text_input_refusal(comp, str(value))
                if refusal is not None:  # the Discord client would not send it
                    raise ValueError(f"cannot submit {comp['custom_id']!r}: {refusal}")
                return {
                    "type": 4,
                    "id": comp.get("id"),
                    "custom_id": comp["custom_id"],
                    "value": value,
                }
            if t in (3, 5, 6, 7, 8):
                v = values.get(comp.get("custom_id", ""), [])
                return {
                    "type": t,
                    "id": comp.get("id"),
                    "custom_id": comp.get("custom_id"),
                    "values": v if isinstance(v, list) else [v],
                }
            return {"type": t, "id": comp.get("id")}

        unknown = set(values) - {
            c.get("custom_id") for c in walk_components(modal.get("components") or [])
        }
        if unknown:
            raise LookupError(f"modal has no inputs {sorted(unknown)}")
        data = {
            "custom_id": modal["custom_id"],
            "components": [submit(c) for c in modal.get("components") or []],
        }
        channel = self._resolve_channel(opened_by.channel_id)
        payload = self._interaction_payload(
            5, data, user=u, channel=channel, message=opened_by.target_message
        )
        return await self._dispatch_interaction(payload, u, opened_by.target_message)
