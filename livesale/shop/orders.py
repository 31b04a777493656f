"""Orders as buyers and sellers use them: view, pay (dummy), refresh, fulfil, refund."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from livesale import metrics
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.checkout import line_json
from livesale.domain.errors import (
    CardDeclined,
    NotSignedIn,
    OrderNotFound,
    PaymentNotFound,
    ValidationFailed,
)
from livesale.domain.fulfilment import parse_refund_lines, parse_shipment, require_refundable
from livesale.domain.orders import Order, OrderLine, OrderStatus, parse_status_filter
from livesale.domain.payments import PaymentEvent, PaymentEventKind, PaymentInfo, PaymentStatus
from livesale.domain.validation import number_reason
from livesale.payments.choice import DUMMY
from livesale.payments.dummy import DummyGateway
from livesale.shop.payments import PaymentService
from livesale.shop.settlement import Settlement, order_lock
from livesale.storage.orders import OrderRepository

MAX_LIST = 100
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


def order_json(order: Order) -> dict[str, Any]:
    """An order as its buyer and its seller see it."""
    return {
        "id": order.id,
        "status": order.status.value,
        "status_reason": order.status_reason,
        "show_id": order.show_id,
        "lines": [order_line_json(position, line) for position, line in enumerate(order.lines)],
        "currency": order.currency,
        "total_minor": order.total_minor,
        "email": order.details.email,
        "name": order.details.name,
        "address": order.details.address.as_json(),
        "announce": order.details.announce,
        "gateway": order.gateway,
        # Paid with the offline dummy gateway's test cards: no money was taken.
        "test": order.gateway == DUMMY,
        "payment_id": order.payment_id,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "fulfilled_at": order.fulfilled_at,
        "refunded_at": order.refunded_at,
        "canceled_at": order.canceled_at,
        "refunded_minor": order.refunded_minor,
        "shipment": None if order.shipment is None else order.shipment.as_json(),
    }


def order_line_json(position: int, line: OrderLine) -> dict[str, Any]:
    """A line of an order: what was bought, where it sits (`position`, for refunds) and
    whether it was refunded on its own."""
    return {
        **line_json(line),
        "position": position,
        "refunded": line.refunded,
        "refunded_at": line.refunded_at,
        "refunded_minor": line.refunded_minor,
    }


def payment_json(gateway: str, payment: PaymentInfo | None, key: str | None) -> dict[str, Any]:
    """What the checkout page needs to take the payment."""
    return {
        "gateway": gateway,
        "payment_id": None if payment is None else payment.id,
        "status": None if payment is None else payment.status.value,
        # Only the pending payment's secret is useful (and only to its buyer).
        "client_secret": None if payment is None else payment.client_secret,
        "publishable_key": key,
        "decline_code": None if payment is None else payment.decline_code,
    }


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

    async def view(self, order: Order, *, for_buyer: bool) -> dict[str, Any]:
        """The order with its payment, as the API returns it; the seller also gets its
        status history.

        Only the buyer gets the payment's client secret: it is what pays the order.
        """
        gateway = self._payments.gateway
        payment = None
        if order.payment_id is not None and order.status is OrderStatus.PENDING_PAYMENT:
            payment = await self._payments.reads.current(order.payment_id)
        shown = payment_json(order.gateway, payment, gateway.publishable_key)
        view: dict[str, Any] = {"order": order_json(order), "payment": shown}
        if not for_buyer:
            shown["client_secret"] = None
            view["history"] = await self._orders.history(order.id)
        return view

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

    async def list_for_seller(self, creator: Creator, query: dict[str, str]) -> dict[str, Any]:
        """The creator's orders, newest first, filtered by show and status."""
        status = parse_status_filter(query.get("status"))
        limit = _int_query(query, "limit", 50, 1, MAX_LIST)
        before = query.get("before")
        try:
            before_value = None if before is None else float(before)
        except ValueError:
            raise ValidationFailed(
                "before must be a timestamp", field="before", reason="wrong_type"
            ) from None
        orders = await self._orders.list_for_creator(
            creator.id,
            show_id=query.get("show_id") or None,
            status=status,
            before=before_value,
            limit=limit,
        )
        next_before = orders[-1].created_at if len(orders) == limit else None
        return {"orders": [order_json(o) for o in orders], "next_before": next_before}

    async def fulfil(self, creator: Creator, order_id: str, body: dict[str, Any]) -> Order:
        """Mark a paid order as sent, with its carrier and tracking when the body has them."""
        shipment = parse_shipment(body)
        order = await self.for_seller(creator, order_id)
        async with self._settlement.locks.hold(order_lock(order.id)):
            return (
                await self._orders.move(order.id, OrderStatus.FULFILLED, shipment=shipment)
            ).order

    async def refund(self, creator: Creator, order_id: str, body: dict[str, Any]) -> Order:
        """Refund a paid or fulfilled order: in full, or the lines the body names."""
        order = await self.for_seller(creator, order_id)
        async with self._settlement.locks.hold(order_lock(order.id)):
            current = await self._orders.get(order.id)
            assert current is not None
            if body:
                positions = parse_refund_lines(body, current)
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


def _int_query(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValidationFailed(
            f"{name} must be {low} to {high}",
            field=name,
            reason=number_reason(value, low),
            min=low,
            max=high,
        )
    return value
