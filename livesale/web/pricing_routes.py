"""The seller's shipping profile and coupons: thin handlers over shop.pricing."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.shop.assembly import Shop
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.pricing_json import coupon_json, coupon_stats_json, shipping_profile_json
from livesale.web.pricing_requests import parse_coupon, parse_shipping_profile


def add_pricing_routes(app: web.Application, *, shop: Shop, identity: Identity) -> None:
    """Register the shipping-profile and coupon endpoints (the signed-in creator's own)."""
    app.router.add_get("/api/shipping-profile", partial(get_shipping, shop=shop, identity=identity))
    app.router.add_put("/api/shipping-profile", partial(put_shipping, shop=shop, identity=identity))
    app.router.add_delete(
        "/api/shipping-profile", partial(delete_shipping, shop=shop, identity=identity)
    )
    app.router.add_get("/api/coupons", partial(list_coupons, shop=shop, identity=identity))
    app.router.add_post("/api/coupons", partial(add_coupon, shop=shop, identity=identity))
    app.router.add_put(
        "/api/coupons/{coupon_id}", partial(change_coupon, shop=shop, identity=identity)
    )


async def get_shipping(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The creator's shipping profile (null when none is set)."""
    creator = await identity.require_creator(request)
    profile = await shop.pricing.shipping_profile(creator)
    return web.json_response({"shipping_profile": shipping_profile_json(profile)})


async def put_shipping(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Set the creator's shipping profile."""
    creator = await identity.require_creator(request)
    profile = parse_shipping_profile(await read_object(request))
    saved = await shop.pricing.set_shipping_profile(creator, profile)
    return web.json_response({"shipping_profile": shipping_profile_json(saved)})


async def delete_shipping(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Remove the creator's shipping profile: free shipping, to anywhere."""
    creator = await identity.require_creator(request)
    await shop.pricing.set_shipping_profile(creator, None)
    return web.json_response({"shipping_profile": None})


async def list_coupons(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The creator's coupons with their analytics."""
    creator = await identity.require_creator(request)
    stats = await shop.pricing.coupon_stats(creator)
    return web.json_response({"coupons": [coupon_stats_json(item) for item in stats]})


async def add_coupon(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """A new coupon of the creator's shop."""
    creator = await identity.require_creator(request)
    coupon = await shop.pricing.add_coupon(creator, parse_coupon(await read_object(request)))
    return web.json_response({"coupon": coupon_json(coupon)}, status=201)


async def change_coupon(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Replace a coupon's terms (enable or disable it with `enabled`)."""
    creator = await identity.require_creator(request)
    terms = parse_coupon(await read_object(request))
    coupon = await shop.pricing.change_coupon(creator, request.match_info["coupon_id"], terms)
    return web.json_response({"coupon": coupon_json(coupon)})
