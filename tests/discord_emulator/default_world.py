"""The default world used by the pytest fixture: one guild with #general, #news and #alerts, the
roles and users tests refer to. Fixed ids so tests can name them (valid 2023-era snowflakes)."""

from __future__ import annotations

from .state import Application, Permission, User, World


class DefaultIds:
    BOT = 1180000000000000001  # bot user id == application id (modern apps)
    APPLICATION = BOT
    APP_OWNER = 1180000000000000002
    GUILD = 1180000000000000100  # also the @everyone role id
    OWNER = 1180000000000000201
    MODERATOR = 1180000000000000202
    ALICE = 1180000000000000203
    BOB = 1180000000000000204
    GENERAL = 1180000000000000301
    NEWS = 1180000000000000302
    ALERTS = 1180000000000000303
    MODERATOR_ROLE = 1180000000000000401
    SUBSCRIBERS_ROLE = 1180000000000000402
    BOT_ROLE = 1180000000000000403


DEFAULT_TOKEN = "emulator.bot.token"

#: What the bot's managed integration role gets on invite.
BOT_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
)

MODERATOR_PERMISSIONS = (
    Permission.MANAGE_GUILD
    | Permission.MANAGE_MESSAGES
    | Permission.MANAGE_CHANNELS
    | Permission.KICK_MEMBERS
    | Permission.BAN_MEMBERS
    | Permission.MODERATE_MEMBERS
    | Permission.MENTION_EVERYONE
    | Permission.VIEW_AUDIT_LOG
)


class DefaultWorld(World):
    """One guild "Brief Test Guild" with #general, #news, #alerts; roles @everyone,
    Moderator (MANAGE_GUILD…), Subscribers (mentionable, no perms) and the bot's managed
    role; users: owner, moderator (Moderator role), alice (Subscribers), bob; the bot."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, bot_name: str = "briefbot") -> None:
        ids = DefaultIds
        bot = User(id=ids.BOT, username=bot_name, bot=True, global_name=None)
        app_owner = User(id=ids.APP_OWNER, username="appowner")
        app = Application(id=ids.APPLICATION, name=bot_name, owner=app_owner)
        super().__init__(bot=bot, token=token, application=app)
        self.owner = self.add_user("owen", id=ids.OWNER, global_name="Owen (owner)")
        self.moderator = self.add_user("mona", id=ids.MODERATOR, global_name="Mona (mod)")
        self.alice = self.add_user("alice", id=ids.ALICE, global_name="Alice")
        self.bob = self.add_user("bob", id=ids.BOB, global_name="Bob")

        self.guild = self.add_guild("Brief Test Guild", owner=self.owner, id=ids.GUILD)
        self.everyone_role = self.guild.everyone_role
        self.subscribers_role = self.add_role(
            self.guild, "Subscribers", id=ids.SUBSCRIBERS_ROLE, mentionable=True
        )
        self.moderator_role = self.add_role(
            self.guild,
            "Moderator",
            id=ids.MODERATOR_ROLE,
            permissions=MODERATOR_PERMISSIONS,
            hoist=True,
        )
        self.bot_role = self.add_role(
            self.guild,
            bot_name,
            id=ids.BOT_ROLE,
            permissions=BOT_PERMISSIONS,
            managed=True,
            tags={"bot_id": str(bot.id)},
        )
        self.general = self.add_text_channel(
            self.guild, "general", id=ids.GENERAL, topic="General chat"
        )
        self.news = self.add_text_channel(self.guild, "news", id=ids.NEWS, topic="Site news")
        self.alerts = self.add_text_channel(
            self.guild, "alerts", id=ids.ALERTS, topic="New-post alerts"
        )
        self.add_member(self.guild, self.moderator, roles=[self.moderator_role])
        self.add_member(self.guild, self.alice, roles=[self.subscribers_role])
        self.add_member(self.guild, self.bob)
        self.add_member(self.guild, bot, roles=[self.bot_role])
