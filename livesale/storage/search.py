"""Search over shows, products and creators, on either engine: which one is hidden here.

SQLite matches through FTS5 and ranks by bm25; PostgreSQL matches its
generated tsvector with a tsquery and ranks by ts_rank. Both get the same
terms (see `domain.search_text`), quoted as terms, never as query syntax, so
nothing a person types can be an operator. Hidden items never come back:
archived products, and ended shows without a replay to play.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livesale.domain.recordings import RecordingStatus
from livesale.domain.search_text import SearchQuery
from livesale.storage.database import Database
from livesale.storage.sql import Row

# Titles weigh most, then tags, then descriptions and names (in both engines' ranks).
_FTS_WEIGHTS = "4.0, 2.0, 1.0"
# A live show ranks as if it matched half as well again: it is on now.
LIVE_BOOST = 1.5
_PLAYABLE = (
    "EXISTS (SELECT 1 FROM recordings r WHERE r.show_id = {show}.id"
    " AND r.status IN (?, ?) AND r.duration_ms > 0)"
)
_PLAYABLE_STATES = (RecordingStatus.COMPLETE.value, RecordingStatus.FAILED.value)


@dataclass(frozen=True, slots=True)
class ProductHit:
    """A product found, and a show that carries it (live first, then upcoming, then a replay)."""

    product_id: str
    show_id: str | None


class SearchRepository:
    """Ranked ids of the visible shows, products and creators that match a query."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def shows(
        self, query: SearchQuery, *, category: str | None, limit: int, offset: int
    ) -> list[str]:
        """Ids of matching shows not ended without a replay, best first (live ones boosted)."""
        where = [f"(s.status <> 'ended' OR {_PLAYABLE.format(show='s')})"]
        params: list[object] = [*_PLAYABLE_STATES]
        if category is not None:
            where.append("s.category = ?")
            params.append(category)
        boost = f"CASE WHEN s.status = 'live' THEN {LIVE_BOOST} ELSE 1.0 END"
        rows = await self._ranked(
            query, "show", "shows s", "s", where, params, boost, limit, offset
        )
        return [str(row["id"]) for row in rows]

    async def products(
        self, query: SearchQuery, *, category: str | None, limit: int, offset: int
    ) -> list[ProductHit]:
        """Matching products that are not archived, best first, each with a show to see it in."""
        where = ["p.status = 'active'"]
        params: list[object] = []
        if category is not None:
            where.append("p.category = ?")
            params.append(category)
        carrier = (
            "(SELECT sp.show_id FROM show_products sp JOIN shows s2 ON s2.id = sp.show_id"
            " WHERE sp.product_id = p.id"
            f" AND (s2.status <> 'ended' OR {_PLAYABLE.format(show='s2')})"
            " ORDER BY CASE s2.status WHEN 'live' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END,"
            " s2.created_at DESC LIMIT 1)"
        )
        rows = await self._ranked(
            query,
            "product",
            "products p",
            "p",
            where,
            params,
            "1.0",
            limit,
            offset,
            extra=(f"{carrier} AS show_id", list(_PLAYABLE_STATES)),
        )
        return [
            ProductHit(str(row["id"]), None if row["show_id"] is None else str(row["show_id"]))
            for row in rows
        ]

    async def creators(self, query: SearchQuery, *, limit: int, offset: int) -> list[str]:
        """Ids of creators whose name matches, best first."""
        rows = await self._ranked(query, "creator", "creators c", "c", [], [], "1.0", limit, offset)
        return [str(row["id"]) for row in rows]

    async def _ranked(
        self,
        query: SearchQuery,
        kind: str,
        table: str,
        alias: str,
        where: Sequence[str],
        params: Sequence[object],
        boost: str,
        limit: int,
        offset: int,
        extra: tuple[str, list[object]] | None = None,
    ) -> list[Row]:
        if query.empty:
            return []
        extra_column, extra_params = extra if extra is not None else ("NULL AS show_id", [])
        if self._db.engine == "sqlite":
            match = fts5_match(query)
            source = "search_fts JOIN search_documents d ON d.id = search_fts.rowid"
            score = f"-bm25(search_fts, {_FTS_WEIGHTS}) * {boost}"
            condition = "search_fts MATCH ?"
            score_params: list[object] = []
        else:
            match = ts_query(query)
            source = "search_documents d"
            score = f"ts_rank(d.terms, CAST(? AS tsquery)) * {boost}"
            condition = "d.terms @@ CAST(? AS tsquery)"
            score_params = [match]
        conditions = " AND ".join([condition, "d.kind = ?", *where])
        sql = (
            f"SELECT {alias}.id AS id, {score} AS score, {extra_column}"
            f" FROM {source} JOIN {table} ON {alias}.id = d.item_id"
            f" WHERE {conditions} ORDER BY score DESC, {alias}.id LIMIT ? OFFSET ?"
        )
        values = (*score_params, *extra_params, match, kind, *params, limit, offset)
        return list(await self._db.fetchall(sql, values))


def fts5_match(query: SearchQuery) -> str:
    """The query as an FTS5 MATCH: every term a quoted string (so never an operator), all
    of them required, the last one a prefix when it is being typed."""
    parts = ['"' + term.replace('"', '""') + '"' for term in query.terms]
    if query.prefix:
        parts[-1] += "*"
    return " ".join(parts)


def ts_query(query: SearchQuery) -> str:
    """The query as a tsquery: every term a quoted lexeme, all of them required (&), the last
    one a prefix (:*) when it is being typed."""
    parts = ["'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in query.terms]
    if query.prefix:
        parts[-1] += ":*"
    return " & ".join(parts)
