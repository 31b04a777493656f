"""A small time-to-live cache that loads each key once, however many ask at the same moment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values live `ttl_seconds`; concurrent misses share one load.

    A flash sale sends thousands of buyers at one show within a second: each
    would otherwise read the same show, bag, pin and product from SQLite.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, asyncio.Future[V]]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or the result of `load()` (errors are not cached)."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            loaded = entry[1]
            if loaded.done():
                # The common case: no task switch, no shield (a hot path in a flash sale).
                return loaded.result()
            return await asyncio.shield(loaded)
        if len(self._entries) >= self._max:
            self._drop_expired(now)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now + self._ttl, future)
        try:
            value = await load()
        except Exception as exc:
            self._entries.pop(key, None)
            future.set_exception(exc)
            # Nobody else may be waiting; retrieve it so asyncio does not warn.
            future.exception()
            raise
        except BaseException:
            self._entries.pop(key, None)
            future.cancel()
            raise
        future.set_result(value)
        return value

    def clear(self) -> None:
        """Drop everything."""
        self._entries.clear()

    def forget(self, key: K) -> None:
        """Drop one key (after a change this process made itself)."""
        self._entries.pop(key, None)

    def _drop_expired(self, now: float) -> None:
        expired = [key for key, (until, _) in self._entries.items() if until <= now]
        for key in expired:
            del self._entries[key]
        if len(self._entries) >= self._max:
            self._entries.clear()
