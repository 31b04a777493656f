"""Checkouts: stock held for a buyer, priced by the server, waiting for an order (pure)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from livesale.domain.errors import CurrencyMismatch, NotForSale, ShowNotEnded, ValidationFailed
from livesale.domain.orders import OrderLine
from livesale.domain.pins import TimelineEvent, TimelineKind
from livesale.domain.products import Product, ProductStatus, Variant
from livesale.domain.shows import Show, ShowStatus
from livesale.domain.stock import SaleLimits
from livesale.domain.validation import number_reason

_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class Checkout:
    """Held stock for one buyer in one show, until an order is placed or the hold ends."""

    id: str
    viewer_id: str
    show_id: str
    creator_id: str
    currency: str
    lines: tuple[OrderLine, ...]
    expires_at: float
    from_cart: bool
    order_id: str | None = None

    @property
    def total_minor(self) -> int:
        """Sum of the lines."""
        return sum(line.line_total_minor for line in self.lines)

    def with_order(self, order_id: str) -> Checkout:
        """The same checkout, now turned into `order_id`."""
        return replace(self, order_id=order_id)


@dataclass(frozen=True, slots=True)
class BuyNowRequest:
    """One item bought with Buy now, live or from the replay."""

    variant_id: str
    quantity: int
    request_id: str  # the client's retry key: the same purchase retried keeps it
    pin_id: int | None  # the pin on the buyer's screen, if any
    replay_offset_ms: int | None  # set when bought while watching the replay


@dataclass(frozen=True)
class PricedItem:
    """A variant at the price it sells for right now, with the flash sale's caps if any."""

    product: Product
    variant: Variant
    unit_price_minor: int
    sale: SaleLimits | None
    pin_id: int | None = None  # the pin showing this product, when it was priced


def validate_request_id(value: object) -> str:
    """The client's retry key for a purchase: 8-64 letters, digits, '_' or '-'."""
    if not isinstance(value, str) or not _REQUEST_ID.fullmatch(value):
        raise ValidationFailed(
            "request_id must be 8-64 letters, digits, '_' or '-' (a new one per purchase, "
            "the same one when retrying)",
            field="request_id",
            reason="bad_format",
        )
    return value


def parse_quantity(raw: object, limit: int, *, allow_zero: bool = False) -> int:
    """A line quantity: a whole number from 1 (or 0) to `limit`."""
    low = 0 if allow_zero else 1
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= limit:
        raise ValidationFailed(
            f"quantity must be a whole number from {low} to {limit}",
            field="quantity",
            reason=number_reason(raw, low),
            min=low,
            max=limit,
        )
    return raw


def checkout_id_for(viewer_id: str, show_id: str, request_id: str) -> str:
    """The checkout id of a purchase: the same request retried maps to the same checkout."""
    digest = hashlib.sha256(f"{viewer_id}\x00{show_id}\x00{request_id}".encode()).hexdigest()
    return "co_" + digest[:24]


def hold_id_for(checkout_id: str, index: int) -> str:
    """The stock hold of a checkout's line `index`."""
    return f"{checkout_id}-{index}"


_SALE_PREFIX = "pin"


def sale_id_for(pin: TimelineEvent) -> str:
    """The flash sale's id in the stock counters: one per pin."""
    return f"{_SALE_PREFIX}{pin.id}"


def pin_id_of_sale(sale_id: str) -> int | None:
    """The pin a flash sale's id names (the inverse of sale_id_for), or None."""
    number = sale_id.removeprefix(_SALE_PREFIX)
    return int(number) if number != sale_id and number.isdigit() else None


def sellable_variant(product: Product, variant_id: str, bag: list[str]) -> Variant:
    """The variant if it may be bought in this show, else NotForSale."""
    if product.id not in bag or product.status is not ProductStatus.ACTIVE:
        raise NotForSale("this product is not for sale in this show", product_id=product.id)
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None or variant.archived:
        raise NotForSale("this variant is not for sale", variant_id=variant_id)
    return variant


def price_item(
    product: Product, variant: Variant, pin: TimelineEvent | None, now: float
) -> PricedItem:
    """The variant's price now: the flash-sale price while its pin's sale runs."""
    pin_id = pin_showing(pin, product)
    if (
        pin is not None
        and pin.kind is TimelineKind.PIN
        and pin.product_id == product.id
        and pin.flash_sale is not None
        and pin.flash_sale.currency == variant.currency
        and (pin.sale_ends_at or 0) > now
    ):
        sale = pin.flash_sale
        ends_at_ms = round((pin.sale_ends_at or 0) * 1000)
        limits = SaleLimits(sale_id_for(pin), sale.quantity, sale.per_buyer_limit, ends_at_ms)
        return PricedItem(product, variant, sale.sale_price_minor, limits, pin_id)
    return PricedItem(product, variant, variant.price_minor, None, pin_id)


def at_regular_price(item: PricedItem) -> PricedItem:
    """The same item without its flash sale (the sale closed before the hold was taken)."""
    return replace(item, unit_price_minor=item.variant.price_minor, sale=None)


def parse_replay_offset(raw: object) -> int | None:
    """`replay_offset_ms` of a Buy: absent (None), else a whole number of ms >= 0."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValidationFailed(
            "replay_offset_ms must be a whole number of milliseconds since the show went live",
            field="replay_offset_ms",
            reason=number_reason(raw, 0),
            min=0,
        )
    return raw


def replay_pin(events: Sequence[TimelineEvent], pin_id: int, product: Product) -> TimelineEvent:
    """The pin `pin_id` among the show's `events` if it showed `product`, else ValidationFailed."""
    for event in events:
        if event.id == pin_id and event.kind is TimelineKind.PIN and event.product_id == product.id:
            return event
    raise ValidationFailed(
        "pin_id must be a pin of this product in this show",
        field="pin_id",
        reason="not_found",
        pin_id=pin_id,
        product_id=product.id,
    )


def pin_until_ms(events: Sequence[TimelineEvent], pin: TimelineEvent) -> int | None:
    """The show offset where `pin` left the screen (the next pin or unpin), or None."""
    later = [event for event in events if event.id > pin.id]
    return min(later, key=lambda event: event.id).offset_ms if later else None


def replay_sale_until_ms(pin: TimelineEvent, until_ms: int | None) -> int | None:
    """The show offset where the pin's live flash sale stopped (None without a sale)."""
    # Its countdown's end, or sooner if the pin left the screen first: the live
    # then priced by the next pin.
    if pin.flash_sale is None:
        return None
    end = pin.offset_ms + pin.flash_sale.duration_seconds * 1000
    return end if until_ms is None else min(end, until_ms)


def price_replay_item(
    product: Product,
    variant: Variant,
    pin: TimelineEvent,
    until_ms: int | None,
    replay_offset_ms: int,
    *,
    flash_sales: bool,
) -> PricedItem:
    """The variant's price bought from the replay at `replay_offset_ms` into the show.

    The regular price, unless the show offers flash-sale prices in the replay
    (`flash_sales`) and the offset falls where the pin's live sale ran: then the
    sale's price and caps under the live sale's id, so both share its units.
    """
    sale = pin.flash_sale
    sale_end = replay_sale_until_ms(pin, until_ms)
    if (
        flash_sales
        and sale is not None
        and sale_end is not None
        and sale.currency == variant.currency
        and pin.offset_ms <= replay_offset_ms < sale_end
    ):
        limits = SaleLimits(sale_id_for(pin), sale.quantity, sale.per_buyer_limit)
        return PricedItem(product, variant, sale.sale_price_minor, limits, pin.id)
    return PricedItem(product, variant, variant.price_minor, None, pin.id)


def pin_showing(pin: TimelineEvent | None, product: Product) -> int | None:
    """The id of `pin` if it is a pin of `product` (a Buy tap or sale comes from it)."""
    if pin is not None and pin.kind is TimelineKind.PIN and pin.product_id == product.id:
        return pin.id
    return None


@dataclass(frozen=True, slots=True)
class BuyBundle:
    """Everything one Buy reads from the catalogue, fetched in one go."""

    show: Show
    # The product and variant bought; None for a live Buy in an ended show (nothing
    # else is read then: the show refuses it).
    offer: tuple[Product, Variant] | None
    pin: TimelineEvent | None = None  # live: the pin on screen (the newest, if the buyer saw it)
    timeline: tuple[TimelineEvent, ...] = ()  # replay with a pin: the show's pins and unpins


def price_buy(
    bundle: BuyBundle, seen_pin: int | None, replay_offset_ms: int | None, now: float
) -> PricedItem:
    """What one Buy holds and at what price, from its bundle.

    Live (no `replay_offset_ms`): priced by the pin on screen. From the replay:
    the show must have ended; from the pin `seen_pin` at that moment of the
    show, or without one from the show's bag at the regular price.
    """
    assert bundle.offer is not None, "a Buy in an ended show is refused before it is priced"
    product, variant = bundle.offer
    if replay_offset_ms is None:
        return price_item(product, variant, bundle.pin, now)
    show = bundle.show
    if show.status is not ShowStatus.ENDED:
        raise ShowNotEnded(
            "buying from the replay needs the show to have ended", status=show.status.value
        )
    if seen_pin is None:
        # Picked from the show's bag while the replay plays: no pin, the regular price.
        return PricedItem(product, variant, variant.price_minor, None)
    pin = replay_pin(bundle.timeline, seen_pin, product)
    return price_replay_item(
        product,
        variant,
        pin,
        pin_until_ms(bundle.timeline, pin),
        replay_offset_ms,
        flash_sales=show.replay_flash_sales,
    )


def check_one_currency(items: list[PricedItem]) -> str:
    """The currency every item shares, else CurrencyMismatch."""
    currencies = {item.variant.currency for item in items}
    if len(currencies) != 1:
        raise CurrencyMismatch("one order cannot mix currencies", currencies=sorted(currencies))
    return currencies.pop()
