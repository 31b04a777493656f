"""Orders: lines, the buyer's details and forward-only payment states (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from livesale.domain.accounts import validate_email
from livesale.domain.errors import OrderStateConflict, ValidationFailed
from livesale.domain.validation import reject_unknown_fields

MAX_NAME_LENGTH = 100
MAX_ADDRESS_FIELD_LENGTH = 200
ORDER_FIELDS = frozenset({"email", "name", "address", "announce"})
ADDRESS_FIELDS = frozenset({"line1", "line2", "city", "region", "postal_code", "country"})
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

    def as_json(self) -> dict[str, str]:
        """The stored and transmitted form."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "country": self.country,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Address:
        """Read the stored form back."""
        return cls(**{name: str(data.get(name, "")) for name in ADDRESS_FIELDS})


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

    @property
    def line_total_minor(self) -> int:
        """quantity x unit price."""
        return self.quantity * self.unit_price_minor

    @property
    def refunded(self) -> bool:
        """Whether this line was refunded on its own."""
        return self.refunded_at is not None


@dataclass(frozen=True)
class Shipment:
    """How a fulfilled order travels: all optional, as the seller typed them (validated)."""

    carrier: str
    tracking_number: str
    tracking_url: str

    def as_json(self) -> dict[str, str]:
        """The transmitted form."""
        return {
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "tracking_url": self.tracking_url,
        }


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

    @property
    def refunded_minor(self) -> int:
        """Money given back so far: all of it once refunded, else the lines' refunds or
        what the provider reports, whichever is more (a dashboard refund names no line)."""
        if self.status is OrderStatus.REFUNDED:
            return self.total_minor
        lines = sum(line.refunded_minor for line in self.lines)
        return min(self.total_minor, max(lines, self.provider_refunded_minor))


def _text(raw: dict[str, Any], name: str, where: str, *, required: bool, limit: int) -> str:
    value = raw.get(name, "")
    field = f"{where}{name}"
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", field=field, reason="wrong_type")
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


def parse_address(raw: object) -> Address:
    """A validated shipping address from the request's `address` object."""
    if not isinstance(raw, dict):
        raise ValidationFailed("address must be an object", field="address", reason="wrong_type")
    reject_unknown_fields(raw, ADDRESS_FIELDS, "address")
    limit = MAX_ADDRESS_FIELD_LENGTH
    country = _text(raw, "country", "address.", required=True, limit=2).upper()
    if not _COUNTRY.fullmatch(country):
        raise ValidationFailed(
            "address.country must be a two-letter ISO 3166 code such as US or CN",
            field="address.country",
            reason="bad_format",
        )
    postal_code = _text(raw, "postal_code", "address.", required=True, limit=16)
    if not _POSTAL_CODE.fullmatch(postal_code):
        raise ValidationFailed(
            "address.postal_code may hold only letters, digits, spaces and '-'",
            field="address.postal_code",
            reason="bad_format",
        )
    return Address(
        line1=_text(raw, "line1", "address.", required=True, limit=limit),
        line2=_text(raw, "line2", "address.", required=False, limit=limit),
        city=_text(raw, "city", "address.", required=True, limit=limit),
        region=_text(raw, "region", "address.", required=False, limit=limit),
        postal_code=postal_code,
        country=country,
    )


def parse_buyer_details(raw: object) -> BuyerDetails:
    """Validate the checkout form: email, name, address and the announce opt-out."""
    if not isinstance(raw, dict):
        raise ValidationFailed("the body must be a JSON object", field="", reason="wrong_type")
    reject_unknown_fields(raw, ORDER_FIELDS)
    announce = raw.get("announce", True)
    if not isinstance(announce, bool):
        raise ValidationFailed(
            "announce must be true or false", field="announce", reason="wrong_type"
        )
    return BuyerDetails(
        email=validate_email(raw.get("email")),
        name=_text(raw, "name", "", required=True, limit=MAX_NAME_LENGTH),
        address=parse_address(raw.get("address")),
        announce=announce,
    )


def text_field(raw: dict[str, Any], name: str, *, required: bool, limit: int) -> str:
    """`raw[name]` checked like the buyer's fields: NFC, trimmed, no control characters."""
    return _text(raw, name, "", required=required, limit=limit)
