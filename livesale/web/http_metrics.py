"""Request duration by route and status, for every HTTP request the app answers."""

from __future__ import annotations

import time

from aiohttp import web

from livesale.metrics import HTTP_REQUEST_DURATION
from livesale.web.middleware import Handler

UNMATCHED = "unmatched"


def route_label(request: web.Request) -> str:
    """The route's pattern (`/api/shows/{show_id}/buy`), never the concrete path: bounded."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    if resource is None:
        return UNMATCHED
    return resource.canonical


@web.middleware
async def http_metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time the request; a WebSocket's lifetime is not a request duration, so it is left out."""
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects pass the error middleware as exceptions
        _observe(request, exc.status, started)
        raise
    if not isinstance(response, web.WebSocketResponse):
        _observe(request, response.status, started)
    return response


def _observe(request: web.Request, status: int, started: float) -> None:
    HTTP_REQUEST_DURATION.labels(route_label(request), request.method, str(status)).observe(
        time.perf_counter() - started
    )
