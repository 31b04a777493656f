"""The show API: one show, and the creator's create, edit, bag, stream key and end."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from aiohttp import web

from livesale.config import Settings
from livesale.domain.errors import ServiceUnavailable
from livesale.domain.products import Product
from livesale.domain.shows import Show
from livesale.live.events import show_message
from livesale.live.lifecycle import ShowLifecycle
from livesale.live.replays import ReplayService
from livesale.live.room_events import RoomEvents
from livesale.live.shows import ShowService
from livesale.storage.creators import CreatorRepository
from livesale.storage.shows import ShowRepository
from livesale.web.auth import Identity
from livesale.web.catalogue_json import product_json
from livesale.web.json_body import read_object
from livesale.web.on_air import OnAir
from livesale.web.show_requests import (
    parse_bag,
    parse_key_rotation,
    parse_new_show,
    parse_show_edit,
)
from livesale.web.urls import show_urls

logger = logging.getLogger(__name__)


def add_shows_routes(
    app: web.Application,
    *,
    views: ShowViews,
    shows: ShowRepository,
    show_service: ShowService,
    lifecycle: ShowLifecycle,
    events: RoomEvents,
    on_air: OnAir,
    settings: Settings,
    identity: Identity,
) -> None:
    """Register the show endpoints."""
    app.router.add_post(
        "/api/shows",
        partial(
            create_show,
            show_service=show_service,
            views=views,
            settings=settings,
            identity=identity,
        ),
    )
    app.router.add_get("/api/shows/{show_id}", partial(get_show, shows=shows, views=views))
    app.router.add_patch(
        "/api/shows/{show_id}",
        partial(
            update_show, show_service=show_service, views=views, events=events, identity=identity
        ),
    )
    app.router.add_put(
        "/api/shows/{show_id}/products",
        partial(set_bag, show_service=show_service, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/stream-key",
        partial(
            rotate_stream_key,
            show_service=show_service,
            on_air=on_air,
            settings=settings,
            identity=identity,
        ),
    )
    app.router.add_post(
        "/api/shows/{show_id}/end",
        partial(
            end_show,
            show_service=show_service,
            on_air=on_air,
            lifecycle=lifecycle,
            views=views,
            identity=identity,
        ),
    )


async def get_show(
    request: web.Request, *, shows: ShowRepository, views: ShowViews
) -> web.Response:
    """One show (the bare object) with its creator, bag, on-air flag and URLs."""
    show = await shows.get(request.match_info["show_id"])
    return web.json_response(await views.detail(show))


async def create_show(
    request: web.Request,
    *,
    show_service: ShowService,
    views: ShowViews,
    settings: Settings,
    identity: Identity,
) -> web.Response:
    """A new show of the signed-in creator; the stream key is in this answer only."""
    creator = await identity.require_creator(request)
    draft = parse_new_show(await read_object(request))
    created = await show_service.create(creator, draft)
    show, stream_key = created.show, created.stream_key
    detail = await views.detail(show, created.products)
    host_url = show_urls(settings.base_url, show.id).host_url_with_key(stream_key)
    return web.json_response(
        {"show": detail, "stream_key": stream_key, "host_url_with_key": host_url}, status=201
    )


async def update_show(
    request: web.Request,
    *,
    show_service: ShowService,
    views: ShowViews,
    events: RoomEvents,
    identity: Identity,
) -> web.Response:
    """Change title, scheduled start or cover (owner only)."""
    creator = await identity.require_creator(request)
    edit = parse_show_edit(await read_object(request))
    show = await show_service.update(creator, request.match_info["show_id"], edit)
    await _announce(events, show)
    return web.json_response(await views.detail(show))


async def set_bag(
    request: web.Request, *, show_service: ShowService, identity: Identity
) -> web.Response:
    """Replace the show's bag: `{"product_ids": [...]}` in display order (owner only)."""
    creator = await identity.require_creator(request)
    product_ids = parse_bag(await read_object(request))
    products = await show_service.set_bag(creator, request.match_info["show_id"], product_ids)
    return web.json_response({"products": [product_json(p) for p in products]})


async def rotate_stream_key(
    request: web.Request,
    *,
    show_service: ShowService,
    on_air: OnAir,
    settings: Settings,
    identity: Identity,
) -> web.Response:
    """Replace the stream key; the new key is in this answer only (owner only).

    `{"disconnect_publisher": true}` also hangs up whoever is publishing now
    (someone who had the old key), keeping the show live and its viewers
    connected until the creator publishes again with the new key. It is off by
    default: rotating a key that only leaked must not cut the creator's own
    broadcast, and clients that send no body keep their meaning.
    """
    creator = await identity.require_creator(request)
    show_id = request.match_info["show_id"]
    rotation = parse_key_rotation(await read_object(request) if request.body_exists else {})
    stream_key = await show_service.rotate_stream_key(creator, show_id)
    # The old key is refused from here on, so the publisher cut off next cannot come back.
    disconnect = rotation.disconnect_publisher
    disconnected = disconnect and await _disconnect_publisher(on_air, show_id)
    host_url = show_urls(settings.base_url, show_id).host_url_with_key(stream_key)
    return web.json_response(
        {
            "stream_key": stream_key,
            "host_url_with_key": host_url,
            "publisher_disconnected": disconnected,
        }
    )


async def _disconnect_publisher(on_air: OnAir, show_id: str) -> bool:
    """Hang up the show's publisher; False when there was none or the video service is down."""
    try:
        return await on_air.disconnect_publisher(show_id)
    except ServiceUnavailable:
        # The key is rotated either way, and its new value must reach the creator;
        # a video service that is down holds no publisher session anyway.
        logger.warning("show %s: could not disconnect the publisher after a key rotation", show_id)
        return False


async def end_show(
    request: web.Request,
    *,
    show_service: ShowService,
    on_air: OnAir,
    lifecycle: ShowLifecycle,
    views: ShowViews,
    identity: Identity,
) -> web.Response:
    """End the show now: the broadcast stops and the show cannot go live again (owner only)."""
    creator = await identity.require_creator(request)
    show_id = request.match_info["show_id"]
    await show_service.owned(creator, show_id)
    await on_air.end_broadcast(show_id)
    show = await lifecycle.end(show_id)
    return web.json_response(await views.detail(show))


async def _announce(events: RoomEvents, show: Show) -> None:
    await events.publish(show.id, show_message(show))


class ShowViews:
    """Shows as the API gives them, with what they need beyond the show itself."""

    def __init__(
        self,
        base_url: str,
        creators: CreatorRepository,
        on_air: OnAir,
        show_service: ShowService,
        replays: ReplayService,
    ) -> None:
        self._base_url = base_url
        self._creators = creators
        self._on_air = on_air
        self._show_service = show_service
        self._replays = replays

    async def show_json(
        self, show: Show, creator_names: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A show as the API lists it; `creator_names` caches names across a list."""
        return await show_json(self._base_url, self._creators, self._on_air, show, creator_names)

    async def detail(self, show: Show, products: list[Product] | None = None) -> dict[str, Any]:
        """The show with its bag (`products` when the caller has them already)."""
        if products is None:
            products = await self._show_service.bag(show.id)
        return {
            **await self.show_json(show),
            "products": [product_json(p) for p in products],
            "replay_available": await self._replays.available(show),
        }


async def show_json(
    base_url: str,
    creators: CreatorRepository,
    on_air: OnAir,
    show: Show,
    creator_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A show as the API lists it; `creator_names` caches names across a list."""
    urls = show_urls(base_url, show.id)
    creator = None
    if show.creator_id is not None:
        names = {} if creator_names is None else creator_names
        if show.creator_id not in names:
            names[show.creator_id] = (await creators.get(show.creator_id)).display_name
        creator = {"id": show.creator_id, "display_name": names[show.creator_id]}
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "category": show.category,
        "tags": list(show.tags),
        "live": await on_air.is_live(show.id),
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
