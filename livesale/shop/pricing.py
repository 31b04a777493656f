"""The shop's prices beyond the catalogue: shipping profiles, coupons, and pricing an order."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from livesale.domain.accounts import Creator
from livesale.domain.coupons import Coupon, CouponStats, CouponTerms, check_applies, check_terms
from livesale.domain.errors import CouponAlreadyUsed, CouponNotFound
from livesale.domain.orders import Address, OrderLine, OrderPricing
from livesale.domain.pricing import Price, price_order
from livesale.domain.shipping import (
    ShippingProfile,
    bundle_of,
    check_profile_currency,
    check_ships_to,
)
from livesale.storage.buyer_orders import BuyerOrders
from livesale.storage.coupons import CouponRepository
from livesale.storage.shipping import ShippingRepository


@dataclass(frozen=True, slots=True)
class OrderQuote:
    """An order's price and the coupon whose use it takes, if any."""

    price: Price
    coupon: Coupon | None

    @property
    def pricing(self) -> OrderPricing:
        """What the order stores beside its lines."""
        return OrderPricing(
            discount_minor=self.price.discount_minor,
            shipping_minor=self.price.shipping_minor,
            coupon_id=None if self.coupon is None else self.coupon.id,
            coupon_code=None if self.coupon is None else self.coupon.code,
            combined_with=self.price.combined_with,
        )


@dataclass(frozen=True, slots=True)
class OrderToPrice:
    """Who buys what, where it goes, in which show of which shop, with which code."""

    viewer_id: str
    creator_id: str
    show_id: str
    currency: str
    lines: Sequence[OrderLine]  # each at its unit price (the catalogue's, a bid's, zero)
    address: Address
    coupon_code: str | None


class PricingService:
    """Shipping profiles and coupons of shops, and the price of an order with them."""

    def __init__(
        self,
        shipping: ShippingRepository,
        coupons: CouponRepository,
        orders: BuyerOrders,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._shipping = shipping
        self._coupons = coupons
        self._orders = orders
        self._clock = clock

    async def quote(self, wanted: OrderToPrice) -> OrderQuote:
        """The order's price: lines, then the coupon, then shipping (refusals raise).

        Every order (a Buy, a cart, an auction's win, a giveaway's prize) is priced
        here, so it gets the shop's shipping and its place in the buyer's shipment.
        """
        profile = await self._shipping.get(wanted.creator_id)
        check_ships_to(profile, wanted.address)
        check_profile_currency(profile, wanted.currency)
        coupon = None
        if wanted.coupon_code is not None:
            coupon = await self._usable_coupon(wanted)
        earlier = await self._orders.in_show(wanted.viewer_id, wanted.show_id)
        bundle = bundle_of(earlier, wanted.show_id, wanted.viewer_id, wanted.address)
        price = price_order(wanted.lines, coupon=coupon, profile=profile, bundle=bundle)
        return OrderQuote(price, coupon)

    async def _usable_coupon(self, wanted: OrderToPrice) -> Coupon:
        code = wanted.coupon_code or ""
        coupon = await self._coupons.by_code(wanted.creator_id, code)
        if coupon is None:
            raise CouponNotFound("no coupon of this shop has this code", code=code)
        check_applies(
            coupon,
            show_id=wanted.show_id,
            currency=wanted.currency,
            goods_minor=sum(line.line_total_minor for line in wanted.lines),
            has_paid_order=await self._orders.has_paid(wanted.viewer_id, wanted.creator_id),
            now=self._clock(),
        )
        if await self._coupons.used_by(coupon.id, wanted.viewer_id):
            # Checked again, atomically, when the order takes the use.
            raise CouponAlreadyUsed("you have used this coupon already", code=coupon.code)
        return coupon

    async def shipping_profile(self, creator: Creator) -> ShippingProfile | None:
        """The creator's shipping profile (None: free shipping to anywhere)."""
        return await self._shipping.get(creator.id)

    async def set_shipping_profile(
        self, creator: Creator, profile: ShippingProfile | None
    ) -> ShippingProfile | None:
        """Set (or, with None, remove) the creator's shipping profile."""
        if profile is None:
            await self._shipping.delete(creator.id)
            return None
        return await self._shipping.put(creator.id, profile)

    async def add_coupon(self, creator: Creator, terms: CouponTerms) -> Coupon:
        """A new coupon of the creator's shop."""
        return await self._coupons.create(creator.id, check_terms(terms))

    async def change_coupon(self, creator: Creator, coupon_id: str, terms: CouponTerms) -> Coupon:
        """Replace a coupon's terms (only the shop's own coupons are found)."""
        return await self._coupons.update(creator.id, coupon_id, check_terms(terms))

    async def coupon_stats(self, creator: Creator) -> list[CouponStats]:
        """The shop's coupons with their uses, discount given and revenue."""
        return await self._coupons.stats(creator.id)
