"""Databases are built without I/O and opened as a separate step."""

from __future__ import annotations

from pathlib import Path

import pytest

from livesale.config import DatabaseSettings, ServerSettings, Settings, SqliteSettings
from livesale.storage.engines import database_for
from livesale.storage.migrations import MIGRATIONS
from livesale.storage.postgres_database import PostgresDatabase
from livesale.storage.sqlite_database import SqliteDatabase


async def test_sqlite_is_built_without_touching_the_disk_and_opened_later(tmp_path: Path) -> None:
    path = tmp_path / "later" / "shop.sqlite3"
    settings = Settings(
        server=ServerSettings(data_dir=str(tmp_path)), sqlite=SqliteSettings(path=str(path))
    )
    db = database_for(settings)
    assert isinstance(db, SqliteDatabase)
    assert not path.parent.exists()
    with pytest.raises(RuntimeError, match="not open"):
        await db.user_version()
    await db.open()
    try:
        assert path.exists()
        assert await db.user_version() == len(MIGRATIONS)
    finally:
        await db.close()


async def test_closing_a_database_never_opened_is_harmless(tmp_path: Path) -> None:
    await SqliteDatabase(tmp_path / "never.sqlite3").close()
    # Nothing listens on port 1: building the pool must not try to connect.
    unreachable = Settings(database=DatabaseSettings(url="postgresql://127.0.0.1:1/none"))
    pool = database_for(unreachable)
    assert isinstance(pool, PostgresDatabase)
    await pool.close()
