"""Each stock operation: the happy path, idempotent replays, and refusals that change nothing."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from livesale.domain.errors import (
    FlashSaleSoldOut,
    HoldExpired,
    HoldMismatch,
    HoldNotFound,
    OutOfStock,
    PerBuyerLimitReached,
    StockBelowReserved,
    ValidationFailed,
)
from livesale.domain.stock import HoldState, SaleLevels, SaleLimits, StockLevels
from livesale.storage.stock import SellerStock, StockStore
from livesale.storage.stock_keys import expiries_key, hold_key
from tests.support.clocks import FakeMillisecondClock
from tests.support.redis_server import redis_snapshot
from tests.support.shopping import SELLER


async def test_init_sets_and_is_idempotent(store: SellerStock) -> None:
    assert await store.init("v1", 10) == StockLevels(10, 0, 0)
    assert await store.init("v1", 10) == StockLevels(10, 0, 0)
    await store.hold("h1", "v1", 3, "b1", 60)
    await store.commit("h1")
    await store.hold("h2", "v1", 2, "b1", 60)
    # Editing stock keeps held and sold and moves only what is available.
    assert await store.init("v1", 8) == StockLevels(3, 2, 3)
    assert await store.init("v1", 5) == StockLevels(0, 2, 3)


async def test_init_refuses_below_held_plus_sold(store: SellerStock, redis_client: Redis) -> None:
    await store.init("v1", 10)
    await store.hold("h1", "v1", 4, "b1", 60)
    before = await redis_snapshot(redis_client)
    with pytest.raises(StockBelowReserved) as caught:
        await store.init("v1", 3)
    assert caught.value.details["minimum"] == 4
    assert await redis_snapshot(redis_client) == before


async def test_hold_takes_stock_once_per_hold_id(
    store: SellerStock, clock: FakeMillisecondClock
) -> None:
    await store.init("v1", 5)
    first = await store.hold("h1", "v1", 2, "b1", 30)
    assert first.changed
    assert first.hold.state is HoldState.HELD
    assert first.hold.deadline_ms == clock.now_ms + 30_000
    clock.advance(1_000)
    again = await store.hold("h1", "v1", 2, "b1", 30)
    assert not again.changed
    assert again.hold == first.hold
    assert await store.levels("v1") == StockLevels(3, 2, 0)


async def test_hold_id_reused_for_another_request_is_refused(store: SellerStock) -> None:
    await store.init("v1", 5)
    await store.hold("h1", "v1", 2, "b1", 30)
    with pytest.raises(HoldMismatch):
        await store.hold("h1", "v1", 3, "b1", 30)
    assert await store.levels("v1") == StockLevels(3, 2, 0)


async def test_out_of_stock_changes_nothing(store: SellerStock, redis_client: Redis) -> None:
    await store.init("v1", 2)
    await store.hold("h1", "v1", 1, "b1", 30)
    before = await redis_snapshot(redis_client)
    with pytest.raises(OutOfStock) as caught:
        await store.hold("h2", "v1", 2, "b2", 30)
    assert caught.value.details["available"] == 1
    assert await redis_snapshot(redis_client) == before
    # A refused id is not remembered: a later retry may succeed.
    await store.release("h1")
    assert (await store.hold("h2", "v1", 2, "b2", 30)).changed


async def test_unknown_variant_is_out_of_stock(store: SellerStock) -> None:
    with pytest.raises(OutOfStock):
        await store.hold("h1", "never-set", 1, "b1", 30)


async def test_invalid_requests_are_refused(store: SellerStock) -> None:
    await store.init("v1", 5)
    cases: list[tuple[dict[str, object], str]] = [
        ({"quantity": 0}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"hold_id": "a:b"}, "hold_id"),
        ({"ttl_seconds": 0}, "ttl_seconds"),
    ]
    for kwargs, field in cases:
        args: dict[str, object] = {
            "hold_id": "h1",
            "variant_id": "v1",
            "quantity": 1,
            "buyer_id": "b1",
            "ttl_seconds": 30,
        }
        args.update(kwargs)
        with pytest.raises(ValidationFailed) as caught:
            await store.hold(**args)  # type: ignore[arg-type]
        assert caught.value.details["field"] == field
    with pytest.raises(ValidationFailed):
        await store.init("v1", -1)
    assert await store.levels("v1") == StockLevels(5, 0, 0)


async def test_commit_moves_held_to_sold_once(store: SellerStock, redis_client: Redis) -> None:
    await store.init("v1", 5)
    await store.hold("h1", "v1", 2, "b1", 30)
    done = await store.commit("h1")
    assert done.changed
    assert done.hold.state is HoldState.COMMITTED
    again = await store.commit("h1")
    assert not again.changed
    assert again.hold.state is HoldState.COMMITTED
    assert await store.levels("v1") == StockLevels(3, 0, 2)
    assert await redis_client.zcard(expiries_key(SELLER)) == 0
    # A sold hold is not given back by release or by a hold retry.
    released = await store.release("h1")
    assert not released.changed
    assert released.hold.state is HoldState.COMMITTED
    assert not (await store.hold("h1", "v1", 2, "b1", 30)).changed
    assert await store.levels("v1") == StockLevels(3, 0, 2)


async def test_commit_unknown_hold(store: SellerStock) -> None:
    with pytest.raises(HoldNotFound):
        await store.commit("nope")
    with pytest.raises(HoldNotFound):
        await store.release("nope")


async def test_commit_after_deadline_expires_even_before_a_sweep(
    store: SellerStock, clock: FakeMillisecondClock
) -> None:
    await store.init("v1", 5)
    await store.hold("h1", "v1", 2, "b1", 30)
    clock.advance(30_000)
    with pytest.raises(HoldExpired) as caught:
        await store.commit("h1")
    assert caught.value.details["state"] == "expired"
    assert await store.levels("v1") == StockLevels(5, 0, 0)
    with pytest.raises(HoldExpired):
        await store.commit("h1")
    assert await store.sweep() == []
    assert await store.levels("v1") == StockLevels(5, 0, 0)


async def test_release_returns_stock_once(store: SellerStock) -> None:
    await store.init("v1", 5)
    await store.hold("h1", "v1", 2, "b1", 30)
    first = await store.release("h1")
    assert first.changed
    assert first.hold.state is HoldState.RELEASED
    second = await store.release("h1")
    assert not second.changed
    assert await store.levels("v1") == StockLevels(5, 0, 0)
    with pytest.raises(HoldExpired) as caught:
        await store.commit("h1")
    assert caught.value.details["state"] == "released"
    # A retried hold of a released id does not take stock again.
    assert (await store.hold("h1", "v1", 2, "b1", 30)).hold.state is HoldState.RELEASED
    assert await store.levels("v1") == StockLevels(5, 0, 0)


async def test_sweep_returns_only_due_holds(
    store: SellerStock, clock: FakeMillisecondClock, redis_client: Redis
) -> None:
    await store.init("v1", 10)
    await store.hold("short", "v1", 1, "b1", 10)
    await store.hold("long", "v1", 2, "b1", 60)
    await store.hold("sold", "v1", 3, "b1", 10)
    await store.commit("sold")
    clock.advance(9_999)
    assert await store.sweep() == []
    clock.advance(1)
    expired = await store.sweep()
    assert [hold.hold_id for hold in expired] == ["short"]
    assert expired[0].state is HoldState.EXPIRED
    assert await store.levels("v1") == StockLevels(5, 2, 3)
    assert await store.sweep() == []
    assert await redis_client.zrange(expiries_key(SELLER), 0, -1) == ["long"]
    # An explicit time, and a batch limit the caller loops on.
    assert [h.hold_id for h in await store.sweep(clock.now_ms + 60_000, limit=1)] == ["long"]
    assert await store.levels("v1") == StockLevels(7, 0, 3)


async def test_finished_holds_expire_but_held_ones_do_not(
    redis_client: Redis, clock: FakeMillisecondClock
) -> None:
    store = StockStore(redis_client, clock, retention_seconds=60).seller(SELLER)
    await store.init("v1", 5)
    await store.hold("h1", "v1", 1, "b1", 30)
    await store.hold("h2", "v1", 1, "b1", 30)
    assert await redis_client.pttl(hold_key(SELLER, "h1")) == -1
    await store.commit("h1")
    assert 0 < await redis_client.pttl(hold_key(SELLER, "h1")) <= 60_000
    assert await redis_client.pttl(hold_key(SELLER, "h2")) == -1


async def test_flash_sale_cap_and_per_buyer_limit(store: SellerStock, redis_client: Redis) -> None:
    await store.init("v1", 100)
    await store.init("v2", 100)
    sale = SaleLimits("s1", quantity=5, per_buyer_limit=2)
    await store.hold("a1", "v1", 2, "alice", 30, sale)
    before = await redis_snapshot(redis_client)
    with pytest.raises(PerBuyerLimitReached) as caught:
        await store.hold("a2", "v2", 1, "alice", 30, sale)
    assert caught.value.details["limit"] == 2
    assert await redis_snapshot(redis_client) == before
    await store.hold("b1", "v2", 2, "bob", 30, sale)
    await store.commit("b1")
    before = await redis_snapshot(redis_client)
    with pytest.raises(FlashSaleSoldOut) as sold_out:
        await store.hold("c1", "v1", 2, "carol", 30, sale)
    assert sold_out.value.details["remaining"] == 1
    assert await redis_snapshot(redis_client) == before
    await store.hold("c2", "v1", 1, "carol", 30, sale)
    with pytest.raises(FlashSaleSoldOut):
        await store.hold("d1", "v1", 1, "dave", 30, sale)
    # Released units go back to the sale and to the buyer's allowance.
    await store.release("a1")
    assert await store.buyer_units("s1", "alice") == 0
    assert (await store.hold("a3", "v2", 2, "alice", 30, sale)).changed
    assert await store.sale_levels("s1") == SaleLevels(held=3, sold=2)
    # Outside the sale the same buyer is not limited.
    assert (await store.hold("a4", "v1", 10, "alice", 30)).changed
