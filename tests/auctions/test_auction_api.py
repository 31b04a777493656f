"""The auction API: codes, permissions, proxy bids, the close and the winner's checkout."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestServer

from tests.support.auctions import bid, closed, read, start_auction, time_passes
from tests.support.clients import Client, assert_error, guests_of, origin
from tests.support.shopping import levels, pay, place_order
from tests.support.world import open_live_shop


async def _payable(client: Client, checkout_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/checkouts/{checkout_id}")
    assert response.status == 200, await response.text()
    checkout: dict[str, Any] = (await response.json())["checkout"]
    return checkout


async def test_highest_bid_wins_and_pays_at_its_price(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice, stock=3)
    auction = await start_auction(alice, shop, duration_seconds=30)
    assert auction["status"] == "open"
    assert auction["price_minor"] == 1000
    assert auction["ends_at_ms"] - auction["server_now_ms"] == 30_000
    async with guests_of(server) as make:
        mia, noor = await make("Mia"), await make("Noor")
        assert (await bid(mia, auction, 1000)).status == 201
        # 10.00 is below 20.00: the next bid is 1.00 more.
        details = await assert_error(await bid(noor, auction, 1050), 409, "bid_too_low")
        assert details["min_bid_minor"] == 1100
        assert (await bid(noor, auction, 1100)).status == 201
        noor_view = await read(noor, auction)
        assert noor_view["auction"]["leader"]["name"] == "Noor"
        assert noor_view["you"]["leading"] is True
        mia_view = await read(mia, auction)
        assert mia_view["you"]["leading"] is False
        await time_passes(alice, auction, 30)
        result = await closed(noor, auction)
        assert result["auction"]["buyer"]["id"] == result["you"]["id"]
        assert result["auction"]["buyer_price_minor"] == 1100
        checkout_id = result["you"]["checkout_id"]
        checkout = await _payable(noor, checkout_id)
        assert checkout["total_minor"] == 1100
        assert await levels(alice, shop.variant_id) == (2, 1, 0)
        # The loser has no checkout, and cannot read the winner's.
        assert (await read(mia, auction))["you"]["checkout_id"] is None
        await assert_error(
            await mia.get(f"/api/checkouts/{checkout_id}"), 404, "checkout_not_found"
        )
        placed = await place_order(noor, checkout_id)
        assert placed.status == 201, await placed.text()
        paid = await pay(noor, (await placed.json())["payment"]["payment_id"])
        assert paid.status == 200, await paid.text()
        assert await levels(alice, shop.variant_id) == (2, 0, 1)
        # Nothing counts after the close.
        await assert_error(await bid(mia, auction, 5000), 409, "auction_closed")


async def test_proxy_bid_keeps_its_maximum_private(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia, noor = await make("Mia"), await make("Noor")
        assert (await bid(mia, auction, 3000, is_max=True)).status == 201
        mine = await read(mia, auction)
        assert mine["you"]["max_minor"] == 3000
        # The price stays at the start: nobody bid against the maximum yet.
        assert mine["auction"]["price_minor"] == 1000
        response = await bid(noor, auction, 1500)
        assert response.status == 201
        body = await response.json()
        assert body["bid"]["outcome"] == "outbid"
        # Mia's maximum answers at Noor's bid plus one step (15.00 -> 16.00).
        assert body["auction"]["price_minor"] == 1600
        assert body["auction"]["leader"]["name"] == "Mia"
        others = await read(noor, auction)
        assert "3000" not in str(others["auction"])
        assert others["you"]["max_minor"] == 1500
        # Beating the maximum: the price is the old maximum plus one step (30.00 + 2.00).
        body = await (await bid(noor, auction, 4000, is_max=True)).json()
        assert body["bid"]["outcome"] == "leading"
        assert body["auction"]["price_minor"] == 3200


async def test_creator_and_moderators_cannot_bid(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mod = await make("Mod")
        mod_id = (await (await mod.get("/api/viewer")).json())["viewer"]["id"]
        named = await alice.post(
            "/api/moderators", json={"viewer_id": mod_id}, headers=origin(alice)
        )
        assert named.status in (200, 201), await named.text()
        await assert_error(await bid(mod, auction, 1000), 403, "bidder_not_allowed")
        # The creator under a guest name of their own browser is still the creator.
        await alice.put("/api/viewer", json={"display_name": "Fan"}, headers=origin(alice))
        await assert_error(await bid(alice, auction, 1000), 403, "bidder_not_allowed")
        assert (await read(mod, auction))["auction"]["bids"] == 0


async def test_only_the_creator_starts_and_cancels(
    server: TestServer, alice: Client, bob: Client
) -> None:
    shop = await open_live_shop(alice)
    body = {"variant_id": shop.variant_id, "start_price_minor": 1000}
    url = f"/api/shows/{shop.show_id}/auctions"
    await assert_error(await bob.post(url, json=body, headers=origin(bob)), 403, "not_owner")
    async with guests_of(server) as make:
        mia = await make("Mia")
        await assert_error(
            await mia.post(url, json=body, headers=origin(mia)), 401, "not_signed_in"
        )
        auction = await start_auction(alice, shop)
        cancel = f"{url}/{auction['id']}/cancel"
        await assert_error(await bob.post(cancel, headers=origin(bob)), 403, "not_owner")
        await assert_error(
            await alice.post(url, json=body, headers=origin(alice)), 409, "auction_running"
        )
        assert (await bid(mia, auction, 1000)).status == 201
        await assert_error(await alice.post(cancel, headers=origin(alice)), 409, "auction_has_bids")


async def test_cancel_before_any_bid(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    url = f"/api/shows/{shop.show_id}/auctions/{auction['id']}/cancel"
    response = await alice.post(url, headers=origin(alice))
    assert response.status == 200
    assert (await response.json())["auction"]["status"] == "canceled"
    async with guests_of(server) as make:
        await assert_error(await bid(await make(), auction, 1000), 409, "auction_closed")
        # A new auction may start now.
        assert (await start_auction(alice, shop))["status"] == "open"


async def test_bad_terms_and_bids_change_nothing(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    url = f"/api/shows/{shop.show_id}/auctions"
    for terms, field in (
        ({"duration_seconds": 4}, "duration_seconds"),
        ({"duration_seconds": 121}, "duration_seconds"),
        ({"start_price_minor": 0}, "start_price_minor"),
        ({"unpaid_policy": "keep"}, "unpaid_policy"),
        ({"increments": {"steps": [[500, 10], [100, 5]], "top": 20}}, "increments.steps"),
        ({"surprise": 1}, "surprise"),
    ):
        body = {"variant_id": shop.variant_id, "start_price_minor": 1000, **terms}
        details = await assert_error(
            await alice.post(url, json=body, headers=origin(alice)), 400, "validation_failed"
        )
        assert details["field"] == field
    current = await (await alice.get(f"{url}/current")).json()
    assert current["auction"] is None
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia = await make()
        for amount in (0, "10", True, None):
            await assert_error(
                await mia.post(
                    f"{url}/{auction['id']}/bids",
                    json={"amount_minor": amount},
                    headers=origin(mia),
                ),
                400,
                "validation_failed",
            )
        await assert_error(
            await bid(mia, {**auction, "id": "au_nope"}, 1000), 404, "auction_not_found"
        )
        assert (await read(mia, auction))["auction"]["bids"] == 0


async def test_counter_bid_extends_and_sudden_death_does_not(
    server: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop, duration_seconds=20, counter_bid_seconds=15)
    async with guests_of(server) as make:
        mia = await make()
        await time_passes(alice, auction, 10)  # 10 s left, under the 15 s counter time
        body = await (await bid(mia, auction, 1000)).json()
        assert body["bid"]["extended"] is True
        left = body["auction"]["ends_at_ms"] - body["auction"]["server_now_ms"]
        assert 14_000 < left <= 15_000
        shop2 = await open_live_shop(alice)
        sudden = await start_auction(
            alice, shop2, duration_seconds=20, counter_bid_seconds=15, sudden_death=True
        )
        await time_passes(alice, sudden, 10)
        body = await (await bid(mia, sudden, 1000)).json()
        assert body["bid"]["extended"] is False
        assert body["auction"]["ends_at_ms"] == sudden["ends_at_ms"] - 10_000


async def test_many_bids_at_once_have_one_highest_winner(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop, duration_seconds=60)
    async with guests_of(server) as make:
        bidders = [await make(f"Bidder {n}") for n in range(20)]
        amounts = [1000 + 100 * n for n in range(20)]

        async def each(client: Client, amount: int) -> int:
            return (await bid(client, auction, amount, is_max=True)).status

        statuses = await asyncio.gather(
            *(each(c, a) for c, a in zip(bidders, amounts, strict=True))
        )
        # A maximum that arrives after the price passed it (minus a step) is too low.
        assert all(status in (201, 409) for status in statuses)
        accepted = [n for n, status in enumerate(statuses) if status == 201]
        state = await read(alice, auction)
        # The highest valid maximum leads, whatever order the bids arrived in.
        assert state["auction"]["leader"]["name"] == f"Bidder {max(accepted)}"
        assert state["auction"]["price_minor"] <= amounts[max(accepted)]
        await time_passes(alice, auction, 60)
        result = await closed(alice, auction)
        assert result["auction"]["buyer"]["id"] == state["auction"]["leader"]["id"]
        assert result["auction"]["bids"] == sum(status == 201 for status in statuses)
