"""An auction's start and result are on the show's timeline and in its replay."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from tests.support.auctions import bid, closed, start_auction, time_passes
from tests.support.clients import Client, guests_of
from tests.support.replay import record_part
from tests.support.world import open_live_shop


async def test_replay_lists_the_auction_and_its_result(server: TestServer, alice: Client) -> None:
    shop = await open_live_shop(alice)
    auction = await start_auction(alice, shop, start_price_minor=1500)
    async with guests_of(server) as make:
        assert (await bid(await make("Mia"), auction, 1700)).status == 201
        await time_passes(alice, auction, 30)
        await closed(alice, auction)
        await record_part(alice.app, shop.show_id)
        await alice.app[SERVICES].live.lifecycle.end(shop.show_id)
        response = await alice.get(f"/api/shows/{shop.show_id}/replay")
        assert response.status == 200, await response.text()
        marks = (await response.json())["auctions"]
    assert [(m["kind"], m["price_minor"], m["winner_name"]) for m in marks] == [
        ("start", 1500, None),
        ("result", 1700, "Mia"),
    ]
    assert all(m["auction_id"] == auction["id"] for m in marks)
    assert marks[0]["offset_ms"] <= marks[1]["offset_ms"]
