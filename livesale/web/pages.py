"""The HTML pages: static files with per-show paths, never cached stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
_PAGES = {
    "/": "index.html",
    "/host/{show_id}": "host.html",
    "/watch/{show_id}": "watch.html",
    # A buyer's order (the page asks the API, which checks the buyer's cookie).
    "/orders/{order_id}": "order.html",
    # The console routes its own views (/console/products, /console/shows/{id}...).
    "/console": "console.html",
    "/console/{view:.+}": "console.html",
}


def add_page_routes(app: web.Application) -> None:
    """Register the home, host, watch, order and creator console pages."""
    for path, filename in _PAGES.items():
        app.router.add_get(path, _page(STATIC_DIR / filename))


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def serve(_request: web.Request) -> web.FileResponse:
        # The page itself is tiny; no-cache keeps a deploy from serving old JS.
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    return serve
