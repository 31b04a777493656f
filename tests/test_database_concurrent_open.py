"""Several processes may open one new SQLite file at the same moment: each migration runs once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from livesale.storage.migrations import MIGRATIONS
from livesale.storage.sqlite_database import SqliteDatabase as Database


async def test_databases_opened_at_once_migrate_once(tmp_path: Path) -> None:
    # Separate connections, each on its own aiosqlite thread: to SQLite these
    # are as independent as the shop processes of `livesale serve`.
    path = tmp_path / "shared.sqlite3"
    opened = await asyncio.gather(
        *(Database.connect(path) for _ in range(4)), return_exceptions=True
    )
    databases = [db for db in opened if isinstance(db, Database)]
    try:
        assert databases == opened, opened
        for db in databases:
            assert await db.user_version() == len(MIGRATIONS)
        row = await databases[0].fetchone("SELECT count(*) FROM shows")
        assert row is not None
        assert row[0] == 0
    finally:
        for db in databases:
            await db.close()


async def test_an_up_to_date_database_opens_without_the_migration_lock(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    await (await Database.connect(path)).close()
    lock = path.with_name(path.name + "-migrate.lock")
    lock.unlink()
    await (await Database.connect(path)).close()
    assert not lock.exists()
