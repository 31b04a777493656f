"""Fixtures for stock tests: a pooled client of the test Redis and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import BlockingConnectionPool, Redis

from livesale.storage.stock import StockStore


class FakeClock:
    """A millisecond clock that only moves when told."""

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        """Move time forward."""
        self.now_ms += ms


async def redis_snapshot(redis: Redis) -> dict[str, object]:
    """Every key and its value, to prove a refusal wrote nothing."""
    out: dict[str, object] = {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        if kind == "hash":
            out[key] = await redis.hgetall(key)  # type: ignore[misc]
        elif kind == "zset":
            out[key] = await redis.zrange(key, 0, -1, withscores=True)
        else:
            out[key] = kind
    return out


def pooled_redis(url: str) -> Redis:
    """A client like the app's: a blocking pool, so bursts wait instead of failing."""
    pool = BlockingConnectionPool.from_url(url, max_connections=64, decode_responses=True)
    return Redis.from_pool(pool)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the emptied test Redis."""
    client = pooled_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock the test moves."""
    return FakeClock()


@pytest.fixture
def store(redis_client: Redis, clock: FakeClock) -> StockStore:
    """A stock store on the test Redis and the fake clock."""
    return StockStore(redis_client, clock)
