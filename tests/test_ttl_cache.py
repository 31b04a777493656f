"""The time-to-live cache: one load for many concurrent misses, errors never cached."""

from __future__ import annotations

import asyncio

import pytest

from livesale.storage.ttl_cache import TtlCache


async def test_concurrent_misses_share_one_load_and_entries_expire() -> None:
    now = [0.0]
    cache: TtlCache[str, int] = TtlCache(1.0, clock=lambda: now[0])
    loads = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return loads

    waiting = [asyncio.ensure_future(cache.get("k", load)) for _ in range(50)]
    await asyncio.sleep(0)  # let every caller reach the cache before the load finishes
    release.set()
    assert await asyncio.gather(*waiting) == [1] * 50
    assert loads == 1
    assert await cache.get("k", load) == 1
    now[0] = 1.5
    assert await cache.get("k", load) == 2


async def test_errors_are_not_cached() -> None:
    cache: TtlCache[str, int] = TtlCache(10.0)
    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise LookupError("first time")
        return 7

    with pytest.raises(LookupError):
        await cache.get("k", flaky)
    assert await cache.get("k", flaky) == 7
    cache.forget("k")
    assert await cache.get("k", flaky) == 7
    assert calls == 3
