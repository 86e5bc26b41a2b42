"""The deployment files and their documentation: what can be checked without a Docker engine.

The image itself is not built here (no Docker engine in CI); these tests pin the properties the
README promises, so an edit cannot quietly drop one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from briefbot_support import ROOT

from bot.settings import Settings
from bot.settings_doc import END, START, env_names, replace_table, settings_table


def test_the_readme_settings_table_is_generated_from_the_settings_model() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == replace_table(readme), (
        "the README's settings table is out of date: run "
        "`python -m bot.settings_doc --write README.md`")
    table = readme[readme.index(START):readme.index(END)]
    for name, field in Settings.model_fields.items():
        assert f"| `{env_names(name, field)[0]}`" in table
    assert table.count("\n| `") == len(Settings.model_fields)
    assert settings_table() in readme


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                          if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip()]


def test_the_dockerfile_installs_dependencies_before_the_source_and_runs_as_non_root() -> None:
    steps = dockerfile_instructions()
    froms = [args for op, args in steps if op == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim") in steps
    copies = [(i, args) for i, (op, args) in enumerate(steps) if op == "COPY"]
    deps = next(i for i, args in copies if args.startswith("pyproject.toml"))
    install_deps = next(i for i, (op, args) in enumerate(steps)
                        if op == "RUN" and "pip install ." in args)
    source = next(i for i, args in copies if args.startswith(("index/", "bot/")))
    assert deps < install_deps < source  # a source change does not reinstall the dependencies
    runtime = steps.index(("FROM", "${PYTHON_IMAGE} AS runtime"))
    final = steps[runtime:]
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    [user] = [args for op, args in final if op == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    env = " ".join(args for op, args in final if op == "ENV")
    for setting in ("BRIEFBOT_CONTENT_DIR=/app/content",
                    "BRIEFBOT_DB_PATH=/app/data/briefbot.sqlite3",
                    "BRIEFBOT_HEALTH_FILE=/app/data/heartbeat"):
        assert setting in env
    assert ("VOLUME", '["/app/content", "/app/data"]') in final
    [healthcheck] = [args for op, args in final if op == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["briefbot", "health"]')
    assert final[-1] == ("CMD", '["briefbot", "run"]')


def test_the_build_context_leaves_secrets_and_data_out() -> None:
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"  # everything is excluded, then only what the image needs comes back
    assert {r for r in rules if r.startswith("!")} == {
        "!pyproject.toml", "!README.md", "!index/", "!bot/", "!content/"}


def test_compose_runs_one_service_with_the_content_mounted_and_a_data_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    [service] = compose["services"].values()
    assert service["build"] == "."
    assert service["env_file"] == ".env"
    assert service["restart"] == "unless-stopped"
    content, data = service["volumes"]
    assert content.endswith(":/app/content:ro")
    volume, target = data.split(":")
    assert target == "/app/data" and volume in compose["volumes"]
    assert service["environment"]["BRIEFBOT_DB_PATH"] == "/app/data/briefbot.sqlite3"


# ------------------------------------------------------------------------ start-up imports
BRIEFBOT = Path(sys.executable).with_name("briefbot")
HEAVY = {"numpy", "scipy", "discord"}


def imported_by(argv: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the installed ``briefbot`` console script under ``python -X importtime`` and return
    the finished process and every module it imported (the interpreter lists each one, once, on
    stderr)."""
    assert BRIEFBOT.exists(), "the briefbot console script is not installed in this venv"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BRIEFBOT_") and k != "PYTHONPROFILEIMPORTTIME"}
    done = subprocess.run([sys.executable, "-X", "importtime", str(BRIEFBOT), *argv],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and line.count("|") == 2}
    return done, modules - {"module"}  # minus the header line's column name


@pytest.mark.parametrize("argv", [["health"], ["--help"], ["--version"], ["ask", "--help"]])
def test_quick_commands_import_no_numpy_scipy_or_discord(argv: list[str], tmp_path: Path) -> None:
    # `briefbot health` is the image's HEALTHCHECK, run every 30 s: it must stay cheap.
    heartbeat = tmp_path / "heartbeat"
    heartbeat.write_text(f"{time.time():.3f}\n", encoding="ascii")
    if argv == ["health"]:
        argv = ["health", "--file", str(heartbeat), "--max-age", "60"]
    done, modules = imported_by(argv, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"argparse", "bot.cli"} <= modules  # the listing was read, and is of the CLI
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"briefbot {' '.join(argv)} imported {heavy[:10]}"


def test_version_prints_the_installed_package_version(tmp_path: Path) -> None:
    done, _ = imported_by(["--version"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"briefbot {version('briefbot')}"
