"""What repositories see of the database, whichever engine keeps the record.

Repositories write one SQL text for both engines: `?` placeholders, standard
SQL (`ON CONFLICT ... DO NOTHING`, `RETURNING`, `lower()`), no engine-specific
functions. SQLite runs it as written; PostgreSQL gets the placeholders turned
into its own (`postgres.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

Engine = Literal["sqlite", "postgresql"]
Params = Sequence[Any]


class Row(Protocol):
    """One result row: by column name or by position."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Executor(Protocol):
    """Statements on one connection: a transaction's, or the shared reader's."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter row."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row."""
        ...


class IntegrityViolation(Exception):
    """A constraint refused a write (a taken email, a taken SKU, a vanished row)."""
