"""The search index's documents: one row per show, product and creator, kept in step by the
repositories that change them, inside their own transactions.

The row holds the terms of `domain.search_text` (the same words for both
engines); SQLite's FTS5 table follows it through triggers, PostgreSQL's
`tsvector` column is generated from it (see the search migration).
"""

from __future__ import annotations

from livesale.domain.categories import tags_from_column
from livesale.domain.search_text import indexed_text
from livesale.storage.database import Database
from livesale.storage.sql import Executor

_UPSERT = (
    "INSERT INTO search_documents (kind, item_id, title, tags, body) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (kind, item_id) DO UPDATE SET"
    " title = excluded.title, tags = excluded.tags, body = excluded.body"
)


async def index_product(conn: Executor, product_id: str) -> None:
    """(Re)index a product: its title, tags and description."""
    row = await conn.fetchone(
        "SELECT title, tags, description FROM products WHERE id = ?", (product_id,)
    )
    if row is not None:
        tags = tags_from_column(row["tags"])
        await _write(conn, "product", product_id, row["title"], tags, row["description"])


async def index_show(conn: Executor, show_id: str) -> None:
    """(Re)index a show: its title, tags and its creator's name."""
    row = await conn.fetchone(
        "SELECT s.title, s.tags, c.display_name FROM shows s"
        " LEFT JOIN creators c ON c.id = s.creator_id WHERE s.id = ?",
        (show_id,),
    )
    if row is not None:
        tags = tags_from_column(row["tags"])
        await _write(conn, "show", show_id, row["title"], tags, row["display_name"] or "")


async def index_creator(conn: Executor, creator_id: str) -> None:
    """(Re)index a creator: their display name."""
    row = await conn.fetchone("SELECT display_name FROM creators WHERE id = ?", (creator_id,))
    if row is not None:
        await _write(conn, "creator", creator_id, row["display_name"], (), "")


async def index_missing(db: Database) -> int:
    """Index what has no document yet (rows from before the index existed); how many."""
    found = 0
    for kind, table, index in (
        ("creator", "creators", index_creator),
        ("product", "products", index_product),
        ("show", "shows", index_show),
    ):
        rows = await db.fetchall(
            f"SELECT t.id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM search_documents d"
            " WHERE d.kind = ? AND d.item_id = t.id)",
            (kind,),
        )
        for row in rows:
            async with db.transaction() as conn:
                await index(conn, str(row["id"]))
        found += len(rows)
    return found


async def _write(
    conn: Executor, kind: str, item_id: str, title: str, tags: tuple[str, ...], body: str
) -> None:
    values = (kind, item_id, indexed_text(title), indexed_text(*tags), indexed_text(body))
    await conn.execute(_UPSERT, values)
