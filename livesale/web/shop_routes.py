"""Carts, Buy now and checkouts: thin handlers over the shop's services."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.web.auth import require_viewer
from livesale.web.json_body import read_object
from livesale.web.order_json import order_json, payment_json
from livesale.web.person import request_address
from livesale.web.shop_json import cart_json, checkout_json
from livesale.web.shop_requests import (
    parse_buy_now,
    parse_buyer_details,
    parse_cart_checkout,
    parse_cart_line_change,
)


def add_shop_routes(app: web.Application) -> None:
    """Register cart, buy-now and checkout endpoints."""
    app.router.add_get("/api/shows/{show_id}/cart", get_cart)
    app.router.add_put("/api/shows/{show_id}/cart/items/{variant_id}", set_cart_item)
    app.router.add_delete("/api/shows/{show_id}/cart/items/{variant_id}", remove_cart_item)
    app.router.add_post("/api/shows/{show_id}/cart/checkout", checkout_cart)
    app.router.add_post("/api/shows/{show_id}/buy", buy_now)
    app.router.add_get("/api/checkouts/{checkout_id}", get_checkout)
    app.router.add_delete("/api/checkouts/{checkout_id}", cancel_checkout)
    app.router.add_post("/api/checkouts/{checkout_id}/order", place_order)


def _max_quantity(request: web.Request) -> int:
    """The most units one line may hold (a setting)."""
    return request.app[keys.SETTINGS].shop.max_line_quantity


async def get_cart(request: web.Request) -> web.Response:
    """The viewer's cart for the show."""
    viewer = await require_viewer(request)
    cart = await request.app[keys.SHOP].carts.view(viewer, request.match_info["show_id"])
    return web.json_response({"cart": cart_json(cart)})


async def set_cart_item(request: web.Request) -> web.Response:
    """Set how many of a variant the cart holds (0 removes it)."""
    viewer = await require_viewer(request)
    change = parse_cart_line_change(await read_object(request), _max_quantity(request))
    match = request.match_info
    cart = await request.app[keys.SHOP].carts.set_quantity(
        viewer, match["show_id"], match["variant_id"], change.quantity
    )
    return web.json_response({"cart": cart_json(cart)})


async def remove_cart_item(request: web.Request) -> web.Response:
    """Remove a variant from the cart."""
    viewer = await require_viewer(request)
    match = request.match_info
    cart = await request.app[keys.SHOP].carts.remove(viewer, match["show_id"], match["variant_id"])
    return web.json_response({"cart": cart_json(cart)})


async def checkout_cart(request: web.Request) -> web.Response:
    """Hold the whole cart's stock and open a checkout."""
    viewer = await require_viewer(request)
    wanted = parse_cart_checkout(await read_object(request))
    shop = request.app[keys.SHOP]
    checkout = await shop.checkout.checkout_cart(
        viewer, request.match_info["show_id"], wanted.request_id, address=request_address(request)
    )
    return web.json_response({"checkout": checkout_json(checkout)}, status=201)


async def buy_now(request: web.Request) -> web.Response:
    """Hold one item of the show and open a checkout for it."""
    viewer = await require_viewer(request)
    buy = parse_buy_now(await read_object(request), _max_quantity(request))
    shop = request.app[keys.SHOP]
    checkout = await shop.checkout.buy_now(
        viewer, request.match_info["show_id"], buy, address=request_address(request)
    )
    return web.json_response({"checkout": checkout_json(checkout)}, status=201)


async def get_checkout(request: web.Request) -> web.Response:
    """The viewer's checkout."""
    viewer = await require_viewer(request)
    checkout = await request.app[keys.SHOP].checkout.get(viewer, request.match_info["checkout_id"])
    return web.json_response({"checkout": checkout_json(checkout)})


async def cancel_checkout(request: web.Request) -> web.Response:
    """Give the checkout's held stock back."""
    viewer = await require_viewer(request)
    await request.app[keys.SHOP].checkout.cancel(viewer, request.match_info["checkout_id"])
    return web.json_response({"canceled": True})


async def place_order(request: web.Request) -> web.Response:
    """Create the order from the checkout form and start its payment."""
    viewer = await require_viewer(request)
    details = parse_buyer_details(await read_object(request))
    shop = request.app[keys.SHOP]
    order, payment, created = await shop.checkout.place_order(
        viewer, request.match_info["checkout_id"], details
    )
    gateway = shop.payments.gateway
    return web.json_response(
        {
            "order": order_json(order),
            "payment": payment_json(order.gateway, payment, gateway.publishable_key),
        },
        status=201 if created else 200,
    )
