"""Closing a live flash sale or a show where holds are decided: exact for every process."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from livesale.domain.errors import ShowEnded
from livesale.domain.stock import HoldState, SaleLevels, SaleLimits, StockLevels
from livesale.storage.stock import SellerStock
from tests.support.clocks import FakeMillisecondClock
from tests.support.redis_server import redis_snapshot

SALE = "pin7"


def live_sale(clock: FakeMillisecondClock, seconds: int = 60) -> SaleLimits:
    """A live sale of 5 units, 2 per buyer, ending `seconds` from now."""
    return SaleLimits(SALE, 5, 2, ends_at_ms=clock.now_ms + seconds * 1000)


async def test_a_closed_live_sale_holds_at_the_regular_price(
    store: SellerStock, clock: FakeMillisecondClock
) -> None:
    await store.init("v1", 10)
    on_sale = await store.hold("h1", "v1", 1, "b1", 60, live_sale(clock))
    assert on_sale.hold.sale_id == SALE

    await store.close_sale(SALE)
    closed = await store.hold("h2", "v1", 2, "b2", 60, live_sale(clock))

    assert (closed.hold.sale_id, closed.hold.state, closed.changed) == (None, HoldState.HELD, True)
    # The units are held all the same, but not under the sale's cap or the buyer's limit.
    assert await store.levels("v1") == StockLevels(7, 3, 0)
    assert await store.sale_levels(SALE) == SaleLevels(held=1, sold=0)
    assert await store.buyer_units(SALE, "b2") == 0
    # A retry of that request is the same hold (not a mismatch), still without the sale.
    again = await store.hold("h2", "v1", 2, "b2", 60, live_sale(clock))
    assert (again.hold.sale_id, again.changed) == (None, False)
    # Giving it back returns its units to stock only.
    await store.release("h2")
    assert await store.levels("v1") == StockLevels(9, 1, 0)
    assert await store.sale_levels(SALE) == SaleLevels(held=1, sold=0)


async def test_a_live_sale_stops_at_its_countdown_s_end(
    store: SellerStock, clock: FakeMillisecondClock
) -> None:
    await store.init("v1", 10)
    sale = live_sale(clock, seconds=10)
    clock.advance(9_999)
    assert (await store.hold("h1", "v1", 1, "b1", 60, sale)).hold.sale_id == SALE
    clock.advance(1)
    assert (await store.hold("h2", "v1", 1, "b2", 60, sale)).hold.sale_id is None
    assert await store.sale_levels(SALE) == SaleLevels(held=1, sold=0)


async def test_closing_does_not_stop_a_replay_s_or_a_retake_s_sale(
    store: SellerStock, clock: FakeMillisecondClock
) -> None:
    # Without an end the sale is one the replay prices, or a paid order takes again.
    await store.init("v1", 10)
    await store.close_sale(SALE)
    held = await store.hold("h1", "v1", 2, "b1", 60, SaleLimits(SALE, 5, 2))
    assert held.hold.sale_id == SALE
    assert await store.sale_levels(SALE) == SaleLevels(held=2, sold=0)


async def test_an_ended_show_refuses_live_holds_and_changes_nothing(
    store: SellerStock, clock: FakeMillisecondClock, redis_client: Redis
) -> None:
    await store.init("v1", 10)
    assert (await store.hold("h1", "v1", 1, "b1", 60, live_show_id="show1")).changed
    await store.close_show("show1")
    before = await redis_snapshot(redis_client)

    with pytest.raises(ShowEnded):
        await store.hold("h2", "v1", 1, "b2", 60, live_sale(clock), live_show_id="show1")
    assert await redis_snapshot(redis_client) == before

    # Another show, and a hold that is not a live purchase (the replay), still go through.
    assert (await store.hold("h3", "v1", 1, "b2", 60, live_show_id="show2")).changed
    assert (await store.hold("h4", "v1", 1, "b2", 60)).changed
    # A retry of a hold taken before the end is still that hold.
    replay = await store.hold("h1", "v1", 1, "b1", 60, live_show_id="show1")
    assert (replay.hold.state, replay.changed) == (HoldState.HELD, False)
