"""pytest fixtures for the Discord emulator.

Registered from tests/conftest.py with one import line. Fixtures:

* ``discord_world`` -- a fresh ``DefaultWorld`` (override this fixture in a test module
  to customise guilds/channels/users before the emulator starts).
* ``emulator`` -- a started ``DiscordEmulator`` on 127.0.0.1 with discord.py pointed at
  it (``configure_discord``) for the duration of the test; clients started with
  ``emulator.start_client(...)`` are closed at teardown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from .default_world import DefaultWorld
from .server import DiscordEmulator


@pytest.fixture
def discord_world() -> DefaultWorld:
    return DefaultWorld()


@pytest.fixture
async def emulator(discord_world: DefaultWorld) -> AsyncIterator[DiscordEmulator]:
    emu = DiscordEmulator(discord_world, heartbeat_interval=1.0)
    await emu.start()
    swallowed = emu.swallowed
    logging.getLogger("discord").addHandler(swallowed)
    try:
        with emu.configure_discord():
            yield emu
        # Every test ends by checking that the clients it started are still running: an
        # exception escaping discord.py's gateway loop would end the bot in production.
        emu.assert_clients_alive()
        # …and that no handler failed into discord.py's log only ("Ignoring exception in …"):
        # the client lives on, but the person who clicked or typed got no answer.
        emu.assert_nothing_swallowed()
    finally:
        logging.getLogger("discord").removeHandler(swallowed)
        await emu.stop()
