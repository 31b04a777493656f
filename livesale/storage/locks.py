"""A short Redis lock, so one order is changed by one task at a time across processes."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from livesale.domain.errors import TryAgainSoon

# Deletes the lock only if it is still ours: a lock that expired and was taken
# by someone else must not be released by the late first holder.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
RETRY_SECONDS = 0.01


class RedisLocks:
    """Named locks with a time to live (so a crashed holder cannot block for ever)."""

    def __init__(self, redis: Redis, prefix: str = "livesale:lock:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._release = redis.register_script(_RELEASE_LUA)

    @asynccontextmanager
    async def hold(
        self, name: str, *, ttl_seconds: float = 30.0, wait_seconds: float = 10.0
    ) -> AsyncIterator[None]:
        """Hold the lock `name` for the block; TryAgainSoon (503, Retry-After) if it stays taken."""
        key = self._prefix + name
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait_seconds
        while not await self._redis.set(key, token, nx=True, px=int(ttl_seconds * 1000)):
            if time.monotonic() >= deadline:
                raise TryAgainSoon(
                    "this order is busy; try again", lock=name, retry_after_seconds=1
                )
            await asyncio.sleep(RETRY_SECONDS)
        try:
            yield
        finally:
            await self._release(keys=[key], args=[token])
