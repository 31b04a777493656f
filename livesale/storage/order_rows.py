"""Orders and their lines read from SQLite rows: one order, or many in two queries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from livesale.domain.orders import (
    Address,
    BuyerDetails,
    Order,
    OrderLine,
    OrderPricing,
    OrderStatus,
    Shipment,
)
from livesale.storage.sql import Executor, Row

ORDER_COLUMNS = (
    "id, checkout_id, viewer_id, creator_id, show_id, status, currency, total_minor, email,"
    " name, address_json, announce, gateway, payment_id, status_reason, created_at, paid_at,"
    " fulfilled_at, refunded_at, canceled_at, carrier, tracking_number, tracking_url,"
    " provider_refunded_minor, discount_minor, shipping_minor, shipping_refunded_minor,"
    " coupon_id, coupon_code, combined_with"
)
# The columns a new line is written with (refunds come later, by UPDATE).
LINE_COLUMNS = (
    "order_id, position, variant_id, product_id, title, variant_name, sku, quantity,"
    " unit_price_minor, sale_id, hold_id, pin_id, discount_minor"
)
_LINE_READ_COLUMNS = LINE_COLUMNS + ", refunded_at, refunded_minor"
# SQLite's default cap on bound parameters is far above this; it keeps each query small.
_BATCH = 500


async def load_order(conn: Executor, order_id: str) -> Order | None:
    """The order with its lines, or None."""
    rows = list(
        await conn.fetchall(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?", (order_id,))
    )
    if not rows:
        return None
    lines = await conn.fetchall(
        f"SELECT {_LINE_READ_COLUMNS} FROM order_lines WHERE order_id = ? ORDER BY position",
        (order_id,),
    )
    return order_from_row(rows[0], [line_from_row(line) for line in lines])


async def load_orders(
    conn: Executor, where: str, params: Sequence[object], order_by: str
) -> list[Order]:
    """Every order matching `where` (SQL over `orders`), with lines, in few queries."""
    rows = list(
        await conn.fetchall(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE {where} ORDER BY {order_by}", params
        )
    )
    lines: dict[str, list[OrderLine]] = {}
    for batch in _batches([str(row["id"]) for row in rows]):
        marks = ", ".join("?" for _ in batch)
        found = await conn.fetchall(
            f"SELECT {_LINE_READ_COLUMNS} FROM order_lines WHERE order_id IN ({marks})"
            " ORDER BY order_id, position",
            batch,
        )
        for line in found:
            lines.setdefault(str(line["order_id"]), []).append(line_from_row(line))
    return [order_from_row(row, lines.get(str(row["id"]), [])) for row in rows]


def _batches(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def line_values(order_id: str, position: int, line: OrderLine) -> tuple[object, ...]:
    """A new line's values, in LINE_COLUMNS order."""
    return (
        order_id,
        position,
        line.variant_id,
        line.product_id,
        line.title,
        line.variant_name,
        line.sku,
        line.quantity,
        line.unit_price_minor,
        line.sale_id,
        line.hold_id,
        line.pin_id,
        line.discount_minor,
    )


def line_from_row(row: Row) -> OrderLine:
    """A stored line."""
    return OrderLine(
        variant_id=str(row["variant_id"]),
        product_id=str(row["product_id"]),
        title=str(row["title"]),
        variant_name=str(row["variant_name"]),
        sku=str(row["sku"]),
        quantity=int(row["quantity"]),
        unit_price_minor=int(row["unit_price_minor"]),
        sale_id=row["sale_id"],
        hold_id=str(row["hold_id"]),
        pin_id=row["pin_id"],
        refunded_at=row["refunded_at"],
        refunded_minor=int(row["refunded_minor"]),
        discount_minor=int(row["discount_minor"]),
    )


def address_record(address: Address) -> dict[str, str]:
    """The stored form of a shipping address (the `address_json` column)."""
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def address_from_record(data: dict[str, Any]) -> Address:
    """A stored address read back (a field missing reads as empty)."""
    return Address(
        line1=str(data.get("line1", "")),
        line2=str(data.get("line2", "")),
        city=str(data.get("city", "")),
        region=str(data.get("region", "")),
        postal_code=str(data.get("postal_code", "")),
        country=str(data.get("country", "")),
    )


def buyer_details_from_row(row: Row) -> BuyerDetails:
    """The buyer's email, name, address and announce choice of a stored order row."""
    return BuyerDetails(
        email=str(row["email"]),
        name=str(row["name"]),
        address=address_from_record(json.loads(row["address_json"])),
        announce=bool(row["announce"]),
    )


def order_from_row(row: Row, lines: list[OrderLine]) -> Order:
    """A stored order with its lines."""
    shipped = row["carrier"] or row["tracking_number"] or row["tracking_url"]
    return Order(
        id=str(row["id"]),
        checkout_id=str(row["checkout_id"]),
        viewer_id=str(row["viewer_id"]),
        creator_id=str(row["creator_id"]),
        show_id=str(row["show_id"]),
        status=OrderStatus(row["status"]),
        currency=str(row["currency"]),
        total_minor=int(row["total_minor"]),
        details=buyer_details_from_row(row),
        gateway=str(row["gateway"]),
        payment_id=row["payment_id"],
        status_reason=row["status_reason"],
        lines=tuple(lines),
        created_at=float(row["created_at"]),
        paid_at=row["paid_at"],
        fulfilled_at=row["fulfilled_at"],
        refunded_at=row["refunded_at"],
        canceled_at=row["canceled_at"],
        shipment=Shipment(
            carrier=row["carrier"] or "",
            tracking_number=row["tracking_number"] or "",
            tracking_url=row["tracking_url"] or "",
        )
        if shipped
        else None,
        provider_refunded_minor=int(row["provider_refunded_minor"]),
        pricing=OrderPricing(
            discount_minor=int(row["discount_minor"]),
            shipping_minor=int(row["shipping_minor"]),
            coupon_id=row["coupon_id"],
            coupon_code=row["coupon_code"],
            combined_with=row["combined_with"],
            shipping_refunded_minor=int(row["shipping_refunded_minor"]),
        ),
    )
