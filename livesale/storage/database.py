"""The record's database, whichever engine keeps it: the interface repositories use."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from typing import Any

from livesale.storage.sql import Engine, Executor, Params, Row


class Database(ABC):
    """Committed reads, and write transactions that commit or roll back as a whole.

    Write transactions run one at a time across every process (SQLite's single
    writer; an advisory lock on PostgreSQL), so a transaction that reads and then
    writes sees nothing change in between on either engine.
    """

    engine: Engine

    @abstractmethod
    async def open(self) -> None:
        """Connect and apply the migrations this livesale knows (constructors do no I/O)."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection (waits for a running write to finish)."""

    @property
    @abstractmethod
    def reader(self) -> Executor:
        """The connection for reads of committed data (several queries in a row)."""

    @abstractmethod
    async def user_version(self) -> int:
        """How many migrations are applied."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a read query and return its first row."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a read query and return every row."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """A write transaction: committed on success, rolled back on error."""

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]
