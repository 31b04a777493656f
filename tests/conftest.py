"""Shared fixtures: a real Redis (and PostgreSQL), settings under a temp folder, an app,
creators, guests.

Fixtures (and the `slow` marking) only: helpers tests import live in `tests/support/`.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
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
from tests.support.clients import Buyers, Client, guests_of, sign_up
from tests.support.postgres_server import drop_database, new_database, running_postgres
from tests.support.redis_server import running_redis

# What `scripts/test --fast` (`-m "not slow"`) leaves out: folders and files under tests/,
# and what makes them slow. By path rather than by a mark in each file, so a new browser,
# chaos or hardening test is slow without anyone remembering to say so.
SLOW_PATHS: dict[str, str] = {
    "browser/": "a real Chromium (and often a real publisher)",
    "chaos/": "scripts/chaos.py, a livesale serve per scenario",
    "cluster/": "a real Redis Cluster of three masters and a flash sale crowd on it",
    "hardening/": "a real livesale serve per test",
    "ops/test_alert_rules.py": "a real prometheus evaluating alerts.yml",
    "ops/test_dashboard.py": "a real prometheus answering the dashboard's queries",
    "ops/test_prometheus_scrape.py": "livesale serve scraped by a real prometheus",
    "ops/test_promtool.py": "promtool",
    "catalogue/test_image_memory.py": "a real livesale serve fed large images",
    "media/test_graceful_shutdown.py": "livesale serve with real aiortc peers",
    "media/test_close_waits_for_ending_sessions.py": "real aiortc peers",
    "media/test_hung_up_sessions_gc.py": "real aiortc peers",
    "media/test_media_metrics.py": "real aiortc peers over lossy links",
    "media/test_metrics.py": "real aiortc peers",
    "media/test_publisher_stall_keyframe.py": "real aiortc peers and a network cut",
    "media/test_recording.py": "real aiortc peers recorded to disk",
    "media/test_recording_crash.py": "livesale serve killed while recording",
    "media/test_relay.py": "real aiortc peers",
    "media/test_relay_h264.py": "real aiortc peers sending H.264",
    "nodes/": "two livesale serve nodes, PostgreSQL, Redis and nginx",
    "replay/": "WebM parts encoded with PyAV",
    "shop/test_coupon_race_http.py": "1,000 checkouts sent at once over HTTP",
    "sentinel/": "a real Redis master, replica and three sentinels; a failover",
    "room/test_publisher_signal.py": "real aiortc peers",
    "web/test_ice_candidate_flood.py": "real aiortc peers and candidate floods",
    "web/test_flood_limits.py": "real aiortc peers against the offer caps",
    "web/test_media_proxy.py": "real aiortc peers through the media process",
    "web/test_stream_key_rotation.py": "real aiortc peers",
    "web/test_whip_whep.py": "real aiortc peers over WHIP and WHEP",
    "test_cli.py": "livesale run as a command",
    "test_platform_metrics.py": "livesale serve",
    "test_process_layout.py": "livesale serve with its media and shop processes",
    "test_serve_process.py": "livesale serve started and stopped",
}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests under SLOW_PATHS `slow`."""
    for item in items:
        where = item.path.relative_to(TESTS).as_posix()
        if any(where == path or where.startswith(path) for path in SLOW_PATHS):
            item.add_marker(pytest.mark.slow)


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
BOTH_ENGINES = frozenset({"accounts", "catalogue", "fulfilment", "messages", "shop", "stock"})


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
async def app_client(settings: Settings) -> AsyncIterator[Client]:
    """A test client for `create_app(settings)`, started and cleanly closed."""
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    """One running app (instance 1 where a test runs two)."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


@pytest.fixture
async def alice(server: TestServer) -> AsyncIterator[Client]:
    """A client signed in as the creator Alice."""
    async with TestClient(server) as client:
        await sign_up(client, "alice@example.com", display_name="Alice")
        yield client


@pytest.fixture
async def bob(server: TestServer) -> AsyncIterator[Client]:
    """A client signed in as the creator Bob."""
    async with TestClient(server) as client:
        await sign_up(client, "bob@example.com", display_name="Bob")
        yield client


@pytest.fixture
async def anonymous(server: TestServer) -> AsyncIterator[Client]:
    """A client with no cookies at all."""
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def buyers(server: TestServer) -> AsyncIterator[Buyers]:
    """Make guest buyers (each its own cookie jar): `await buyers("Mia")`."""
    async with guests_of(server) as make:
        yield make
