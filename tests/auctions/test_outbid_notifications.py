"""Outbid notifications: the bidder who lost the lead is told (product, show, auction), the
one who took it is not; a bidding war makes one unread notification per auction and person;
a bid beaten at once by a private maximum is told in its reply only; the setting is kept."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from tests.support.auctions import bid, start_auction
from tests.support.clients import Client, guests_of, origin
from tests.support.polling import poll
from tests.support.world import open_live_shop

DEADLINE = 10.0


async def _outbids(client: Client) -> list[dict[str, Any]]:
    response = await client.get("/api/notifications")
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = (await response.json())["items"]
    return [item for item in items if item["kind"] == "outbid"]


async def _told(client: Client, *, more: int = 0, count: int = 1) -> list[dict[str, Any]]:
    """Wait until `client` has `count` outbid notifications, the newest counting `more`."""

    async def ready() -> list[dict[str, Any]] | None:
        items = await _outbids(client)
        return items if len(items) == count and items[0]["more"] == more else None

    found: list[dict[str, Any]] = await poll(ready, DEADLINE, f"{count} outbid, {more} more")
    return found


async def _accepted(client: Client, auction: dict[str, Any], amount: int, **kw: bool) -> str:
    response = await bid(client, auction, amount, **kw)
    assert response.status == 201, await response.text()
    outcome: str = (await response.json())["bid"]["outcome"]
    return outcome


async def test_the_one_who_led_is_told_and_the_new_leader_is_not(
    server: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia, noor, leo = await make("Mia"), await make("Noor"), await make("Leo")
        assert await _accepted(mia, auction, 1000) == "leading"
        assert await _accepted(noor, auction, 1100) == "leading"
        (told,) = await _told(mia)
        assert told["params"] == {
            "show_id": shop.show_id,
            "auction_id": auction["id"],
            "product": shop.product["title"],
        }
        assert told["read"] is False
        # Leo's first bid displaces Noor: once Noor is told, every earlier notice is made.
        assert await _accepted(leo, auction, 1200) == "leading"
        await _told(noor)
        assert await _outbids(leo) == []
        assert len(await _outbids(mia)) == 1


async def test_a_bidding_war_is_one_unread_notification_per_auction(
    server: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia, noor = await make("Mia"), await make("Noor")
        price = 1000
        await _accepted(mia, auction, price)
        # Noor takes the lead three times; Mia takes it back twice in between.
        for round_ in range(3):
            price += 100
            await _accepted(noor, auction, price)
            if round_ < 2:
                price += 100
                await _accepted(mia, auction, price)
        (told,) = await _told(mia, more=2)
        await _told(noor, more=1)  # outbid by Mia twice
        # Read, the next outbid is a new notification, and it may be pushed again.
        read = await mia.post(
            "/api/notifications/read", json={"ids": [told["id"]]}, headers=origin(mia)
        )
        assert read.status == 200
        await _accepted(mia, auction, price + 100)
        await _accepted(noor, auction, price + 200)
        newest, older = await _told(mia, count=2)
        assert older["id"] == told["id"]
        assert older["read"] is True
        assert newest["read"] is False


async def test_a_bid_beaten_by_a_private_maximum_tells_nobody(
    server: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia, noor = await make("Mia"), await make("Noor")
        assert await _accepted(mia, auction, 3000, is_max=True) == "leading"
        # Noor's bid is beaten at once: her reply says so; Mia kept the lead.
        assert await _accepted(noor, auction, 1500) == "outbid"
        # Noor's maximum beats Mia's: only now is Mia told (and Noor never was).
        assert await _accepted(noor, auction, 4000, is_max=True) == "leading"
        await _told(mia)
        assert await _outbids(noor) == []


async def test_who_turned_outbid_off_is_not_told(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop)
    async with guests_of(server) as make:
        mia, noor, leo = await make("Mia"), await make("Noor"), await make("Leo")
        off = await mia.put(
            "/api/notifications/settings",
            json={"kinds": {"outbid": False}},
            headers=origin(mia),
        )
        assert off.status == 200
        await _accepted(mia, auction, 1000)
        await _accepted(noor, auction, 1100)
        await _accepted(leo, auction, 1200)
        # Noor's notice was queued after Mia's: once it is made, Mia's turn is over.
        await _told(noor)
        assert await _outbids(mia) == []
