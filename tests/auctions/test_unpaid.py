"""An unpaid winner: the runner-up is offered the unit at their bid, or the unit goes back."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.support.auctions import bid, closed, read, start_auction, time_passes
from tests.support.clients import Client, guests_of
from tests.support.polling import poll
from tests.support.shopping import levels, pay, place_order
from tests.support.world import open_live_shop


async def test_second_chance_goes_to_the_runner_up(
    hurried: TestServer, hurried_alice: Client
) -> None:
    alice = hurried_alice
    shop = await open_live_shop(alice, stock=2)
    auction = await start_auction(alice, shop, unpaid_policy="second_chance")
    async with guests_of(hurried) as make:
        mia, noor, zoe = await make("Mia"), await make("Noor"), await make("Zoe")
        assert (await bid(zoe, auction, 1000)).status == 201
        assert (await bid(mia, auction, 1300)).status == 201
        assert (await bid(noor, auction, 1600)).status == 201
        await time_passes(alice, auction, 30)
        won = await closed(noor, auction)
        assert won["you"]["checkout_id"] is not None
        assert await levels(alice, shop.variant_id) == (1, 1, 0)

        async def offered_to_mia() -> dict[str, str] | None:
            mine = await read(mia, auction)
            return mine if mine["you"]["checkout_id"] else None

        # Noor lets the window pass; Mia, the next highest, is offered it at her bid.
        second = await poll(offered_to_mia, 15, "the second-chance offer")
        assert second["auction"]["buyer_price_minor"] == 1300
        assert (await read(noor, auction))["you"]["checkout_id"] is None
        placed = await place_order(mia, second["you"]["checkout_id"])
        assert placed.status == 201, await placed.text()
        assert (await placed.json())["order"]["total_minor"] >= 1300
        paid = await pay(mia, (await placed.json())["payment"]["payment_id"])
        assert paid.status == 200, await paid.text()
        assert await levels(alice, shop.variant_id) == (1, 0, 1)


async def test_release_puts_the_unit_back(hurried: TestServer, hurried_alice: Client) -> None:
    alice = hurried_alice
    shop = await open_live_shop(alice, stock=2)
    auction = await start_auction(alice, shop, unpaid_policy="release")
    async with guests_of(hurried) as make:
        mia, noor = await make("Mia"), await make("Noor")
        assert (await bid(mia, auction, 1000)).status == 201
        assert (await bid(noor, auction, 1100)).status == 201
        await time_passes(alice, auction, 30)
        await closed(noor, auction)
        assert await levels(alice, shop.variant_id) == (1, 1, 0)

        async def back_on_sale() -> bool:
            return await levels(alice, shop.variant_id) == (2, 0, 0)

        await poll(back_on_sale, 15, "the unit back on sale")
        # Nobody else is offered it: the winner stays the only one it was offered to.
        assert (await read(mia, auction))["you"]["checkout_id"] is None
        theirs = await read(noor, auction)
        assert theirs["auction"]["buyer"]["id"] == theirs["you"]["id"]
