"""The stored form of a pin's flash sale (the `timeline_events.flash_sale` column).

It is written and read here only, not with the API's shape: the API may add,
rename or reshape its fields without changing rows already stored, and rows
written by earlier releases keep reading. Change this form only together with
a migration of the rows.
"""

from __future__ import annotations

import json

from livesale.domain.pins import FlashSale


def encode_flash_sale(sale: FlashSale) -> str:
    """The JSON text stored for `sale` (the same text every release so far has written)."""
    return json.dumps(
        {
            "sale_price_minor": sale.sale_price_minor,
            "currency": sale.currency,
            "quantity": sale.quantity,
            "per_buyer_limit": sale.per_buyer_limit,
            "duration_seconds": sale.duration_seconds,
        }
    )


def decode_flash_sale(text: str) -> FlashSale:
    """The flash sale a stored text holds."""
    data = json.loads(text)
    return FlashSale(
        sale_price_minor=int(data["sale_price_minor"]),
        currency=str(data["currency"]),
        quantity=int(data["quantity"]),
        per_buyer_limit=int(data["per_buyer_limit"]),
        duration_seconds=int(data["duration_seconds"]),
    )
