"""The order's payment at the gateway: created once, with our own idempotency key."""

from __future__ import annotations

from livesale.domain.orders import Order, OrderStatus
from livesale.domain.payments import PaymentInfo
from livesale.payments.gateway import PaymentGateway
from livesale.payments.reads import PaymentReads
from livesale.storage.orders import OrderRepository


def create_key(order_id: str) -> str:
    """Idempotency key of an order's payment creation."""
    return f"{order_id}-create"


def refund_key(order_id: str) -> str:
    """Idempotency key of an order's refund: one refund per order, however often asked."""
    return f"{order_id}-refund"


def line_refund_key(order_id: str, position: int) -> str:
    """Idempotency key of the refund of one line: one refund per line, however often asked."""
    return f"{order_id}-refund-line-{position}"


def shipping_refund_key(order_id: str) -> str:
    """Idempotency key of giving an order's shipping back: once, however often asked."""
    return f"{order_id}-refund-shipping"


def cancel_key(order_id: str) -> str:
    """Idempotency key of cancelling an order's payment."""
    return f"{order_id}-cancel"


class PaymentService:
    """Creates and reads an order's payment."""

    def __init__(
        self, gateway: PaymentGateway, orders: OrderRepository, reads: PaymentReads
    ) -> None:
        self.gateway = gateway
        # What pages see of a payment: shared and cached briefly (see PaymentReads).
        self.reads = reads
        self._orders = orders

    async def ensure_payment(self, order: Order) -> tuple[Order, PaymentInfo]:
        """The order's payment, created the first time (the order already exists by then)."""
        if order.payment_id is not None:
            # A repeated "place order" (a double submit, a retry) reads the cached state.
            return order, await self.reads.current(order.payment_id)
        if order.status is not OrderStatus.PENDING_PAYMENT:
            raise AssertionError("an order without a payment can only be pending")
        payment = await self.gateway.create_payment(
            order_id=order.id,
            amount_minor=order.total_minor,
            currency=order.currency,
            email=order.details.email,
            description=f"livesale order {order.id}",
            idempotency_key=create_key(order.id),
        )
        return await self._orders.set_payment(order.id, payment.id), payment
