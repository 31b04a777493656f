"""Buy now and cart checkout: hold the stock, then turn the checkout into an order."""

from __future__ import annotations

import time
from collections.abc import Callable

from livesale import metrics
from livesale.config import ShopSettings
from livesale.domain.accounts import Viewer
from livesale.domain.analytics import BUY_TAP, HOLD, NO_PIN, REPLAY_BUY_TAP, REPLAY_HOLD
from livesale.domain.checkout import (
    BuyNowRequest,
    Checkout,
    PricedItem,
    at_regular_price,
    check_one_currency,
    checkout_id_for,
    hold_id_for,
    price_buy,
    price_item,
)
from livesale.domain.errors import (
    CartEmpty,
    CheckoutExpired,
    CheckoutNotFound,
    HoldLimitReached,
    LivesaleError,
    NotForSale,
    OrderStateConflict,
    PerBuyerLimitReached,
)
from livesale.domain.orders import BuyerDetails, Order, OrderLine
from livesale.domain.payments import PaymentInfo
from livesale.domain.shows import ShowStatus
from livesale.domain.stock import HoldCaps, HoldState, show_ended_refusal
from livesale.shop.announcer import StockAnnouncer
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.payments import PaymentService
from livesale.shop.pricing import OrderToPrice, PricingService
from livesale.shop.stock import StockService
from livesale.storage.activity import ActivityRecorder
from livesale.storage.carts import CartStore, CheckoutStore
from livesale.storage.orders import NewOrder, OrderRepository

# A checkout is kept this long after its hold ends, so a late retry finds it.
CHECKOUT_RETENTION_SECONDS = 3600


class CheckoutService:
    """Places stock holds for a buyer and creates the order when they fill in the form."""

    def __init__(
        self,
        settings: ShopSettings,
        catalogue: ShopCatalogue,
        stock: StockService,
        carts: CartStore,
        checkouts: CheckoutStore,
        orders: OrderRepository,
        payments: PaymentService,
        announcer: StockAnnouncer,
        activity: ActivityRecorder,
        pricing: PricingService,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._activity = activity
        self._pricing = pricing
        self._settings = settings
        self._catalogue = catalogue
        self._stock = stock
        self._carts = carts
        self._checkouts = checkouts
        self._orders = orders
        self._payments = payments
        self._announcer = announcer
        self._clock = clock

    async def buy_now(
        self, viewer: Viewer, show_id: str, buy: BuyNowRequest, *, address: str
    ) -> Checkout:
        """Hold one item of the show (at the flash-sale price while one runs).

        `address` is the buyer's normalised client address (livesale.domain.person):
        the caps on units held count against it as well as against the guest.

        With `replay_offset_ms` the item was bought while watching the replay of
        the ended show: from the pin `pin_id` at that moment of the show, or
        without `pin_id` from the show's bag (regular price). Without it the
        show must not have ended (ShowEnded: buy from the replay).
        """
        # No lookup of an earlier checkout first: the holds are idempotent and
        # storing the checkout returns the first one, so a retry costs no extra call.
        checkout_id = checkout_id_for(viewer.id, show_id, buy.request_id)
        replay = buy.replay_offset_ms is not None
        bundle = await self._catalogue.buy_bundle(
            show_id, buy.variant_id, seen_pin=buy.pin_id, replay=replay
        )
        if bundle.offer is None:
            # A live Buy in an ended show; a retry of a Buy made before the end still
            # gets its checkout.
            existing = await self._checkouts.get(checkout_id)
            if existing is not None:
                return existing
            raise show_ended_refusal()
        item = price_buy(bundle, buy.pin_id, buy.replay_offset_ms, self._clock())
        # A tap counts even when refused (sold out...): it measures the pin's pull.
        tap = REPLAY_BUY_TAP if replay else BUY_TAP
        self._activity.count(show_id, tap, item.pin_id or NO_PIN, viewer_id=viewer.id)
        return await self._open(
            viewer,
            show_id,
            bundle.show.creator_id,
            checkout_id,
            [(item, buy.quantity)],
            address=address,
            replay=replay,
        )

    async def checkout_cart(
        self, viewer: Viewer, show_id: str, request_id: str, *, address: str
    ) -> Checkout:
        """Hold every line of the viewer's cart for this show, all or nothing (see buy_now)."""
        checkout_id = checkout_id_for(viewer.id, show_id, "cart:" + request_id)
        existing = await self._checkouts.get(checkout_id)
        if existing is not None:
            return existing
        show = await self._catalogue.show(show_id)
        if show.status is ShowStatus.ENDED:
            raise show_ended_refusal()
        lines = await self._carts.lines(viewer.id, show_id)
        if not lines:
            raise CartEmpty("the cart is empty")
        pin = await self._catalogue.pin(show_id)
        now = self._clock()
        items = []
        for variant_id, quantity in sorted(lines.items()):
            product, variant = await self._catalogue.sellable(show_id, variant_id)
            items.append((price_item(product, variant, pin, now), quantity))
        return await self._open(
            viewer, show_id, show.creator_id, checkout_id, items, address=address, from_cart=True
        )

    async def get(self, viewer: Viewer, checkout_id: str) -> Checkout:
        """The viewer's checkout."""
        checkout = await self._checkouts.get(checkout_id)
        if checkout is None or checkout.viewer_id != viewer.id:
            raise CheckoutNotFound("no such checkout", checkout_id=checkout_id)
        return checkout

    async def cancel(self, viewer: Viewer, checkout_id: str) -> None:
        """Give the held stock back; OrderStateConflict once the checkout became an order.

        The order owns the held units from then on: its payment may be under
        way, and giving the units back under it could sell them twice.
        """
        checkout = await self.get(viewer, checkout_id)
        if checkout.order_id is not None:
            order = await self._orders.get(checkout.order_id)
            raise OrderStateConflict(
                "this checkout is an order now; it cannot be canceled here",
                checkout_id=checkout.id,
                order_id=checkout.order_id,
                status=None if order is None else order.status.value,
                wanted="canceled",
            )
        stock = self._stock.seller(checkout.creator_id)
        for line in checkout.lines:
            await stock.release(line.hold_id)
            self._announcer.touch(checkout.show_id, line.product_id)
        await self._checkouts.delete(checkout.id)

    async def place_order(
        self,
        viewer: Viewer,
        checkout_id: str,
        details: BuyerDetails,
        coupon_code: str | None = None,
    ) -> tuple[Order, PaymentInfo, bool]:
        """Create the order (before any payment) and its payment; again returns the same.

        The order is priced with the shop's shipping and the coupon `coupon_code`
        (shop.pricing); its coupon use is taken with it, or nothing is created.
        """
        checkout = await self.get(viewer, checkout_id)
        existing = None
        if checkout.order_id is not None:
            existing = await self._orders.get(checkout.order_id)
        if existing is None:
            existing = await self._orders.by_checkout(checkout.id)
        if existing is not None:
            order, created = existing, False
        else:
            order, created = await self._first_order(viewer, checkout, details, coupon_code)
        if checkout.order_id is None:
            await self._checkouts.save(checkout.with_order(order.id))
            if checkout.from_cart:
                bought = [line.variant_id for line in checkout.lines]
                await self._carts.remove_lines(viewer.id, checkout.show_id, bought)
        order, payment = await self._payments.ensure_payment(order)
        return order, payment, created

    async def _first_order(
        self, viewer: Viewer, checkout: Checkout, details: BuyerDetails, coupon_code: str | None
    ) -> tuple[Order, bool]:
        """Price the checkout and create its order; a double submit that lost the race to
        create it (its coupon use then reads as taken) gets the order the other one made."""
        try:
            await self._check_still_held(checkout)
            quote = await self._pricing.quote(
                OrderToPrice(
                    viewer_id=viewer.id,
                    creator_id=checkout.creator_id,
                    show_id=checkout.show_id,
                    currency=checkout.currency,
                    lines=checkout.lines,
                    address=details.address,
                    coupon_code=coupon_code,
                )
            )
            order, created = await self._orders.create(
                NewOrder(
                    checkout_id=checkout.id,
                    viewer_id=viewer.id,
                    creator_id=checkout.creator_id,
                    show_id=checkout.show_id,
                    currency=checkout.currency,
                    details=details,
                    gateway=self._payments.gateway.name,
                    lines=quote.price.lines,
                    pricing=quote.pricing,
                    coupon=quote.coupon,
                )
            )
        except LivesaleError:
            placed = await self._orders.by_checkout(checkout.id)
            if placed is None:
                raise
            return placed, False
        return order, created

    async def _check_still_held(self, checkout: Checkout) -> None:
        if self._clock() >= checkout.expires_at:
            raise CheckoutExpired(
                "the items are no longer held; buy again", checkout_id=checkout.id
            )
        for line in checkout.lines:
            hold = await self._stock.seller(checkout.creator_id).get(line.hold_id)
            if hold is None or hold.state is not HoldState.HELD:
                raise CheckoutExpired(
                    "the items are no longer held; buy again", checkout_id=checkout.id
                )

    async def _open(
        self,
        viewer: Viewer,
        show_id: str,
        creator_id: str | None,
        checkout_id: str,
        items: list[tuple[PricedItem, int]],
        *,
        address: str,
        from_cart: bool = False,
        replay: bool = False,
    ) -> Checkout:
        if creator_id is None:
            raise NotForSale("this show has no seller, so nothing in it is for sale")
        currency = check_one_currency([item for item, _ in items])
        ttl = self._settings.hold_seconds
        caps = hold_caps(self._settings, address)
        deadlines_ms: list[int] = []
        lines: list[OrderLine] = []
        placed: list[str] = []
        new_hold_pins: list[int] = []
        try:
            for index, (item, quantity) in enumerate(items):
                hold_id = hold_id_for(checkout_id, index)
                outcome = await self._stock.hold(
                    creator_id,
                    hold_id,
                    item.variant,
                    quantity,
                    viewer.id,
                    ttl,
                    item.sale,
                    # A live purchase is refused once the show has ended, on any process.
                    live_show_id=None if replay else show_id,
                    caps=caps,
                )
                if outcome.hold.state is not HoldState.HELD:
                    # A retry of a purchase that went on (ordered, paid) or ended.
                    existing = await self._checkouts.get(checkout_id)
                    if existing is not None:
                        return existing
                    raise CheckoutExpired(
                        "this request_id belongs to a purchase that ended; use a new one",
                        checkout_id=checkout_id,
                    )
                if item.sale is not None and outcome.hold.sale_id is None:
                    # The sale closed after this process priced the item (an unpin,
                    # a new pin, the show's end or its countdown): the regular price.
                    item = at_regular_price(item)
                if outcome.changed:
                    # Only holds this call took are its to give back: a replayed
                    # one belongs to the first attempt, which may still succeed.
                    placed.append(hold_id)
                    new_hold_pins.append(item.pin_id or NO_PIN)
                lines.append(_line(item, quantity, hold_id))
                deadlines_ms.append(outcome.hold.deadline_ms)
        except LivesaleError as exc:
            metrics.SHOP_HOLD_ATTEMPTS.labels(exc.code).inc()
            count_person_refusal(exc)
            for hold_id in placed:
                await self._stock.seller(creator_id).release(hold_id)
            raise
        finally:
            # A refusal moves no stock: viewers hear only of holds taken or given back.
            if placed:
                for item, _ in items:
                    self._announcer.touch(show_id, item.product.id)
        metrics.SHOP_HOLD_ATTEMPTS.labels("held").inc()
        for pin_id in new_hold_pins:
            hold = REPLAY_HOLD if replay else HOLD
            self._activity.count(show_id, hold, pin_id, viewer_id=viewer.id)
        checkout = Checkout(
            id=checkout_id,
            viewer_id=viewer.id,
            show_id=show_id,
            creator_id=creator_id,
            currency=currency,
            lines=tuple(lines),
            # The first line's hold to end ends the checkout (a flash-sale hold ends sooner).
            expires_at=min(deadlines_ms) / 1000,
            from_cart=from_cart,
        )
        return await self._checkouts.add(checkout, ttl + CHECKOUT_RETENTION_SECONDS)


def hold_caps(settings: ShopSettings, address: str) -> HoldCaps:
    """The shop's per-person caps for a buyer at `address`."""
    return HoldCaps(
        address=address,
        per_buyer=settings.max_units_held_per_buyer,
        per_address=settings.max_units_held_per_address,
        sale_address_factor=settings.per_address_limit_factor,
        flash_hold_seconds=min(settings.flash_sale_hold_seconds, settings.hold_seconds),
    )


def count_person_refusal(exc: LivesaleError) -> None:
    """Count a hold refused by a per-person cap (other refusals are not the person's)."""
    scope = exc.details.get("scope")
    if isinstance(exc, HoldLimitReached):
        metrics.SHOP_HOLDS_REFUSED.labels(f"held_per_{scope}").inc()
    elif isinstance(exc, PerBuyerLimitReached):
        metrics.SHOP_HOLDS_REFUSED.labels(f"sale_limit_per_{scope or 'buyer'}").inc()


def _line(item: PricedItem, quantity: int, hold_id: str) -> OrderLine:
    return OrderLine(
        variant_id=item.variant.id,
        product_id=item.product.id,
        title=item.product.title,
        variant_name=item.variant.name,
        sku=item.variant.sku,
        quantity=quantity,
        unit_price_minor=item.unit_price_minor,
        sale_id=None if item.sale is None else item.sale.sale_id,
        hold_id=hold_id,
        pin_id=item.pin_id,
    )
