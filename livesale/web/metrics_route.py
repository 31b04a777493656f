"""`GET /metrics` in the Prometheus text format."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest


def add_metrics_route(app: web.Application) -> None:
    """Register the scrape endpoint."""
    app.router.add_get("/metrics", metrics)


async def metrics(_request: web.Request) -> web.Response:
    """Every instrument of this process."""
    response = web.Response(body=generate_latest(REGISTRY))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
