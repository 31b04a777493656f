"""Shipping profiles and coupons as the API shows them."""

from __future__ import annotations

from typing import Any

from livesale.domain.coupons import Coupon, CouponStats
from livesale.domain.shipping import ShippingProfile


def shipping_profile_json(profile: ShippingProfile | None) -> dict[str, Any] | None:
    """A shop's shipping rates (null: free shipping to anywhere)."""
    if profile is None:
        return None
    return {
        "currency": profile.currency,
        "flat_minor": profile.flat_minor,
        "per_item_minor": profile.per_item_minor,
        "free_above_minor": profile.free_above_minor,
        "countries": list(profile.countries),
    }


def coupon_json(coupon: Coupon) -> dict[str, Any]:
    """A coupon with its terms and the uses taken (reserved by unpaid orders or paid)."""
    terms = coupon.terms
    return {
        "id": coupon.id,
        "code": terms.code,
        "kind": terms.kind.value,
        "value": terms.value,
        "currency": terms.currency,
        "max_discount_minor": terms.max_discount_minor,
        "show_id": terms.show_id,
        "min_spend_minor": terms.min_spend_minor,
        "first_order_only": terms.first_order_only,
        "max_uses": terms.max_uses,
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "enabled": terms.enabled,
        "uses_taken": coupon.uses_taken,
        "created_at": coupon.created_at,
    }


def coupon_stats_json(stats: CouponStats) -> dict[str, Any]:
    """A coupon and how it did: paid uses, discount given, revenue of its paid orders."""
    return {
        **coupon_json(stats.coupon),
        "paid_uses": stats.paid_uses,
        "discount_minor": stats.discount_minor,
        "revenue_minor": stats.revenue_minor,
    }
