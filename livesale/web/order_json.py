"""Orders, payments and parcels as the API shows them (what is stored has its own form)."""

from __future__ import annotations

from typing import Any

from livesale.domain.fulfilment import Parcel
from livesale.domain.orders import (
    Address,
    BuyerDetails,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    StatusChange,
)
from livesale.domain.payments import PaymentInfo
from livesale.payments.choice import DUMMY
from livesale.shop.orders import OrderPage, OrderView


def address_json(address: Address) -> dict[str, str]:
    """A shipping address."""
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def shipment_json(shipment: Shipment) -> dict[str, str]:
    """How a fulfilled order travels."""
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
    }


def buyer_details_json(details: BuyerDetails) -> dict[str, Any]:
    """The order form's fields as the buyer filled them in."""
    return {
        "email": details.email,
        "name": details.name,
        "address": address_json(details.address),
        "announce": details.announce,
    }


def line_json(line: OrderLine) -> dict[str, Any]:
    """A checkout's or order's line as clients see it (no hold id)."""
    return {
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "title": line.title,
        "variant_name": line.variant_name,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor,
        "line_total_minor": line.line_total_minor,
        "flash_sale": line.sale_id is not None,
        "sale_id": line.sale_id,
        "discount_minor": line.discount_minor,
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


def order_json(order: Order) -> dict[str, Any]:
    """An order as its buyer and its seller see it."""
    details = order.details
    return {
        "id": order.id,
        "status": order.status.value,
        "status_reason": order.status_reason,
        "show_id": order.show_id,
        "lines": [order_line_json(position, line) for position, line in enumerate(order.lines)],
        "currency": order.currency,
        "subtotal_minor": order.subtotal_minor,
        "discount_minor": order.discount_minor,
        "coupon_code": order.pricing.coupon_code,
        "shipping_minor": order.shipping_minor,
        "shipping_refunded_minor": order.shipping_refunded_minor,
        # The earlier order whose parcel this one joins (its shipping was combined).
        "shipping_combined_with": order.pricing.combined_with,
        "total_minor": order.total_minor,
        "email": details.email,
        "name": details.name,
        "address": address_json(details.address),
        "announce": details.announce,
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
        "shipment": None if order.shipment is None else shipment_json(order.shipment),
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


def order_view_json(view: OrderView) -> dict[str, Any]:
    """`{"order", "payment"}`, and the seller's `history`."""
    body: dict[str, Any] = {
        "order": order_json(view.order),
        "payment": payment_json(view.order.gateway, view.payment, view.publishable_key),
    }
    if view.history is not None:
        body["history"] = [status_change_json(change) for change in view.history]
    return body


def status_change_json(change: StatusChange) -> dict[str, Any]:
    """One step of the seller's order history."""
    return {
        "from_status": change.from_status,
        "to_status": change.to_status,
        "reason": change.reason,
        "at": change.at,
    }


def order_page_json(page: OrderPage) -> dict[str, Any]:
    """A page of the seller's orders and where the next one starts."""
    return {"orders": [order_json(order) for order in page.orders], "next_before": page.next_before}


def parcel_json(parcel: Parcel) -> dict[str, Any]:
    """A parcel: who and where (from its newest order), its orders, units to pack."""
    latest = parcel.latest
    return {
        "id": parcel.id,
        "name": latest.details.name,
        "email": latest.details.email,
        "address": address_json(latest.details.address),
        "status": OrderStatus.PAID.value if parcel.to_ship else OrderStatus.FULFILLED.value,
        "units": parcel.units,
        "orders": [order_json(order) for order in parcel.orders],
    }
