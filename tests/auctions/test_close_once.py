"""The close happens once across app instances, and the room hears each step of an auction."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer

from tests.room.helpers import guest, room
from tests.support.auctions import closed, start_auction, time_passes
from tests.support.clients import Client
from tests.support.shopping import levels
from tests.support.world import open_live_shop


async def test_close_once_across_two_instances(
    server: TestServer, server2: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice, stock=5)
    auction = await start_auction(alice, shop, duration_seconds=60)
    url = f"/api/shows/{shop.show_id}/auctions/{auction['id']}"
    async with guest(server2, "Noor") as (noor, _), guest(server, "Mia") as (mia, _):
        status, body = await noor.call("POST", url + "/bids", {"amount_minor": 1200})
        assert status == 201, body
        async with room(mia, shop.show_id) as here, room(noor, shop.show_id) as there:
            await time_passes(alice, auction, 60)
            # Reads on both instances race each other and both background closers.
            reads = [viewer.call("GET", url) for viewer in (mia, noor) for _ in range(15)]
            bids = [mia.call("POST", url + "/bids", {"amount_minor": 9000}) for _ in range(5)]
            answers = await asyncio.gather(*reads, *bids)
            for status, reply in answers[len(reads) :]:
                # Every late bid is refused: none is accepted once the end has passed.
                assert status == 409, reply
                assert reply["error"]["code"] == "auction_closed"
            for socket in (here, there):
                result = await socket.next("auction", lambda e: e["event"] == "result")
                assert result["auction"]["buyer_price_minor"] == 1200
                await socket.drain(1.0)
                results = [
                    e
                    for e in socket.events
                    if e.get("type") == "auction" and e["event"] == "result"
                ]
                assert len(results) == 1
    final = await closed(alice, auction)
    assert final["auction"]["leader"]["name"] == "Noor"
    # One unit held for the winner, not one per instance that saw the end.
    assert await levels(alice, shop.variant_id) == (4, 1, 0)


async def test_room_hears_start_bids_extension_and_result(
    server: TestServer, alice: Client
) -> None:
    shop = await open_live_shop(alice)
    async with guest(server, "Mia") as (mia, _), room(mia, shop.show_id) as socket:
        auction = await start_auction(alice, shop, duration_seconds=20, counter_bid_seconds=10)
        started = await socket.next("auction", lambda e: e["event"] == "started")
        assert started["auction"]["ends_at_ms"] == auction["ends_at_ms"]
        assert started["auction"]["ends_at_ms"] - started["auction"]["server_now_ms"] == 20_000
        url = f"/api/shows/{shop.show_id}/auctions/{auction['id']}/bids"
        status, _ = await mia.call("POST", url, {"amount_minor": 2777, "max": True})
        assert status == 201
        event = await socket.next("auction", lambda e: e["event"] == "bid")
        assert event["auction"]["leader"]["name"] == "Mia"
        assert event["auction"]["price_minor"] == 1000
        # The private maximum is in no event.
        assert "2777" not in str(socket.events)
        async with guest(server, "Noor") as (noor, _):
            await time_passes(alice, auction, 15)
            status, _ = await noor.call("POST", url, {"amount_minor": 1100})
            assert status == 201
            extended = await socket.next("auction", lambda e: e["event"] == "extended")
            # Mia's maximum answered Noor at once: she still leads, at 12.00.
            assert extended["auction"]["leader"]["name"] == "Mia"
            assert extended["auction"]["price_minor"] == 1200
            left = extended["auction"]["ends_at_ms"] - extended["auction"]["server_now_ms"]
            assert 9_000 < left <= 10_000
            # A viewer joining now finds the auction in the room's snapshot.
            async with room(noor, shop.show_id) as late:
                assert late.snapshot["auction"]["id"] == auction["id"]
                assert late.snapshot["auction"]["price_minor"] == 1200
        await time_passes(alice, auction, 10)
        result = await socket.next("auction", lambda e: e["event"] == "result")
        assert result["auction"]["status"] == "closed"
        assert result["auction"]["leader"]["name"] == "Mia"
        assert result["auction"]["buyer_price_minor"] == 1200
