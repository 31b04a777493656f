"""The live timeline: the creator pins and unpins; anyone reads the timeline."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.live.events import pin_json, unpin_message
from livesale.live.pins import PinService
from livesale.shop.assembly import Shop
from livesale.web.auth import Identity
from livesale.web.catalogue_json import product_json
from livesale.web.json_body import read_object
from livesale.web.timeline_json import timeline_event_json
from livesale.web.timeline_requests import parse_pin


def add_timeline_routes(
    app: web.Application, *, pins: PinService, shop: Shop, identity: Identity
) -> None:
    """Register pin, unpin and timeline endpoints."""
    app.router.add_post(
        "/api/shows/{show_id}/pin", partial(pin_product, pins=pins, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/shows/{show_id}/unpin", partial(unpin_product, pins=pins, identity=identity)
    )
    app.router.add_get("/api/shows/{show_id}/timeline", partial(get_timeline, pins=pins))


async def pin_product(
    request: web.Request, *, pins: PinService, shop: Shop, identity: Identity
) -> web.Response:
    """Pin a product of the bag, optionally as a flash sale (the show's creator only)."""
    creator = await identity.require_creator(request)
    pin_request = parse_pin(await read_object(request))
    show_id = request.match_info["show_id"]
    pinned = await pins.pin(creator, show_id, pin_request)
    # Viewers already watching learn the pinned product's stock (and its sale's) now.
    shop.announcer.touch(show_id, pinned.product.id)
    # The creator gets the pin exactly as the room's `pin` event carries it.
    return web.json_response({"pin": pin_json(pinned, product_json)}, status=201)


async def unpin_product(
    request: web.Request, *, pins: PinService, identity: Identity
) -> web.Response:
    """Take the pinned product off screen (the show's creator only)."""
    creator = await identity.require_creator(request)
    show_id = request.match_info["show_id"]
    unpinned = await pins.unpin(creator, show_id)
    # The creator gets the event exactly as the room's `unpin` carries it.
    return web.json_response({"unpin": unpin_message(unpinned.pin, unpinned.unpin)})


async def get_timeline(request: web.Request, *, pins: PinService) -> web.Response:
    """Every pin and unpin of the show with its offset in ms since it went live."""
    events = await pins.timeline(request.match_info["show_id"])
    return web.json_response({"events": [timeline_event_json(e) for e in events]})
