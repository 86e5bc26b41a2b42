"""Shared pytest configuration."""

import os

# Meaning-based ranking (BRIEFBOT_EMBEDDINGS, on by default) embeds every passage at ~0.2 s
# each: the real corpus's would keep two cores busy for 20 minutes behind every test that
# starts the bot or runs `briefbot index`. Off for the suite, and for the processes it starts
# (the environment is inherited; the fixtures that clear BRIEFBOT_* keep it, see
# ``briefbot_support.SUITE_SETTINGS``); tests/test_vectors.py turns it on where it is tested.
os.environ["BRIEFBOT_EMBEDDINGS"] = "false"

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
