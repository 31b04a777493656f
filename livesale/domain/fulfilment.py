"""Fulfilment: shipments, refunds of single lines and parcels per buyer (pure, no I/O)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from livesale.domain.errors import OrderStateConflict, ValidationFailed
from livesale.domain.orders import Address, Order, OrderStatus

MAX_CARRIER_LENGTH = 100
MAX_TRACKING_NUMBER_LENGTH = 100
MAX_TRACKING_URL_LENGTH = 500
# Which orders a parcel list holds: to ship (paid), shipped (fulfilled), or both.
PARCEL_FILTERS: dict[str, frozenset[OrderStatus]] = {
    "paid": frozenset({OrderStatus.PAID}),
    "fulfilled": frozenset({OrderStatus.FULFILLED}),
    "all": frozenset({OrderStatus.PAID, OrderStatus.FULFILLED}),
}
DEFAULT_PARCEL_FILTER = "paid"
REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})


def check_tracking_url(url: str) -> None:
    """Only a plain web address: the buyer's page makes a link of it."""
    # javascript:, data: and the like would run or show something else when clicked.
    not_web = ValidationFailed(
        "tracking_url must be an http:// or https:// address",
        field="tracking_url",
        reason="bad_format",
    )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise not_web from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise not_web
    if any(ch.isspace() for ch in url):
        raise not_web
    if parts.username is not None or parts.password is not None:
        # "https://carrier.example@evil.example/" reads as the carrier's site but is not.
        raise ValidationFailed(
            "tracking_url must not hold a user name or password",
            field="tracking_url",
            reason="bad_format",
        )


def choose_refund_lines(positions: Sequence[int], order: Order) -> list[int]:
    """The positions of the lines to refund (each named once), each a line of `order`
    not refunded yet; OrderStateConflict when the order holds no money to give back."""
    chosen: list[int] = []
    for index, position in enumerate(positions):
        field = f"lines[{index}]"
        if not 0 <= position < len(order.lines):
            raise ValidationFailed(
                f"{field} must be 0 to {len(order.lines) - 1}: the order has "
                f"{len(order.lines)} line(s)",
                field=field,
                reason="too_small" if position < 0 else "too_large",
                min=0,
                max=len(order.lines) - 1,
            )
        if position in chosen:
            raise ValidationFailed(
                f"{field} repeats line {position}", field=field, reason="duplicate"
            )
        chosen.append(position)
    require_refundable(order)
    for position in chosen:
        if order.lines[position].refunded:
            raise OrderStateConflict(
                f"line {position} is already refunded",
                status=order.status.value,
                wanted=OrderStatus.REFUNDED.value,
                line=position,
            )
    return chosen


def require_refundable(order: Order) -> None:
    """Raise OrderStateConflict unless the order holds money to give back."""
    if order.status not in REFUNDABLE:
        raise OrderStateConflict(
            f"an order that is {order.status.value} has no payment to refund",
            status=order.status.value,
            wanted=OrderStatus.REFUNDED.value,
        )


def parse_parcel_filter(raw: str | None) -> frozenset[OrderStatus]:
    """The order statuses a parcel list covers: `paid` (default), `fulfilled` or `all`."""
    name = raw or DEFAULT_PARCEL_FILTER
    statuses = PARCEL_FILTERS.get(name)
    if statuses is None:
        raise ValidationFailed(
            "status must be one of " + ", ".join(PARCEL_FILTERS),
            field="status",
            reason="bad_format",
        )
    return statuses


@dataclass(frozen=True)
class Parcel:
    """The orders of one buyer to one address in one show: packed and sent together."""

    id: str
    orders: tuple[Order, ...]  # oldest first

    @property
    def latest(self) -> Order:
        """The newest order: its name and contact head the parcel."""
        return self.orders[-1]

    @property
    def to_ship(self) -> tuple[Order, ...]:
        """The orders still waiting to be sent."""
        return tuple(o for o in self.orders if o.status is OrderStatus.PAID)

    @property
    def units(self) -> int:
        """Units to pack: every line not refunded."""
        return sum(line.quantity for o in self.orders for line in o.lines if not line.refunded)


def _normalised(address: Address) -> str:
    """An address compared loosely: case, width and runs of spaces do not matter."""
    fields = asdict(address)
    return "\n".join(
        " ".join(unicodedata.normalize("NFKC", fields[name]).casefold().split())
        for name in sorted(fields)
    )


def parcel_id(show_id: str, viewer_id: str, address: Address) -> str:
    """A stable id for a buyer's address in a show (it reveals neither)."""
    digest = hashlib.sha256(f"{show_id}\n{viewer_id}\n{_normalised(address)}".encode())
    return "pcl_" + digest.hexdigest()[:20]


def group_parcels(show_id: str, orders: Iterable[Order]) -> list[Parcel]:
    """The show's orders as parcels: same buyer and same address, one parcel; the parcel
    whose first order is oldest comes first (the order to pack them in)."""
    grouped: dict[str, list[Order]] = {}
    for order in sorted(orders, key=lambda o: (o.created_at, o.id)):
        key = parcel_id(show_id, order.viewer_id, order.details.address)
        grouped.setdefault(key, []).append(order)
    return [Parcel(key, tuple(members)) for key, members in grouped.items()]


def find_parcel(parcels: Sequence[Parcel], wanted: str) -> Parcel | None:
    """The parcel with this id, or None."""
    return next((parcel for parcel in parcels if parcel.id == wanted), None)
