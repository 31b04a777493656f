"""The live timeline: the creator pins and unpins; anyone reads the timeline."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.live.events import pin_json, unpin_message
from livesale.web.auth import require_creator
from livesale.web.catalogue_json import product_json
from livesale.web.json_body import read_object
from livesale.web.timeline_json import timeline_event_json
from livesale.web.timeline_requests import parse_pin


def add_timeline_routes(app: web.Application) -> None:
    """Register pin, unpin and timeline endpoints."""
    app.router.add_post("/api/shows/{show_id}/pin", pin_product)
    app.router.add_post("/api/shows/{show_id}/unpin", unpin_product)
    app.router.add_get("/api/shows/{show_id}/timeline", get_timeline)


async def pin_product(request: web.Request) -> web.Response:
    """Pin a product of the bag, optionally as a flash sale (the show's creator only)."""
    creator = await require_creator(request)
    pin_request = parse_pin(await read_object(request))
    show_id = request.match_info["show_id"]
    pinned = await request.app[keys.PINS].pin(creator, show_id, pin_request)
    # Viewers already watching learn the pinned product's stock (and its sale's) now.
    request.app[keys.SHOP].announcer.touch(show_id, pinned.product.id)
    # The creator gets the pin exactly as the room's `pin` event carries it.
    return web.json_response({"pin": pin_json(pinned, product_json)}, status=201)


async def unpin_product(request: web.Request) -> web.Response:
    """Take the pinned product off screen (the show's creator only)."""
    creator = await require_creator(request)
    show_id = request.match_info["show_id"]
    unpinned = await request.app[keys.PINS].unpin(creator, show_id)
    # The creator gets the event exactly as the room's `unpin` carries it.
    return web.json_response({"unpin": unpin_message(unpinned.pin, unpinned.unpin)})


async def get_timeline(request: web.Request) -> web.Response:
    """Every pin and unpin of the show with its offset in ms since it went live."""
    events = await request.app[keys.PINS].timeline(request.match_info["show_id"])
    return web.json_response({"events": [timeline_event_json(e) for e in events]})
