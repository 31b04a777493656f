"""Likes: counted per show in this process and added to Redis in one INCRBY per interval.

Every `like_interval_seconds` the process adds its pending likes (or reads the
total when it has none), and sends its local connections one `like` event
{total, delta} if the total moved, whichever process the likes came from. So
a storm of hearts costs one Redis call and one small event per interval.
Each connection may add `room.max_likes_per_second`, and all the connections
of one address (an IPv6 /64) together `room.max_likes_per_address_per_second`
in a show, so opening more sockets buys no more likes (both per process).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from redis.asyncio import Redis

from livesale import metrics
from livesale.live.events import like_message
from livesale.live.fanout import Connection
from livesale.live.protocol import dumps
from livesale.storage.room_redis import likes_key


class Likes:
    """Pending likes per show, the totals last seen, and the per-connection and address caps."""

    def __init__(
        self,
        redis: Redis,
        max_per_second: int,
        max_per_address_per_second: int,
        send: Callable[[str, str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._max_per_second = max_per_second
        self._max_per_address = max_per_address_per_second
        # (show, address) -> (second, likes in it); seconds gone by are dropped each tick.
        self._address_windows: dict[tuple[str, str], tuple[int, int]] = {}
        self._send = send
        self._clock = clock
        self._pending: dict[str, int] = {}
        self._totals: dict[str, int] = {}

    def add(self, conn: Connection, count: int) -> int:
        """Count likes from a connection; returns how many were accepted (the rest are dropped)."""
        second = int(self._clock())
        if conn.like_window != second:
            conn.like_window = second
            conn.likes_in_window = 0
        wanted = max(0, min(count, self._max_per_second - conn.likes_in_window))
        place = (conn.show_id, conn.address)
        window, used = self._address_windows.get(place, (second, 0))
        if window != second:
            used = 0
        accepted = max(0, min(wanted, self._max_per_address - used))
        if accepted < wanted:
            metrics.ROOM_ADDRESS_LIMITED.labels("likes").inc(wanted - accepted)
        if accepted:
            self._address_windows[place] = (second, used + accepted)
            conn.likes_in_window += accepted
            self._pending[conn.show_id] = self._pending.get(conn.show_id, 0) + accepted
            metrics.ROOM_LIKES.inc(accepted)
        return accepted

    def known_total(self, show_id: str) -> int | None:
        """The total last seen for a show this process tracks."""
        return self._totals.get(show_id)

    async def total(self, show_id: str) -> int:
        """The show's total likes (read from Redis for a show not tracked yet)."""
        known = self._totals.get(show_id)
        if known is not None:
            return known
        value = await self._redis.get(likes_key(show_id))
        # Remembered, so the next tick sends what changed since this snapshot.
        return self._totals.setdefault(show_id, int(value) if value else 0)

    async def tick(self, shows: Iterable[str]) -> None:
        """Flush pending likes and send `like` events for totals that moved."""
        tracked = set(shows)
        second = int(self._clock())
        self._address_windows = {
            place: used for place, used in self._address_windows.items() if used[0] == second
        }
        names = sorted(tracked | set(self._pending))
        if not names:
            return
        pending, self._pending = self._pending, {}
        pipe = self._redis.pipeline(transaction=False)
        for show_id in names:
            if pending.get(show_id):
                pipe.incrby(likes_key(show_id), pending[show_id])
            else:
                pipe.get(likes_key(show_id))
        replies = await pipe.execute()
        for show_id, reply in zip(names, replies, strict=True):
            total = int(reply) if reply else 0
            if show_id not in tracked:
                self._totals.pop(show_id, None)  # flushed the last likes of a room we left
                continue
            # A show seen for the first time: what we just added is the news.
            previous = self._totals.get(show_id, total - pending.get(show_id, 0))
            self._totals[show_id] = total
            if total != previous:
                self._send(show_id, dumps(like_message(total, total - previous)))

    def forget(self, show_id: str) -> None:
        """Drop the remembered total of a show with no local connections."""
        self._totals.pop(show_id, None)
