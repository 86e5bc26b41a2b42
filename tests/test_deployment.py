"""The deployment files and their documentation: what can be checked without a Docker engine.

The image itself is not built here (no Docker engine in CI); these tests pin the properties the
README promises, so an edit cannot quietly drop one.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import time
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires, version
from pathlib import Path

import pytest
import yaml
from briefbot_support import ROOT
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import Settings
from bot.settings_doc import END, START, env_names, replace_table, settings_table


def test_the_readme_settings_table_is_generated_from_the_settings_model() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == replace_table(readme), (
        "the README's settings table is out of date: run "
        "`python -m bot.settings_doc --write README.md`"
    )
    table = readme[readme.index(START) : readme.index(END)]
    for name, field in Settings.model_fields.items():
        assert f"| `{env_names(name, field)[0]}`" in table
    assert table.count("\n| `") == len(Settings.model_fields)
    assert settings_table() in readme


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
        for line in text.splitlines()
        if line.strip()
    ]


def stages() -> dict[str, list[tuple[str, str]]]:
    """The Dockerfile's instructions by build stage (its ``AS`` name)."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for op, args in dockerfile_instructions():
        if op == "FROM":
            current = found.setdefault(args.split(" AS ")[1], [])
        current.append((op, args))
    return found


def test_the_base_image_is_pinned_to_a_full_tag() -> None:
    # A digest cannot be checked without registry access, so none is invented: the full tag
    # (patch release and Debian release) is the pin, and a digest may follow it.
    [base] = [
        args
        for op, args in dockerfile_instructions()
        if op == "ARG" and args.startswith("PYTHON_IMAGE=")
    ]
    assert re.fullmatch(
        r"PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base
    ), base
    assert all(
        args.startswith("${PYTHON_IMAGE} AS ")
        for op, args in dockerfile_instructions()
        if op == "FROM" and "${PYTHON_IMAGE}" in args
    )


def test_the_dockerfile_installs_the_lock_then_the_app_in_its_own_layer() -> None:
    by_stage = stages()
    assert list(by_stage) == ["deps", "wheel", "runtime"]
    deps, wheel, final = by_stage["deps"], by_stage["wheel"], by_stage["runtime"]
    assert deps[0] == ("FROM", "${PYTHON_IMAGE} AS deps")
    # The dependencies: from the lock alone (no source copied yet), every file hash-checked.
    assert [args for op, args in deps if op == "COPY"] == [
        "requirements.lock /tmp/requirements.lock"
    ]
    [install] = [args for op, args in deps if op == "RUN" and "pip install" in args]
    assert "--require-hashes" in install and "--no-deps" in install
    assert "-r /tmp/requirements.lock" in install
    # The app: built from the source on top of the locked dependencies, downloading nothing.
    assert wheel[0] == ("FROM", "deps AS wheel")
    assert {args.split()[0] for op, args in wheel if op == "COPY"} == {
        "pyproject.toml",
        "index/",
        "bot/",
    }
    [build] = [args for op, args in wheel if op == "RUN"]
    assert "--no-deps" in build and "--no-build-isolation" in build
    # The image: the locked venv as one layer, then the app alone, installed with --no-deps.
    venv = final.index(("COPY", "--from=deps /opt/venv /opt/venv"))
    [app] = [i for i, (op, args) in enumerate(final) if op == "RUN" and "briefbot-" in args]
    assert venv < app
    assert "from=wheel" in final[app][1] and "pip install --no-deps" in final[app][1]
    assert not [args for op, args in final if op == "COPY" and args.startswith(("index/", "bot/"))]


def test_git_is_installed_only_in_the_image_that_runs_the_git_pull_feature() -> None:
    by_stage = stages()
    with_git = [
        name
        for name, steps in by_stage.items()
        if any(op == "RUN" and re.search(r"apt-get install .*\bgit\b", args) for op, args in steps)
    ]
    assert with_git == ["runtime"]
    # ... and the feature that needs it still exists (else git should go).
    assert "git_pull" in Settings.model_fields
    watcher = (ROOT / "bot" / "exts" / "alerts" / "watcher.py").read_text(encoding="utf-8")
    assert '"git"' in watcher and '"pull"' in watcher


def test_the_image_runs_as_non_root_with_fixed_paths_and_a_health_check() -> None:
    final = stages()["runtime"]
    [user] = [args for op, args in final if op == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    env = " ".join(args for op, args in final if op == "ENV")
    for setting in (
        "BRIEFBOT_CONTENT_DIR=/app/content",
        "BRIEFBOT_DB_PATH=/app/data/briefbot.sqlite3",
        "BRIEFBOT_HEALTH_FILE=/app/data/heartbeat",
    ):
        assert setting in env
    assert ("VOLUME", '["/app/content", "/app/data"]') in final
    [healthcheck] = [args for op, args in final if op == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["briefbot", "health"]')
    assert final[-1] == ("CMD", '["briefbot", "run"]')


def test_the_build_context_leaves_secrets_and_data_out() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"  # everything is excluded, then only what the image needs comes back
    assert {r for r in rules if r.startswith("!")} == {
        "!pyproject.toml",
        "!requirements.lock",
        "!README.md",
        "!index/",
        "!bot/",
        "!content/",
    }


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
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BRIEFBOT_") and k != "PYTHONPROFILEIMPORTTIME"
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(BRIEFBOT), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
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
    # Nor the index package (its models, the analyzer) or the insights report: every command's
    # options are declared without importing what the command runs.
    ours = sorted(m for m in modules if m.split(".")[0] == "index" or m == "bot.insights_cli")
    assert not ours, f"briefbot {' '.join(argv)} imported {ours[:10]}"


# What answering a question never needs: the bot, the rebuilding side (posts parsed with
# markdown-it, ftfy and YAML) and the insights report. `briefbot ask` loads a built index only,
# and its one question needs no term-major postings (scipy builds those:
# index/retrieval/postings.py).
NOT_FOR_ASKING = {
    "discord",
    "scipy",
    "index.storage.indexer",
    "index.ingest.loader",
    "index.ingest.cleaning",
    "ftfy",
    "frontmatter",
    "yaml",
    "index.insights",
    "bot.insights_store",
}
# wordfreq (the English word list: index/terms/english.py) imports ftfy: it is read, once, at
# the first question with a word the content lacks, and only then (the off-topic rule of round
# 27d reads a table stored with the index for the words the site has: index/terms/english.py).
LANGUAGE = {"wordfreq", "ftfy"}


@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_asking_imports_neither_the_bot_nor_the_indexing_side(
    as_json: bool, tmp_path: Path
) -> None:
    where = ["--content", str(ROOT / "tests" / "fixtures" / "site"), "--db", str(tmp_path / "db")]
    built, _ = imported_by(["index", *where], tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    # (markdown-it renders the answer for a terminal, through rich; JSON has no use for it.)
    unwanted = NOT_FOR_ASKING | ({"markdown_it"} if as_json else set())
    # "who wrote about gpt-3": words the fixture site lacks; "are delivery drones loud": none.
    for question, lacks in [("who wrote about gpt-3", True), ("are delivery drones loud", False)]:
        done, modules = imported_by(
            ["ask", question, *where, *(["--json"] if as_json else [])], tmp_path
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert {"bot.cli", "index.search"} <= modules  # the listing is of a question answered
        assert ("wordfreq" in modules) == lacks, question
        found = sorted(
            m
            for m in modules
            if (m in unwanted or m.split(".")[0] in unwanted)
            and not (lacks and m.split(".")[0] in LANGUAGE)
        )
        assert not found, f"briefbot ask {question!r} imported {found}"


def test_version_prints_the_installed_package_version(tmp_path: Path) -> None:
    done, _ = imported_by(["--version"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"briefbot {version('briefbot')}"


# ------------------------------------------------------------------- dependencies and the lock
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
# The image's interpreter: the lock is resolved for it (scripts/update-lock.sh).
IMAGE_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.14",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "extra": "",
}


def locked() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock as {canonical name: (version, [sha256 hashes])}."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", block)
        if m:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            entries[canonicalize_name(m.group(1))] = (m.group(2), hashes)
    return entries


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    lock = locked()
    assert len(lock) >= len(RUNTIME)
    for name, (pinned, hashes) in lock.items():
        assert hashes, f"{name}=={pinned} has no hash: --require-hashes would refuse the lock"
    for req in RUNTIME:
        name = canonicalize_name(req.name)
        assert name in lock, f"{req} is not in requirements.lock: run scripts/update-lock.sh"
        assert req.specifier.contains(lock[name][0], prereleases=True), (
            f"requirements.lock pins {name}=={lock[name][0]}, outside {req}: "
            "run scripts/update-lock.sh"
        )
    # What building the app's wheel needs is locked too (the image builds without isolation).
    for req in map(Requirement, PYPROJECT["build-system"]["requires"]):
        name = canonicalize_name(req.name)
        assert name in lock and req.specifier.contains(lock[name][0])


def test_the_lock_holds_what_the_runtime_dependencies_need_in_the_image() -> None:
    """Every package the runtime dependencies require, transitively, on the image's Python (read
    from the installed packages' metadata): the image installs the lock with --no-deps."""
    lock = locked()
    seen: set[str] = set()
    todo = [canonicalize_name(r.name) for r in RUNTIME]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert name in lock, f"{name} is needed at run time but not locked"
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            pytest.fail(f"{name} is not installed here: pip install -e '.[dev]'")
        for line in needs:
            req = Requirement(line)
            if req.marker is None or Marker(str(req.marker)).evaluate(IMAGE_ENV):
                todo.append(canonicalize_name(req.name))


def third_party_imports() -> dict[str, set[str]]:
    """{distribution: modules importing it} for the app's imports outside the standard library."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "index").rglob("*.py")) + sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {n.split(".")[0] for n in names}:
                if top in sys.stdlib_module_names or top in ("index", "bot", "__future__"):
                    continue
                assert top in owners, f"{path.relative_to(ROOT)} imports {top}, not installed"
                for dist in owners[top]:
                    found.setdefault(canonicalize_name(dist), set()).add(
                        str(path.relative_to(ROOT))
                    )
    return found


def test_pyproject_declares_what_the_app_imports_and_nothing_else() -> None:
    imported = third_party_imports()
    declared = {canonicalize_name(r.name) for r in RUNTIME}
    undeclared = {d: sorted(m) for d, m in imported.items() if d not in declared}
    assert not undeclared, f"imported but not declared in pyproject: {undeclared}"
    unused = declared - set(imported)
    assert not unused, f"declared in pyproject but never imported by index/ or bot/: {unused}"


def test_pyproject_lists_only_files_that_exist_and_ships_every_data_file() -> None:
    assert (ROOT / PYPROJECT["project"]["readme"]).is_file()
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        for pattern in patterns:
            assert list((ROOT / package).glob(pattern)), f"{package}/{pattern} matches no file"
    for package in ("index", "bot"):
        for path in (ROOT / package).rglob("*"):
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc")
                and "__pycache__" not in path.parts
            ):
                relative = path.relative_to(ROOT / package)
                assert any(relative.match(p) for p in data.get(package, [])), (
                    f"{package}/{relative} is not in [tool.setuptools.package-data]: "
                    "an installed app would lack it"
                )
