"""Auction steps through the API, and the passing of time on Redis's clock."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from livesale.composition.services import SERVICES
from livesale.storage.auctions import OPEN_INDEX_KEY, auction_key, auction_ref
from tests.support.clients import Client, origin
from tests.support.polling import poll
from tests.support.world import LiveShop


async def start_auction(creator: Client, shop: LiveShop, **terms: Any) -> dict[str, Any]:
    """Start an auction on the shop's variant (start 10.00, 30 s unless `terms` say else)."""
    body = {"variant_id": shop.variant_id, "start_price_minor": 1000, **terms}
    response = await creator.post(
        f"/api/shows/{shop.show_id}/auctions", json=body, headers=origin(creator)
    )
    assert response.status == 201, await response.text()
    auction: dict[str, Any] = (await response.json())["auction"]
    return auction


async def bid(
    client: Client, auction: dict[str, Any], amount_minor: int, *, is_max: bool = False
) -> ClientResponse:
    """POST one bid."""
    return await client.post(
        f"/api/shows/{auction['show_id']}/auctions/{auction['id']}/bids",
        json={"amount_minor": amount_minor, "max": is_max},
        headers=origin(client),
    )


async def read(client: Client, auction: dict[str, Any]) -> dict[str, Any]:
    """GET the auction with the caller's own part: `{"auction", "you"}`."""
    response = await client.get(f"/api/shows/{auction['show_id']}/auctions/{auction['id']}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def time_passes(
    app: Client | web.Application, auction: dict[str, Any], seconds: float
) -> None:
    """Move the auction's start and end `seconds` closer, as if Redis's clock had moved on.

    `app` is the app (or a test client of it) whose Redis and record hold the auction.
    """
    services = (app.app if isinstance(app, TestClient) else app)[SERVICES]
    show = await services.storage.shows.get(auction["show_id"])
    assert show.creator_id is not None
    key = auction_key(show.creator_id, auction["id"])
    shift = -round(seconds * 1000)
    redis = services.storage.redis
    ends = await redis.hincrby(key, "ends", shift)  # type: ignore[misc]
    await redis.hincrby(key, "starts", shift)  # type: ignore[misc]
    ref = auction_ref(show.creator_id, auction["id"])
    await redis.zadd(OPEN_INDEX_KEY, {ref: ends}, xx=True)


async def closed(client: Client, auction: dict[str, Any]) -> dict[str, Any]:
    """Wait (with a deadline) for the auction to be closed; its state then."""

    async def state() -> dict[str, Any] | None:
        body = await read(client, auction)
        return body if body["auction"]["status"] == "closed" else None

    body: dict[str, Any] = await poll(state, 10, "the auction's close")
    return body
