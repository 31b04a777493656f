"""Orders for buyers and sellers, the dummy gateway's card form, and Stripe's webhook."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.domain.errors import InvalidSignature, PaymentNotFound
from livesale.domain.orders import Order
from livesale.metrics import SHOP_WEBHOOKS_REFUSED
from livesale.payments.stripe_gateway import NAME as STRIPE
from livesale.shop.assembly import Shop
from livesale.web.auth import (
    Identity,
)
from livesale.web.json_body import read_object, read_optional_object
from livesale.web.order_json import order_page_json, order_view_json
from livesale.web.order_requests import parse_order_list, parse_refund, parse_shipment

WEBHOOK_PATH = "/api/payments/stripe/webhook"


def add_order_routes(app: web.Application, *, shop: Shop, identity: Identity) -> None:
    """Register order, payment and webhook endpoints."""
    app.router.add_get("/api/orders", partial(list_orders, shop=shop, identity=identity))
    app.router.add_get("/api/orders/{order_id}", partial(get_order, shop=shop, identity=identity))
    app.router.add_post(
        "/api/orders/{order_id}/refresh", partial(refresh_order, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/orders/{order_id}/fulfil", partial(fulfil_order, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/orders/{order_id}/refund", partial(refund_order, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/payments/dummy/{payment_id}/confirm",
        partial(dummy_confirm, shop=shop, identity=identity),
    )
    app.router.add_post(
        "/api/payments/dummy/{payment_id}/authenticate",
        partial(dummy_authenticate, shop=shop, identity=identity),
    )
    app.router.add_post(WEBHOOK_PATH, partial(stripe_webhook, shop=shop))


async def _readable_order(
    request: web.Request, *, shop: Shop, identity: Identity
) -> tuple[Order, bool]:
    """The order if the caller is its buyer or its seller, and whether it is the buyer."""
    viewer = await identity.current_viewer(request)
    order = await shop.orders.readable(
        request.match_info["order_id"], await identity.current_creator(request), viewer
    )
    return order, viewer is not None and viewer.id == order.viewer_id


async def list_orders(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The signed-in creator's orders (filters: show_id, status, limit, before)."""
    creator = await identity.require_creator(request)
    query = parse_order_list(request.query)
    page = await shop.orders.list_for_seller(creator, query)
    return web.json_response(order_page_json(page))


async def get_order(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """One order with its payment."""
    order, is_buyer = await _readable_order(request, shop=shop, identity=identity)
    view = await shop.orders.view(order, for_buyer=is_buyer)
    return web.json_response(order_view_json(view))


async def refresh_order(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Ask the gateway how the payment stands (after the browser returns from paying)."""
    orders = shop.orders
    readable, is_buyer = await _readable_order(request, shop=shop, identity=identity)
    # Limited per caller too: the buyer, or the seller looking at their order.
    caller = f"viewer:{readable.viewer_id}" if is_buyer else f"creator:{readable.creator_id}"
    order = await orders.refresh(readable, caller)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=is_buyer)))


async def fulfil_order(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Mark a paid order as sent, optionally with carrier and tracking (its seller only)."""
    creator = await identity.require_creator(request)
    shipment = parse_shipment(await read_optional_object(request))
    orders = shop.orders
    order = await orders.fulfil(creator, request.match_info["order_id"], shipment)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=False)))


async def refund_order(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Refund a paid order in full, or some of its lines (its seller only)."""
    creator = await identity.require_creator(request)
    refund = parse_refund(await read_optional_object(request))
    orders = shop.orders
    order = await orders.refund(creator, request.match_info["order_id"], refund.lines)
    return web.json_response(order_view_json(await orders.view(order, for_buyer=False)))


async def dummy_confirm(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Pay with one of the dummy gateway's test cards."""
    viewer = await identity.require_viewer(request)
    body = await read_object(request, {"card_number"})
    orders = shop.orders
    order = await orders.pay_with_test_card(
        viewer, request.match_info["payment_id"], body.get("card_number")
    )
    return web.json_response(order_view_json(await orders.view(order, for_buyer=True)))


async def dummy_authenticate(
    request: web.Request, *, shop: Shop, identity: Identity
) -> web.Response:
    """The second step a test card may ask for."""
    viewer = await identity.require_viewer(request)
    body = await read_object(request, {"approve"})
    orders = shop.orders
    order = await orders.authenticate(viewer, request.match_info["payment_id"], body.get("approve"))
    return web.json_response(order_view_json(await orders.view(order, for_buyer=True)))


async def stripe_webhook(request: web.Request, *, shop: Shop) -> web.Response:
    """Stripe's events: verified by signature, applied once each."""
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
