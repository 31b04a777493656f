"""Request duration by route and status, for every HTTP request the app answers."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from livesale.metrics import HTTP_REQUEST_DURATION
from livesale.web.middleware import Handler

UNMATCHED = "unmatched"
# Any token is a valid HTTP method; labels must stay a small fixed set.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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


# Labelled children by (route, method, status): `labels()` costs a lock and a
# lookup on every call, and a flash sale makes thousands of requests a second.
_children: dict[tuple[str, str, int], Any] = {}


def _observe(request: web.Request, status: int, started: float) -> None:
    method = request.method if request.method in KNOWN_METHODS else "other"
    key = (route_label(request), method, status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = HTTP_REQUEST_DURATION.labels(key[0], key[1], str(status))
    child.observe(time.perf_counter() - started)
