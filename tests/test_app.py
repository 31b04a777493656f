"""The app factory with its real resources, including the embedded Redis."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import RedisSettings, ServerSettings, Settings
from livesale.roles import Role
from livesale.storage.sqlite_database import SqliteDatabase


async def test_app_with_embedded_redis_starts_and_stops(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        Settings(),
        server=ServerSettings(data_dir=str(tmp_path / "data"), use_uvloop=False),
        redis=RedisSettings(url=""),
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        redis = app[SERVICES].storage.redis
        await redis.set("k", "v")
        assert await redis.get("k") == "v"
        pool_kwargs = redis.connection_pool.connection_kwargs
        socket_path = Path(pool_kwargs["path"])
        assert socket_path.exists()
        database = app[SERVICES].storage.database
        assert isinstance(database, SqliteDatabase)
        assert database.path == settings.sqlite_path
        assert await app[SERVICES].storage.database.user_version() >= 1
    assert not socket_path.exists()  # redis-server removed its socket on SIGTERM
    assert (tmp_path / "data" / "redis" / "appendonlydir").is_dir()

    # A restart finds the data again: the AOF was flushed on shutdown.
    again = create_app(settings)
    async with TestClient(TestServer(again)):
        assert await again[SERVICES].storage.redis.get("k") == "v"


async def test_the_media_process_leaves_the_shop_jobs_to_the_shop_processes(
    settings: Settings,
) -> None:
    # The sweeper, the reconciliation, the stock check and the auction closer.
    for role, jobs in ((Role.ALL, 4), (Role.MEDIA, 0)):
        app = create_app(settings, role)
        async with TestClient(TestServer(app)):
            assert app[SERVICES].shop.jobs_running == jobs
