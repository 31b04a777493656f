"""`GET /api/ice-servers`: the STUN/TURN servers for the browser pages."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.media.ice import client_ice_servers


def add_ice_servers_route(app: web.Application) -> None:
    """Register `GET /api/ice-servers`."""
    app.router.add_get("/api/ice-servers", ice_servers)


async def ice_servers(request: web.Request) -> web.Response:
    """ICE servers for the browser pages, with fresh TURN credentials."""
    settings = request.app[keys.SETTINGS]
    entries = client_ice_servers(settings.media, "web")
    return web.json_response({"iceServers": [e.as_json() for e in entries]})
