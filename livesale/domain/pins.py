"""Product pins on a show's timeline, optionally as flash sales (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import number_reason

MIN_FLASH_SALE_SECONDS = 10
MAX_FLASH_SALE_SECONDS = 3600
MAX_FLASH_SALE_QUANTITY = 1_000_000
MAX_PRICE_MINOR = 100_000_000
FLASH_SALE_FIELDS = ("sale_price_minor", "quantity", "per_buyer_limit", "duration_seconds")


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


@dataclass(frozen=True, slots=True)
class FlashSaleTerms:
    """A flash sale as the creator asks for it: whole numbers, not yet checked against the
    product's prices and stock."""

    sale_price_minor: int
    quantity: int
    per_buyer_limit: int
    duration_seconds: int


@dataclass(frozen=True, slots=True)
class PinRequest:
    """Pin a product of the bag, optionally as a flash sale."""

    product_id: str
    flash_sale: FlashSaleTerms | None = None


def flash_sale_range(name: str, quantity: int) -> tuple[int, int]:
    """The whole numbers a flash-sale field may take (a buyer's limit is at most the quantity)."""
    ranges = {
        "sale_price_minor": (1, MAX_PRICE_MINOR),
        "quantity": (1, MAX_FLASH_SALE_QUANTITY),
        "per_buyer_limit": (1, quantity),
        "duration_seconds": (MIN_FLASH_SALE_SECONDS, MAX_FLASH_SALE_SECONDS),
    }
    return ranges[name]


def flash_sale_limits(name: str, quantity: int, currency: str | None = None) -> dict[str, Any]:
    """The `details` numbers of a flash-sale field's error: a price's limits are money."""
    low, high = flash_sale_range(name, quantity)
    if name == "sale_price_minor":
        money: dict[str, Any] = {"min_minor": low, "max_minor": high}
        return money if currency is None else {**money, "currency": currency}
    return {"min": low, "max": high}


def _in_range(value: int, name: str, quantity: int, currency: str | None = None) -> int:
    low, high = flash_sale_range(name, quantity)
    if not low <= value <= high:
        raise ValidationFailed(
            f"flash_sale.{name} must be a whole number from {low} to {high}",
            field=f"flash_sale.{name}",
            reason=number_reason(value, low),
            **flash_sale_limits(name, quantity, currency),
        )
    return value


def check_flash_sale(
    terms: FlashSaleTerms, regular_prices: list[int], currency: str, stock: int
) -> FlashSale:
    """The sale `terms` ask for, checked against the product's prices and stock.

    The sale price must undercut every variant's regular price, or the
    "sale" would raise the price of some sizes; the quantity cannot exceed
    the stock there is to sell.
    """
    cheapest = min(regular_prices)
    price = _in_range(terms.sale_price_minor, "sale_price_minor", terms.quantity, currency)
    if price >= cheapest:
        raise ValidationFailed(
            "flash_sale.sale_price_minor must be below the regular price",
            field="flash_sale.sale_price_minor",
            reason="not_below_regular_price",
            limit_minor=cheapest,
            currency=currency,
            regular_price_minor=cheapest,
        )
    quantity = _in_range(terms.quantity, "quantity", terms.quantity)
    if quantity > stock:
        raise ValidationFailed(
            "flash_sale.quantity is more than the stock there is",
            field="flash_sale.quantity",
            reason="over_stock",
            max=stock,
            stock=stock,
        )
    return FlashSale(
        sale_price_minor=price,
        currency=currency,
        quantity=quantity,
        per_buyer_limit=_in_range(terms.per_buyer_limit, "per_buyer_limit", quantity),
        duration_seconds=_in_range(terms.duration_seconds, "duration_seconds", quantity),
    )
