"""Orders: lines, the buyer's details and forward-only payment states (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import OrderStateConflict, ValidationFailed

MAX_NAME_LENGTH = 100
MAX_ADDRESS_FIELD_LENGTH = 200
_COUNTRY = re.compile(r"[A-Z]{2}")
_POSTAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,15}")


class OrderStatus(StrEnum):
    """Where an order is; it only ever moves forward (see NEXT_STATUSES)."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FULFILLED = "fulfilled"
    REFUNDED = "refunded"
    CANCELED = "canceled"


# Forward-only: a late or repeated event can never move an order back.
# pending -> refunded covers a refund that arrives before the payment's own
# event; canceled -> refunded covers money that arrived after we gave up.
NEXT_STATUSES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset(
        {OrderStatus.PAID, OrderStatus.CANCELED, OrderStatus.REFUNDED}
    ),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED, OrderStatus.REFUNDED}),
    OrderStatus.FULFILLED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}


def parse_status_filter(raw: str | None) -> OrderStatus | None:
    """A `status` query parameter: an order status, or None when not given."""
    if not raw:
        return None
    try:
        return OrderStatus(raw)
    except ValueError:
        raise ValidationFailed(
            "status must be one of " + ", ".join(s.value for s in OrderStatus),
            field="status",
            reason="bad_format",
        ) from None


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Which of a seller's orders to list: a show, a status, a page size, a page start."""

    show_id: str | None
    status: OrderStatus | None
    limit: int
    before: float | None  # only orders created before this time (the next page)


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order may go from `current` to `target`."""
    return target in NEXT_STATUSES[current]


def require_move(current: OrderStatus, target: OrderStatus) -> None:
    """Raise OrderStateConflict unless `current` -> `target` is allowed."""
    if not can_move(current, target):
        raise OrderStateConflict(
            f"an order that is {current.value} cannot become {target.value}",
            status=current.value,
            wanted=target.value,
        )


@dataclass(frozen=True)
class Address:
    """A shipping address as the buyer typed it (validated)."""

    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class BuyerDetails:
    """What the checkout form collects."""

    email: str
    name: str
    address: Address
    announce: bool


@dataclass(frozen=True)
class OrderLine:
    """One item of an order, priced by the server when the stock was held."""

    variant_id: str
    product_id: str
    title: str
    variant_name: str
    sku: str
    quantity: int
    unit_price_minor: int
    sale_id: str | None
    hold_id: str
    pin_id: int | None = None  # the pin on screen it was bought from, for analytics
    refunded_at: float | None = None  # set when the seller refunded this line alone
    refunded_minor: int = 0  # what that refund gave back
    discount_minor: int = 0  # this line's share of the order's coupon discount

    @property
    def line_total_minor(self) -> int:
        """quantity x unit price."""
        return self.quantity * self.unit_price_minor

    @property
    def paid_minor(self) -> int:
        """What the buyer paid for this line: its total less its share of the discount."""
        return self.line_total_minor - self.discount_minor

    @property
    def refunded(self) -> bool:
        """Whether this line was refunded on its own."""
        return self.refunded_at is not None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step of an order's life: from which status (None: just placed) to which, why, when."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str | None
    at: float  # epoch seconds, like the order's own times


@dataclass(frozen=True)
class Shipment:
    """How a fulfilled order travels: all optional, as the seller typed them (validated)."""

    carrier: str
    tracking_number: str
    tracking_url: str


@dataclass(frozen=True, slots=True)
class OrderPricing:
    """An order's coupon and shipping, beside its lines (all in minor units)."""

    discount_minor: int
    shipping_minor: int
    coupon_id: str | None = None
    coupon_code: str | None = None
    combined_with: str | None = None  # the earlier order whose shipment this one joins
    shipping_refunded_minor: int = 0


NO_PRICING = OrderPricing(0, 0)


@dataclass(frozen=True)
class Order:
    """An order as stored: the record of what was bought and where its money is."""

    id: str
    checkout_id: str
    viewer_id: str
    creator_id: str
    show_id: str
    status: OrderStatus
    currency: str
    total_minor: int
    details: BuyerDetails
    gateway: str
    payment_id: str | None
    status_reason: str | None
    lines: tuple[OrderLine, ...]
    created_at: float
    paid_at: float | None
    fulfilled_at: float | None
    refunded_at: float | None
    canceled_at: float | None
    shipment: Shipment | None = None
    # The part of the payment the provider reports refunded (its own running total).
    provider_refunded_minor: int = 0
    pricing: OrderPricing = NO_PRICING

    @property
    def subtotal_minor(self) -> int:
        """The lines' total before the discount and shipping."""
        return sum(line.line_total_minor for line in self.lines)

    @property
    def discount_minor(self) -> int:
        """The coupon's discount on the goods."""
        return self.pricing.discount_minor

    @property
    def shipping_minor(self) -> int:
        """What this order added to its shipment's shipping."""
        return self.pricing.shipping_minor

    @property
    def shipping_refunded_minor(self) -> int:
        """The part of `shipping_minor` given back (with the shipment's last line)."""
        return self.pricing.shipping_refunded_minor

    @property
    def refunded_minor(self) -> int:
        """Money given back so far: all of it once refunded in full, else the lines' and
        shipping's refunds or what the provider reports, whichever is more (a dashboard
        refund names no line)."""
        lines = sum(line.refunded_minor for line in self.lines) + self.shipping_refunded_minor
        # Refunded line by line, the shipping may stay paid (its parcel still travels).
        if self.status is OrderStatus.REFUNDED and not all(line.refunded for line in self.lines):
            return self.total_minor
        return min(self.total_minor, max(lines, self.provider_refunded_minor))


def clean_text(value: str, field: str, *, required: bool, limit: int) -> str:
    """A typed text field as shipping and exports need it: NFC, trimmed, no control
    characters, at most `limit` characters (and not empty when `required`)."""
    cleaned = unicodedata.normalize("NFC", value).strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} is required", field=field, reason="required")
    if len(cleaned) > limit:
        raise ValidationFailed(
            f"{field} must be at most {limit} characters", field=field, reason="too_long", max=limit
        )
    # Control characters would corrupt shipping labels and CSV exports.
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise ValidationFailed(
            f"{field} must not contain control characters", field=field, reason="bad_characters"
        )
    return cleaned


def clean_country(value: str) -> str:
    """`address.country`: a two-letter ISO 3166 code, upper-cased."""
    country = clean_text(value, "address.country", required=True, limit=2).upper()
    if not _COUNTRY.fullmatch(country):
        raise ValidationFailed(
            "address.country must be a two-letter ISO 3166 code such as US or CN",
            field="address.country",
            reason="bad_format",
        )
    return country


def clean_postal_code(value: str) -> str:
    """`address.postal_code`: letters, digits, spaces and '-', at most 16."""
    postal_code = clean_text(value, "address.postal_code", required=True, limit=16)
    if not _POSTAL_CODE.fullmatch(postal_code):
        raise ValidationFailed(
            "address.postal_code may hold only letters, digits, spaces and '-'",
            field="address.postal_code",
            reason="bad_format",
        )
    return postal_code
