"""Shared fixtures: a real Redis (and PostgreSQL), settings under a temp folder, an app client."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import (
    AuthSettings,
    DatabaseSettings,
    RedisSettings,
    ServerSettings,
    Settings,
    SqliteSettings,
)
from livesale.storage.database import Database
from livesale.storage.engines import open_database
from tests.api_helpers import sign_up
from tests.postgres_helpers import drop_database, new_database, running_postgres
from tests.redis_helpers import running_redis

# Guest identities one address may create in tests that are not about that limit.
MANY_GUESTS = 1_000_000


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Path]:
    """One real redis-server (AOF on, noeviction) for the session; yields its socket path."""
    # A short folder under /tmp: pytest's tmp paths can exceed the unix socket length limit.
    with (
        tempfile.TemporaryDirectory(prefix="livesale-test-redis-", dir="/tmp") as folder,
        running_redis(Path(folder)) as sock,
    ):
        yield sock


@pytest.fixture
def redis_url(redis_server: Path) -> str:
    """The shared Redis, emptied for this test, as a `unix://` URL."""
    with redis.Redis(unix_socket_path=str(redis_server)) as client:
        client.flushall()
    return f"unix://{redis_server}"


# Folders whose tests run once on each engine that can keep the record: the
# repositories, the shop and its races must behave the same on both.
BOTH_ENGINES = frozenset({"accounts", "catalogue", "fulfilment", "shop", "stock"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests of BOTH_ENGINES folders on SQLite and on PostgreSQL."""
    if "database_engine" in metafunc.fixturenames:
        folder = metafunc.definition.path.parent.name
        if folder in BOTH_ENGINES:
            metafunc.parametrize("database_engine", ["sqlite", "postgresql"])


@pytest.fixture
def database_engine() -> str:
    """The engine keeping this test's record (SQLite unless parametrized)."""
    return "sqlite"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One private PostgreSQL for the session, started on first use; its admin URL."""
    with running_postgres() as admin_url:
        yield admin_url


@pytest.fixture
def database_url(database_engine: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """`database.url` for this test: empty (SQLite), or a fresh PostgreSQL database."""
    if database_engine == "sqlite":
        yield ""
        return
    admin_url: str = request.getfixturevalue("postgres_server")
    url = new_database(admin_url)
    yield url
    drop_database(admin_url, url)


@pytest.fixture
def settings(tmp_path: Path, redis_url: str, database_url: str) -> Settings:
    """Settings with every file under `tmp_path`, the shared test Redis, this test's engine."""
    return Settings(
        server=ServerSettings(data_dir=str(tmp_path / "data"), use_uvloop=False),
        # Tests play many people from one loopback address; the cost of a guest
        # identity has tests of its own (tests/accounts/test_guest_costs.py).
        auth=AuthSettings(
            guest_creations_per_address_per_hour=MANY_GUESTS,
            guest_free_creations_per_address_per_hour=MANY_GUESTS,
        ),
        redis=RedisSettings(url=redis_url),
        sqlite=SqliteSettings(path="test.sqlite3"),
        database=DatabaseSettings(url=database_url),
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """This test's record on its engine, migrated and empty."""
    db = await open_database(settings)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A test client for `create_app(settings)`, started and cleanly closed."""
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    """One running app (instance 1 where a test runs two)."""
    async with TestServer(create_app(settings)) as test_server:
        yield test_server


@pytest.fixture
async def alice(server: TestServer) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A client signed in as the creator Alice."""
    async with TestClient(server) as client:
        await sign_up(client, "alice@example.com", display_name="Alice")
        yield client


@pytest.fixture
async def bob(server: TestServer) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A client signed in as the creator Bob."""
    async with TestClient(server) as client:
        await sign_up(client, "bob@example.com", display_name="Bob")
        yield client
