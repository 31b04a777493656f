"""Coupons: codes a shop gives out, what they take off an order and who may use them (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import (
    CouponExpired,
    CouponMinimumNotMet,
    CouponNotFirstOrder,
    CouponNotFound,
    CouponWrongShow,
    CurrencyMismatch,
    ValidationFailed,
)

MAX_PERCENT = 100
MAX_USES = 1_000_000
_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,31}")


class CouponKind(StrEnum):
    """A fixed amount off, or a percentage of the goods (with an optional cap)."""

    FIXED = "fixed"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class CouponTerms:
    """What a creator sets on a coupon (everything but its id and usage)."""

    code: str  # upper-case; codes are compared without letter case
    kind: CouponKind
    value: int  # minor units off (fixed) or a whole percentage 1-100 (percent)
    currency: str  # of the fixed value, the cap and the minimum spend
    max_discount_minor: int | None  # the percent discount's cap
    show_id: str | None  # one show of the shop, or None for every show
    min_spend_minor: int
    first_order_only: bool
    max_uses: int | None  # uses across every buyer; None: no cap
    starts_at: float | None
    ends_at: float | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class Coupon:
    """A shop's coupon with its terms and how many uses are taken (reserved or paid)."""

    id: str
    creator_id: str
    terms: CouponTerms
    uses_taken: int
    created_at: float

    @property
    def code(self) -> str:
        """The code buyers type (upper-case)."""
        return self.terms.code


@dataclass(frozen=True, slots=True)
class CouponStats:
    """How a code did: paid uses, the discount it gave, the revenue of its paid orders."""

    coupon: Coupon
    paid_uses: int
    discount_minor: int
    revenue_minor: int


def normalise_code(raw: str) -> str:
    """A code as stored and compared: trimmed, upper-case."""
    return raw.strip().upper()


def check_code(raw: object, field: str = "code") -> str:
    """A coupon code: 3-32 letters, digits, '_' or '-' (letter case does not matter)."""
    code = normalise_code(raw) if isinstance(raw, str) else ""
    if not _CODE.fullmatch(code):
        raise ValidationFailed(
            "code must be 3-32 letters, digits, '_' or '-', starting with a letter or digit",
            field=field,
            reason="wrong_type" if not isinstance(raw, str) else "bad_format",
        )
    return code


def check_terms(terms: CouponTerms) -> CouponTerms:
    """Refuse terms that do not hang together (a percent over 100, a window ending first)."""
    if terms.kind is CouponKind.PERCENT and not 1 <= terms.value <= MAX_PERCENT:
        raise ValidationFailed(
            "value of a percent coupon must be 1 to 100",
            field="value",
            reason="too_small" if terms.value < 1 else "too_large",
            min=1,
            max=MAX_PERCENT,
        )
    if terms.kind is CouponKind.FIXED and terms.max_discount_minor is not None:
        raise ValidationFailed(
            "max_discount_minor applies to percent coupons only",
            field="max_discount_minor",
            reason="not_allowed",
        )
    if (
        terms.starts_at is not None
        and terms.ends_at is not None
        and terms.ends_at <= terms.starts_at
    ):
        raise ValidationFailed(
            "ends_at must be after starts_at", field="ends_at", reason="too_small"
        )
    return terms


def discount_for(terms: CouponTerms, goods_minor: int) -> int:
    """What the coupon takes off goods worth `goods_minor`.

    A percentage is rounded down to the minor unit (never more than the stated
    percentage), then capped; no coupon takes off more than the goods cost.
    """
    if terms.kind is CouponKind.FIXED:
        return min(terms.value, goods_minor)
    amount = goods_minor * terms.value // 100
    if terms.max_discount_minor is not None:
        amount = min(amount, terms.max_discount_minor)
    return min(amount, goods_minor)


def check_applies(
    coupon: Coupon,
    *,
    show_id: str,
    currency: str,
    goods_minor: int,
    has_paid_order: bool,
    now: float,
) -> None:
    """Refuse a coupon that cannot be used on this order (its uses are checked when taken)."""
    terms = coupon.terms
    if not terms.enabled:
        raise CouponNotFound("no coupon of this shop has this code", code=terms.code)
    if (terms.starts_at is not None and now < terms.starts_at) or (
        terms.ends_at is not None and now >= terms.ends_at
    ):
        raise CouponExpired(
            "this coupon is not valid now",
            code=terms.code,
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
        )
    if terms.show_id is not None and terms.show_id != show_id:
        raise CouponWrongShow("this coupon is for another show", code=terms.code)
    if terms.currency != currency:
        raise CurrencyMismatch(
            f"this coupon is in {terms.currency}, the order in {currency}",
            currencies=sorted({terms.currency, currency}),
        )
    if goods_minor < terms.min_spend_minor:
        raise CouponMinimumNotMet(
            "the order is below this coupon's minimum spend",
            code=terms.code,
            min_spend_minor=terms.min_spend_minor,
            currency=terms.currency,
        )
    if terms.first_order_only and has_paid_order:
        raise CouponNotFirstOrder("this coupon is for a first order only", code=terms.code)
