"""Orders for buyers and sellers, the dummy gateway's card form, and Stripe's webhook."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.domain.errors import InvalidSignature, PaymentNotFound
from livesale.domain.orders import Order
from livesale.metrics import SHOP_WEBHOOKS_REFUSED
from livesale.payments.stripe_gateway import NAME as STRIPE
from livesale.web.auth import current_creator, current_viewer, require_creator, require_viewer
from livesale.web.json_body import read_object, read_optional_object
from livesale.web.order_json import order_page_json, order_view_json
from livesale.web.order_requests import parse_order_list, parse_refund, parse_shipment

WEBHOOK_PATH = "/api/payments/stripe/webhook"


def add_order_routes(app: web.Application) -> None:
    """Register order, payment and webhook endpoints."""
    app.router.add_get("/api/orders", list_orders)
    app.router.add_get("/api/orders/{order_id}", get_order)
    app.router.add_post("/api/orders/{order_id}/refresh", refresh_order)
    app.router.add_post("/api/orders/{order_id}/fulfil", fulfil_order)
    app.router.add_post("/api/orders/{order_id}/refund", refund_order)
    app.router.add_post("/api/payments/dummy/{payment_id}/confirm", dummy_confirm)
    app.router.add_post("/api/payments/dummy/{payment_id}/authenticate", dummy_authenticate)
    app.router.add_post(WEBHOOK_PATH, stripe_webhook)


async def _readable_order(request: web.Request) -> tuple[Order, bool]:
    """The order if the caller is its buyer or its seller, and whether it is the buyer."""
    viewer = await current_viewer(request)
    order = await request.app[keys.SHOP].orders.readable(
        request.match_info["order_id"], await current_creator(request), viewer
    )
    return order, viewer is not None and viewer.id == order.viewer_id


async def list_orders(request: web.Request) -> web.Response:
    """The signed-in creator's orders (filters: show_id, status, limit, before)."""
    creator = await require_creator(request)
    query = parse_order_list(request.query)
    page = await request.app[keys.SHOP].orders.list_for_seller(creator, query)
    return web.json_response(order_page_json(page))


async def get_order(request: web.Request) -> web.Response:
    """One order with its payment."""
    order, is_buyer = await _readable_order(request)
    view = await request.app[keys.SHOP].orders.view(order, for_buyer=is_buyer)
    return web.json_response(order_view_json(view))


async def refresh_order(request: web.Request) -> web.Response:
    """Ask the gateway how the payment stands (after the browser returns from paying)."""
    orders = request.app[keys.SHOP].orders
    readable, is_buyer = await _readable_order(request)
    # Limited per caller too: the buyer, or the seller looking at their order.
    caller = f"viewer:{readable.viewer_id}" if is_buyer else f"creator:{readable.creator_id}"
    order = await orders.refresh(readable, caller)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=is_buyer)))


async def fulfil_order(request: web.Request) -> web.Response:
    """Mark a paid order as sent, optionally with carrier and tracking (its seller only)."""
    creator = await require_creator(request)
    shipment = parse_shipment(await read_optional_object(request))
    orders = request.app[keys.SHOP].orders
    order = await orders.fulfil(creator, request.match_info["order_id"], shipment)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=False)))


async def refund_order(request: web.Request) -> web.Response:
    """Refund a paid order in full, or some of its lines (its seller only)."""
    creator = await require_creator(request)
    refund = parse_refund(await read_optional_object(request))
    orders = request.app[keys.SHOP].orders
    order = await orders.refund(creator, request.match_info["order_id"], refund.lines)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=False)))


async def dummy_confirm(request: web.Request) -> web.Response:
    """Pay with one of the dummy gateway's test cards."""
    viewer = await require_viewer(request)
    body = await read_object(request, {"card_number"})
    orders = request.app[keys.SHOP].orders
    order = await orders.pay_with_test_card(
        viewer, request.match_info["payment_id"], body.get("card_number")
    )
    return web.json_response(order_view_json(await orders.view(order, for_buyer=True)))


async def dummy_authenticate(request: web.Request) -> web.Response:
    """The second step a test card may ask for."""
    viewer = await require_viewer(request)
    body = await read_object(request, {"approve"})
    orders = request.app[keys.SHOP].orders
    order = await orders.authenticate(viewer, request.match_info["payment_id"], body.get("approve"))
    return web.json_response(order_view_json(await orders.view(order, for_buyer=True)))


async def stripe_webhook(request: web.Request) -> web.Response:
    """Stripe's events: verified by signature, applied once each."""
    shop = request.app[keys.SHOP]
    gateway = shop.payments.gateway
    if gateway.name != STRIPE:
        raise PaymentNotFound("the Stripe gateway is not in use")
    payload = await request.read()
    try:
        webhook = gateway.parse_webhook(payload, request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        SHOP_WEBHOOKS_REFUSED.inc()
        raise
    order = await shop.settlement.apply_webhook(webhook)
    return web.json_response({"received": True, "applied": order is not None})
