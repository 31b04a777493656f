"""`GET /readyz`: ready only while Redis and SQLite answer; the outcome is in /metrics."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import RedisSettings, Settings
from livesale.storage.redis_client import connect_redis
from livesale.storage.sqlite_database import SqliteDatabase as Database
from livesale.web.health import check_dependencies
from tests.support.clients import Client, assert_error
from tests.support.redis_server import running_redis


def _sample(name: str) -> float:
    value = REGISTRY.get_sample_value(name)
    assert value is not None, f"{name} is not exported"
    return value


@pytest.fixture
def redis_folder() -> Iterator[Path]:
    """A short folder for a private redis-server (unix socket paths are short)."""
    with tempfile.TemporaryDirectory(prefix="livesale-readyz-", dir="/tmp") as folder:
        yield Path(folder)


@pytest.fixture
async def private_redis_client(
    settings: Settings, redis_folder: Path
) -> AsyncIterator[tuple[Client, Path]]:
    """An app on a redis-server of its own (started here; the test may stop it)."""
    with running_redis(redis_folder) as sock:
        private = dataclasses.replace(settings, redis=RedisSettings(url=f"unix://{sock}"))
        client = TestClient(TestServer(create_app(private)))
        await client.start_server()
    try:
        yield client, redis_folder
    finally:
        await client.close()


async def test_ready_when_redis_and_sqlite_answer(app_client: Client) -> None:
    response = await app_client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready", "checks": {"redis": "ok", "sqlite": "ok"}}
    assert _sample("livesale_redis_up") == 1
    assert "\nlivesale_redis_up 1.0\n" in await (await app_client.get("/metrics")).text()


async def test_not_ready_while_redis_is_down(private_redis_client: tuple[Client, Path]) -> None:
    client, redis_folder = private_redis_client  # its redis-server has stopped
    assert (await client.get("/healthz")).status == 200  # alive, just not ready
    details = await assert_error(await client.get("/readyz"), 503, "service_unavailable")
    assert details == {"failing": ["redis"], "checks": {"redis": "unavailable", "sqlite": "ok"}}
    assert _sample("livesale_redis_up") == 0
    assert "\nlivesale_redis_up 0.0\n" in await (await client.get("/metrics")).text()

    with running_redis(redis_folder):  # the same socket again: the app reconnects
        response = await client.get("/readyz")
        assert response.status == 200, await response.text()
        assert _sample("livesale_redis_up") == 1


async def test_not_ready_when_sqlite_fails(app_client: Client) -> None:
    errors_before = _sample("livesale_sqlite_errors_total")
    # The connections gone is what a failing database looks like to a read.
    await app_client.app[SERVICES].storage.database.close()
    details = await assert_error(await app_client.get("/readyz"), 503, "service_unavailable")
    assert details == {"failing": ["sqlite"], "checks": {"redis": "ok", "sqlite": "unavailable"}}
    # At least: the app's background jobs may be failing to read at the same time.
    assert _sample("livesale_sqlite_errors_total") >= errors_before + 1


async def test_a_failing_sqlite_check_is_counted_once(settings: Settings, tmp_path: Path) -> None:
    """The check reads through Database, which counts the failure; the check adds none."""
    # The parts alone, without an app's background jobs reading SQLite too.
    database = await Database.connect(tmp_path / "alone.sqlite3")
    redis = connect_redis(settings, None)
    try:
        await database.close()
        errors_before = _sample("livesale_sqlite_errors_total")
        assert await check_dependencies(redis, database) == {"redis": "ok", "sqlite": "unavailable"}
        assert _sample("livesale_sqlite_errors_total") == errors_before + 1
    finally:
        await redis.aclose()
        await database.close()
