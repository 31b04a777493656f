"""The record in PostgreSQL: a pool of connections, one migration history with SQLite.

Write transactions take one advisory lock first, so they run one at a time
across every process and node, as SQLite's single writer does: the
repositories' read-then-write transactions keep the behaviour they were
written and tested for. Reads run on any pooled connection, outside
transactions, and see committed data only.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from time import perf_counter
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from livesale import metrics
from livesale.storage.database import Database
from livesale.storage.migrations import MIGRATIONS, render
from livesale.storage.sql import Executor, IntegrityViolation, Params, Row

logger = logging.getLogger(__name__)

# Advisory lock keys (any two fixed 64-bit numbers; "livesale" in ASCII, then +1).
_WRITE_LOCK = 0x6C69766573616C65
_MIGRATION_LOCK = _WRITE_LOCK + 1
_READ = metrics.POSTGRES_QUERY_DURATION.labels("read")
_TRANSACTION = metrics.POSTGRES_QUERY_DURATION.labels("transaction")
_OPEN_TIMEOUT_SECONDS = 10.0


class PostgresRow:
    """A row by column name or position, like SQLite's rows."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str, /) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def keys(self) -> Iterable[str]:
        """The column names, in order."""
        return self._index.keys()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _rows(cursor: AsyncCursor[Any]) -> RowMaker[PostgresRow]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: PostgresRow(values, index)


@lru_cache(maxsize=512)
def postgres_sql(sql: str) -> str:
    """The repositories' `?` placeholders as psycopg's `%s` (a literal `%` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresExecutor(Executor):
    """Statements on one PostgreSQL connection."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        with _integrity():
            cursor = await self._conn.execute(postgres_sql(sql), tuple(params))
        return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        batch = [tuple(r) for r in rows]
        if not batch:
            return
        with _integrity():
            async with self._conn.cursor() as cursor:
                await cursor.executemany(postgres_sql(sql), batch)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query (a `RETURNING` write too) and return every row."""
        with _integrity():
            async with self._conn.cursor(row_factory=_rows) as cursor:
                await cursor.execute(postgres_sql(sql), tuple(params))
                return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class _PooledReader(Executor):
    """Reads on whichever pooled connection is free, each on its own."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self._pool = pool

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Refused: writes go through `Database.transaction`."""
        raise TypeError("the reader does not write")

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Refused: writes go through `Database.transaction`."""
        raise TypeError("the reader does not write")

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""
        with _measured(_READ):
            async with self._pool.connection() as conn:
                return await PostgresExecutor(conn).fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class PostgresDatabase(Database):
    """A connection pool to one PostgreSQL database."""

    engine = "postgresql"

    def __init__(self, url: str, pool_size: int = 10) -> None:
        """A pool to `url`, not yet open: `open()` connects and migrates."""
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            open=False,
            name="livesale",
        )
        self._reader = _PooledReader(self._pool)

    @classmethod
    async def connect(cls, url: str, pool_size: int = 10) -> PostgresDatabase:
        """The database at `url`, opened and migrated."""
        db = cls(url, pool_size)
        await db.open()
        return db

    async def open(self) -> None:
        """Connect and apply the migrations this livesale knows."""
        try:
            await self._pool.open(wait=True, timeout=_OPEN_TIMEOUT_SECONDS)
        except PoolTimeout as exc:
            await self._pool.close()
            raise ConnectionError(f"cannot connect to PostgreSQL: {exc}") from None
        try:
            await self._migrate()
        except BaseException:
            await self._pool.close()
            raise

    async def close(self) -> None:
        """Close the pool (waits for connections in use to come back)."""
        await self._pool.close()

    @property
    def reader(self) -> Executor:
        """Reads of committed data, each on a free pooled connection."""
        return self._reader

    async def user_version(self) -> int:
        """How many migrations are applied."""
        row = await self._reader.fetchone("SELECT coalesce(max(version), 0) FROM schema_version")
        return 0 if row is None else int(row[0])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read query and return every row."""
        return await self._reader.fetchall(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """A write transaction, one at a time across every process (an advisory lock)."""
        with _measured(_TRANSACTION):
            async with self._pool.connection() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                yield PostgresExecutor(conn)

    async def _migrate(self) -> None:
        # Several processes may start against a new database at once: one migrates,
        # the others wait on the lock and then find nothing left to do.
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version"
                " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
            found = await cursor.fetchone()
            applied = 0 if found is None else int(found[0])
            if applied > len(MIGRATIONS):
                raise RuntimeError(
                    f"the database has schema version {applied} but this livesale knows only "
                    f"{len(MIGRATIONS)}; run a newer livesale"
                )
            for version, sql in enumerate(MIGRATIONS[applied:], start=applied + 1):
                # One transaction for every migration left: PostgreSQL's DDL is
                # transactional, so a failure leaves the database as it was.
                await conn.execute(render(sql, "postgresql"))
                await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
                logger.info("applied database migration %d", version)


@contextmanager
def _integrity() -> Iterator[None]:
    """PostgreSQL's constraint errors as the engine-neutral IntegrityViolation."""
    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityViolation(str(exc)) from exc


@contextmanager
def _measured(timer: Any) -> Iterator[None]:
    """Observe the block's duration; count errors other than a refused constraint."""
    start = perf_counter()
    try:
        yield
    except IntegrityViolation:
        raise
    except (psycopg.Error, OSError):
        metrics.POSTGRES_ERRORS.inc()
        raise
    finally:
        timer.observe(perf_counter() - start)
