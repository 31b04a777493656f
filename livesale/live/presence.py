"""Viewer counts shared by every process through one Redis hash per show.

Every `presence_interval_seconds` each process writes its local count of a
show's viewers (its room connections but the show's creator's own) as
`count:expires_at_ms` under its own field, reads the hash back and sums the
fields that have not expired (a crashed process drops out within three
intervals). When the sum changes, the local connections get a `viewers`
event; the show listings read the same sums. Expiry uses the processes'
clocks, so they must agree to within an interval (NTP on the hosts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from redis.asyncio import Redis

from livesale.live.events import viewers_message
from livesale.live.protocol import dumps
from livesale.storage.room_redis import presence_key

EXPIRY_INTERVALS = 3


async def viewer_counts(redis: Redis, show_ids: Sequence[str], now_ms: int) -> dict[str, int]:
    """Each show's viewers now, summed over every process's unexpired field (0 when none)."""
    if not show_ids:
        return {}
    pipe = redis.pipeline(transaction=False)
    for show_id in show_ids:
        pipe.hgetall(presence_key(show_id))
    replies = await pipe.execute()
    return {
        show_id: _sum_fields(fields, now_ms, None)[0]
        for show_id, fields in zip(show_ids, replies, strict=True)
    }


def _sum_fields(fields: dict[str, str], now_ms: int, skip: str | None) -> tuple[int, list[str]]:
    """Sum of the unexpired counts (leaving out the field `skip`), and the expired fields."""
    total = 0
    expired: list[str] = []
    for field, value in fields.items():
        if field == skip:
            continue
        count, _, expires = value.partition(":")
        try:
            alive = int(expires) >= now_ms
            number = int(count)
        except ValueError:
            alive, number = False, 0
        if alive:
            total += number
        else:
            expired.append(field)
    return total, expired


class Presence:
    """This process's share of every show's viewer count, and the totals it last saw."""

    def __init__(
        self,
        redis: Redis,
        process_id: str,
        interval: float,
        local_counts: Callable[[], dict[str, int]],
        send: Callable[[str, str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._process_id = process_id
        self._interval = interval
        self._local_counts = local_counts
        self._send = send
        self._clock = clock
        self._others: dict[str, int] = {}  # show -> sum of the other processes' counts
        self._sent: dict[str, int] = {}  # show -> last count sent to local connections
        self._written: set[str] = set()  # shows this process has a field in

    def known_total(self, show_id: str, local: int) -> int | None:
        """The show's count with this process's current `local` count, if the show is tracked."""
        others = self._others.get(show_id)
        return None if others is None else others + local

    async def total(self, show_id: str, local: int) -> int:
        """The show's count now: the other processes' live fields plus `local`."""
        known = self.known_total(show_id, local)
        if known is not None:
            return known
        fields = await self._redis.hgetall(presence_key(show_id))  # type: ignore[misc]
        others, _expired = self._sum(fields, int(self._clock() * 1000))
        return others + local

    async def tick(self) -> None:
        """Write local counts, read the totals, tell local connections what changed."""
        counts = self._local_counts()
        gone = self._written - set(counts)
        if not counts and not gone:
            return
        now_ms = int(self._clock() * 1000)
        ttl_ms = int(self._interval * EXPIRY_INTERVALS * 1000)
        pipe = self._redis.pipeline(transaction=False)
        shows = list(counts)
        for show_id in shows:
            key = presence_key(show_id)
            pipe.hset(key, self._process_id, f"{counts[show_id]}:{now_ms + ttl_ms}")
            # The whole hash vanishes if every process stops writing it.
            pipe.pexpire(key, ttl_ms)
            pipe.hgetall(key)
        for show_id in gone:
            pipe.hdel(presence_key(show_id), self._process_id)
        replies = await pipe.execute()
        self._written = set(shows)
        for show_id in gone:
            self._others.pop(show_id, None)
            self._sent.pop(show_id, None)
        for index, show_id in enumerate(shows):
            fields = replies[index * 3 + 2]
            others, expired = self._sum(fields, now_ms)
            if expired:
                await self._redis.hdel(presence_key(show_id), *expired)  # type: ignore[misc]
            self._others[show_id] = others
            total = others + counts[show_id]
            if self._sent.get(show_id) != total:
                self._sent[show_id] = total
                self._send(show_id, dumps(viewers_message(total)))

    def _sum(self, fields: dict[str, str], now_ms: int) -> tuple[int, list[str]]:
        """Sum of the other processes' unexpired counts, and the expired fields."""
        return _sum_fields(fields, now_ms, self._process_id)
