"""The record in an SQLite file: a writer and a reader connection, durable settings, migrations."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from time import perf_counter
from typing import Any

import aiosqlite
from prometheus_client.metrics import Histogram

from livesale import metrics
from livesale.data_folder import PRIVATE_DIR, private_file
from livesale.storage.database import Database
from livesale.storage.migrations import MIGRATIONS, render
from livesale.storage.sql import Executor, IntegrityViolation, Params, Row

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_LOCK_POLL_SECONDS = 0.02
_READ = metrics.SQLITE_QUERY_DURATION.labels("read")
_TRANSACTION = metrics.SQLITE_QUERY_DURATION.labels("transaction")
# aiosqlite raises ValueError for a call on a closed connection. Counted only
# around our own calls: a transaction's body may raise ValueError of its own.
_CLOSED = ValueError
_READ_ERRORS = (sqlite3.Error, _CLOSED)


class SqliteDatabase(Database):
    """A writer connection (one writer per process, behind a lock) and a reader connection.

    Reads go through their own connection so they only ever see committed
    data: on the writer's connection a read would see another request's
    transaction half-done.
    """

    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        """A database at `path`, not yet open: `open()` connects and migrates."""
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader_conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: Path) -> SqliteDatabase:
        """The database at `path`, opened and migrated."""
        db = cls(path)
        await db.open()
        return db

    async def open(self) -> None:
        """Open (creating parent folders), configure and migrate the database.

        The file holds buyers' addresses and password hashes: it is made owner-only,
        and SQLite gives its -wal and -shm files the same mode.
        """
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        private_file(path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a
        # transaction spans exactly what `transaction()` wraps.
        conn = await aiosqlite.connect(path, isolation_level=None)
        self._writer = conn
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # FULL: orders are the record of money taken; survive power loss too.
            await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await self._migrate()  # and WAL, which stays set in the file
            for created in ("", "-wal", "-shm"):
                # Just made under this process's umask (077 under `livesale serve`).
                private_file(path.with_name(path.name + created), tell=False)
            self._reader_conn = await _open_reader(path)
        except BaseException:
            self._writer = None
            await conn.close()
            raise

    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError(f"{self.path} is not open: await open() first")
        return self._writer

    @property
    def _reader(self) -> aiosqlite.Connection:
        # Until the reader is open (during migration), reads go through the writer.
        return self._conn if self._reader_conn is None else self._reader_conn

    async def close(self) -> None:
        """Close both connections (waits for a running write to finish); nothing if not open."""
        # The connections are kept: a read after close fails as a closed
        # connection's read does (and is counted as such), and closing again is harmless.
        async with self._write_lock:
            if self._reader_conn is not None:
                await self._reader_conn.close()
            if self._writer is not None:
                await self._writer.close()

    @property
    def reader(self) -> Executor:
        """The read-only connection, for repositories that read several queries in a row.

        Reads through it are not timed in livesale_sqlite_query_duration_seconds.
        """
        return SqliteExecutor(self._reader)

    async def user_version(self) -> int:
        """How many migrations are applied."""
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def pragma(self, name: str) -> Any:
        """The value of one PRAGMA on the writer connection (for checks and tests)."""
        async with self._conn.execute(f"PRAGMA {name}") as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read query and return every row."""
        with _measured(_READ, _READ_ERRORS):
            # Executed and fetched in one call on the connection's thread: a statement
            # left open between calls keeps its snapshot, and every other read on the
            # shared connection would see that old snapshot (a crowd of reads, forever).
            return list(await self._reader.execute_fetchall(sql, tuple(params)))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """A write transaction: committed on success, rolled back on error.

        BEGIN IMMEDIATE takes SQLite's write lock up front, so a transaction
        that reads then writes cannot fail half-way with SQLITE_BUSY. Timed
        from the wait for the lock to the commit, body included.
        """
        with _measured(_TRANSACTION, sqlite3.Error):
            async with self._write_lock:
                try:
                    # Inside the try: a task cancelled while waiting for BEGIN
                    # leaves it queued on the connection's thread, which still
                    # runs it; the rollback queued behind it ends that
                    # transaction before the next one begins.
                    await self._begin()
                    yield SqliteExecutor(self._conn)
                except BaseException:
                    await self._rollback_after_error()
                    raise
                await self._conn.commit()

    async def _rollback_after_error(self) -> None:
        # The error being raised is the one to report: a rollback on a closed
        # connection (or with no transaction open) has nothing to add.
        with suppress(sqlite3.Error, _CLOSED):
            await self._conn.rollback()

    async def _begin(self) -> None:
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except _CLOSED:
            metrics.SQLITE_ERRORS.inc()  # sqlite3 errors are counted by transaction()
            raise

    async def _migrate(self) -> None:
        if await self.pragma("journal_mode") == "wal" and await self.user_version() == len(
            MIGRATIONS
        ):
            return  # the usual start: nothing to change, no lock to take
        # Other processes may open the same new file right now (`livesale serve`'s
        # shop processes, `livesale show create`): one switches it to WAL and
        # migrates, the others wait and then find nothing left. A file lock:
        # two connections switching to WAL at once can fail at once with
        # "database is locked" (no busy wait), and executescript commits any open
        # transaction, so BEGIN IMMEDIATE cannot cover reading the version.
        async with _migration_lock(self.path):
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._apply_migrations()

    async def _apply_migrations(self) -> None:
        applied = await self.user_version()
        if applied > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path} has schema version {applied} but this livesale knows only "
                f"{len(MIGRATIONS)}; run a newer livesale"
            )
        for version, sql in enumerate(MIGRATIONS[applied:], start=applied + 1):
            # executescript runs statements as given, so BEGIN/COMMIT inside the
            # script make the migration and its version bump one transaction.
            body = render(sql, "sqlite")
            script = f"BEGIN IMMEDIATE;\n{body}\nPRAGMA user_version = {version};\nCOMMIT;"
            async with self._write_lock:
                try:
                    await self._conn.executescript(script)
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.rollback()
                    raise
            logger.info("applied database migration %d", version)


@contextmanager
def _measured(
    timer: Histogram, counted: type[Exception] | tuple[type[Exception], ...]
) -> Iterator[None]:
    """Observe the block's duration on `timer`; count `counted` errors, re-raised unchanged.

    A constraint refusing a write (IntegrityViolation) is not counted: SQLite
    answered, and callers turn it into a conflict (a taken email, a taken SKU).
    """
    start = perf_counter()
    try:
        yield
    except IntegrityViolation:
        raise
    except counted:
        metrics.SQLITE_ERRORS.inc()
        raise
    finally:
        timer.observe(perf_counter() - start)


@asynccontextmanager
async def _migration_lock(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive lock on `<database>-migrate.lock` (across processes)."""
    # A small local file, opened once at start-up, like the folder made above.
    fd = os.open(path.with_name(path.name + "-migrate.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # Polled rather than waited for in a thread, so a cancelled
                # start-up leaves no thread blocked on the lock.
                await asyncio.sleep(_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


async def _open_reader(path: Path) -> aiosqlite.Connection:
    reader = await aiosqlite.connect(path, isolation_level=None)
    try:
        reader.row_factory = aiosqlite.Row
        await reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # A read-only handle: a stray write through it fails instead of racing the writer.
        await reader.execute("PRAGMA query_only=ON")
    except BaseException:
        await reader.close()
        raise
    return reader


class SqliteExecutor(Executor):
    """Statements on one aiosqlite connection, each executed and fetched in one call.

    A cursor kept open across an await would hold a snapshot that every other read
    on the shared reader connection then sees.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        with _integrity():
            cursor = await self._conn.execute(sql, tuple(params))
        changed = cursor.rowcount
        await cursor.close()
        return changed

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        with _integrity():
            await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query (a `RETURNING` write too) and return every row."""
        with _integrity():
            return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


@contextmanager
def _integrity() -> Iterator[None]:
    """SQLite's constraint errors as the engine-neutral IntegrityViolation."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise IntegrityViolation(str(exc)) from exc
