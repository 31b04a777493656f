"""Auctions: the creator starts and cancels; viewers bid and read the state."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from livesale.domain.accounts import Viewer
from livesale.domain.auctions import Auction
from livesale.shop.auction_messages import auction_json
from livesale.shop.auctions import AuctionService
from livesale.web.auction_requests import parse_bid, parse_start
from livesale.web.auth import Identity
from livesale.web.json_body import read_object

_NO_STORE = {"Cache-Control": "no-store"}


def add_auction_routes(
    app: web.Application, *, auctions: AuctionService, identity: Identity
) -> None:
    """Register the auction endpoints (paths written out whole: the abuse suite reads them)."""
    app.router.add_post(
        "/api/shows/{show_id}/auctions",
        partial(start_auction, auctions=auctions, identity=identity),
    )
    app.router.add_get(
        "/api/shows/{show_id}/auctions/current",
        partial(current_auction, auctions=auctions, identity=identity),
    )
    app.router.add_get(
        "/api/shows/{show_id}/auctions/{auction_id}",
        partial(get_auction, auctions=auctions, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/auctions/{auction_id}/bids",
        partial(place_bid, auctions=auctions, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/auctions/{auction_id}/cancel",
        partial(cancel_auction, auctions=auctions, identity=identity),
    )


async def start_auction(
    request: web.Request, *, auctions: AuctionService, identity: Identity
) -> web.Response:
    """Start an auction on a variant of the show's bag (the show's creator, while live)."""
    creator = await identity.require_creator(request)
    terms = parse_start(await read_object(request))
    auction, now = await auctions.start(creator, request.match_info["show_id"], terms)
    return web.json_response({"auction": auction_json(auction, now)}, status=201)


async def cancel_auction(
    request: web.Request, *, auctions: AuctionService, identity: Identity
) -> web.Response:
    """Cancel an auction nobody has bid on (the show's creator)."""
    creator = await identity.require_creator(request)
    match = request.match_info
    auction = await auctions.cancel(creator, match["show_id"], match["auction_id"])
    now = await auctions.store.now_ms()
    return web.json_response({"auction": auction_json(auction, now)})


async def current_auction(
    request: web.Request, *, auctions: AuctionService, identity: Identity
) -> web.Response:
    """The show's latest auction (or null), with the caller's own part in it."""
    auction = await auctions.current(request.match_info["show_id"])
    return web.json_response(await _answer(request, auctions, identity, auction), headers=_NO_STORE)


async def get_auction(
    request: web.Request, *, auctions: AuctionService, identity: Identity
) -> web.Response:
    """One auction of the show, with the caller's own part in it."""
    match = request.match_info
    auction = await auctions.read(match["show_id"], match["auction_id"])
    return web.json_response(await _answer(request, auctions, identity, auction), headers=_NO_STORE)


async def place_bid(
    request: web.Request, *, auctions: AuctionService, identity: Identity
) -> web.Response:
    """Bid, or set a private maximum that bids for the viewer up to it."""
    viewer = await identity.require_viewer(request)
    creator = await identity.current_creator(request)
    bid = parse_bid(await read_object(request))
    match = request.match_info
    reply, auction = await auctions.bid(
        viewer, creator, match["show_id"], match["auction_id"], bid.amount_minor, is_max=bid.is_max
    )
    # An accepted bid is at least the price plus a step: above any earlier maximum of
    # the bidder's (who was outbid) or, from the leader, above their own.
    you = _you(auction, viewer, bid.amount_minor)
    body = {
        "bid": {
            "outcome": None if reply.outcome is None else reply.outcome.value,
            "amount_minor": bid.amount_minor,
            "max": bid.is_max,
            "extended": reply.extended,
        },
        "auction": auction_json(auction, reply.now_ms),
        "you": you,
    }
    return web.json_response(body, status=201)


async def _answer(
    request: web.Request, auctions: AuctionService, identity: Identity, auction: Auction | None
) -> dict[str, Any]:
    if auction is None:
        return {"auction": None, "you": None}
    now = await auctions.store.now_ms()
    viewer = await identity.current_viewer(request)
    you = None
    if viewer is not None:
        you = _you(auction, viewer, await auctions.private_max(auction, viewer.id))
    return {"auction": auction_json(auction, now), "you": you}


def _you(auction: Auction, viewer: Viewer, mine: int | None) -> dict[str, Any]:
    """The caller's own part: their private maximum is never in what others receive."""
    return {
        "id": viewer.id,
        "max_minor": mine,
        "leading": auction.leader == viewer.id,
        "checkout_id": auction.checkout_id if auction.buyer == viewer.id else None,
    }
