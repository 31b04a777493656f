"""Fulfilment for sellers: a show's parcels, shipping a parcel, the orders as CSV."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.domain.fulfilment import parse_parcel_filter
from livesale.web.auth import require_creator
from livesale.web.json_body import read_optional_object
from livesale.web.order_json import parcel_json
from livesale.web.order_requests import parse_export, parse_shipment

# Personal data (names, addresses): kept by no cache on the way.
_PRIVATE = {"Cache-Control": "no-store"}


def add_fulfilment_routes(app: web.Application) -> None:
    """Register the parcel and export endpoints."""
    app.router.add_get("/api/shows/{show_id}/parcels", list_parcels)
    app.router.add_post("/api/shows/{show_id}/parcels/{parcel_id}/fulfil", fulfil_parcel)
    app.router.add_get("/api/orders.csv", export_orders)


async def list_parcels(request: web.Request) -> web.Response:
    """The show's orders grouped per buyer and address (`status`: paid, fulfilled, all)."""
    creator = await require_creator(request)
    statuses = parse_parcel_filter(request.query.get("status"))
    show, parcels = await request.app[keys.SHOP].fulfilment.parcels(
        creator, request.match_info["show_id"], statuses
    )
    body = {
        "show": {"id": show.id, "title": show.title, "status": show.status.value},
        "parcels": [parcel_json(parcel) for parcel in parcels],
    }
    return web.json_response(body, headers=_PRIVATE)


async def fulfil_parcel(request: web.Request) -> web.Response:
    """Mark every paid order of a parcel as sent, with one carrier and tracking."""
    creator = await require_creator(request)
    shipment = parse_shipment(await read_optional_object(request))
    match = request.match_info
    parcel = await request.app[keys.SHOP].fulfilment.ship_parcel(
        creator, match["show_id"], match["parcel_id"], shipment
    )
    return web.json_response({"parcel": parcel_json(parcel)}, headers=_PRIVATE)


async def export_orders(request: web.Request) -> web.Response:
    """The creator's orders as a CSV download, one row per line (filters: show_id, status)."""
    creator = await require_creator(request)
    query = parse_export(request.query)
    data, name = await request.app[keys.SHOP].fulfilment.export(
        creator, query.show_id, query.status
    )
    return web.Response(
        body=data,
        headers={
            **_PRIVATE,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )
