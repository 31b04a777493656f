"""A buyer's orders as pricing reads them: their shipment in a show, their first order."""

from __future__ import annotations

from livesale.domain.orders import Order
from livesale.storage.database import Database
from livesale.storage.order_rows import load_orders


class BuyerOrders:
    """Reads of one buyer's orders (the orders table is written by OrderRepository)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def in_show(self, viewer_id: str, show_id: str) -> list[Order]:
        """Every order of the buyer in the show, oldest first (their shipments)."""
        return await load_orders(
            self._db.reader, "viewer_id = ? AND show_id = ?", (viewer_id, show_id), "created_at, id"
        )

    async def has_paid(self, viewer_id: str, creator_id: str) -> bool:
        """Whether the buyer ever paid an order of this shop."""
        row = await self._db.fetchone(
            "SELECT 1 AS found FROM orders WHERE viewer_id = ? AND creator_id = ?"
            " AND paid_at IS NOT NULL LIMIT 1",
            (viewer_id, creator_id),
        )
        return row is not None
