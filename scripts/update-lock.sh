#!/usr/bin/env bash
# Regenerate requirements.lock: every run-time dependency of pyproject.toml (not the dev or bench
# extras) and what building the app's wheel needs (setuptools, wheel), pinned with the hashes of
# every file of each pinned release, for the Docker image's
# Python (3.11, Linux). The Dockerfile installs from it with --require-hashes.
#
#   scripts/update-lock.sh             # keep the current pins where pyproject still allows them
#   scripts/update-lock.sh --upgrade   # move every pin to the newest allowed release
#
# pip-tools is installed into a throwaway venv, never into the project's own dependencies; only
# the package registry is used (a local pip configuration, find-links or extra indexes are
# ignored), so the hashes are those of the files every deployment downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), "the image runs Python 3.11"'
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= PIP_CONSTRAINT=
"$PYTHON" -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet "pip-tools==7.7.0"
CUSTOM_COMPILE_COMMAND="scripts/update-lock.sh" "$tools/venv/bin/pip-compile" --quiet \
    --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --build-deps-for wheel \
    --output-file requirements.lock "$@" pyproject.toml
