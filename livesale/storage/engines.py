"""Which database keeps the record: the SQLite file, or PostgreSQL when `database.url` is set."""

from __future__ import annotations

from urllib.parse import urlsplit

from livesale.config import Settings
from livesale.storage.database import Database
from livesale.storage.postgres_database import PostgresDatabase
from livesale.storage.sqlite_database import SqliteDatabase


def database_for(settings: Settings) -> Database:
    """The database the settings name, not yet open (no I/O)."""
    if settings.database.url:
        return PostgresDatabase(settings.database.url, settings.database.pool_size)
    return SqliteDatabase(settings.sqlite_path)


async def open_database(settings: Settings) -> Database:
    """The database the settings name, opened and migrated."""
    db = database_for(settings)
    await db.open()
    return db


def describe_database(settings: Settings) -> str:
    """Where the record is, for logs and start-up lines (no credentials)."""
    if not settings.database.url:
        return f"SQLite {settings.sqlite_path}"
    parts = urlsplit(settings.database.url)
    host = parts.hostname or "local socket"
    return f"PostgreSQL {host}{parts.path}"
