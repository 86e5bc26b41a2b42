"""The emulator's model of "Discord": users, guilds, channels, roles, members.

Nothing here imports discord.py: this is the server side of the wire. Payload
builders (JSON shapes as Discord sends them) live in ``payloads.py``; the world the pytest
fixture starts from in ``default_world.py``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000


class Permission:
    """Discord permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    SEND_VOICE_MESSAGES = 1 << 46
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50

    ALL = (1 << 51) - 1

    #: What a fresh guild gives @everyone (minus MENTION_EVERYONE, to keep pings explicit).
    DEFAULT_EVERYONE = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | STREAM
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | USE_EXTERNAL_STICKERS
        | SEND_MESSAGES_IN_THREADS
        | SEND_VOICE_MESSAGES
        | SEND_POLLS
        | USE_EXTERNAL_APPS
    )


class Intent:
    """Gateway intent bits."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15

    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11


class SnowflakeGenerator:
    """Monotonic, time-based snowflakes (so ``created_at`` is sensible)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"
    avatar: str | None = None
    locale: str = "en-US"

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def __repr__(self) -> str:
        return f"<User {self.username} id={self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    tags: dict | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    type: int = ChannelType.GUILD_TEXT
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    #: Discord-shaped overwrites: {"id", "type" (0 role / 1 member), "allow", "deny"}
    permission_overwrites: list[dict] = field(default_factory=list)
    last_message_id: int | None = None
    #: DM channels only.
    recipients: list[User] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def deny(self, role: Role, permissions: int) -> None:
        """Take ``permissions`` from ``role`` here, as a moderator's channel override does."""
        self.permission_overwrites.append(
            {"id": str(role.id), "type": 0, "allow": "0", "deny": str(permissions)}
        )


@dataclass(eq=False)
class Member:
    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    description: str | None = None

    @property
    def everyone_role(self) -> Role:
        return self.roles[self.id]


@dataclass
class Application:
    id: int
    name: str
    owner: User
    #: GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE
    flags: int = (1 << 15) | (1 << 19) | (1 << 23)
    description: str = ""
    verify_key: str = "0" * 64


class World:
    """Everything the fake Discord knows about. Mutate it before the client connects
    (GUILD_CREATE is built from it at IDENTIFY time) or dispatch matching events."""

    def __init__(self, *, bot: User, application: Application, token: str) -> None:
        self.snowflake = SnowflakeGenerator()
        self.bot = bot
        self.application = application
        self.token = token
        self.users: dict[int, User] = {bot.id: bot, application.owner.id: application.owner}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}
        self._positions = itertools.count(1)

    # ----------------------------------------------------------------- builders
    def add_user(
        self,
        username: str,
        *,
        id: int | None = None,
        bot: bool = False,
        global_name: str | None = None,
        locale: str = "en-US",
    ) -> User:
        user = User(
            id=id or self.snowflake(),
            username=username,
            global_name=global_name,
            bot=bot,
            locale=locale,
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: User,
        id: int | None = None,
        everyone_permissions: int = Permission.DEFAULT_EVERYONE,
    ) -> Guild:
        gid = id or self.snowflake()
        guild = Guild(id=gid, name=name, owner_id=owner.id)
        guild.roles[gid] = Role(id=gid, name="@everyone", permissions=everyone_permissions)
        self.guilds[gid] = guild
        self.add_member(guild, owner)
        return guild

    def add_role(
        self,
        guild: Guild | int,
        name: str,
        *,
        permissions: int = 0,
        id: int | None = None,
        mentionable: bool = False,
        hoist: bool = False,
        managed: bool = False,
        tags: dict | None = None,
        color: int = 0,
    ) -> Role:
        guild = self._guild(guild)
        role = Role(
            id=id or self.snowflake(),
            name=name,
            permissions=permissions,
            position=len(guild.roles),
            mentionable=mentionable,
            hoist=hoist,
            managed=managed,
            tags=tags,
            color=color,
        )
        guild.roles[role.id] = role
        return role

    def add_text_channel(
        self,
        guild: Guild | int,
        name: str,
        *,
        id: int | None = None,
        topic: str | None = None,
        type: int = ChannelType.GUILD_TEXT,
        parent_id: int | None = None,
        permission_overwrites: list[dict] | None = None,
    ) -> Channel:
        guild = self._guild(guild)
        channel = Channel(
            id=id or self.snowflake(),
            name=name,
            type=type,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
            parent_id=parent_id,
            permission_overwrites=list(permission_overwrites or []),
        )
        guild.channels[channel.id] = channel
        return channel

    def add_member(
        self,
        guild: Guild | int,
        user: User,
        *,
        roles: Sequence[Role | int] = (),
        nick: str | None = None,
    ) -> Member:
        guild = self._guild(guild)
        member = Member(
            user=user, roles=[r.id if isinstance(r, Role) else int(r) for r in roles], nick=nick
        )
        guild.members[user.id] = member
        self.users[user.id] = user
        return member

    def dm_channel_for(self, user: User) -> Channel:
        for channel in self.dm_channels.values():
            if channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(id=self.snowflake(), name="", type=ChannelType.DM, recipients=[user])
        self.dm_channels[channel.id] = channel
        return channel

    # ------------------------------------------------------------------ lookups
    def _guild(self, guild: Guild | int) -> Guild:
        return guild if isinstance(guild, Guild) else self.guilds[int(guild)]

    def channel(self, channel_id: int) -> Channel | None:
        channel_id = int(channel_id)
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return self.dm_channels.get(channel_id)

    def guild_of(self, channel_id: int) -> Guild | None:
        channel = self.channel(channel_id)
        if channel is None or channel.guild_id is None:
            return None
        return self.guilds.get(channel.guild_id)

    def find_role(self, role_id: int) -> tuple[Guild, Role] | None:
        for guild in self.guilds.values():
            if int(role_id) in guild.roles:
                return guild, guild.roles[int(role_id)]
        return None

    # -------------------------------------------------------------- permissions
    def base_permissions(self, guild: Guild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return Permission.ALL
        member = guild.members.get(user_id)
        perms = guild.everyone_role.permissions
        if member is not None:
            for rid in member.roles:
                role = guild.roles.get(rid)
                if role is not None:
                    perms |= role.permissions
        if perms & Permission.ADMINISTRATOR:
            return Permission.ALL
        return perms

    def permissions_for(
        self, guild: Guild | int, user_id: int, channel_id: int | None = None
    ) -> int:
        """Computed permissions exactly as Discord documents it (base + overwrites)."""
        guild = self._guild(guild)
        perms = self.base_permissions(guild, user_id)
        if perms == Permission.ALL or channel_id is None:
            return perms
        channel = guild.channels.get(int(channel_id))
        if channel is None:
            return perms
        overwrites = {int(o["id"]): o for o in channel.permission_overwrites}
        everyone = overwrites.get(guild.id)
        if everyone:
            perms &= ~int(everyone.get("deny", 0))
            perms |= int(everyone.get("allow", 0))
        member = guild.members.get(user_id)
        role_ids = member.roles if member else []
        allow = deny = 0
        for rid in role_ids:
            o = overwrites.get(rid)
            if o and o.get("type", 0) == 0:
                allow |= int(o.get("allow", 0))
                deny |= int(o.get("deny", 0))
        perms &= ~deny
        perms |= allow
        o = overwrites.get(user_id)
        if o and o.get("type", 0) == 1:
            perms &= ~int(o.get("deny", 0))
            perms |= int(o.get("allow", 0))
        if not perms & Permission.VIEW_CHANNEL:
            return 0
        return perms
