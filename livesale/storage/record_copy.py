"""`livesale db copy`: move an SQLite file's record into an empty PostgreSQL database, once.

One-way and all-or-nothing: the copy is one PostgreSQL transaction, so a
failure leaves the target empty; a target that already holds rows is refused,
so nothing is ever merged or overwritten.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from livesale.storage.database import Database
from livesale.storage.sql import Row

_BATCH = 1000
# SQLite's own bookkeeping, and the one table each engine keeps its version in.
_SKIPPED = {"sqlite_sequence", "schema_version"}


class TargetNotEmpty(RuntimeError):
    """The PostgreSQL database already holds part of a record."""


async def copy_record(source: Database, target: Database) -> dict[str, int]:
    """Copy every table's rows from `source` (SQLite) to `target`; rows copied per table."""
    if await source.user_version() != await target.user_version():
        raise RuntimeError("source and target are at different schema versions; migrate both")
    tables = await _tables_parents_first(source)
    copied: dict[str, int] = {}
    async with target.transaction() as conn:
        for table in tables:
            if await conn.fetchone(f"SELECT 1 FROM {table} LIMIT 1") is not None:
                raise TargetNotEmpty(f"the target database already has rows in {table}")
        for table in tables:
            copied[table] = 0
            offset = 0
            order = await _stable_order(source, table)
            while True:
                # Names come from the source's own schema, never from input.
                rows = await source.fetchall(
                    f"SELECT * FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (_BATCH, offset)
                )
                if not rows:
                    break
                columns = list(rows[0].keys())
                marks = ", ".join("?" for _ in columns)
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [_values(row, columns) for row in rows],
                )
                copied[table] += len(rows)
                offset += len(rows)
            if copied[table] and await _has_identity_id(target, table):
                # Ids made by PostgreSQL from now on continue after the copied ones.
                await conn.fetchone(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
    return copied


def _values(row: Row, columns: list[str]) -> tuple[object, ...]:
    return tuple(row[column] for column in columns)


async def _tables_parents_first(source: Database) -> list[str]:
    """The source's tables, each after the tables its foreign keys point to."""
    rows = await source.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    # SQLite's full-text tables (and the shadow tables under them) are its own way to
    # search the rows copied; PostgreSQL builds its own from those rows.
    virtual = [str(r[0]) for r in rows if str(r[1] or "").upper().startswith("CREATE VIRTUAL")]
    names = sorted(
        str(r[0])
        for r in rows
        if str(r[0]) not in _SKIPPED
        and not any(str(r[0]) == v or str(r[0]).startswith(f"{v}_") for v in virtual)
    )
    graph: dict[str, set[str]] = {}
    for name in names:
        parents = await source.fetchall(f"SELECT * FROM pragma_foreign_key_list('{name}')")
        graph[name] = {str(p["table"]) for p in parents if str(p["table"]) != name}
    return list(TopologicalSorter(graph).static_order())


async def _stable_order(source: Database, table: str) -> str:
    """The table's primary key columns (rowid when it has none), to page through it."""
    rows = await source.fetchall(
        f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk"
    )
    return ", ".join(str(r[0]) for r in rows) or "rowid"


async def _has_identity_id(target: Database, table: str) -> bool:
    row = await target.fetchone(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = ? AND column_name = 'id' AND is_identity = 'YES'",
        (table,),
    )
    return row is not None
