"""Numbered SQL migrations: ``NNN_name.sql`` files applied once each, in order, per namespace.

Each package that owns tables (the index, the bot) keeps its own folder of migrations; the
``schema_migrations`` table records which have run, so both can evolve independently.

Several processes may open a new database at once (two ``briefbot index`` runs, the bot and the
command line): the check of what has run and the applying happen in one ``BEGIN IMMEDIATE``
transaction, which takes SQLite's write lock first, so the second process waits and then finds
everything applied.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import aiosqlite

_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")


def migration_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if _NAME.match(p.name))
    numbers = [int(_NAME.match(p.name).group(1)) for p in files]  # type: ignore[union-attr]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {folder} must be numbered 001, 002, … without gaps")
    return files


def statements(script: str) -> list[str]:
    """The SQL statements of a script, one by one (``executescript`` would commit first, out of
    the transaction that holds the lock)."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        out.append(pending.strip())  # a last statement without its ';', or a closing comment
    return out


async def _all_applied(db: aiosqlite.Connection, namespace: str, files: list[Path]) -> bool:
    """Whether every file is recorded as applied, read without a write lock: opening a database
    that needs nothing (``briefbot ask``) then neither waits for a writer (the bot committing a
    reindex) nor needs to write (a read-only copy)."""
    async with db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ) as cur:
        if await cur.fetchone() is None:
            return False
    async with db.execute(
        "SELECT name FROM schema_migrations WHERE namespace = ?", (namespace,)
    ) as cur:
        done = {row[0] for row in await cur.fetchall()}
    if db.in_transaction:  # (a read under legacy transaction handling opens none, but be sure)
        await db.commit()
    return all(p.name in done for p in files)


async def migrate(db: aiosqlite.Connection, namespace: str, folder: Path) -> list[str]:
    """Apply the migrations of ``folder`` not yet applied; returns the names applied.

    Each file is one transaction with its record (a failing file leaves nothing half applied),
    begun with ``BEGIN IMMEDIATE`` *before* the check of what has run: a concurrent process waits
    for the lock instead of applying the same file twice.
    """
    files = migration_files(folder)
    if db.in_transaction:  # (legacy transaction handling may have one open)
        await db.commit()
    if await _all_applied(db, namespace, files):  # the usual case: no write lock to wait for
        return []
    applied: list[str] = []
    while True:
        await db.execute("BEGIN IMMEDIATE")
        try:
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
            path = next((p for p in files if p.name not in done), None)
            if path is not None:
                for statement in statements(path.read_text(encoding="utf-8")):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (namespace, name) VALUES (?, ?)",
                    (namespace, path.name),
                )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        if path is None:
            return applied
        applied.append(path.name)
