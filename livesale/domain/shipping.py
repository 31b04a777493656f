"""Shipping profiles and combined shipping: one charge per buyer per show (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livesale.domain.errors import CurrencyMismatch, ShippingNotAvailable
from livesale.domain.fulfilment import parcel_id
from livesale.domain.orders import Address, Order, OrderStatus

MAX_SHIPPING_MINOR = 10_000_000
MAX_COUNTRIES = 250
# Orders whose money is taken and whose goods still travel.
_SHIPPING_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})


@dataclass(frozen=True, slots=True)
class ShippingProfile:
    """A shop's shipping rates, in minor units of `currency`.

    A shipment costs `flat_minor` + `per_item_minor` per unit, nothing once its
    goods (after discounts) reach `free_above_minor`; `countries` (ISO codes) are
    where the shop ships, every country when empty.
    """

    currency: str
    flat_minor: int
    per_item_minor: int
    free_above_minor: int | None
    countries: tuple[str, ...]

    def charge_for(self, units: int, goods_minor: int) -> int:
        """What one shipment of `units` units worth `goods_minor` costs."""
        if units <= 0:
            return 0
        if self.free_above_minor is not None and goods_minor >= self.free_above_minor:
            return 0
        return self.flat_minor + self.per_item_minor * units


@dataclass(frozen=True, slots=True)
class Bundle:
    """The buyer's paid orders of this show to this address: one shipment, shipping paid."""

    first_order_id: str | None  # the order that opened the shipment (None: no earlier order)
    units: int
    goods_minor: int
    shipping_paid_minor: int


EMPTY_BUNDLE = Bundle(None, 0, 0, 0)


def check_ships_to(profile: ShippingProfile | None, address: Address) -> None:
    """ShippingNotAvailable unless the shop ships to the address's country."""
    if profile is not None and profile.countries and address.country not in profile.countries:
        raise ShippingNotAvailable(
            f"this shop does not ship to {address.country}",
            country=address.country,
            countries=list(profile.countries),
        )


def check_profile_currency(profile: ShippingProfile | None, currency: str) -> None:
    """CurrencyMismatch when the shop's rates are in another currency than the order."""
    if profile is not None and profile.currency != currency:
        raise CurrencyMismatch(
            f"this shop's shipping rates are in {profile.currency}, the order in {currency}",
            currencies=sorted({profile.currency, currency}),
        )


def bundle_of(orders: Sequence[Order], show_id: str, viewer_id: str, address: Address) -> Bundle:
    """The shipment the buyer's paid `orders` of the show already opened to `address`
    (the same parcel: domain.fulfilment.parcel_id)."""
    parcel = parcel_id(show_id, viewer_id, address)
    members = [
        order
        for order in sorted(orders, key=lambda o: (o.created_at, o.id))
        if order.status in _SHIPPING_STATUSES
        and order.show_id == show_id
        and order.viewer_id == viewer_id
        and parcel_id(show_id, viewer_id, order.details.address) == parcel
    ]
    if not members:
        return EMPTY_BUNDLE
    units = 0
    goods = 0
    for order in members:
        for line in order.lines:
            if not line.refunded:
                units += line.quantity
                goods += line.line_total_minor - line.discount_minor
    return Bundle(
        first_order_id=members[0].id,
        units=units,
        goods_minor=goods,
        shipping_paid_minor=sum(o.shipping_minor - o.shipping_refunded_minor for o in members),
    )


def combined_charge(
    profile: ShippingProfile | None, bundle: Bundle, units: int, goods_minor: int
) -> int:
    """What a new order adds to its shipment's shipping.

    The shipment's charge over every unit and good in it, less what its earlier
    orders paid already, never below zero: the first order pays the flat rate, a
    later one only the per-item rate of its units, and nothing once the shipment
    reaches the free-shipping amount (what was paid before is not given back).
    """
    if profile is None:
        return 0
    whole = profile.charge_for(bundle.units + units, bundle.goods_minor + goods_minor)
    return max(0, whole - bundle.shipping_paid_minor)


def shipping_to_return(order: Order, buyer_orders: Sequence[Order]) -> list[Order]:
    """The orders whose shipping goes back now that `order`'s lines are all refunded.

    None while another order of the same shipment (the buyer's paid orders of the
    show to the same address) still has a line to send; else every order of the
    shipment that paid shipping not yet given back (a refund in full gave its own).
    """
    parcel = parcel_id(order.show_id, order.viewer_id, order.details.address)
    members = [
        other
        for other in buyer_orders
        if other.id != order.id
        and other.paid_at is not None
        and parcel_id(other.show_id, other.viewer_id, other.details.address) == parcel
    ]
    if any(
        other.status in _SHIPPING_STATUSES and not all(line.refunded for line in other.lines)
        for other in members
    ):
        return []
    refunded_by_lines = [
        other
        for other in members
        if other.status in _SHIPPING_STATUSES
        or (other.status is OrderStatus.REFUNDED and any(line.refunded for line in other.lines))
    ]
    return [
        member
        for member in (order, *refunded_by_lines)
        if member.shipping_minor > member.shipping_refunded_minor
    ]
