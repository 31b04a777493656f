"""The checkout as kept in Redis: its own encoder, so a change to the API's shape never
changes stored data (a checkout stays open across a deploy, read by the next version)."""

from __future__ import annotations

from typing import Any

from livesale.domain.checkout import Checkout
from livesale.domain.orders import OrderLine


def checkout_record(checkout: Checkout) -> dict[str, Any]:
    """The stored form of a checkout."""
    return {
        "id": checkout.id,
        "viewer_id": checkout.viewer_id,
        "show_id": checkout.show_id,
        "creator_id": checkout.creator_id,
        "currency": checkout.currency,
        "lines": [line_record(line) for line in checkout.lines],
        "expires_at": checkout.expires_at,
        "from_cart": checkout.from_cart,
        "order_id": checkout.order_id,
    }


def line_record(line: OrderLine) -> dict[str, Any]:
    """The stored form of a checkout's line, with its hold.

    `line_total_minor` and `flash_sale` are derived and never read back; they are
    still written so the record keeps the exact form earlier versions wrote and read.
    """
    return {
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "title": line.title,
        "variant_name": line.variant_name,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor,
        "line_total_minor": line.line_total_minor,
        "flash_sale": line.sale_id is not None,
        "sale_id": line.sale_id,
        "hold_id": line.hold_id,
        "pin_id": line.pin_id,
    }


def checkout_from_record(data: dict[str, Any]) -> Checkout:
    """A stored checkout read back."""
    return Checkout(
        id=str(data["id"]),
        viewer_id=str(data["viewer_id"]),
        show_id=str(data["show_id"]),
        creator_id=str(data["creator_id"]),
        currency=str(data["currency"]),
        lines=tuple(line_from_record(line) for line in data["lines"]),
        expires_at=float(data["expires_at"]),
        from_cart=bool(data["from_cart"]),
        order_id=data.get("order_id"),
    )


def line_from_record(data: dict[str, Any]) -> OrderLine:
    """A stored line (with its hold id) read back."""
    return OrderLine(
        variant_id=str(data["variant_id"]),
        product_id=str(data["product_id"]),
        title=str(data["title"]),
        variant_name=str(data["variant_name"]),
        sku=str(data["sku"]),
        quantity=int(data["quantity"]),
        unit_price_minor=int(data["unit_price_minor"]),
        sale_id=data.get("sale_id"),
        hold_id=str(data["hold_id"]),
        pin_id=data.get("pin_id"),
    )
