"""Redis and SQLite calls are timed and their failures counted; the embedded Redis reports up."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livesale.composition.services import SERVICES
from livesale.config import RedisSettings, Settings
from livesale.storage.redis_client import connect_redis
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.sql import IntegrityViolation
from livesale.storage.sqlite_database import SqliteDatabase as Database
from tests.support.clients import DEFAULT_PASSWORD, Client, cheap_auth, origin, sign_up
from tests.support.layout import running_layout
from tests.support.polling import poll_until

REDIS_SECONDS = "livesale_redis_command_duration_seconds_count"
SQLITE_SECONDS = "livesale_sqlite_query_duration_seconds_count"
REDIS_ERRORS = "livesale_redis_errors_total"
SQLITE_ERRORS = "livesale_sqlite_errors_total"
EMBEDDED_UP = "livesale_embedded_redis_up"


def _value(name: str, **labels: str) -> float:
    """A sample of this process's registry; 0 for a labelled series not created yet."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _redis_calls(command: str) -> float:
    return _value(REDIS_SECONDS, command=command)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing: these tests log in."""
    return cheap_auth(settings)


@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A short folder under /tmp: unix socket paths must fit in sun_path."""
    with tempfile.TemporaryDirectory(prefix="livesale-pm-", dir="/tmp") as folder:
        yield Path(folder)


async def test_a_login_times_its_redis_and_sqlite_calls(app_client: Client) -> None:
    await sign_up(app_client, "timed@example.com")
    # Scripts gone from Redis: the login's first EVALSHAs fail with NOSCRIPT and
    # redis-py loads them, an expected miss that must not count as an error.
    await app_client.app[SERVICES].storage.redis.script_flush()
    evalsha, loads = _redis_calls("EVALSHA"), _redis_calls("SCRIPT LOAD")
    reads = _value(SQLITE_SECONDS, operation="read")
    transactions = _value(SQLITE_SECONDS, operation="transaction")
    response_errors = _value(REDIS_ERRORS, kind="response")

    response = await app_client.post(
        "/api/auth/login",
        json={"email": "timed@example.com", "password": DEFAULT_PASSWORD},
        headers=origin(app_client),
    )

    assert response.status == 200, await response.text()
    # The throttle's scripts: begin and succeeded, each refused once and sent again.
    assert _redis_calls("EVALSHA") >= evalsha + 4
    assert _redis_calls("SCRIPT LOAD") >= loads + 2
    assert _value(REDIS_ERRORS, kind="response") == response_errors
    assert _value(SQLITE_SECONDS, operation="read") > reads  # the account by email
    assert _value(SQLITE_SECONDS, operation="transaction") > transactions  # the session


async def test_a_redis_error_reply_is_counted_and_raised(app_client: Client) -> None:
    redis = app_client.app[SERVICES].storage.redis
    await redis.set("livesale:test:text", "not a list")
    errors, pushes = _value(REDIS_ERRORS, kind="response"), _redis_calls("LPUSH")

    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await redis.lpush("livesale:test:text", "x")  # type: ignore[misc]

    assert _value(REDIS_ERRORS, kind="response") == errors + 1
    assert _redis_calls("LPUSH") >= pushes + 1


async def test_a_pipeline_is_one_timed_round_trip(settings: Settings) -> None:
    # A client of its own: the app's background tasks would move the counts too.
    redis = connect_redis(settings, None)
    try:
        await redis.set("livesale:test:text", "not a hash")
        pipelines, errors = _redis_calls("PIPELINE"), _value(REDIS_ERRORS, kind="response")
        sets = _redis_calls("SET")

        async with redis.pipeline(transaction=True) as pipe:
            pipe.set("livesale:test:other", "1")
            pipe.expire("livesale:test:other", 60)
            assert await pipe.execute() == [True, True]
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hincrby("livesale:test:text", "n", 1)
            with pytest.raises(ResponseError, match="WRONGTYPE"):
                await pipe.execute()
    finally:
        await redis.aclose()

    assert _redis_calls("PIPELINE") == pipelines + 2
    assert _redis_calls("SET") == sets  # queued commands are not round trips of their own
    assert _value(REDIS_ERRORS, kind="response") == errors + 1


async def test_an_unreachable_redis_is_a_connection_error(
    settings: Settings, short_folder: Path
) -> None:
    nowhere = dataclasses.replace(settings, redis=RedisSettings(url=f"unix://{short_folder}/no"))
    client = connect_redis(nowhere, None)
    errors = _value(REDIS_ERRORS, kind="connection")
    try:
        with pytest.raises(RedisConnectionError):
            await client.get("k")
    finally:
        await client.aclose()
    assert _value(REDIS_ERRORS, kind="connection") == errors + 1


async def test_a_redis_reply_later_than_the_socket_timeout_is_a_timeout(
    settings: Settings,
) -> None:
    impatient = RedisSettings(url=f"{settings.redis.url}?socket_timeout=0.2")
    client = connect_redis(dataclasses.replace(settings, redis=impatient), None)
    errors = _value(REDIS_ERRORS, kind="timeout")
    try:
        with pytest.raises(RedisTimeoutError):
            # The server holds the reply for up to 5 s; the client waits 0.2 s.
            await client.blpop(["livesale:test:empty"], timeout=5)  # type: ignore[misc]
    finally:
        await client.aclose()
    assert _value(REDIS_ERRORS, kind="timeout") == errors + 1


async def test_failing_sqlite_statements_are_counted_and_raised(app_client: Client) -> None:
    database = app_client.app[SERVICES].storage.database
    errors = _value(SQLITE_ERRORS)

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await database.fetchone("SELECT * FROM no_such_table")
    assert _value(SQLITE_ERRORS) == errors + 1

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        async with database.transaction() as conn:
            await conn.execute("DELETE FROM no_such_table")
    assert _value(SQLITE_ERRORS) == errors + 2


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own: an app's background tasks would move the counts too."""
    db = await Database.connect(tmp_path / "own.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE seen (id TEXT PRIMARY KEY)")
            await conn.execute("INSERT INTO seen VALUES ('a')")
        yield db
    finally:
        await db.close()


async def test_every_call_is_timed_failed_or_not(database: Database) -> None:
    reads = _value(SQLITE_SECONDS, operation="read")
    transactions = _value(SQLITE_SECONDS, operation="transaction")

    assert await database.fetchall("SELECT id FROM seen") != []
    with pytest.raises(sqlite3.OperationalError):
        await database.fetchone("SELECT * FROM no_such_table")
    async with database.transaction() as conn:
        await conn.execute("INSERT INTO seen VALUES ('b')")
    with pytest.raises(sqlite3.OperationalError):
        async with database.transaction() as conn:
            await conn.execute("DELETE FROM no_such_table")

    assert _value(SQLITE_SECONDS, operation="read") == reads + 2
    assert _value(SQLITE_SECONDS, operation="transaction") == transactions + 2


async def test_a_refused_constraint_or_a_callers_error_is_no_sqlite_error(
    database: Database,
) -> None:
    errors = _value(SQLITE_ERRORS)

    with pytest.raises(IntegrityViolation):
        async with database.transaction() as conn:
            await conn.execute("INSERT INTO seen VALUES ('a')")
    with pytest.raises(ValueError, match="the caller's own"):
        async with database.transaction():
            raise ValueError("the caller's own")

    assert _value(SQLITE_ERRORS) == errors
    assert [row["id"] for row in await database.fetchall("SELECT id FROM seen")] == ["a"]


async def test_a_closed_connection_is_an_error(database: Database) -> None:
    errors = _value(SQLITE_ERRORS)
    await database.close()

    with pytest.raises(ValueError, match="Connection closed"):
        await database.fetchone("SELECT 1")
    with pytest.raises(ValueError, match="no active connection"):
        async with database.transaction():
            pass

    assert _value(SQLITE_ERRORS) == errors + 2


async def test_embedded_redis_up_until_its_process_dies(short_folder: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(), short_folder / "data")
    await embedded.start()
    try:
        assert _value(EMBEDDED_UP) == 1
        assert embedded.pid is not None
        os.kill(embedded.pid, signal.SIGKILL)
        await poll_until(lambda: _value(EMBEDDED_UP) == 0, 10, "the gauge to drop to 0")
    finally:
        await embedded.close()
    assert _value(EMBEDDED_UP) == 0


async def test_embedded_redis_is_down_once_closed(short_folder: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(), short_folder / "data")
    await embedded.start()
    assert _value(EMBEDDED_UP) == 1
    await embedded.close()
    assert _value(EMBEDDED_UP) == 0


def _supervisor_gauge(metrics_dir: Path, supervisor_pid: int, copy_dir: Path) -> float | None:
    """livesale_embedded_redis_up as the supervisor's own metrics file holds it."""
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir()
    for path in metrics_dir.glob(f"gauge_*_{supervisor_pid}.db"):
        shutil.copy(path, copy_dir)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, str(copy_dir))  # type: ignore[no-untyped-call]
    return registry.get_sample_value(EMBEDDED_UP)


async def test_the_supervisors_embedded_redis_reports_to_the_children(
    short_folder: Path,
) -> None:
    """Under `livesale serve` with shop processes the supervisor owns Redis and its gauge.

    Read from the supervisor's own file: the children's scrapes combine it with
    theirs by the instrument's multiprocess mode.
    """
    async with running_layout(short_folder) as layout:
        metrics_dir, pid = layout.data_dir / "metrics", layout.process.pid
        copy_dir = short_folder / "supervisor-metrics"
        assert _supervisor_gauge(metrics_dir, pid, copy_dir) == 1
        (redis_pid,) = layout.children()["redis"]
        os.kill(redis_pid, signal.SIGKILL)
        await poll_until(
            lambda: _supervisor_gauge(metrics_dir, pid, copy_dir) == 0,
            10,
            "the supervisor to report its Redis down",
        )
        assert "embedded redis-server (pid" in layout.log_text()
        layout.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(layout.process.wait(), 60) == 0
