"""Read-only show API: one show with its URLs, and the recent shows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from livesale import keys
from livesale.domain.errors import BadRequest
from livesale.domain.shows import Show
from livesale.web.urls import show_urls

DEFAULT_LIST_LIMIT = 50


def add_shows_routes(app: web.Application) -> None:
    """Register the show endpoints."""
    app.router.add_get("/api/shows", list_shows)
    app.router.add_get("/api/shows/{show_id}", get_show)


async def get_show(request: web.Request) -> web.Response:
    """One show, whether it is on air right now, and where to publish and watch it."""
    show = await request.app[keys.SHOWS].get(request.match_info["show_id"])
    return web.json_response(_show_json(request.app, show))


async def list_shows(request: web.Request) -> web.Response:
    """The most recent shows, newest first (`?limit=`, default 50)."""
    raw = request.query.get("limit", str(DEFAULT_LIST_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit must be an integer", field="limit") from None
    shows = await request.app[keys.SHOWS].list_recent(limit)
    return web.json_response({"shows": [_show_json(request.app, s) for s in shows]})


def _show_json(app: web.Application, show: Show) -> dict[str, Any]:
    urls = show_urls(app[keys.SETTINGS].base_url, show.id)
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "live": app[keys.MEDIA].is_live(show.id),
        "created_at": show.created_at,
        "live_at": show.live_at,
        "ended_at": show.ended_at,
        "whip_url": urls.whip_url,
        "whep_url": urls.whep_url,
        "watch_url": urls.watch_url,
    }
