"""What the show page asks for its buyers: the bag's stock, and a returning buyer's details."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from livesale import keys
from livesale.domain.errors import ProductNotFound
from livesale.shop.catalogue import CACHE_SECONDS
from livesale.storage.orders import OrderRepository
from livesale.storage.ttl_cache import TtlCache
from livesale.web.auth import current_viewer
from livesale.web.order_json import buyer_details_json

# Personal details are for this browser only: no shared cache may keep them.
PRIVATE = {"Cache-Control": "no-store, private"}


def add_buyer_routes(app: web.Application) -> None:
    """Register `GET /api/shows/{id}/stock` and `GET /api/viewer/checkout-details`."""
    # Everyone opening the bag at a flash sale's start reads the same counters once.
    cache: TtlCache[str, list[dict[str, Any]]] = TtlCache(CACHE_SECONDS)

    async def bag_stock(request: web.Request) -> web.Response:
        """Every bag product's available units, as the room's `stock` events give them."""
        show_id = request.match_info["show_id"]
        messages = await cache.get(show_id, lambda: _bag_stock(request.app, show_id))
        return web.json_response({"stock": messages}, headers={"Cache-Control": "no-store"})

    app.router.add_get("/api/shows/{show_id}/stock", bag_stock)
    app.router.add_get("/api/viewer/checkout-details", checkout_details)


async def _bag_stock(app: web.Application, show_id: str) -> list[dict[str, Any]]:
    shop = app[keys.SHOP]
    await shop.catalogue.show(show_id)  # 404 show_not_found for no such show
    messages = []
    for product_id in await shop.catalogue.bag(show_id):
        try:
            messages.append(await shop.stock.stock_message(shop.catalogue, show_id, product_id))
        except ProductNotFound:
            continue  # deleted since the bag was cached
    return messages


async def checkout_details(request: web.Request) -> web.Response:
    """The guest's own most recent order's email, name and address (null without one).

    Keyed by the `ls_viewer` cookie alone, so a browser only ever gets back
    what it typed itself; the checkout form starts from it.
    """
    viewer = await current_viewer(request)
    details = None
    if viewer is not None:
        details = await OrderRepository(request.app[keys.DATABASE]).latest_details(viewer.id)
    body = None if details is None else buyer_details_json(details)
    return web.json_response({"details": body}, headers=PRIVATE)
