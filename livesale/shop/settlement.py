"""Payment events applied to orders and stock: exactly once, in any order, never backwards."""

from __future__ import annotations

import logging
from collections.abc import Callable

from livesale import metrics
from livesale.domain.checkout import pin_id_of_sale, sale_id_for
from livesale.domain.errors import (
    FlashSaleSoldOut,
    HoldExpired,
    HoldNotFound,
    OutOfStock,
    PerBuyerLimitReached,
)
from livesale.domain.orders import Order, OrderLine, OrderStatus
from livesale.domain.payments import PaymentEvent, PaymentEventKind
from livesale.domain.shipping import shipping_to_return
from livesale.domain.stock import HoldState, SaleLimits
from livesale.payments.gateway import PaymentGateway, WebhookEvent
from livesale.shop.announcer import StockAnnouncer
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.payments import line_refund_key, refund_key, shipping_refund_key
from livesale.shop.stock import StockService
from livesale.storage.buyer_orders import BuyerOrders
from livesale.storage.locks import RedisLocks
from livesale.storage.orders import OrderRepository, Transition
from livesale.storage.timeline import TimelineRepository
from livesale.storage.viewers import ViewerRepository

logger = logging.getLogger(__name__)

# A hold taken again for a payment that arrived late only has to last until it is committed.
RETAKE_TTL_SECONDS = 60
REASON_SOLD_OUT = "sold_out_before_payment"
REASON_PAID_AFTER_CANCEL = "paid_after_cancel"
REASON_PAYMENT_CANCELED = "payment_canceled"
REASON_REFUNDED_AT_PROVIDER = "refunded_at_payment_provider"
REASON_REFUNDED_BY_SELLER = "refunded_by_seller"
REASON_NOT_PAID = "not_paid_in_time"
REASON_CARD_LIMIT = "card_over_sale_limit"
_NO_STOCK = (OutOfStock, FlashSaleSoldOut, PerBuyerLimitReached)


def order_lock(order_id: str) -> str:
    """Lock name serialising every change to one order, across processes."""
    return f"order:{order_id}"


class Settlement:
    """Moves orders forward on payment events and keeps stock in step."""

    def __init__(
        self,
        orders: OrderRepository,
        stock: StockService,
        catalogue: ShopCatalogue,
        timeline: TimelineRepository,
        viewers: ViewerRepository,
        gateway: PaymentGateway,
        announcer: StockAnnouncer,
        locks: RedisLocks,
        buyer_orders: BuyerOrders,
    ) -> None:
        self._orders = orders
        self._buyer_orders = buyer_orders
        self._stock = stock
        self._catalogue = catalogue
        self._timeline = timeline
        self._viewers = viewers
        self._gateway = gateway
        self._announcer = announcer
        self.locks = locks
        # Told of every order that became paid (the "For you" feed learns from purchases).
        self.paid_listener: Callable[[Order], None] | None = None

    async def apply(self, event: PaymentEvent) -> Order | None:
        """Apply a gateway event to its order (None if no order has that payment)."""
        return (await self._apply(event))[0]

    async def apply_webhook(self, webhook: WebhookEvent) -> Order | None:
        """Apply a verified webhook's event, if it has one we act on; None if no order."""
        if webhook.event is None:
            order, result = None, "ignored"
        else:
            # The same result as the payment events counter: webhooks are a subset of those.
            order, result = await self._apply(webhook.event)
        metrics.SHOP_WEBHOOK_EVENTS.labels(webhook.type, result).inc()
        return order

    async def _apply(self, event: PaymentEvent) -> tuple[Order | None, str]:
        """The order after the event, and the result counted: applied, unchanged, unknown_order."""
        order = await self._orders.by_payment(event.payment_id)
        if order is None and event.order_id:
            order = await self._orders.get(event.order_id)
            if order is not None and order.payment_id is None:
                order = await self._orders.set_payment(order.id, event.payment_id)
        if order is None or order.payment_id != event.payment_id:
            logger.warning("payment event %s names no order of ours", event.event_id)
            metrics.count_payment_event(event.kind, "unknown_order")
            return None, "unknown_order"
        async with self.locks.hold(order_lock(order.id)):
            current = await self._orders.get(order.id)
            assert current is not None
            settled = await self._apply_locked(current, event)
        result: metrics.PaymentEventResult = "applied" if settled.changed else "unchanged"
        metrics.count_payment_event(event.kind, result)
        return settled.order, result

    async def refund_by_seller(self, order: Order) -> Order:
        """Refund at the gateway, then record it (the caller holds the order's lock)."""
        await self._return_money(order)
        return (await self._refund(order, REASON_REFUNDED_BY_SELLER, event=None)).order

    async def refund_lines(self, order: Order, positions: list[int]) -> Order:
        """Refund single lines at the gateway, then record each (the caller holds the order's
        lock); the order becomes `refunded` with its last line.

        Each line's refund has its own idempotency key, so a retry after a failure part way
        refunds no line twice. A line not yet shipped goes back on sale.
        """
        assert order.payment_id is not None
        # Never ask for more than the payment has left (a dashboard refund may have taken some).
        left = order.total_minor - order.refunded_minor
        restock = order.status is not OrderStatus.FULFILLED
        current = order
        for position in positions:
            line = order.lines[position]
            # A line gives back what was paid for it: its total less its share of the coupon.
            amount = min(line.paid_minor, left)
            refund_id = None
            if amount > 0:
                refund_id = await self._gateway.refund_part(
                    order.payment_id, order.id, amount, line_refund_key(order.id, position)
                )
            left -= amount
            restocked = restock and await self._give_back_line(order.creator_id, line)
            current = await self._orders.refund_line(
                order.id, position, amount, refund_id, restocked=restocked
            )
        for position in positions if restock else ():
            # Viewers see the stock of the products put back on sale.
            self._announcer.touch(order.show_id, order.lines[position].product_id)
        if all(line.refunded for line in current.lines):
            current = await self._return_shipping(current)
            moved = await self._orders.move(
                current.id, OrderStatus.REFUNDED, REASON_REFUNDED_BY_SELLER
            )
            current = moved.order
        return current

    async def _return_shipping(self, order: Order) -> Order:
        """Give the shipment's shipping back with its last line (domain.shipping)."""
        buyer_orders = await self._buyer_orders.in_show(order.viewer_id, order.show_id)
        current = order
        for member in shipping_to_return(order, buyer_orders):
            amount = min(
                member.shipping_minor - member.shipping_refunded_minor,
                member.total_minor - member.refunded_minor,
            )
            if amount <= 0 or member.payment_id is None:
                continue
            await self._gateway.refund_part(
                member.payment_id, member.id, amount, shipping_refund_key(member.id)
            )
            refunded = await self._orders.refund_shipping(member.id, amount)
            if member.id == order.id:
                current = refunded
        return current

    async def give_up(self, order: Order) -> Order:
        """Cancel an order that was never paid (the caller holds its lock)."""
        await self._give_back(order)
        return (await self._orders.move(order.id, OrderStatus.CANCELED, REASON_NOT_PAID)).order

    async def _apply_locked(self, order: Order, event: PaymentEvent) -> Transition:
        if event.kind is PaymentEventKind.SUCCEEDED:
            return await self._paid(order, event)
        if event.kind is PaymentEventKind.REFUNDED:
            return await self._refund(order, REASON_REFUNDED_AT_PROVIDER, event)
        if event.kind is PaymentEventKind.PARTIALLY_REFUNDED:
            # Part of the money went back (a line, or an amount in the provider's
            # dashboard): recorded, and the order keeps its status.
            return await self._orders.note_provider_refund(
                order.id, event.amount_refunded_minor or 0, event.event_id, event.kind.value
            )
        if event.kind is PaymentEventKind.CANCELED and order.status is OrderStatus.PENDING_PAYMENT:
            await self._give_back(order)
            return await self._orders.move(
                order.id,
                OrderStatus.CANCELED,
                REASON_PAYMENT_CANCELED,
                event_id=event.event_id,
                event_type=event.kind.value,
            )
        # A failed attempt changes no status (the buyer may try another card); note it once.
        first = await self._orders.note_event(event.event_id, order.id, event.kind.value)
        failed = first and event.kind is PaymentEventKind.FAILED
        if failed:
            metrics.count_checkout(order.gateway, "failed")
        # A first failed attempt counts as applied; a late cancel or a replay is unchanged.
        return Transition(order, changed=failed)

    async def _paid(self, order: Order, event: PaymentEvent) -> Transition:
        if order.status is OrderStatus.CANCELED:
            # The money came after we gave up on the order: give it back.
            await self._return_money(order)
            return await self._refund(order, REASON_PAID_AFTER_CANCEL, event)
        if order.status is not OrderStatus.PENDING_PAYMENT:
            await self._orders.note_event(event.event_id, order.id, event.kind.value)
            return Transition(order, changed=False)
        if not await self._take_stock(order):
            # Sold out before the money came: give it back, and every line's stock
            # (reloaded: lines taken again point at their new holds).
            await self._return_money(order)
            current = await self._orders.get(order.id)
            assert current is not None
            return await self._refund(current, REASON_SOLD_OUT, event)
        if not await self._card_within_limits(order, event):
            # One card paying past a flash sale's per-buyer limit (many cookies, one
            # person): the money and the units go back, and the order says why.
            metrics.SHOP_HOLDS_REFUSED.labels("sale_limit_per_card").inc()
            await self._return_money(order)
            current = await self._orders.get(order.id)
            assert current is not None
            return await self._refund(current, REASON_CARD_LIMIT, event)
        moved = await self._orders.move(
            order.id, OrderStatus.PAID, event_id=event.event_id, event_type=event.kind.value
        )
        if moved.changed:
            await self._announce(moved.order)
            if self.paid_listener is not None:
                self.paid_listener(moved.order)
        return moved

    async def _take_stock(self, order: Order) -> bool:
        """Commit every line's hold, holding again where one expired; False at the first that
        cannot be had (the caller then gives every line back)."""
        for position, line in enumerate(order.lines):
            if not await self._commit_line(order, position, line):
                return False
        return True

    async def _commit_line(self, order: Order, position: int, line: OrderLine) -> bool:
        try:
            await self._stock.commit(order.creator_id, line.hold_id)
            return True
        except (HoldExpired, HoldNotFound):
            pass
        retake = f"{line.hold_id}-r"
        try:
            product = await self._catalogue.product(line.product_id)
            variant = next(v for v in product.variants if v.id == line.variant_id)
            sale = await self._sale_limits(line)
            outcome = await self._stock.hold(
                order.creator_id,
                retake,
                variant,
                line.quantity,
                order.viewer_id,
                RETAKE_TTL_SECONDS,
                sale,
            )
            if outcome.hold.state is HoldState.HELD:
                await self._stock.commit(order.creator_id, retake)
            elif outcome.hold.state is not HoldState.COMMITTED:
                return False
        except (*_NO_STOCK, HoldExpired, StopIteration):
            return False
        await self._orders.set_hold(order.id, position, retake)
        return True

    async def _card_within_limits(self, order: Order, event: PaymentEvent) -> bool:
        """Count the order's flash-sale units against the card that paid; False when the card
        would pass a sale's per-buyer limit (then nothing of the order stays counted)."""
        units: dict[str, tuple[int, int]] = {}
        for line in order.lines:
            sale = await self._sale_limits(line)
            if sale is None or sale.per_buyer_limit is None:
                continue
            before = units.get(sale.sale_id, (0, sale.per_buyer_limit))[0]
            units[sale.sale_id] = (before + line.quantity, sale.per_buyer_limit)
        if not units:
            return True  # no gateway call for an order without a limited sale
        fingerprint = event.card_fingerprint
        if fingerprint is None and order.payment_id is not None:
            fingerprint = await self._gateway.card_fingerprint(order.payment_id)
        if fingerprint is None:
            return True  # the gateway tells no card: the per-guest and per-address limits stand
        stock = self._stock.seller(order.creator_id)
        counted: list[str] = []
        for sale_id, (quantity, limit) in sorted(units.items()):
            within, _ = await stock.count_card(sale_id, fingerprint, order.id, quantity, limit)
            if not within:
                for done in counted:
                    await stock.uncount_card(done, fingerprint, order.id)
                return False
            counted.append(sale_id)
        return True

    async def _sale_limits(self, line: OrderLine) -> SaleLimits | None:
        # The flash sale's cap still applies to stock taken again: never sell past it.
        pin_id = None if line.sale_id is None else pin_id_of_sale(line.sale_id)
        if pin_id is None:
            return None
        pin = await self._timeline.get(pin_id)
        if pin is None or pin.flash_sale is None:
            return None
        sale = pin.flash_sale
        return SaleLimits(sale_id_for(pin), sale.quantity, sale.per_buyer_limit)

    async def _return_money(self, order: Order) -> None:
        """Refund the order's payment in full (one refund per order, however often asked)."""
        assert order.payment_id is not None
        await self._gateway.refund_payment(order.payment_id, order.id, refund_key(order.id))

    async def _refund(self, order: Order, reason: str, event: PaymentEvent | None) -> Transition:
        if order.status not in (OrderStatus.FULFILLED, OrderStatus.REFUNDED):
            # Not shipped: the units go back on sale. An order refunded already gave back
            # what it had to (a shipped one nothing): the provider's late event must not.
            await self._give_back(order)
        return await self._orders.move(
            order.id,
            OrderStatus.REFUNDED,
            reason,
            event_id=None if event is None else event.event_id,
            event_type=None if event is None else event.kind.value,
        )

    async def _give_back(self, order: Order) -> None:
        for line in order.lines:
            await self._give_back_line(order.creator_id, line)
        self._touch(order)

    async def _give_back_line(self, creator_id: str, line: OrderLine) -> bool:
        """The line's units back on sale, whether still held or sold (again: a no-op);
        False when its hold is forgotten (past the stock's retention) and nothing went back."""
        stock = self._stock.seller(creator_id)
        hold = await stock.get(line.hold_id)
        if hold is None:
            return False
        if hold.state is HoldState.HELD:
            await stock.release(line.hold_id)
        elif hold.state is HoldState.COMMITTED:
            await stock.restock(line.hold_id)
        return True

    def _touch(self, order: Order) -> None:
        for line in order.lines:
            self._announcer.touch(order.show_id, line.product_id)

    async def _announce(self, order: Order) -> None:
        self._touch(order)
        if not order.details.announce or not order.lines:
            return
        viewer = await self._viewers.get(order.viewer_id)
        first = order.lines[0]
        await self._announcer.purchase(
            order.show_id, viewer.display_name, first.product_id, first.title, first.quantity
        )
