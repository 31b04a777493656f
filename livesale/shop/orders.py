"""Orders as buyers and sellers use them: view, pay (dummy), refresh, fulfil, refund."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace

from livesale import metrics
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.errors import (
    CardDeclined,
    NotSignedIn,
    OrderNotFound,
    OrderStateConflict,
    PaymentNotFound,
)
from livesale.domain.fulfilment import choose_refund_lines, require_refundable
from livesale.domain.orders import Order, OrderQuery, OrderStatus, Shipment, StatusChange
from livesale.domain.payments import PaymentEvent, PaymentEventKind, PaymentInfo, PaymentStatus
from livesale.payments.dummy import DummyGateway
from livesale.shop.payments import PaymentService
from livesale.shop.settlement import Settlement, order_lock
from livesale.shop.stock import StockService
from livesale.storage.orders import NewOrder, OrderRepository

# Gateway states that settle an order, as the events they stand for.
_SETTLING = {
    PaymentStatus.SUCCEEDED: PaymentEventKind.SUCCEEDED,
    PaymentStatus.CANCELED: PaymentEventKind.CANCELED,
    PaymentStatus.REFUNDED: PaymentEventKind.REFUNDED,
}


def status_event(payment: PaymentInfo) -> PaymentEvent | None:
    """The event a payment's current state stands for (its id is stable per state)."""
    kind = _SETTLING.get(payment.status)
    if kind is None:
        return None
    return PaymentEvent(
        event_id=f"{payment.id}:{kind.value}",
        kind=kind,
        payment_id=payment.id,
        order_id=payment.order_id,
    )


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order with its payment as one of its two parties sees it."""

    order: Order
    payment: PaymentInfo | None  # the pending payment (its secret only for the buyer)
    publishable_key: str | None  # the gateway's key for the buyer's browser
    history: list[StatusChange] | None  # status changes: the seller's view only


@dataclass(frozen=True, slots=True)
class OrderPage:
    """A page of a seller's orders, newest first."""

    orders: list[Order]
    next_before: float | None  # where the next page starts; None on the last one


class OrderService:
    """The buyer's and the seller's actions on orders."""

    def __init__(
        self, orders: OrderRepository, payments: PaymentService, settlement: Settlement
    ) -> None:
        self._orders = orders
        self._payments = payments
        self._settlement = settlement

    async def readable(
        self, order_id: str, creator: Creator | None, viewer: Viewer | None
    ) -> Order:
        """The order if `creator` sold it or `viewer` bought it."""
        if creator is None and viewer is None:
            raise NotSignedIn("sign in, or open the order from the browser that placed it")
        order = await self._orders.get(order_id)
        if order is not None and (
            (creator is not None and order.creator_id == creator.id)
            or (viewer is not None and order.viewer_id == viewer.id)
        ):
            return order
        raise OrderNotFound("no such order", order_id=order_id)

    async def for_seller(self, creator: Creator, order_id: str) -> Order:
        """An order of the creator's shows."""
        order = await self._orders.get(order_id)
        if order is None or order.creator_id != creator.id:
            raise OrderNotFound("no such order", order_id=order_id)
        return order

    async def view(self, order: Order, *, for_buyer: bool) -> OrderView:
        """The order with its payment; the seller also gets its status history.

        Only the buyer gets the payment's client secret: it is what pays the order.
        """
        payment = None
        if order.payment_id is not None and order.status is OrderStatus.PENDING_PAYMENT:
            payment = await self._payments.reads.current(order.payment_id)
        key = self._payments.gateway.publishable_key
        if for_buyer:
            return OrderView(order, payment, key, history=None)
        if payment is not None:
            payment = replace(payment, client_secret=None)
        return OrderView(order, payment, key, history=await self._orders.history(order.id))

    async def refresh(self, order: Order, caller: str) -> Order:
        """Ask the gateway how the payment stands and apply it (the browser's return path).

        Limited per order and per `caller` (429 beyond); reads share the cached state.
        """
        if order.payment_id is None:
            return order
        await self._payments.reads.count_refresh(order.id, caller)
        payment = await self._payments.reads.current(order.payment_id)
        event = status_event(payment)
        if event is None:
            return order
        settled = await self._settlement.apply(event)
        return order if settled is None else settled

    async def pay_with_test_card(self, viewer: Viewer, payment_id: str, card: object) -> Order:
        """Dummy gateway: pay the viewer's order with a test card."""
        dummy, order = await self._dummy_order(viewer, payment_id)
        return await self._attempt(order, dummy.confirm(payment_id, card))

    async def authenticate(self, viewer: Viewer, payment_id: str, approve: object) -> Order:
        """Dummy gateway: the second step of a card that asks for one."""
        dummy, order = await self._dummy_order(viewer, payment_id)
        return await self._attempt(order, dummy.authenticate(payment_id, approve))

    async def list_for_seller(self, creator: Creator, query: OrderQuery) -> OrderPage:
        """The creator's orders, newest first, filtered by show and status."""
        orders = await self._orders.list_for_creator(
            creator.id,
            show_id=query.show_id,
            status=query.status,
            before=query.before,
            limit=query.limit,
        )
        next_before = orders[-1].created_at if len(orders) == query.limit else None
        return OrderPage(orders, next_before)

    async def fulfil(self, creator: Creator, order_id: str, shipment: Shipment | None) -> Order:
        """Mark a paid order as sent, with its carrier and tracking when given."""
        order = await self.for_seller(creator, order_id)
        async with self._settlement.locks.hold(order_lock(order.id)):
            return (
                await self._orders.move(order.id, OrderStatus.FULFILLED, shipment=shipment)
            ).order

    async def refund(self, creator: Creator, order_id: str, lines: Sequence[int] | None) -> Order:
        """Refund a paid or fulfilled order: in full (`lines` None), or the lines at these
        positions."""
        order = await self.for_seller(creator, order_id)
        if order.payment_id is None and order.status is not OrderStatus.PENDING_PAYMENT:
            # A free order (a giveaway's prize) took no money: there is none to give back.
            raise OrderStateConflict(
                "this order took no payment, so there is nothing to refund",
                status=order.status.value,
                wanted=OrderStatus.REFUNDED.value,
            )
        async with self._settlement.locks.hold(order_lock(order.id)):
            current = await self._orders.get(order.id)
            assert current is not None
            if lines is not None:
                positions = choose_refund_lines(lines, current)
                return await self._settlement.refund_lines(current, positions)
            require_refundable(current)
            return await self._settlement.refund_by_seller(current)

    async def _dummy_order(self, viewer: Viewer, payment_id: str) -> tuple[DummyGateway, Order]:
        gateway = self._payments.gateway
        order = await self._orders.by_payment(payment_id)
        if not isinstance(gateway, DummyGateway) or order is None or order.viewer_id != viewer.id:
            raise PaymentNotFound("no such payment", payment_id=payment_id)
        return gateway, order

    async def _attempt(self, order: Order, attempt: Awaitable[PaymentEvent | None]) -> Order:
        """Run a dummy payment step and settle its event; a declined card counts as failed."""
        try:
            event = await attempt
        except CardDeclined:
            metrics.count_checkout(order.gateway, "failed")
            raise
        finally:
            # The attempt changed the payment: the next look must not see the old state.
            if order.payment_id is not None:
                self._payments.reads.forget(order.payment_id)
        return await self._settled(order, event)

    async def _settled(self, order: Order, event: PaymentEvent | None) -> Order:
        if event is None:
            return order
        settled = await self._settlement.apply(event)
        return order if settled is None else settled


async def place_free_order(
    orders: OrderRepository, stock: StockService, new: NewOrder, reason: str
) -> Order:
    """An order at price 0 (a giveaway's prize): placed, its held units sold, paid at once.

    No payment: the order moves to `paid` with `reason`; a repeat (same checkout id)
    returns the same order. HoldExpired or HoldNotFound when a line's hold is gone.
    """
    order, _created = await orders.create(new)
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return order
    for line in order.lines:
        await stock.commit(order.creator_id, line.hold_id)
    moved = await orders.move(
        order.id, OrderStatus.PAID, reason, event_id=f"{new.checkout_id}:free", event_type=reason
    )
    return moved.order
