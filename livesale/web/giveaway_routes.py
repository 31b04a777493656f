"""Giveaways: the creator starts and draws, viewers enter, the winner claims, anyone verifies."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from aiohttp import web

from livesale.domain.errors import ValidationFailed
from livesale.domain.giveaways import GiveawayRequest
from livesale.domain.validation import reject_unknown_fields
from livesale.shop.giveaway_messages import draw_json, giveaway_json
from livesale.shop.giveaways import GiveawayService
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.order_json import order_json
from livesale.web.person import request_address
from livesale.web.shop_requests import parse_buyer_details

START_FIELDS = ("variant_id", "duration_seconds", "rules")
# A viewer's own side of a giveaway (their entry, whether they won) is theirs alone.
PRIVATE = {"Cache-Control": "no-store, private"}


def parse_start(body: dict[str, Any]) -> GiveawayRequest:
    """A `POST /api/shows/{id}/giveaways` body (checked further by the domain)."""
    reject_unknown_fields(body, START_FIELDS)
    variant_id = body.get("variant_id")
    if not isinstance(variant_id, str) or not variant_id:
        raise ValidationFailed("variant_id is required", field="variant_id", reason="required")
    duration = body.get("duration_seconds")
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise ValidationFailed(
            "duration_seconds must be a whole number", field="duration_seconds", reason="wrong_type"
        )
    rules = body.get("rules", "")
    if not isinstance(rules, str):
        raise ValidationFailed("rules must be a string", field="rules", reason="wrong_type")
    return GiveawayRequest(variant_id, duration, rules)


def add_giveaway_routes(
    app: web.Application, *, giveaways: GiveawayService, identity: Identity
) -> None:
    """Register the giveaway endpoints under `/api/shows/{id}/giveaways` and the draw check
    (paths written out whole: the abuse suite reads them)."""
    app.router.add_post(
        "/api/shows/{show_id}/giveaways", partial(start, giveaways=giveaways, identity=identity)
    )
    app.router.add_get(
        "/api/shows/{show_id}/giveaways",
        partial(list_of_show, giveaways=giveaways, identity=identity),
    )
    app.router.add_get(
        "/api/shows/{show_id}/giveaways/{giveaway_id}",
        partial(get_one, giveaways=giveaways, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/giveaways/{giveaway_id}/entries",
        partial(enter, giveaways=giveaways, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/giveaways/{giveaway_id}/draw",
        partial(draw, giveaways=giveaways, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/giveaways/{giveaway_id}/claim",
        partial(claim, giveaways=giveaways, identity=identity),
    )
    app.router.add_get(
        "/api/giveaways/{giveaway_id}/draw", partial(verify, giveaways=giveaways, identity=identity)
    )


async def start(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """The creator starts a giveaway in their live show."""
    creator = await identity.require_creator(request)
    wanted = parse_start(await read_object(request))
    giveaway = await giveaways.start(creator, request.match_info["show_id"], wanted)
    return web.json_response({"giveaway": giveaway_json(giveaway, 0, time.time())}, status=201)


async def list_of_show(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """Every giveaway of the show, oldest first (with `offset_ms`: the replay's timeline)."""
    show_id = request.match_info["show_id"]
    now = time.time()
    listed = [
        giveaway_json(g, await giveaways.count(g), now)
        for g in await giveaways.record.of_show(show_id)
    ]
    return web.json_response({"giveaways": listed}, headers={"Cache-Control": "no-store"})


async def get_one(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """One giveaway, and the asking guest's entry and whether they won."""
    match = request.match_info
    giveaway = await giveaways.get(match["show_id"], match["giveaway_id"])
    you = await giveaways.you(giveaway, await identity.current_viewer(request))
    body = {"giveaway": giveaway_json(giveaway, await giveaways.count(giveaway), time.time())}
    return web.json_response({**body, "you": you}, headers=PRIVATE)


async def enter(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """A guest enters (once; a repeat gets the same entry back with 200)."""
    viewer = await identity.require_viewer(request)
    match = request.match_info
    outcome = await giveaways.enter(
        viewer,
        match["show_id"],
        match["giveaway_id"],
        request_address(request),
        creator=await identity.current_creator(request),
    )
    entry = {"id": outcome.entry_id, "entries_count": outcome.count}
    return web.json_response({"entry": entry}, status=201 if outcome.new else 200, headers=PRIVATE)


async def draw(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """The creator draws the winner once the entries have closed."""
    creator = await identity.require_creator(request)
    match = request.match_info
    giveaway = await giveaways.draw(creator, match["show_id"], match["giveaway_id"])
    return web.json_response({"giveaway": giveaway_json(giveaway, 0, time.time())})


async def claim(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """The winner sends the shipping form and gets the free order."""
    viewer = await identity.require_viewer(request)
    details = parse_buyer_details(await read_object(request))
    match = request.match_info
    order = await giveaways.claim(viewer, match["show_id"], match["giveaway_id"], details)
    return web.json_response({"order": order_json(order)}, status=201, headers=PRIVATE)


async def verify(
    request: web.Request, *, giveaways: GiveawayService, identity: Identity
) -> web.Response:
    """The draw's proof: seed hash, seed and entries once drawn, and the formula."""
    giveaway = await giveaways.by_id(request.match_info["giveaway_id"])
    body = draw_json(giveaway, time.time())
    return web.json_response(body, headers={"Cache-Control": "no-store"})
