"""SQLite: migrations, durability pragmas, transactions."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from livesale.storage.migrations import MIGRATIONS
from livesale.storage.sql import IntegrityViolation
from livesale.storage.sqlite_database import SqliteDatabase as Database
from tests.support.polling import poll_until


async def test_fresh_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "db.sqlite3"
    db = await Database.connect(path)
    try:
        assert path.exists()
        assert await db.user_version() == len(MIGRATIONS)
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "shows" in tables
    finally:
        await db.close()


async def test_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.connect(path)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
            " VALUES ('a', 't', 'scheduled', 'h', 1.0)"
        )
    await db.close()
    db = await Database.connect(path)
    try:
        assert await db.user_version() == len(MIGRATIONS)
        assert (await db.fetchone("SELECT count(*) FROM shows"))[0] == 1  # type: ignore[index]
    finally:
        await db.close()


async def test_durability_pragmas(tmp_path: Path) -> None:
    db = await Database.connect(tmp_path / "db.sqlite3")
    try:
        assert await db.pragma("journal_mode") == "wal"
        assert await db.pragma("synchronous") == 2  # FULL
        assert await db.pragma("foreign_keys") == 1
        assert await db.pragma("busy_timeout") > 0
    finally:
        await db.close()


async def _insert_then_fail(db: Database) -> None:
    """Insert a show in a transaction, then fail before it commits."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
            " VALUES ('a', 't', 'scheduled', 'h', 1.0)"
        )
        raise RuntimeError("boom")


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = await Database.connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(RuntimeError, match="boom"):
            await _insert_then_fail(db)
        assert (await db.fetchone("SELECT count(*) FROM shows"))[0] == 0  # type: ignore[index]
    finally:
        await db.close()


async def test_status_check_constraint(tmp_path: Path) -> None:
    db = await Database.connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(IntegrityViolation):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
                    " VALUES ('a', 't', 'paused', 'h', 1.0)"
                )
    finally:
        await db.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.connect(path)
    async with db.transaction() as conn:
        await conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    await db.close()
    with pytest.raises(RuntimeError, match="newer livesale"):
        await Database.connect(path)


async def test_reads_never_see_a_transaction_half_done(tmp_path: Path) -> None:
    db = await Database.connect(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
                " VALUES ('half', 'Half', 'scheduled', 'h', 0)"
            )
            # Another request reading now must not see the uncommitted row.
            assert await db.fetchone("SELECT id FROM shows WHERE id = 'half'") is None
        row = await db.fetchone("SELECT id FROM shows WHERE id = 'half'")
        assert row is not None
        assert row["id"] == "half"
    finally:
        await db.close()


async def test_a_transaction_cancelled_before_it_begins_leaves_none_open(tmp_path: Path) -> None:
    """A task cancelled while its BEGIN waits on the connection's thread (an app
    stopping a background writer) must not leave that BEGIN open for the next one."""
    db = await Database.connect(tmp_path / "db.sqlite3")
    writer = db._writer
    assert writer is not None
    gate = threading.Event()
    try:
        # Keep the connection's thread busy, so the BEGIN below waits in its queue.
        await writer.create_function("wait_for_gate", 0, lambda: gate.wait(10))
        blocker = asyncio.create_task(writer.execute("SELECT wait_for_gate()"))
        cancelled = asyncio.create_task(_insert_show(db, "cancelled"))
        await poll_until(db._write_lock.locked, 5, "the transaction to queue its BEGIN")
        cancelled.cancel()
        gate.set()
        await blocker
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await _insert_show(db, "next")
        rows = await db.fetchall("SELECT id FROM shows")
        assert [row[0] for row in rows] == ["next"]
    finally:
        gate.set()
        await db.close()


async def _insert_show(db: Database, show_id: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
            " VALUES (?, 't', 'scheduled', 'h', 1.0)",
            (show_id,),
        )
