# syntax=docker/dockerfile:1
# briefbot: the Discord bot. Its dependencies come from requirements.lock (exact versions, every
# file checked against its hash) and sit in their own image layer; the app is a second, small
# layer on top, so a change to the source rebuilds and ships only that. Runs as a non-root user.
# Build: `docker build -t briefbot .`; run: see compose.yaml and the README.

# The base image, pinned to its full tag: Python 3.11.14 (the newest 3.11 security release whose
# slim-bookworm image we could vouch for when this was written; CI tests the same 3.11 series)
# on Debian 12. A tag can still be re-pushed; pin it by digest too (python:3.11.14-slim-bookworm@
# sha256:…) once `docker buildx imagetools inspect` can be run against the registry — it could
# not where this file was written (no registry access for images), so no digest is made up here.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ------------------------------------------------------------------------------- dependencies
FROM ${PYTHON_IMAGE} AS deps

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

# Only the lock file: this layer is rebuilt when the pinned dependencies change, never for a
# change to the source. --require-hashes: a file that differs from the one locked fails the build;
# --no-deps: nothing outside the lock is installed. (Regenerate it with scripts/update-lock.sh.)
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock \
 && pip check

# ------------------------------------------------------------------------------------ the app
# Built into a wheel against the locked setuptools (in the lock too), without build isolation,
# so the build downloads nothing either.
FROM deps AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY index/ index/
COPY bot/ bot/
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /dist .

# ------------------------------------------------------------------------------------ runtime
FROM ${PYTHON_IMAGE} AS runtime

# git: for BRIEFBOT_GIT_PULL=true only (bot/exts/alerts/watcher.py runs `git pull --ff-only` in
# the content checkout before each scan); nothing else in the image uses it, and the build stages
# above do not install it. Not version-pinned: Debian replaces package versions within a release
# (security updates), and the pinned base image fixes the release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install --yes --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 briefbot \
 && useradd --system --uid 10001 --gid briefbot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin briefbot

# Layer 1: the locked dependencies (unchanged by a change to the source).
COPY --from=deps /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}" \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BRIEFBOT_CONTENT_DIR=/app/content \
    BRIEFBOT_DB_PATH=/app/data/briefbot.sqlite3 \
    BRIEFBOT_HEALTH_FILE=/app/data/heartbeat

# Layer 2: the app alone (--no-deps: its dependencies are all in layer 1, from the lock).
RUN --mount=type=bind,from=wheel,source=/dist,target=/dist \
    pip install --no-deps /dist/briefbot-*.whl \
 && pip check \
 && briefbot --version

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
# (the first start builds the index before connecting: hence the start period). `briefbot
# health` imports neither numpy nor discord.py (tests/test_deployment.py), so it stays cheap.
HEALTHCHECK --interval=30s --timeout=10s --start-period=3m --retries=3 \
    CMD ["briefbot", "health"]

# `docker stop` sends SIGTERM, which the bot handles by disconnecting cleanly.
STOPSIGNAL SIGTERM
CMD ["briefbot", "run"]
