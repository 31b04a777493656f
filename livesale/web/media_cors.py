"""CORS for WHIP/WHEP in every role (a shop process answers for the media process)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

_EXPOSED = "Location, Link, Accept-Patch, ETag, Content-Type"


def media_cors_middleware(origins: tuple[str, ...]) -> Middleware:
    """CORS for WHIP/WHEP so third-party players and encoders on `origins` work.

    Safe with a wildcard: these endpoints authenticate with a bearer token or
    an unguessable session URL, never with cookies.
    """

    @web.middleware
    async def media_cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.path.startswith(("/whip/", "/whep/")):
            origin = request.headers.get("Origin")
            if "*" in origins:
                response.headers["Access-Control-Allow-Origin"] = "*"
            elif origin in origins:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Expose-Headers"] = _EXPOSED
        return response

    return media_cors
