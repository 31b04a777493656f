"""Prometheus counts of orders as they are created, move and give money back."""

from __future__ import annotations

from livesale.domain.orders import Order, OrderStatus
from livesale.metrics import (
    SHOP_PAYMENT_DURATION,
    SHOP_REFUNDED,
    SHOP_REVENUE,
    count_checkout,
    count_order_status,
)


def count_created(order: Order) -> None:
    """Count a new order (a retry that finds the checkout's order never gets here)."""
    count_order_status(OrderStatus.PENDING_PAYMENT)
    count_checkout(order.gateway, "started")


def count_move(before: Order, order: Order) -> None:
    """Count an order that just reached its status (a replay or a no-op never gets here)."""
    count_order_status(order.status)
    if order.status is OrderStatus.PAID:
        count_checkout(order.gateway, "paid")
        SHOP_REVENUE.labels(order.currency, order.gateway).inc(order.total_minor)
        if order.paid_at is not None:
            # Wall-clock stamps: clamp a clock step backwards instead of observing < 0.
            waited = max(0.0, order.paid_at - order.created_at)
            SHOP_PAYMENT_DURATION.labels(order.gateway).observe(waited)
    elif order.status is OrderStatus.REFUNDED:
        # Every refund gives money back, including one for money that came after a cancel.
        count_refunded(before, order)


def count_refunded(before: Order, after: Order) -> None:
    """Count the money given back between two states of an order (a line's refund, one
    the provider reports, the rest of the order): each unit of money once."""
    given = after.refunded_minor - before.refunded_minor
    if given > 0:
        SHOP_REFUNDED.labels(after.currency, after.gateway).inc(given)
