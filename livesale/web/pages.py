"""The HTML pages: static files with per-show paths, never cached stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from aiohttp import web

from livesale.domain.errors import CreatorNotFound
from livesale.storage.creators import CreatorRepository

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


def add_page_routes(app: web.Application, *, creators: CreatorRepository) -> None:
    """Register the home, host, watch, order, creator and creator console pages."""
    for path, filename in _PAGES.items():
        app.router.add_get(path, _page(STATIC_DIR / filename))
    app.router.add_get("/creators/{creator_id}", partial(creator_page, creators=creators))


async def creator_page(request: web.Request, *, creators: CreatorRepository) -> web.FileResponse:
    """A creator's public page; 404 (the same page, which says so) for an unknown creator."""
    try:
        await creators.get(request.match_info["creator_id"])
        status = 200
    except CreatorNotFound:
        status = 404
    return web.FileResponse(
        STATIC_DIR / "creator.html", status=status, headers={"Cache-Control": "no-cache"}
    )


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def serve(_request: web.Request) -> web.FileResponse:
        # The page itself is tiny; no-cache keeps a deploy from serving old JS.
        return web.FileResponse(file, headers={"Cache-Control": "no-cache"})

    return serve
