"""Shipping-profile and coupon request bodies read into typed values."""

from __future__ import annotations

from typing import Any

from livesale.domain.coupons import MAX_USES, CouponKind, CouponTerms, check_code
from livesale.domain.errors import ValidationFailed
from livesale.domain.money import MAX_PRICE_MINOR, validate_currency
from livesale.domain.orders import clean_country
from livesale.domain.shipping import MAX_COUNTRIES, MAX_SHIPPING_MINOR, ShippingProfile
from livesale.domain.validation import reject_unknown_fields, whole_number_refusal
from livesale.web.field_readers import optional_bool, string_list

SHIPPING_FIELDS = frozenset(
    {"currency", "flat_minor", "per_item_minor", "free_above_minor", "countries"}
)
COUPON_FIELDS = frozenset(
    {
        "code",
        "kind",
        "value",
        "currency",
        "max_discount_minor",
        "show_id",
        "min_spend_minor",
        "first_order_only",
        "max_uses",
        "starts_at",
        "ends_at",
        "enabled",
    }
)


def whole(body: dict[str, Any], name: str, low: int, high: int, *, default: int | None) -> int:
    """`body[name]` as a whole number from `low` to `high` (`default` when absent)."""
    value = body.get(name)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise whole_number_refusal(value, name, low, high)
    return value


def optional_whole(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    """`body[name]` as a whole number from `low` to `high`, or None when absent or null."""
    if body.get(name) is None:
        return None
    return whole(body, name, low, high, default=None)


def optional_time(body: dict[str, Any], name: str) -> float | None:
    """`body[name]` as epoch seconds, or None when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValidationFailed(
            f"{name} must be a time in epoch seconds", field=name, reason="wrong_type"
        )
    return float(value)


def parse_shipping_profile(body: dict[str, Any]) -> ShippingProfile:
    """A `PUT /api/shipping-profile` body."""
    reject_unknown_fields(body, SHIPPING_FIELDS)
    raw_countries = body.get("countries", [])
    countries = string_list(
        raw_countries, "countries", "countries must be a list of two-letter ISO codes"
    )
    if len(countries) > MAX_COUNTRIES:
        raise ValidationFailed(
            f"countries may list at most {MAX_COUNTRIES} codes",
            field="countries",
            reason="too_many",
            max=MAX_COUNTRIES,
        )
    cleaned: list[str] = []
    for index, raw in enumerate(countries):
        try:
            code = clean_country(raw)
        except ValidationFailed:
            raise ValidationFailed(
                f"countries[{index}] must be a two-letter ISO 3166 code such as US or CN",
                field=f"countries[{index}]",
                reason="bad_format",
            ) from None
        if code not in cleaned:
            cleaned.append(code)
    return ShippingProfile(
        currency=validate_currency(body.get("currency")),
        flat_minor=whole(body, "flat_minor", 0, MAX_SHIPPING_MINOR, default=0),
        per_item_minor=whole(body, "per_item_minor", 0, MAX_SHIPPING_MINOR, default=0),
        free_above_minor=optional_whole(body, "free_above_minor", 0, MAX_PRICE_MINOR),
        countries=tuple(sorted(cleaned)),
    )


def parse_coupon(body: dict[str, Any]) -> CouponTerms:
    """A `POST /api/coupons` or `PUT /api/coupons/{id}` body (checked by check_terms)."""
    reject_unknown_fields(body, COUPON_FIELDS)
    try:
        kind = CouponKind(str(body.get("kind")))
    except ValueError:
        raise ValidationFailed(
            "kind must be fixed or percent", field="kind", reason="bad_format"
        ) from None
    show_id = body.get("show_id")
    if show_id is not None and (not isinstance(show_id, str) or not show_id):
        raise ValidationFailed(
            "show_id must be a show's id or null", field="show_id", reason="wrong_type"
        )
    high = 100 if kind is CouponKind.PERCENT else MAX_PRICE_MINOR
    return CouponTerms(
        code=check_code(body.get("code")),
        kind=kind,
        value=whole(body, "value", 1, high, default=None),
        currency=validate_currency(body.get("currency")),
        max_discount_minor=optional_whole(body, "max_discount_minor", 1, MAX_PRICE_MINOR),
        show_id=show_id,
        min_spend_minor=whole(body, "min_spend_minor", 0, MAX_PRICE_MINOR, default=0),
        first_order_only=optional_bool(body, "first_order_only") or False,
        max_uses=optional_whole(body, "max_uses", 1, MAX_USES),
        starts_at=optional_time(body, "starts_at"),
        ends_at=optional_time(body, "ends_at"),
        enabled=True if optional_bool(body, "enabled") is None else bool(body["enabled"]),
    )


def parse_coupon_code(body: dict[str, Any]) -> str | None:
    """The order form's optional `coupon` (case does not matter); None when empty."""
    raw = body.get("coupon")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return check_code(raw, "coupon")
