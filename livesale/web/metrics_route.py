"""`GET /metrics` in the Prometheus text format."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

# Set by `livesale serve` for its children: every process writes its samples
# under this folder, and any process can answer a scrape for all of them.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def add_metrics_route(app: web.Application) -> None:
    """Register the scrape endpoint."""
    app.router.add_get("/metrics", metrics)


def scrape() -> bytes:
    """Every instrument: of all of `livesale serve`'s processes, or of this one alone."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics(_request: web.Request) -> web.Response:
    """The scrape, in Prometheus' text format."""
    response = web.Response(body=scrape())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
