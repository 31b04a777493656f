"""Liveness endpoint for load balancers and process supervisors."""

from __future__ import annotations

from aiohttp import web


def add_health_routes(app: web.Application) -> None:
    """Register `GET /healthz`."""
    app.router.add_get("/healthz", healthz)


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving HTTP."""
    return web.json_response({"status": "ok"})
