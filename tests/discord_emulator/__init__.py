"""Loopback Discord API emulator for tests that run the real discord.py client.

Quick reference (see the docstrings for details)::

    emu = DiscordEmulator()                  # DefaultWorld: 1 guild, #general/#news/#alerts
    await emu.start() / await emu.stop()     # or `async with DiscordEmulator() as emu:`
    with emu.configure_discord(): ...        # Route.BASE + gateway URL -> emulator
    await emu.start_client(bot)              # bot.start(token) in background, wait READY

    h = await emu.send_slash_command("ask", {"question": "hi"}, user=emu.world.bob)
    await h.wait_for_response(); msg = await h.wait_for_message()
    h2 = await emu.click_button(msg, "more"); h3 = await emu.send_autocomplete(..., focused=)
    m = await emu.send_message(f"{emu.bot_mention} hi"); reply = await emu.wait_for_reply(m)
    emu.calls / emu.calls_to("POST", r"/channels/\\d+/messages") / await emu.wait_for_call(...)
    emu.fail_next("POST", r"/channels/\\d+/messages", status=429, retry_after=0.2)

The pytest fixture ``emulator`` lives in ``discord_emulator.fixtures``.
"""

from .default_world import DEFAULT_TOKEN, DefaultIds, DefaultWorld
from .records import (
    EPHEMERAL,
    Call,
    EmulatorTimeout,
    Fault,
    Heartbeat,
    InteractionHandle,
    MessageRecord,
    UploadedFile,
)
from .server import DiscordEmulator
from .state import (
    Channel,
    ChannelType,
    Guild,
    Intent,
    Member,
    Permission,
    Role,
    User,
    World,
)
from .validation import ApiError

__all__ = [
    "DEFAULT_TOKEN",
    "EPHEMERAL",
    "ApiError",
    "Call",
    "Channel",
    "ChannelType",
    "DefaultIds",
    "DefaultWorld",
    "DiscordEmulator",
    "EmulatorTimeout",
    "Fault",
    "Guild",
    "Heartbeat",
    "Intent",
    "InteractionHandle",
    "Member",
    "MessageRecord",
    "Permission",
    "Role",
    "UploadedFile",
    "User",
    "World",
]
