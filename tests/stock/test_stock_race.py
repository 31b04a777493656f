"""Concurrent buyers over real Redis never take more than there is."""

from __future__ import annotations

import asyncio

from livesale.domain.errors import FlashSaleSoldOut, LivesaleError, OutOfStock, PerBuyerLimitReached
from livesale.domain.stock import HoldOutcome, SaleLevels, SaleLimits, StockLevels
from livesale.storage.stock import SellerStock


async def _attempt(store: SellerStock, hold_id: str, buyer: str, sale: SaleLimits | None) -> object:
    try:
        return await store.hold(hold_id, "v1", 1, buyer, 60, sale)
    except LivesaleError as exc:
        return exc


async def test_200_buyers_race_for_100_units(store: SellerStock) -> None:
    await store.init("v1", 100)
    results = await asyncio.gather(*(_attempt(store, f"h{n}", f"b{n}", None) for n in range(200)))
    held = [r for r in results if isinstance(r, HoldOutcome)]
    assert len(held) == 100
    assert sum(isinstance(r, OutOfStock) for r in results) == 100
    await asyncio.gather(*(store.commit(r.hold.hold_id) for r in held))
    assert await store.levels("v1") == StockLevels(available=0, held=0, sold=100)


async def test_retries_in_a_race_take_stock_once(store: SellerStock) -> None:
    await store.init("v1", 100)
    # Every buyer sends its request three times at once, as a flaky network would.
    results = await asyncio.gather(
        *(_attempt(store, f"h{n % 60}", f"b{n % 60}", None) for n in range(180))
    )
    assert all(isinstance(r, HoldOutcome) for r in results)
    assert await store.levels("v1") == StockLevels(available=40, held=60, sold=0)


async def test_flash_sale_race_respects_cap_and_buyer_limit(store: SellerStock) -> None:
    await store.init("v1", 100)
    sale = SaleLimits("s1", quantity=50, per_buyer_limit=2)
    # 300 attempts from 100 buyers (3 each): each gets at most 2, the sale at most 50.
    results = await asyncio.gather(
        *(_attempt(store, f"h{n}", f"b{n % 100}", sale) for n in range(300))
    )
    assert sum(isinstance(r, HoldOutcome) for r in results) == 50
    assert all(
        isinstance(r, HoldOutcome | FlashSaleSoldOut | PerBuyerLimitReached) for r in results
    )
    assert await store.sale_levels("s1") == SaleLevels(held=50, sold=0)
    for buyer in range(100):
        assert await store.buyer_units("s1", f"b{buyer}") <= 2
    assert await store.levels("v1") == StockLevels(available=50, held=50, sold=0)
