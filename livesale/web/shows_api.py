"""The show API: one show, and the creator's create, edit, bag, stream key and end."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from livesale import keys
from livesale.domain.errors import ServiceUnavailable
from livesale.domain.products import Product
from livesale.domain.shows import Show
from livesale.live.events import show_message
from livesale.web.auth import require_creator
from livesale.web.catalogue_json import product_json
from livesale.web.json_body import read_object
from livesale.web.on_air import ON_AIR
from livesale.web.show_requests import (
    parse_bag,
    parse_key_rotation,
    parse_new_show,
    parse_show_edit,
)
from livesale.web.urls import show_urls

logger = logging.getLogger(__name__)


def add_shows_routes(app: web.Application) -> None:
    """Register the show endpoints."""
    app.router.add_post("/api/shows", create_show)
    app.router.add_get("/api/shows/{show_id}", get_show)
    app.router.add_patch("/api/shows/{show_id}", update_show)
    app.router.add_put("/api/shows/{show_id}/products", set_bag)
    app.router.add_post("/api/shows/{show_id}/stream-key", rotate_stream_key)
    app.router.add_post("/api/shows/{show_id}/end", end_show)


async def get_show(request: web.Request) -> web.Response:
    """One show (the bare object) with its creator, bag, on-air flag and URLs."""
    show = await request.app[keys.SHOWS].get(request.match_info["show_id"])
    return web.json_response(await _show_detail(request.app, show))


async def create_show(request: web.Request) -> web.Response:
    """A new show of the signed-in creator; the stream key is in this answer only."""
    creator = await require_creator(request)
    draft = parse_new_show(await read_object(request))
    created = await request.app[keys.SHOW_SERVICE].create(creator, draft)
    show, stream_key = created.show, created.stream_key
    detail = await _show_detail(request.app, show, created.products)
    host_url = show_urls(request.app[keys.SETTINGS].base_url, show.id).host_url_with_key(stream_key)
    return web.json_response(
        {"show": detail, "stream_key": stream_key, "host_url_with_key": host_url}, status=201
    )


async def update_show(request: web.Request) -> web.Response:
    """Change title, scheduled start or cover (owner only)."""
    creator = await require_creator(request)
    edit = parse_show_edit(await read_object(request))
    service = request.app[keys.SHOW_SERVICE]
    show = await service.update(creator, request.match_info["show_id"], edit)
    await _announce(request.app, show)
    return web.json_response(await _show_detail(request.app, show))


async def set_bag(request: web.Request) -> web.Response:
    """Replace the show's bag: `{"product_ids": [...]}` in display order (owner only)."""
    creator = await require_creator(request)
    product_ids = parse_bag(await read_object(request))
    products = await request.app[keys.SHOW_SERVICE].set_bag(
        creator, request.match_info["show_id"], product_ids
    )
    return web.json_response({"products": [product_json(p) for p in products]})


async def rotate_stream_key(request: web.Request) -> web.Response:
    """Replace the stream key; the new key is in this answer only (owner only).

    `{"disconnect_publisher": true}` also hangs up whoever is publishing now
    (someone who had the old key), keeping the show live and its viewers
    connected until the creator publishes again with the new key. It is off by
    default: rotating a key that only leaked must not cut the creator's own
    broadcast, and clients that send no body keep their meaning.
    """
    creator = await require_creator(request)
    show_id = request.match_info["show_id"]
    rotation = parse_key_rotation(await read_object(request) if request.body_exists else {})
    stream_key = await request.app[keys.SHOW_SERVICE].rotate_stream_key(creator, show_id)
    # The old key is refused from here on, so the publisher cut off next cannot come back.
    disconnect = rotation.disconnect_publisher
    disconnected = disconnect and await _disconnect_publisher(request.app, show_id)
    host_url = show_urls(request.app[keys.SETTINGS].base_url, show_id).host_url_with_key(stream_key)
    return web.json_response(
        {
            "stream_key": stream_key,
            "host_url_with_key": host_url,
            "publisher_disconnected": disconnected,
        }
    )


async def _disconnect_publisher(app: web.Application, show_id: str) -> bool:
    """Hang up the show's publisher; False when there was none or the video service is down."""
    try:
        return await app[ON_AIR].disconnect_publisher(show_id)
    except ServiceUnavailable:
        # The key is rotated either way, and its new value must reach the creator;
        # a video service that is down holds no publisher session anyway.
        logger.warning("show %s: could not disconnect the publisher after a key rotation", show_id)
        return False


async def end_show(request: web.Request) -> web.Response:
    """End the show now: the broadcast stops and the show cannot go live again (owner only)."""
    creator = await require_creator(request)
    show_id = request.match_info["show_id"]
    await request.app[keys.SHOW_SERVICE].owned(creator, show_id)
    await request.app[ON_AIR].end_broadcast(show_id)
    show = await request.app[keys.LIFECYCLE].end(show_id)
    return web.json_response(await _show_detail(request.app, show))


async def _announce(app: web.Application, show: Show) -> None:
    await app[keys.ROOM].publish(show.id, show_message(show))


async def show_json(
    app: web.Application, show: Show, creator_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """A show as the API lists it; `creator_names` caches names across a list."""
    urls = show_urls(app[keys.SETTINGS].base_url, show.id)
    creator = None
    if show.creator_id is not None:
        names = {} if creator_names is None else creator_names
        if show.creator_id not in names:
            names[show.creator_id] = (await app[keys.CREATORS].get(show.creator_id)).display_name
        creator = {"id": show.creator_id, "display_name": names[show.creator_id]}
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "live": await app[ON_AIR].is_live(show.id),
        "creator": creator,
        "cover_image_url": None
        if show.cover_image_id is None
        else f"/images/{show.cover_image_id}",
        "scheduled_at": show.scheduled_at,
        "created_at": show.created_at,
        "live_at": show.live_at,
        "ended_at": show.ended_at,
        "record": show.record,
        "replay_flash_sales": show.replay_flash_sales,
        "whip_url": urls.whip_url,
        "whep_url": urls.whep_url,
        "watch_url": urls.watch_url,
    }


async def _show_detail(
    app: web.Application, show: Show, products: list[Product] | None = None
) -> dict[str, Any]:
    """The show with its bag (`products` when the caller has them already)."""
    if products is None:
        products = await app[keys.SHOW_SERVICE].bag(show.id)
    return {
        **await show_json(app, show),
        "products": [product_json(p) for p in products],
        "replay_available": await app[keys.REPLAYS].available(show),
    }
