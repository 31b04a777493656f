"""The claim window: past `claim_by` the winner cannot claim, and the held unit goes back on sale
when the hold sweeper passes (time moved by test clocks, not by sleeping)."""

from __future__ import annotations

import time

import pytest

from livesale.composition.services import SERVICES
from livesale.domain.errors import GiveawayClaimExpired, GiveawayNotEnded
from livesale.domain.giveaways import GiveawayRequest
from livesale.domain.orders import Address, BuyerDetails
from livesale.shop.giveaways import GiveawayService
from livesale.storage.chat import ModerationRepository
from livesale.storage.giveaways import GiveawayEntries, GiveawayRecord
from livesale.storage.room_redis import ChatLimits
from tests.support.clients import Client
from tests.support.clocks import FakeClock
from tests.support.shopping import levels
from tests.support.world import open_live_shop

DETAILS = BuyerDetails(
    email="mia@example.com",
    name="Mia",
    address=Address("1 Market Street", "", "Springfield", "", "12345", "US"),
    announce=False,
)


async def test_an_unclaimed_prize_expires_and_its_unit_goes_back(alice: Client) -> None:
    shop = await open_live_shop(alice, stock=2)
    services = alice.app[SERVICES]
    storage, parts = services.storage, services.shop
    clock = FakeClock(time.time())
    giveaways = GiveawayService(
        services.settings.shop,
        parts.catalogue,
        parts.stock,
        parts.announcer,
        services.live.events,
        GiveawayRecord(storage.database),
        GiveawayEntries(storage.redis, clock=lambda: int(clock() * 1000)),
        ModerationRepository(storage.database),
        ChatLimits(storage.redis),
        storage.orders,
        clock=clock,
    )
    me = await (await alice.get("/api/auth/me")).json()
    creator = await services.accounts.creators.get(me["creator"]["id"])
    viewer, _token = await services.accounts.viewers.create("Mia")
    started = await giveaways.start(creator, shop.show_id, GiveawayRequest(shop.variant_id, 10, ""))
    assert (await levels(alice, shop.variant_id))[:2] == (1, 1)
    await giveaways.enter(viewer, shop.show_id, started.id, "198.51.100.1")
    with pytest.raises(GiveawayNotEnded):
        await giveaways.draw(creator, shop.show_id, started.id)
    clock.advance(10)
    drawn = await giveaways.draw(creator, shop.show_id, started.id)
    assert drawn.winner_viewer_id == viewer.id

    # Past the claim window: refused, and the sweeper gives the unit back.
    clock.now = started.claim_by
    with pytest.raises(GiveawayClaimExpired):
        await giveaways.claim(viewer, shop.show_id, started.id, DETAILS)
    # The hold was taken on the stock store's own clock, a moment after this test's.
    expired = await parts.stock.store.sweep(now_ms=int((started.claim_by + 5) * 1000))
    assert [hold.hold_id for hold in expired] == [started.hold_id]
    assert (await levels(alice, shop.variant_id))[:3] == (2, 0, 0)
    await giveaways.close()
