"""Fixed-window rate limits in Redis, shared by every process: how often one key may act."""

from __future__ import annotations

import math
from typing import Any

from redis.asyncio import Redis

from livesale.domain.errors import TooManyRequests

_PREFIX = "livesale:rate"

# KEYS: the window's counter. ARGV: window in ms, limit.
# Returns 0 when this hit is allowed, else the ms until the window ends.
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if n > tonumber(ARGV[2]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    -- A counter without an expiry (a crash between INCR and PEXPIRE cannot
    -- happen in a script, but an operator's edit can): start its window now.
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
  end
  return left
end
return 0
"""


class RateLimiter:
    """At most `limit` hits per key in each window of `window_seconds`."""

    def __init__(self, redis: Redis) -> None:
        self._hit: Any = redis.register_script(_HIT)

    async def wait_needed(self, key: str, limit: int, window_seconds: float) -> float:
        """Count a hit on `key`; 0 if it is allowed, else the seconds until one is."""
        window_ms = max(1, round(window_seconds * 1000))
        left_ms = int(await self._hit(keys=[f"{_PREFIX}:{key}"], args=[window_ms, limit]))
        return left_ms / 1000

    async def check(self, key: str, limit: int, window_seconds: float, what: str) -> None:
        """Count a hit, or raise TooManyRequests (429, Retry-After) saying `what` was limited."""
        wait = await self.wait_needed(key, limit, window_seconds)
        if wait > 0:
            raise TooManyRequests(
                f"too many {what}; try again in {math.ceil(wait)} s",
                retry_after_seconds=max(1, math.ceil(wait)),
                limit=limit,
                window_seconds=window_seconds,
            )
