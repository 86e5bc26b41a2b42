"""Shared pytest configuration."""

from alerts_support import fresh_site, launcher  # noqa: F401  (alert/reindex fixtures)
from briefbot_support import (  # noqa: F401  (the bot's fixtures)
    bot_content_dir,
    bot_db_path,
    bot_service,
    bot_settings,
    bot_site,
    briefbot,
    clean_cli_environment,
)
from discord_emulator.fixtures import discord_world, emulator  # noqa: F401
from retrieval_support import fixture_site, shared_corpus_index  # noqa: F401  (retrieval fixtures)
