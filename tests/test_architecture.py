"""The folder tree is the architecture: ``index/``'s sub-packages are the pipeline's steps, and
data flows one way, so a step imports only the steps before it (never a later one); ``index/``
knows nothing of Discord or of ``bot/``."""

from __future__ import annotations

import ast
from pathlib import Path

INDEX = Path(__file__).resolve().parents[1] / "index"
# files → posts → passages (ingest) → statistics (terms) → ranked passages (retrieval) → what is
# shown (answers) → SQLite and the live index (storage); ``index``'s top-level modules (models,
# the search orchestrator, explain, evaluation, insights) sit beside them.
STEPS = ["ingest", "terms", "retrieval", "answers", "storage"]


def imported_packages(path: Path) -> set[str]:
    """The ``index`` sub-packages or top-level modules a module imports (absolute or relative)."""
    package = path.relative_to(INDEX.parent).with_suffix("").parts[:-1]  # ("index", "terms")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts] if node.module else [[*parts, a.name] for a in node.names]
            else:
                names = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        for parts in names:
            if parts[0] in ("discord", "bot"):
                found.add(parts[0])
            elif parts[0] == "index" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_each_step_imports_only_the_steps_before_it() -> None:
    for i, step in enumerate(STEPS):
        later = set(STEPS[i + 1 :]) | {"search", "explain", "evaluation", "insights"}
        for path in sorted((INDEX / step).glob("*.py")):
            wrong = imported_packages(path) & later
            if step == "storage":  # (the service builds the searchable index: its one caller)
                wrong -= {"search"}
            assert not wrong, f"{path.relative_to(INDEX.parent)} imports a later step: {wrong}"


def test_index_knows_nothing_of_discord_or_the_bot() -> None:
    for path in sorted(INDEX.rglob("*.py")):
        assert not imported_packages(path) & {"discord", "bot"}, path


def test_the_check_sees_relative_and_absolute_imports() -> None:
    # (a check that cannot fail proves nothing: it must see both spellings)
    probe = INDEX / "terms" / "fields.py"
    assert "ingest" in imported_packages(probe) and "models" in imported_packages(probe)
    assert imported_packages(INDEX / "search.py") >= {"retrieval", "answers", "terms"}
