"""The HTML pages (static files, per-show paths, never cached stale) in the reader's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from aiohttp import web

from livesale.domain.errors import CreatorNotFound
from livesale.domain.languages import chosen_language, direction
from livesale.storage.creators import CreatorRepository

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
_PAGES = {
    "/": "index.html",
    "/host/{show_id}": "host.html",
    "/watch/{show_id}": "watch.html",
    # A buyer's order (the page asks the API, which checks the buyer's cookie).
    "/orders/{order_id}": "order.html",
    # A person's direct messages with shops (the page asks the API, which checks the cookie).
    "/messages": "messages.html",
    # The console routes its own views (/console/products, /console/shows/{id}...).
    "/console": "console.html",
    "/console/{view:.+}": "console.html",
}
# The pages' own opening tag, which a page in another language replaces.
_HTML_TAG = '<html lang="en">'
# The choice the language switch remembers (static/js/i18n.js), so the next page is
# rendered in it before the first paint.
LANGUAGE_COOKIE = "livesale_lang"


def add_page_routes(app: web.Application, *, creators: CreatorRepository) -> None:
    """Register the home, host, watch, order, creator and creator console pages."""
    for path, filename in _PAGES.items():
        app.router.add_get(path, _page(STATIC_DIR / filename))
    app.router.add_get("/creators/{creator_id}", partial(creator_page, creators=creators))


async def creator_page(request: web.Request, *, creators: CreatorRepository) -> web.Response:
    """A creator's public page; 404 (the same page, which says so) for an unknown creator."""
    try:
        await creators.get(request.match_info["creator_id"])
        status = 200
    except CreatorNotFound:
        status = 404
    return page_response(request, STATIC_DIR / "creator.html", status=status)


def page_language(request: web.Request) -> str:
    """The language a page opens in: the remembered choice, else `Accept-Language`."""
    return chosen_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
    )


def page_response(request: web.Request, file: Path, *, status: int = 200) -> web.Response:
    """`file` with `<html lang dir>` set for the reader: Arabic is right to left from the start."""
    language = page_language(request)
    html = _read(file)
    if language != "en":
        html = html.replace(_HTML_TAG, f'<html lang="{language}" dir="{direction(language)}">', 1)
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            # The page itself is tiny; no-cache keeps a deploy from serving old JS.
            "Cache-Control": "no-cache",
            "Content-Language": language,
            "Vary": "Accept-Language, Cookie",
        },
    )


# Page text by path, with the modification time it was read at (a deploy replaces the files).
_texts: dict[Path, tuple[int, str]] = {}


def _read(file: Path) -> str:
    """The page's text, read again only when the file changed (each is a few kilobytes)."""
    modified = file.stat().st_mtime_ns
    known = _texts.get(file)
    if known is None or known[0] != modified:
        known = (modified, file.read_text(encoding="utf-8"))
        _texts[file] = known
    return known[1]


def _page(file: Path) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        return page_response(request, file)

    return serve
