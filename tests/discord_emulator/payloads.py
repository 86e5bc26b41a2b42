"""JSON payload builders: users, roles, channels, members, guilds, the application and emojis,
shaped as the Discord API v10 sends them. What Discord checks of requests is in ``validation``."""

from __future__ import annotations

from typing import Any

from .state import (
    Channel,
    ChannelType,
    Guild,
    Intent,
    Member,
    Role,
    User,
    World,
    iso_now,
)


def user_payload(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": user.discriminator,
        "global_name": user.global_name,
        "avatar": user.avatar,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "bot": user.bot,
        "system": False,
        "primary_guild": None,
        "collectibles": None,
    }


def client_user_payload(user: User) -> dict[str, Any]:
    data = user_payload(user)
    data.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
    return data


def role_payload(role: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.tags is not None:
        data["tags"] = role.tags
    return data


def channel_payload(channel: Channel, *, world: World | None = None) -> dict[str, Any]:
    if channel.type == ChannelType.DM:
        data: dict[str, Any] = {
            "id": str(channel.id),
            "type": ChannelType.DM,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "recipients": [user_payload(u) for u in channel.recipients],
            "flags": 0,
        }
        return data
    data = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [
            {
                "id": str(o["id"]),
                "type": o.get("type", 0),
                "allow": str(o.get("allow", 0)),
                "deny": str(o.get("deny", 0)),
            }
            for o in channel.permission_overwrites
        ],
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "nsfw": channel.nsfw,
        "flags": 0,
    }
    if channel.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
        data.update(
            topic=channel.topic,
            rate_limit_per_user=channel.rate_limit_per_user,
            last_message_id=str(channel.last_message_id) if channel.last_message_id else None,
            default_auto_archive_duration=1440,
        )
    return data


def thread_payload(thread: Channel, *, owner_id: int) -> dict[str, Any]:
    data = channel_payload(thread)
    data.update(
        owner_id=str(owner_id),
        last_message_id=str(thread.last_message_id) if thread.last_message_id else None,
        message_count=0,
        member_count=1,
        rate_limit_per_user=0,
        thread_metadata={
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": False,
        },
    )
    return data


def member_payload(
    member: Member, *, with_user: bool = True, permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_payload(guild: Guild) -> dict[str, Any]:
    """REST shape (GET /guilds/{id})."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": guild.description,
        "owner_id": str(guild.owner_id),
        "region": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": list(guild.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "max_video_channel_users": 25,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
    }


def guild_create_payload(guild: Guild, *, world: World, intents: int) -> dict[str, Any]:
    """Gateway GUILD_CREATE: REST shape + channels, members, counts."""
    data = guild_payload(guild)
    if intents & Intent.GUILD_MEMBERS:
        members = list(guild.members.values())
    else:  # without the members intent Discord only sends (roughly) yourself
        members = [m for m in guild.members.values() if m.user.id == world.bot.id]
    bot_member = guild.members.get(world.bot.id)
    data.update(
        joined_at=bot_member.joined_at if bot_member else None,
        large=False,
        unavailable=False,
        member_count=len(guild.members),
        voice_states=[],
        members=[member_payload(m) for m in members],
        channels=[
            channel_payload(c)
            for c in guild.channels.values()
            if c.type != ChannelType.PUBLIC_THREAD
        ],
        # The threads the bot can see; owner unknown here, as for threads Discord lists.
        threads=[
            thread_payload(c, owner_id=guild.owner_id)
            for c in guild.channels.values()
            if c.type == ChannelType.PUBLIC_THREAD
        ],
        presences=[],
        stage_instances=[],
        guild_scheduled_events=[],
        soundboard_sounds=[],
        embedded_activities=[],
        lazy=True,
    )
    return data


def application_payload(world: World) -> dict[str, Any]:
    app = world.application
    return {
        "id": str(app.id),
        "name": app.name,
        "icon": None,
        "description": app.description,
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": app.verify_key,
        "owner": user_payload(app.owner),
        "team": None,
        "flags": app.flags,
        "install_params": None,
        "integration_types_config": {"0": {}},
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "tags": [],
        "bot": user_payload(world.bot),
        "approximate_guild_count": len(world.guilds),
    }


def emoji_payload(emoji: str | dict) -> dict[str, Any]:
    """'👍' -> unicode emoji; 'name:123' or {'id','name'} -> custom emoji."""
    if isinstance(emoji, dict):
        return {
            "id": emoji.get("id"),
            "name": emoji.get("name"),
            "animated": emoji.get("animated", False),
        }
    if ":" in emoji:
        name, _, eid = emoji.rpartition(":")
        animated = name.startswith("a:")
        return {"id": eid, "name": name[2:] if animated else name, "animated": animated}
    return {"id": None, "name": emoji}
