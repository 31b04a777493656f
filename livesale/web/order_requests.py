"""The seller's order requests read into typed values: shipments, refunds, list filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livesale.domain.errors import ValidationFailed
from livesale.domain.fulfilment import (
    MAX_CARRIER_LENGTH,
    MAX_TRACKING_NUMBER_LENGTH,
    MAX_TRACKING_URL_LENGTH,
    check_tracking_url,
)
from livesale.domain.orders import (
    OrderQuery,
    OrderStatus,
    Shipment,
    clean_text,
    parse_status_filter,
)
from livesale.domain.validation import number_reason, reject_unknown_fields
from livesale.web.shop_requests import string_field

SHIPMENT_FIELDS = frozenset({"carrier", "tracking_number", "tracking_url"})
REFUND_FIELDS = frozenset({"lines"})
DEFAULT_LIST = 50
MAX_LIST = 100


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """What a seller refunds: the lines at these positions, or (None) the whole order."""

    lines: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """`GET /api/orders.csv` filters."""

    show_id: str | None
    status: OrderStatus | None


def parse_shipment(body: dict[str, Any]) -> Shipment | None:
    """The carrier and tracking of a `fulfil` body; None when it gives none."""
    reject_unknown_fields(body, SHIPMENT_FIELDS)
    carrier = _text(body, "carrier", MAX_CARRIER_LENGTH)
    number = _text(body, "tracking_number", MAX_TRACKING_NUMBER_LENGTH)
    url = _text(body, "tracking_url", MAX_TRACKING_URL_LENGTH)
    if url:
        check_tracking_url(url)
    if not (carrier or number or url):
        return None
    return Shipment(carrier=carrier, tracking_number=number, tracking_url=url)


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    return clean_text(string_field(body, name), name, required=False, limit=limit)


def parse_refund(body: dict[str, Any]) -> RefundRequest:
    """A `refund` body: none (or `{}`) refunds in full, `{"lines": [0, 2]}` those lines
    (checked against the order by domain.fulfilment.choose_refund_lines)."""
    if not body:
        return RefundRequest(None)
    reject_unknown_fields(body, REFUND_FIELDS)
    positions = body.get("lines")
    if not isinstance(positions, list) or not positions:
        raise ValidationFailed(
            "lines must be a non-empty list of line positions (0 is the first line)",
            field="lines",
            reason="required" if positions in (None, []) else "wrong_type",
        )
    for index, position in enumerate(positions):
        if isinstance(position, bool) or not isinstance(position, int):
            field = f"lines[{index}]"
            raise ValidationFailed(
                f"{field} must be a line position (an integer)", field=field, reason="wrong_type"
            )
    # Which positions exist, and whether one repeats, is the domain's check against the order.
    return RefundRequest(tuple(positions))


def parse_order_list(query: Mapping[str, str]) -> OrderQuery:
    """The query of `GET /api/orders` (status, limit, before, show_id)."""
    status = parse_status_filter(query.get("status"))
    limit = _int_query(query, "limit", DEFAULT_LIST, 1, MAX_LIST)
    before = query.get("before")
    try:
        before_value = None if before is None else float(before)
    except ValueError:
        raise ValidationFailed(
            "before must be a timestamp", field="before", reason="wrong_type"
        ) from None
    return OrderQuery(
        show_id=query.get("show_id") or None, status=status, limit=limit, before=before_value
    )


def parse_export(query: Mapping[str, str]) -> ExportQuery:
    """The query of `GET /api/orders.csv` (status, show_id)."""
    status = parse_status_filter(query.get("status"))
    return ExportQuery(show_id=query.get("show_id") or None, status=status)


def _int_query(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValidationFailed(
            f"{name} must be {low} to {high}",
            field=name,
            reason=number_reason(value, low),
            min=low,
            max=high,
        )
    return value
