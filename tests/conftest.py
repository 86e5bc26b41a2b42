"""Shared pytest configuration."""

from discord_emulator.fixtures import discord_world, emulator  # noqa: F401
