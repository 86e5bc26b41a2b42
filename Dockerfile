# syntax=docker/dockerfile:1
# briefbot: the Discord bot, built in two stages (dependencies, then the source) and run as a
# non-root user. Build: `docker build -t briefbot .`; run: see compose.yaml and the README.

ARG PYTHON_IMAGE=python:3.11-slim

# ------------------------------------------------------------------------------------ builder
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"
WORKDIR /src

# 1. Dependencies only, from pyproject.toml and empty package stubs: this layer is rebuilt when
#    the dependencies change, not on every change to the source.
COPY pyproject.toml ./
RUN mkdir -p index bot \
 && touch index/__init__.py bot/__init__.py README.md \
 && pip install . \
 && pip uninstall --yes briefbot \
 && rm -rf build ./*.egg-info

# 2. The source (with the SQL migrations and other package data).
COPY README.md ./
COPY index/ index/
COPY bot/ bot/
RUN pip install --no-deps . \
 && briefbot --help > /dev/null

# ------------------------------------------------------------------------------------ runtime
FROM ${PYTHON_IMAGE} AS runtime

# git: only for BRIEFBOT_GIT_PULL=true (pulling a content checkout before each scan). Not pinned:
# Debian replaces package versions within a release, and the base image is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install --yes --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 briefbot \
 && useradd --system --uid 10001 --gid briefbot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin briefbot

COPY --from=builder /opt/venv /opt/venv

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BRIEFBOT_CONTENT_DIR=/app/content \
    BRIEFBOT_DB_PATH=/app/data/briefbot.sqlite3 \
    BRIEFBOT_HEALTH_FILE=/app/data/heartbeat

WORKDIR /app
# The bundled sample site, served when no site is mounted at /app/content. The data folder
# (SQLite database, heartbeat) belongs to the bot's user, so a new named volume is writable.
COPY content/ /app/content/
RUN mkdir -p /app/data \
 && chown briefbot:briefbot /app/data
VOLUME ["/app/content", "/app/data"]

# Numeric, so runtimes that check for a non-root user (runAsNonRoot) can tell.
USER 10001:10001

# Unhealthy when the bot has not been connected to Discord for BRIEFBOT_HEALTH_MAX_AGE_SECONDS
# (the first start builds the index before connecting: hence the start period).
HEALTHCHECK --interval=30s --timeout=10s --start-period=3m --retries=3 \
    CMD ["briefbot", "health"]

# `docker stop` sends SIGTERM, which the bot handles by disconnecting cleanly.
STOPSIGNAL SIGTERM
CMD ["briefbot", "run"]
