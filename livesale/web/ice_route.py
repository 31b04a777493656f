"""`GET /api/ice-servers`: the STUN/TURN servers for the browser pages."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.config import Settings
from livesale.media.ice import client_ice_servers


def add_ice_servers_route(app: web.Application, *, settings: Settings) -> None:
    """Register `GET /api/ice-servers`."""
    app.router.add_get("/api/ice-servers", partial(ice_servers, settings=settings))


async def ice_servers(request: web.Request, *, settings: Settings) -> web.Response:
    """ICE servers for the browser pages, with fresh TURN credentials."""
    entries = client_ice_servers(settings.media, "web")
    return web.json_response({"iceServers": [e.as_json() for e in entries]})
