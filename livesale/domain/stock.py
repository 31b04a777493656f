"""Stock holds: states, results, request checks and refusal errors (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import (
    FlashSaleSoldOut,
    HoldExpired,
    HoldLimitReached,
    HoldMismatch,
    HoldNotFound,
    LivesaleError,
    OutOfStock,
    PerBuyerLimitReached,
    ShowEnded,
    StockBelowReserved,
    ValidationFailed,
)
from livesale.domain.products import MAX_STOCK
from livesale.domain.validation import number_reason

# Ids become part of Redis key names: keep them short and free of separators
# that could make two different ids share a key.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
# A normalised address (see livesale.domain.person): IPv4, an IPv6 /64, or "unknown".
_ADDRESS = re.compile(r"[0-9A-Za-z.:/]{1,64}")
MAX_HOLD_QUANTITY = 1_000
MAX_HOLD_TTL_SECONDS = 24 * 3600


class HoldState(StrEnum):
    """Where a hold's units are: held, sold (committed), or back in stock."""

    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"
    # Sold, then put back on sale (an order refunded before it shipped).
    RESTOCKED = "restocked"


@dataclass(frozen=True)
class SaleLimits:
    """A flash sale's caps: total units across its holds and units per buyer (None = no limit).

    `ends_at_ms` (epoch ms) makes it a live sale: from then on, or once the
    sale was closed in Redis (unpin, a new pin, the show's end), a hold asking
    for it gets the regular price instead. None for a sale that closing does
    not stop: bought from the replay, or stock taken again for a paid order.
    """

    sale_id: str
    quantity: int
    per_buyer_limit: int | None = None
    ends_at_ms: int | None = None


@dataclass(frozen=True)
class HoldCaps:
    """What a buyer may hold at once, counted per guest and per client address.

    `address` is the normalised address (see `livesale.domain.person`) the hold
    counts against; `per_buyer` and `per_address` cap the units held (not yet
    sold) at once, in any show; a flash sale's per-buyer limit is also counted
    per address, at `sale_address_factor` times the limit, so a few people
    sharing an address still each get theirs. A flash-sale hold lasts
    `flash_hold_seconds` from the buyer's first hold in that sale: later holds
    in the same sale end with it, so a new checkout never extends it.
    """

    address: str
    per_buyer: int
    per_address: int
    sale_address_factor: int
    flash_hold_seconds: float


@dataclass(frozen=True)
class Hold:
    """One stock hold as stored."""

    hold_id: str
    variant_id: str
    quantity: int
    buyer_id: str
    sale_id: str | None
    state: HoldState
    deadline_ms: int


@dataclass(frozen=True)
class HoldOutcome:
    """The hold after an operation; `changed` is False when it was an idempotent replay."""

    hold: Hold
    changed: bool


@dataclass(frozen=True)
class StockLevels:
    """A variant's counters; `total` (available + held + sold) is its stock as last set."""

    available: int
    held: int
    sold: int

    @property
    def total(self) -> int:
        """available + held + sold."""
        return self.available + self.held + self.sold


@dataclass(frozen=True)
class SaleLevels:
    """Units held and sold under one flash sale."""

    held: int
    sold: int

    @property
    def taken(self) -> int:
        """Units counted against the sale's cap."""
        return self.held + self.sold


def validate_id(value: str, field: str) -> str:
    """An id that is safe inside a Redis key name, else ValidationFailed."""
    if not _ID.fullmatch(value):
        raise ValidationFailed(
            f"{field} must be 1-128 letters, digits, '_' or '-'", field=field, reason="bad_format"
        )
    return value


def validate_hold_request(
    hold_id: str,
    variant_id: str,
    quantity: int,
    buyer_id: str,
    ttl_seconds: float,
    sale: SaleLimits | None,
    caps: HoldCaps | None = None,
) -> None:
    """Check a hold request's arguments, raising ValidationFailed naming the field."""
    validate_id(hold_id, "hold_id")
    validate_id(variant_id, "variant_id")
    validate_id(buyer_id, "buyer_id")
    if isinstance(quantity, bool) or not 1 <= quantity <= MAX_HOLD_QUANTITY:
        raise ValidationFailed(
            f"quantity must be 1 to {MAX_HOLD_QUANTITY}",
            field="quantity",
            reason=number_reason(quantity, 1),
            min=1,
            max=MAX_HOLD_QUANTITY,
        )
    if not 0 < ttl_seconds <= MAX_HOLD_TTL_SECONDS:
        raise ValidationFailed(
            "ttl_seconds is out of range",
            field="ttl_seconds",
            reason="too_small" if ttl_seconds <= 0 else "too_large",
            max=MAX_HOLD_TTL_SECONDS,
        )
    if sale is not None:
        validate_id(sale.sale_id, "sale.sale_id")
        if not 0 <= sale.quantity <= MAX_STOCK:
            raise ValidationFailed(
                "sale quantity is out of range",
                field="sale.quantity",
                reason=number_reason(sale.quantity, 0),
                min=0,
                max=MAX_STOCK,
            )
        limit = sale.per_buyer_limit
        if limit is not None and limit < 1:
            raise ValidationFailed(
                "per-buyer limit must be positive",
                field="sale.per_buyer_limit",
                reason="too_small",
                min=1,
            )
        if sale.ends_at_ms is not None and sale.ends_at_ms < 0:
            raise ValidationFailed(
                "sale end is out of range", field="sale.ends_at_ms", reason="too_small", min=0
            )
    if caps is not None:
        _validate_caps(caps)


def _validate_caps(caps: HoldCaps) -> None:
    # The address ends a Redis key name: no spaces or control characters in it.
    if not _ADDRESS.fullmatch(caps.address):
        raise ValidationFailed(
            "the buyer's address key is malformed", field="caps.address", reason="bad_format"
        )
    numbers = (caps.per_buyer, caps.per_address, caps.sale_address_factor)
    if min(numbers) < 1 or not 0 < caps.flash_hold_seconds <= MAX_HOLD_TTL_SECONDS:
        raise ValidationFailed("hold caps are out of range", field="caps", reason="too_small")


def validate_total(total: int) -> int:
    """A variant's total stock: 0..MAX_STOCK."""
    if isinstance(total, bool) or not 0 <= total <= MAX_STOCK:
        raise ValidationFailed(
            f"stock must be 0 to {MAX_STOCK}",
            field="stock",
            reason=number_reason(total, 0),
            min=0,
            max=MAX_STOCK,
        )
    return total


def hold_from_fields(hold_id: str, fields: Mapping[str, str]) -> Hold:
    """A Hold from its stored hash fields."""
    return Hold(
        hold_id=hold_id,
        variant_id=fields["variant"],
        quantity=int(fields["quantity"]),
        buyer_id=fields["buyer"],
        sale_id=fields["sale"] or None,
        state=HoldState(fields["state"]),
        deadline_ms=int(fields["deadline"]),
    )


def same_request(
    hold: Hold, variant_id: str, quantity: int, buyer_id: str, sale: SaleLimits | None
) -> bool:
    """Whether a retried hold asks for what the stored one holds.

    A hold asking for a live sale may have been taken at the regular price
    (the sale had closed): a retry of it is still the same request.
    """
    sale_id = None if sale is None else sale.sale_id
    same_sale = hold.sale_id == sale_id or (
        hold.sale_id is None and sale is not None and sale.ends_at_ms is not None
    )
    return same_sale and (hold.variant_id, hold.quantity, hold.buyer_id) == (
        variant_id,
        quantity,
        buyer_id,
    )


def refusal(reason: str, value: int, requested: int) -> LivesaleError:
    """The error for a refusal reason from the hold script."""
    if reason == "out_of_stock":
        return OutOfStock("not enough stock", available=value, requested=requested)
    if reason == "sold_out":
        return FlashSaleSoldOut("the flash sale is sold out", remaining=value, requested=requested)
    if reason == "per_buyer_limit":
        return PerBuyerLimitReached(
            "the per-buyer limit is reached", limit=value, requested=requested
        )
    if reason == "show_ended":
        return show_ended_refusal()
    raise ValueError(f"unknown refusal reason {reason!r}")


def person_refusal(reason: str, limit: int, held: int, requested: int) -> LivesaleError:
    """The error for a refusal by a per-person cap: units held at once, or a sale's limit."""
    if reason == "address_sale_limit":
        return PerBuyerLimitReached(
            "the flash sale's limit for your network address is reached",
            limit=limit,
            requested=requested,
            scope="address",
        )
    if reason in ("buyer_cap", "address_cap"):
        scope = reason.removesuffix("_cap")
        return HoldLimitReached(
            f"you already hold {held} units; at most {limit} may be held at once per {scope}",
            scope=scope,
            limit=limit,
            held=held,
            requested=requested,
        )
    raise ValueError(f"unknown refusal reason {reason!r}")


def show_ended_refusal() -> ShowEnded:
    """The error for buying live from a show that has ended."""
    return ShowEnded("this show has ended: buy from its replay")


def hold_not_found(hold_id: str) -> HoldNotFound:
    """The error for an unknown hold id."""
    return HoldNotFound("no such stock hold", hold_id=hold_id)


def hold_expired(hold: Hold) -> HoldExpired:
    """The error for committing a hold whose stock already went back."""
    return HoldExpired(
        "the stock hold is no longer held", hold_id=hold.hold_id, state=hold.state.value
    )


def hold_mismatch(hold: Hold) -> HoldMismatch:
    """The error for a hold id reused with different arguments."""
    return HoldMismatch("this hold id was used for a different hold", hold_id=hold.hold_id)


def below_reserved(variant_id: str, held: int, sold: int) -> StockBelowReserved:
    """The error for setting a variant's stock below held + sold."""
    return StockBelowReserved(
        "stock cannot go below the units held and sold",
        variant_id=variant_id,
        held=held,
        sold=sold,
        minimum=held + sold,
    )
