"""Carts, Buy now and checkouts: thin handlers over the shop's services."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.shop.assembly import Shop
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.order_json import order_json, payment_json
from livesale.web.person import request_address
from livesale.web.pricing_requests import parse_coupon_code
from livesale.web.shop_json import cart_json, checkout_json
from livesale.web.shop_requests import (
    parse_buy_now,
    parse_buyer_details,
    parse_cart_checkout,
    parse_cart_line_change,
)


def add_shop_routes(
    app: web.Application, *, shop: Shop, identity: Identity, max_line_quantity: int
) -> None:
    """Register cart, buy-now and checkout endpoints.

    `max_line_quantity` is the most units one line may hold (a setting).
    """
    app.router.add_get("/api/shows/{show_id}/cart", partial(get_cart, shop=shop, identity=identity))
    app.router.add_put(
        "/api/shows/{show_id}/cart/items/{variant_id}",
        partial(set_cart_item, shop=shop, identity=identity, max_quantity=max_line_quantity),
    )
    app.router.add_delete(
        "/api/shows/{show_id}/cart/items/{variant_id}",
        partial(remove_cart_item, shop=shop, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/cart/checkout", partial(checkout_cart, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/shows/{show_id}/buy",
        partial(buy_now, shop=shop, identity=identity, max_quantity=max_line_quantity),
    )
    app.router.add_get(
        "/api/checkouts/{checkout_id}", partial(get_checkout, shop=shop, identity=identity)
    )
    app.router.add_delete(
        "/api/checkouts/{checkout_id}", partial(cancel_checkout, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/checkouts/{checkout_id}/order", partial(place_order, shop=shop, identity=identity)
    )


async def get_cart(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The viewer's cart for the show."""
    viewer = await identity.require_viewer(request)
    cart = await shop.carts.view(viewer, request.match_info["show_id"])
    return web.json_response({"cart": cart_json(cart)})


async def set_cart_item(
    request: web.Request, *, shop: Shop, identity: Identity, max_quantity: int
) -> web.Response:
    """Set how many of a variant the cart holds (0 removes it)."""
    viewer = await identity.require_viewer(request)
    change = parse_cart_line_change(await read_object(request), max_quantity)
    match = request.match_info
    cart = await shop.carts.set_quantity(
        viewer, match["show_id"], match["variant_id"], change.quantity
    )
    return web.json_response({"cart": cart_json(cart)})


async def remove_cart_item(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Remove a variant from the cart."""
    viewer = await identity.require_viewer(request)
    match = request.match_info
    cart = await shop.carts.remove(viewer, match["show_id"], match["variant_id"])
    return web.json_response({"cart": cart_json(cart)})


async def checkout_cart(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Hold the whole cart's stock and open a checkout."""
    viewer = await identity.require_viewer(request)
    wanted = parse_cart_checkout(await read_object(request))
    checkout = await shop.checkout.checkout_cart(
        viewer, request.match_info["show_id"], wanted.request_id, address=request_address(request)
    )
    return web.json_response({"checkout": checkout_json(checkout)}, status=201)


async def buy_now(
    request: web.Request, *, shop: Shop, identity: Identity, max_quantity: int
) -> web.Response:
    """Hold one item of the show and open a checkout for it."""
    viewer = await identity.require_viewer(request)
    buy = parse_buy_now(await read_object(request), max_quantity)
    checkout = await shop.checkout.buy_now(
        viewer, request.match_info["show_id"], buy, address=request_address(request)
    )
    return web.json_response({"checkout": checkout_json(checkout)}, status=201)


async def get_checkout(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The viewer's checkout."""
    viewer = await identity.require_viewer(request)
    checkout = await shop.checkout.get(viewer, request.match_info["checkout_id"])
    return web.json_response({"checkout": checkout_json(checkout)})


async def cancel_checkout(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Give the checkout's held stock back."""
    viewer = await identity.require_viewer(request)
    await shop.checkout.cancel(viewer, request.match_info["checkout_id"])
    return web.json_response({"canceled": True})


async def place_order(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Create the order from the checkout form and start its payment."""
    viewer = await identity.require_viewer(request)
    body = await read_object(request)
    coupon = parse_coupon_code(body)
    details = parse_buyer_details({name: value for name, value in body.items() if name != "coupon"})
    order, payment, created = await shop.checkout.place_order(
        viewer, request.match_info["checkout_id"], details, coupon
    )
    gateway = shop.payments.gateway
    return web.json_response(
        {
            "order": order_json(order),
            "payment": payment_json(order.gateway, payment, gateway.publishable_key),
        },
        status=201 if created else 200,
    )
