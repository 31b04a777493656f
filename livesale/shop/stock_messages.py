"""The shape of the stock, sold-out and purchase events the shop sends to a show's room.

They are shaped here, in shop/, and not in web/ like the HTTP answers: the shop
publishes them through Redis to every process's viewers, and shop/ never
imports web/. `GET /api/shows/{id}/stock` answers with the same `stock` events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SaleRemaining:
    """A running flash sale's units not yet held or sold."""

    sale_id: str
    remaining: int


@dataclass(frozen=True, slots=True)
class ProductStock:
    """A product's available units per variant, and its flash sale's while one runs."""

    product_id: str
    variants: dict[str, int]
    sale: SaleRemaining | None

    @property
    def sold_out(self) -> bool:
        """Nothing left to buy: no variant has units, or the sale's units are gone."""
        return sum(self.variants.values()) == 0 or (
            self.sale is not None and self.sale.remaining == 0
        )


def stock_message(stock: ProductStock) -> dict[str, Any]:
    """The `stock` event: every variant's available units and the sale's remaining."""
    sale = stock.sale
    return {
        "type": "stock",
        "product_id": stock.product_id,
        "variants": stock.variants,
        "sale": None if sale is None else {"sale_id": sale.sale_id, "remaining": sale.remaining},
    }


def sold_out_message(stock: ProductStock) -> dict[str, Any]:
    """The `sold_out` event (`sale`: it was the flash sale's units that ran out)."""
    return {"type": "sold_out", "product_id": stock.product_id, "sale": stock.sale is not None}


def purchase_message(buyer: str, product_id: str, title: str, quantity: int) -> dict[str, Any]:
    """The `purchase` event: someone bought (only sent when the buyer agreed)."""
    return {
        "type": "purchase",
        "buyer": buyer,
        "product_id": product_id,
        "title": title,
        "quantity": quantity,
    }
