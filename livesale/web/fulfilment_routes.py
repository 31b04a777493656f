"""Fulfilment for sellers: a show's parcels, shipping a parcel, the orders as CSV."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.domain.fulfilment import parse_parcel_filter
from livesale.shop.assembly import Shop
from livesale.web.auth import Identity
from livesale.web.json_body import read_optional_object
from livesale.web.order_json import parcel_json
from livesale.web.order_requests import parse_export, parse_shipment

# Personal data (names, addresses): kept by no cache on the way.
_PRIVATE = {"Cache-Control": "no-store"}


def add_fulfilment_routes(app: web.Application, *, shop: Shop, identity: Identity) -> None:
    """Register the parcel and export endpoints."""
    app.router.add_get(
        "/api/shows/{show_id}/parcels", partial(list_parcels, shop=shop, identity=identity)
    )
    app.router.add_post(
        "/api/shows/{show_id}/parcels/{parcel_id}/fulfil",
        partial(fulfil_parcel, shop=shop, identity=identity),
    )
    app.router.add_get("/api/orders.csv", partial(export_orders, shop=shop, identity=identity))


async def list_parcels(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The show's orders grouped per buyer and address (`status`: paid, fulfilled, all)."""
    creator = await identity.require_creator(request)
    statuses = parse_parcel_filter(request.query.get("status"))
    show, parcels = await shop.fulfilment.parcels(creator, request.match_info["show_id"], statuses)
    body = {
        "show": {"id": show.id, "title": show.title, "status": show.status.value},
        "parcels": [parcel_json(parcel) for parcel in parcels],
    }
    return web.json_response(body, headers=_PRIVATE)


async def fulfil_parcel(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """Mark every paid order of a parcel as sent, with one carrier and tracking."""
    creator = await identity.require_creator(request)
    shipment = parse_shipment(await read_optional_object(request))
    match = request.match_info
    parcel = await shop.fulfilment.ship_parcel(
        creator, match["show_id"], match["parcel_id"], shipment
    )
    return web.json_response({"parcel": parcel_json(parcel)}, headers=_PRIVATE)


async def export_orders(request: web.Request, *, shop: Shop, identity: Identity) -> web.Response:
    """The creator's orders as a CSV download, one row per line (filters: show_id, status)."""
    creator = await identity.require_creator(request)
    query = parse_export(request.query)
    data, name = await shop.fulfilment.export(creator, query.show_id, query.status)
    return web.Response(
        body=data,
        headers={
            **_PRIVATE,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )
