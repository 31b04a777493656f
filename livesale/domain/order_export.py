"""Orders as a CSV file for spreadsheets: one row per order line (pure, no I/O)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator, Mapping

from livesale.domain.money import minor_unit_exponent, to_decimal
from livesale.domain.orders import Order, OrderLine, OrderStatus

# The column names are the file's contract with whoever reads it: append, never rename.
COLUMNS = (
    "order_id",
    "created_at_utc",
    "paid_at_utc",
    "fulfilled_at_utc",
    "refunded_at_utc",
    "status",
    "status_reason",
    "show_id",
    "show_title",
    "buyer_name",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "line",
    "sku",
    "title",
    "variant",
    "quantity",
    "unit_price",
    "line_total",
    "currency",
    "line_refunded",
    "line_refunded_amount",
    "carrier",
    "tracking_number",
    "tracking_url",
    # Pricing: the line's share of the coupon's discount, then the order's figures
    # (repeated on each of its lines): coupon, discount, shipping, total charged, and
    # the earlier order whose parcel this one's shipping was combined with.
    "line_discount",
    "coupon_code",
    "order_discount",
    "order_shipping",
    "order_total",
    "shipping_combined_with",
)
# A spreadsheet runs a cell that starts with these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a file as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff"


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading `'` before a formula character."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _utc(epoch: float | None) -> str:
    """`2025-03-01 18:04:05` (UTC), or empty."""
    if epoch is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def _amount(minor: int, currency: str) -> str:
    """Major units with the currency's decimals: `25.00`, `1500` (JPY)."""
    return f"{to_decimal(minor, currency):.{minor_unit_exponent(currency)}f}"


def _row(order: Order, position: int, line: OrderLine, show_title: str) -> list[str]:
    address = order.details.address
    shipment = order.shipment
    refunded = line.refunded or order.status is OrderStatus.REFUNDED
    refunded_minor = line.refunded_minor if line.refunded else line.paid_minor
    return [
        order.id,
        _utc(order.created_at),
        _utc(order.paid_at),
        _utc(order.fulfilled_at),
        _utc(line.refunded_at if line.refunded else order.refunded_at),
        order.status.value,
        order.status_reason or "",
        order.show_id,
        show_title,
        order.details.name,
        order.details.email,
        address.line1,
        address.line2,
        address.city,
        address.region,
        address.postal_code,
        address.country,
        str(position + 1),
        line.sku,
        line.title,
        line.variant_name,
        str(line.quantity),
        _amount(line.unit_price_minor, order.currency),
        _amount(line.line_total_minor, order.currency),
        order.currency,
        "yes" if refunded else "no",
        _amount(refunded_minor, order.currency) if refunded else "",
        shipment.carrier if shipment else "",
        shipment.tracking_number if shipment else "",
        shipment.tracking_url if shipment else "",
        _amount(line.discount_minor, order.currency),
        order.pricing.coupon_code or "",
        _amount(order.discount_minor, order.currency),
        _amount(order.shipping_minor, order.currency),
        _amount(order.total_minor, order.currency),
        order.pricing.combined_with or "",
    ]


def export_rows(orders: Iterable[Order], show_titles: Mapping[str, str]) -> Iterator[list[str]]:
    """The header, then one neutralised row per line of each order."""
    yield list(COLUMNS)
    for order in orders:
        title = show_titles.get(order.show_id, "")
        for position, line in enumerate(order.lines):
            yield [neutralise(cell) for cell in _row(order, position, line, title)]


def orders_csv(orders: Iterable[Order], show_titles: Mapping[str, str]) -> bytes:
    """The whole file: UTF-8 with a byte order mark, CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(export_rows(orders, show_titles))
    return buffer.getvalue().encode("utf-8")
