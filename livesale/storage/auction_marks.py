"""Auctions on the show's timeline in the record: each one's start and result, for the replay."""

from __future__ import annotations

from livesale.domain.auctions import AuctionMark, MarkKind
from livesale.storage.database import Database
from livesale.storage.sql import Row

_COLUMNS = (
    "show_id, auction_id, kind, offset_ms, product_id, price_minor, currency, winner_name,"
    " created_at"
)


class AuctionMarks:
    """Persistence of auction marks; the only code that touches `auction_marks`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def stamp(self, mark: AuctionMark) -> None:
        """Record a mark once (a second stamp of the same auction's moment changes nothing)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO auction_marks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (auction_id, kind) DO NOTHING",
                (
                    mark.show_id,
                    mark.auction_id,
                    mark.kind.value,
                    mark.offset_ms,
                    mark.product_id,
                    mark.price_minor,
                    mark.currency,
                    mark.winner_name,
                    mark.created_at,
                ),
            )

    async def of_show(self, show_id: str) -> list[AuctionMark]:
        """The show's marks, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM auction_marks WHERE show_id = ? ORDER BY id", (show_id,)
        )
        return [_mark(row) for row in rows]


def _mark(row: Row) -> AuctionMark:
    return AuctionMark(
        show_id=str(row["show_id"]),
        auction_id=str(row["auction_id"]),
        kind=MarkKind(row["kind"]),
        offset_ms=int(row["offset_ms"]),
        product_id=str(row["product_id"]),
        price_minor=int(row["price_minor"]),
        currency=str(row["currency"]),
        winner_name=row["winner_name"],
        created_at=float(row["created_at"]),
    )
