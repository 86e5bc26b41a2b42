"""Numbered SQL migrations: ``NNN_name.sql`` files applied once each, in order, per namespace.

Each package that owns tables (the index, the bot) keeps its own folder of migrations; the
``schema_migrations`` table records which have run, so both can evolve independently.
"""

from __future__ import annotations

import re
from pathlib import Path

import aiosqlite

_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")


def migration_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if _NAME.match(p.name))
    numbers = [int(_NAME.match(p.name).group(1)) for p in files]  # type: ignore[union-attr]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {folder} must be numbered 001, 002, … without gaps")
    return files


async def migrate(db: aiosqlite.Connection, namespace: str, folder: Path) -> list[str]:
    """Apply the migrations of ``folder`` not yet applied; returns the names applied."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " namespace TEXT NOT NULL, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (datetime('now')),"
        " PRIMARY KEY (namespace, name))"
    )
    async with db.execute(
        "SELECT name FROM schema_migrations WHERE namespace = ?", (namespace,)
    ) as cur:
        done = {row[0] for row in await cur.fetchall()}
    applied = []
    for path in migration_files(folder):
        if path.name in done:
            continue
        # executescript commits first; wrap the file and its record in one transaction.
        script = path.read_text(encoding="utf-8")
        name = path.name.replace("'", "''")
        ns = namespace.replace("'", "''")
        await db.executescript(
            "BEGIN;\n"
            f"{script}\n"
            f"INSERT INTO schema_migrations (namespace, name) VALUES ('{ns}', '{name}');\n"
            "COMMIT;"
        )
        applied.append(path.name)
    return applied
