"""An order's price: its lines, then the coupon, then the shipping (pure, no I/O).

One function prices every order (a Buy, a cart, an auction's winning bid, a
giveaway's prize): the caller gives lines at their unit price, the coupon if
any and the buyer's shipment so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from livesale.domain.coupons import Coupon, discount_for
from livesale.domain.orders import OrderLine
from livesale.domain.shipping import Bundle, ShippingProfile, combined_charge


@dataclass(frozen=True, slots=True)
class Price:
    """An order's price: lines carrying their discount share, the discount, the shipping."""

    lines: tuple[OrderLine, ...]
    subtotal_minor: int
    discount_minor: int
    shipping_minor: int
    combined_with: str | None  # the earlier order whose shipment this joins

    @property
    def total_minor(self) -> int:
        """What the buyer pays: goods less the discount, plus shipping."""
        return self.subtotal_minor - self.discount_minor + self.shipping_minor


def split_discount(lines: Sequence[OrderLine], discount_minor: int) -> list[int]:
    """Each line's share of `discount_minor`, in proportion to its total.

    Shares are rounded down, then the minor units left over go one each to the
    lines with the largest remainders (the earlier line on a tie), so the shares
    add up to the discount exactly and none exceeds its line.
    """
    totals = [line.line_total_minor for line in lines]
    whole = sum(totals)
    if whole == 0 or discount_minor == 0:
        return [0 for _ in lines]
    shares = [total * discount_minor // whole for total in totals]
    remainders = [total * discount_minor % whole for total in totals]
    left = discount_minor - sum(shares)
    order = sorted(range(len(lines)), key=lambda i: (-remainders[i], i))
    for index in order[:left]:
        shares[index] += 1
    return shares


def price_order(
    lines: Sequence[OrderLine],
    *,
    coupon: Coupon | None,
    profile: ShippingProfile | None,
    bundle: Bundle,
) -> Price:
    """The price of an order of `lines` (each at its unit price) with `coupon` and shipping.

    The coupon's discount is taken off the goods and split over the lines
    (split_discount); shipping is what the order adds to the buyer's shipment of
    this show (domain.shipping.combined_charge) over its goods after the discount.
    """
    subtotal = sum(line.line_total_minor for line in lines)
    discount = 0 if coupon is None else discount_for(coupon.terms, subtotal)
    # A paid order keeps at least one minor unit to pay: a payment of nothing cannot be taken.
    discount = max(0, min(discount, subtotal - 1))
    shares = split_discount(lines, discount)
    priced = tuple(
        replace(line, discount_minor=share) for line, share in zip(lines, shares, strict=True)
    )
    units = sum(line.quantity for line in lines)
    shipping = combined_charge(profile, bundle, units, subtotal - discount)
    return Price(
        lines=priced,
        subtotal_minor=subtotal,
        discount_minor=discount,
        shipping_minor=shipping,
        combined_with=bundle.first_order_id,
    )
