"""HTML pages (placeholder until the pages are written)."""

from __future__ import annotations

from aiohttp import web


def add_page_routes(app: web.Application) -> None:
    """Register the HTML pages."""
    app.router.add_get("/", home)


async def home(request: web.Request) -> web.Response:
    """A minimal home page."""
    return web.Response(
        text="<!doctype html><title>livesale</title><h1>livesale</h1>", content_type="text/html"
    )
