"""Fixtures for stock tests: a pooled client of the test Redis and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from livesale.storage.stock import SellerStock, StockStore
from tests.support.clocks import FakeMillisecondClock
from tests.support.redis_server import pooled_redis
from tests.support.shopping import SELLER


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the emptied test Redis."""
    client = pooled_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeMillisecondClock:
    """A fake clock the test moves."""
    return FakeMillisecondClock()


@pytest.fixture
def store(redis_client: Redis, clock: FakeMillisecondClock) -> SellerStock:
    """One seller's stock on the test Redis and the fake clock."""
    return StockStore(redis_client, clock).seller(SELLER)
