"""Product pins on a show's timeline, optionally as flash sales (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import number_reason, reject_unknown_fields

MIN_FLASH_SALE_SECONDS = 10
MAX_FLASH_SALE_SECONDS = 3600
MAX_FLASH_SALE_QUANTITY = 1_000_000
MAX_PRICE_MINOR = 100_000_000
FLASH_SALE_FIELDS = frozenset(
    {"sale_price_minor", "quantity", "per_buyer_limit", "duration_seconds"}
)


class TimelineKind(StrEnum):
    """What happened at a moment of the show."""

    PIN = "pin"
    UNPIN = "unpin"


@dataclass(frozen=True)
class FlashSale:
    """A time-boxed sale price with a total quantity cap and a per-buyer limit."""

    sale_price_minor: int
    currency: str
    quantity: int
    per_buyer_limit: int
    duration_seconds: int

    def as_json(self) -> dict[str, Any]:
        """The stored and transmitted form (without the pin-relative end time)."""
        return {
            "sale_price_minor": self.sale_price_minor,
            "currency": self.currency,
            "quantity": self.quantity,
            "per_buyer_limit": self.per_buyer_limit,
            "duration_seconds": self.duration_seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlashSale:
        """Read the stored form back."""
        return cls(
            sale_price_minor=int(data["sale_price_minor"]),
            currency=str(data["currency"]),
            quantity=int(data["quantity"]),
            per_buyer_limit=int(data["per_buyer_limit"]),
            duration_seconds=int(data["duration_seconds"]),
        )


@dataclass(frozen=True)
class TimelineEvent:
    """One pin or unpin, stamped by the server in ms since the show went live."""

    id: int
    show_id: str
    kind: TimelineKind
    offset_ms: int
    product_id: str | None
    flash_sale: FlashSale | None
    created_at: float

    @property
    def sale_ends_at(self) -> float | None:
        """When the flash sale of this pin ends (epoch seconds), if it has one."""
        if self.flash_sale is None:
            return None
        return self.created_at + self.flash_sale.duration_seconds


def _positive_int(
    raw: dict[str, Any], name: str, low: int, high: int, currency: str | None = None
) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        # A price's limits are money: minor units with their currency.
        limits = (
            {"min_minor": low, "max_minor": high, "currency": currency}
            if currency
            else {"min": low, "max": high}
        )
        raise ValidationFailed(
            f"flash_sale.{name} must be a whole number from {low} to {high}",
            field=f"flash_sale.{name}",
            reason="required" if value is None else number_reason(value, low),
            **limits,
        )
    return value


def parse_flash_sale(
    raw: object, regular_prices: list[int], currency: str, stock: int
) -> FlashSale | None:
    """Validate a flash-sale request against the product's prices and stock.

    The sale price must undercut every variant's regular price, or the
    "sale" would raise the price of some sizes; the quantity cannot exceed
    the stock there is to sell.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "flash_sale must be an object or null", field="flash_sale", reason="wrong_type"
        )
    reject_unknown_fields(raw, FLASH_SALE_FIELDS, "flash_sale")
    cheapest = min(regular_prices)
    price = _positive_int(raw, "sale_price_minor", 1, MAX_PRICE_MINOR, currency)
    if price >= cheapest:
        raise ValidationFailed(
            "flash_sale.sale_price_minor must be below the regular price",
            field="flash_sale.sale_price_minor",
            reason="not_below_regular_price",
            limit_minor=cheapest,
            currency=currency,
            regular_price_minor=cheapest,
        )
    quantity = _positive_int(raw, "quantity", 1, MAX_FLASH_SALE_QUANTITY)
    if quantity > stock:
        raise ValidationFailed(
            "flash_sale.quantity is more than the stock there is",
            field="flash_sale.quantity",
            reason="over_stock",
            max=stock,
            stock=stock,
        )
    limit = _positive_int(raw, "per_buyer_limit", 1, quantity)
    duration = _positive_int(
        raw, "duration_seconds", MIN_FLASH_SALE_SECONDS, MAX_FLASH_SALE_SECONDS
    )
    return FlashSale(
        sale_price_minor=price,
        currency=currency,
        quantity=quantity,
        per_buyer_limit=limit,
        duration_seconds=duration,
    )
