"""The shapes of an auction as the room's `auction` events and the API send it."""

from __future__ import annotations

from typing import Any, Literal

from livesale.domain.auctions import Auction

AuctionEvent = Literal["started", "bid", "extended", "result", "canceled", "second_chance"]


def auction_json(auction: Auction, now_ms: int) -> dict[str, Any]:
    """An auction as everyone may see it (never a bidder's private maximum).

    Times are epoch ms on the server's clock; `server_now_ms` lets a phone
    whose clock is off show the same countdown as every other.
    """
    return {
        "id": auction.id,
        "show_id": auction.show_id,
        "product_id": auction.product_id,
        "variant_id": auction.variant_id,
        "currency": auction.currency,
        "status": auction.status.value,
        "start_price_minor": auction.start_price_minor,
        "price_minor": auction.price_minor,
        "min_bid_minor": auction.min_bid_minor,
        "bids": auction.bids,
        "leader": None
        if auction.leader is None
        else {"id": auction.leader, "name": auction.leader_name},
        "starts_at_ms": auction.starts_ms,
        "ends_at_ms": auction.ends_ms,
        "server_now_ms": now_ms,
        "counter_bid_seconds": auction.counter_bid_seconds,
        "sudden_death": auction.sudden_death,
        "increments": {
            "steps": [list(step) for step in auction.increments.steps],
            "top": auction.increments.top,
        },
        "unpaid_policy": auction.unpaid_policy.value,
        # Who may pay for the unit now (the winner, or a second-chance bidder).
        "buyer": None if auction.buyer is None else {"id": auction.buyer},
        "buyer_price_minor": auction.buyer_price_minor,
    }


def auction_message(event: AuctionEvent, auction: Auction, now_ms: int) -> dict[str, Any]:
    """The room event `auction`: what happened, and the auction after it."""
    return {"type": "auction", "event": event, "auction": auction_json(auction, now_ms)}
