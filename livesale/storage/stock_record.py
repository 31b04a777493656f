"""What the record (orders and the catalogue) says about stock, for checking Redis's counters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livesale.domain.orders import OrderStatus
from livesale.domain.stock_audit import RecordedStock
from livesale.storage.database import Database

_SOLD = (OrderStatus.PAID.value, OrderStatus.FULFILLED.value)
# Variants per query: well under SQLite's and PostgreSQL's limits on parameters.
CHUNK = 500


@dataclass(frozen=True)
class StockRecordReading:
    """The record's stock and sold units per variant, and the holds of orders awaiting payment."""

    stock: dict[str, RecordedStock]
    waiting_holds: list[str]


class StockRecord:
    """Reads the record's side of the stock check."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def read(self, variant_ids: Sequence[str]) -> StockRecordReading:
        """Stock and sold units of the variants still in the catalogue, and waiting holds."""
        stock: dict[str, RecordedStock] = {}
        waiting: list[str] = []
        for start in range(0, len(variant_ids), CHUNK):
            chunk = variant_ids[start : start + CHUNK]
            stock.update(await self._stock(chunk))
            waiting.extend(await self._waiting_holds(chunk))
        return StockRecordReading(stock=stock, waiting_holds=waiting)

    async def _stock(self, variant_ids: Sequence[str]) -> dict[str, RecordedStock]:
        marks = ", ".join("?" for _ in variant_ids)
        totals = await self._db.fetchall(
            f"SELECT id, stock FROM variants WHERE id IN ({marks})", tuple(variant_ids)
        )
        # A line refunded and put back on sale is not sold; one refunded after it
        # shipped still is (as OrderRepository.sold_units counts).
        sold_rows = await self._db.fetchall(
            "SELECT l.variant_id, COALESCE(SUM(l.quantity), 0) AS units FROM order_lines l"
            f" JOIN orders o ON o.id = l.order_id WHERE l.variant_id IN ({marks})"
            " AND o.status IN (?, ?) AND l.refund_restocked = 0 GROUP BY l.variant_id",
            (*variant_ids, *_SOLD),
        )
        sold = {str(row["variant_id"]): int(row["units"]) for row in sold_rows}
        return {
            str(row["id"]): RecordedStock(total=int(row["stock"]), sold=sold.get(str(row["id"]), 0))
            for row in totals
        }

    async def _waiting_holds(self, variant_ids: Sequence[str]) -> list[str]:
        marks = ", ".join("?" for _ in variant_ids)
        rows = await self._db.fetchall(
            "SELECT l.hold_id FROM order_lines l JOIN orders o ON o.id = l.order_id"
            f" WHERE l.variant_id IN ({marks}) AND o.status = ?",
            (*variant_ids, OrderStatus.PENDING_PAYMENT.value),
        )
        return [str(row["hold_id"]) for row in rows]
