"""The connection behind the bot's own tables (alerts, insights), opened and migrated.

The tables live in the index's database file (namespace "bot" of the numbered migrations) but
on connections of their own: the indexer runs long transactions on its connection, and
statements of ours issued meanwhile would silently join them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import aiosqlite

from index.storage.migrations import migrate

MIGRATIONS = Path(__file__).with_name("migrations")
NAMESPACE = "bot"


async def open_bot_db(path: Path, *pragmas: str) -> aiosqlite.Connection:
    """A migrated connection to ``path`` in WAL mode that waits out other writers, with the
    store's own ``pragmas`` (e.g. ``"foreign_keys=ON"``) set.

    Autocommit mode: multi-statement writes use explicit BEGIN IMMEDIATE … COMMIT.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, timeout=30, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", *pragmas):
            await db.execute(f"PRAGMA {pragma}")
        await migrate(db, NAMESPACE, MIGRATIONS)
    except BaseException:
        await db.close()
        raise
    return db


async def write_transaction(
    db: aiosqlite.Connection, statements: Iterable[tuple[str, Sequence[object]]]
) -> None:
    """Run ``statements`` in one write transaction on ``db`` (an autocommit connection from
    ``open_bot_db``): all of them, or none."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            await db.execute(sql, params)
        await db.execute("COMMIT")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
