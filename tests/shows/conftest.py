"""Fixtures for show tests: cheap password hashing, a Redis client and an SQLite record of their own
(builders are in tests/support/world.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from livesale.config import Settings
from livesale.storage.sqlite_database import SqliteDatabase
from tests.support.clients import cheap_auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the session's redis-server."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    """A fresh SQLite record of the test's own."""
    database = await SqliteDatabase.connect(tmp_path / "shows.sqlite3")
    yield database
    await database.close()
