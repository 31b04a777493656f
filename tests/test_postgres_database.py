"""PostgreSQL keeps the record as SQLite does: migrations, constraints, transactions, copying."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from prometheus_client import REGISTRY

from livesale.cli import main
from livesale.config import ConfigError, DatabaseSettings, Settings, load_settings
from livesale.storage.migrations import MIGRATIONS
from livesale.storage.postgres_database import PostgresDatabase
from livesale.storage.redis_client import connect_redis
from livesale.storage.shows import ShowRepository
from livesale.storage.sql import IntegrityViolation
from livesale.storage.sqlite_database import SqliteDatabase
from livesale.web.health import check_dependencies
from tests.support.postgres_server import drop_database, new_database

SHOW = (
    "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
    " VALUES (?, 't', ?, 'h', 1.0)"
)


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own."""
    url = new_database(postgres_server)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[PostgresDatabase]:
    """That database, migrated."""
    db = await PostgresDatabase.connect(pg_url)
    try:
        yield db
    finally:
        await db.close()


async def test_every_migration_applies_and_reopening_changes_nothing(pg_url: str) -> None:
    db = await PostgresDatabase.connect(pg_url)
    try:
        assert await db.user_version() == len(MIGRATIONS)
        async with db.transaction() as conn:
            await conn.execute(SHOW, ("a", "scheduled"))
    finally:
        await db.close()
    again = await PostgresDatabase.connect(pg_url)
    try:
        assert await again.user_version() == len(MIGRATIONS)
        assert await again.scalar("SELECT count(*) FROM shows") == 1
    finally:
        await again.close()


async def test_processes_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    opened = await asyncio.gather(*(PostgresDatabase.connect(pg_url) for _ in range(4)))
    try:
        assert [await db.user_version() for db in opened] == [len(MIGRATIONS)] * 4
        versions = await opened[0].fetchall("SELECT version FROM schema_version ORDER BY version")
        assert [int(r[0]) for r in versions] == list(range(1, len(MIGRATIONS) + 1))
    finally:
        await asyncio.gather(*(db.close() for db in opened))


async def test_a_newer_schema_is_refused(pg_url: str, pg: PostgresDatabase) -> None:
    async with pg.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS) + 1,)
        )
    with pytest.raises(RuntimeError, match="newer livesale"):
        await PostgresDatabase.connect(pg_url)


async def test_constraints_refuse_as_on_sqlite(pg: PostgresDatabase) -> None:
    with pytest.raises(IntegrityViolation):
        async with pg.transaction() as conn:
            await conn.execute(SHOW, ("a", "paused"))  # not a status
    async with pg.transaction() as conn:
        await conn.execute(
            "INSERT INTO creators (id, email, display_name, password_hash, created_at)"
            " VALUES ('c1', 'Alice@Example.com', 'A', 'x', 0)"
        )
    with pytest.raises(IntegrityViolation):  # e-mail addresses are unique without letter case
        async with pg.transaction() as conn:
            await conn.execute(
                "INSERT INTO creators (id, email, display_name, password_hash, created_at)"
                " VALUES ('c2', 'alice@example.COM', 'B', 'x', 0)"
            )
    assert await pg.scalar("SELECT count(*) FROM shows") == 0


async def test_a_failed_transaction_leaves_nothing(pg: PostgresDatabase) -> None:
    async def insert_then_fail() -> None:
        async with pg.transaction() as conn:
            await conn.execute(SHOW, ("a", "scheduled"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await insert_then_fail()
    assert await pg.scalar("SELECT count(*) FROM shows") == 0


async def test_reads_never_see_a_transaction_half_done(pg: PostgresDatabase) -> None:
    async with pg.transaction() as conn:
        await conn.execute(SHOW, ("half", "scheduled"))
        assert await pg.fetchone("SELECT id FROM shows WHERE id = 'half'") is None
    row = await pg.fetchone("SELECT id FROM shows WHERE id = 'half'")
    assert row is not None
    assert row["id"] == "half"
    assert row[0] == "half"


async def test_write_transactions_run_one_at_a_time(pg: PostgresDatabase) -> None:
    """Read-then-write transactions never interleave, so none loses another's update."""
    async with pg.transaction() as conn:
        await conn.execute(SHOW, ("n", "scheduled"))
        await conn.execute("UPDATE shows SET live_at = 0 WHERE id = 'n'")

    async def bump() -> None:
        async with pg.transaction() as conn:
            row = await conn.fetchone("SELECT live_at FROM shows WHERE id = 'n'")
            assert row is not None
            await asyncio.sleep(0)  # let the other transactions try to run in between
            await conn.execute("UPDATE shows SET live_at = ? WHERE id = 'n'", (row[0] + 1,))

    await asyncio.gather(*(bump() for _ in range(20)))
    assert await pg.scalar("SELECT live_at FROM shows WHERE id = 'n'") == 20


async def test_repositories_work_unchanged(pg: PostgresDatabase) -> None:
    shows = ShowRepository(pg)
    show, key = await shows.create("Friday drop 100% silk")  # a % in data is no placeholder
    assert (await shows.verify_stream_key(show.id, key)).title == "Friday drop 100% silk"
    assert [s.id for s in await shows.list_recent(limit=5)] == [show.id]


def test_a_password_in_the_settings_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nurl = "postgresql://shop:hunter2@db/livesale"\n', "utf-8")
    with pytest.raises(ConfigError, match="LIVESALE__DATABASE__URL") as refused:
        load_settings(config, env={})
    assert "hunter2" not in str(refused.value)
    env = {"LIVESALE__DATABASE__URL": "postgresql://shop:hunter2@db/livesale"}
    assert load_settings(None, env=env).database.url.endswith("@db/livesale")
    assert "hunter2" not in repr(load_settings(None, env=env))
    with pytest.raises(ConfigError, match="postgresql://"):
        DatabaseSettings(url="mysql://db/livesale")


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[server]\ndata_dir = {str(tmp_path / 'data')!r}\n", encoding="utf-8")
    return path


def test_db_migrate_and_copy_move_a_record_over_once(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    env_url = {"LIVESALE__DATABASE__URL": pg_url}
    # A record in an SQLite file: two shows made by the command line.
    assert main(["show", "create", "First", "--config", str(config), "--json"]) == 0
    assert main(["show", "create", "Second", "--config", str(config), "--json"]) == 0
    sqlite_file = load_settings(config, env={}).sqlite_path
    capsys.readouterr()

    with pytest.MonkeyPatch.context() as env:
        for name, value in env_url.items():
            env.setenv(name, value)
        assert main(["db", "migrate", "--config", str(config)]) == 0
        assert f"schema version {len(MIGRATIONS)}" in capsys.readouterr().out
        assert main(["db", "copy", "--from", str(sqlite_file), "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert "shows: 2 rows" in out
        # A second copy would merge two records: refused, and nothing changes.
        assert main(["db", "copy", "--from", str(sqlite_file), "--config", str(config)]) == 1
        assert "already has rows" in capsys.readouterr().err

    async def titles() -> list[str]:
        target = await PostgresDatabase.connect(pg_url)
        try:
            rows = await target.fetchall("SELECT title FROM shows ORDER BY title")
            return [str(r[0]) for r in rows]
        finally:
            await target.close()

    assert asyncio.run(titles()) == ["First", "Second"]


async def test_copied_ids_continue_where_the_source_stopped(tmp_path: Path, pg_url: str) -> None:
    from livesale.storage.record_copy import copy_record

    source = await SqliteDatabase.connect(tmp_path / "source.sqlite3")
    target = await PostgresDatabase.connect(pg_url)
    try:
        async with source.transaction() as conn:
            await conn.execute(SHOW, ("s", "live"))
            for _ in range(3):
                await conn.execute(
                    "INSERT INTO timeline_events (show_id, kind, offset_ms, created_at)"
                    " VALUES ('s', 'unpin', 0, 0)"
                )
        copied = await copy_record(source, target)
        assert copied["timeline_events"] == 3
        async with target.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO timeline_events (show_id, kind, offset_ms, created_at)"
                " VALUES ('s', 'unpin', 0, 0) RETURNING id"
            )
        assert row is not None
        assert row[0] == 4
    finally:
        await source.close()
        await target.close()


async def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"postgresql://nobody@/livesale?host={tmp_path}&connect_timeout=1"
    with pytest.raises((ConnectionError, psycopg.OperationalError)):
        await PostgresDatabase.connect(url)


async def test_readiness_names_postgresql_and_counts_its_failure(
    postgres_server: str, settings: Settings
) -> None:
    url = new_database(postgres_server)
    database = await PostgresDatabase.connect(url)
    redis = connect_redis(settings, None)
    try:
        assert await check_dependencies(redis, database) == {"redis": "ok", "postgresql": "ok"}
        errors_before = _errors()
        drop_database(postgres_server, url)  # the server ends every connection to it
        assert await check_dependencies(redis, database) == {
            "redis": "ok",
            "postgresql": "unavailable",
        }
        assert _errors() >= errors_before + 1
    finally:
        await redis.aclose()
        await database.close()


def _errors() -> float:
    value = REGISTRY.get_sample_value("livesale_postgres_errors_total")
    return 0.0 if value is None else value
