"""Stock counters read and repaired as a whole, and the Redis server they were checked on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from livesale.domain.stock import StockLevels
from livesale.domain.stock_audit import CounterReading
from livesale.storage.stock import (
    EXPIRIES_KEY,
    HOLD_PREFIX,
    VARIANT_PREFIX,
    checked_key,
    variant_key,
)

# KEYS: expiries. ARGV: [1] hold prefix, [2] variant prefix, [3] n variants,
# [4 .. 3+n] variant ids, then hold ids of order lines still waiting for payment.
# One pass over the live holds (the expiries set lists exactly the held ones),
# read in the same step as the counters, so no hold can fall between the two.
# A waiting order's hold that is already committed is a sale whose order is
# about to be marked paid (settlement commits first).
MEASURE_LUA = """
local n = tonumber(ARGV[3])
local index, live, waiting = {}, {}, {}
for i = 1, n do index[ARGV[3 + i]] = i; live[i] = 0; waiting[i] = 0 end
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'variant', 'quantity', 'state')
  local i = f[1] and index[f[1]]
  if i and f[3] == 'held' then live[i] = live[i] + tonumber(f[2]) end
end
for j = 4 + n, #ARGV do
  local f = redis.call('HMGET', ARGV[1] .. ARGV[j], 'variant', 'quantity', 'state')
  local i = f[1] and index[f[1]]
  if i and f[3] == 'committed' then waiting[i] = waiting[i] + tonumber(f[2]) end
end
local out = {}
for i = 1, n do
  local c = redis.call('HMGET', ARGV[2] .. ARGV[3 + i], 'available', 'held', 'sold')
  if c[1] then
    out[#out + 1] = {ARGV[3 + i], c[1], c[2] or '0', c[3] or '0', live[i], waiting[i]}
  end
end
return out
"""

# KEYS: variant. ARGV: the counters as measured (available, held, sold), then
# the counters to write. Writes only if nothing moved since the measure.
REPAIR_LUA = """
local c = redis.call('HMGET', KEYS[1], 'available', 'held', 'sold')
if c[1] ~= ARGV[1] or (c[2] or '0') ~= ARGV[2] or (c[3] or '0') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'available', ARGV[4], 'held', ARGV[5], 'sold', ARGV[6])
return 1
"""

SCAN_BATCH = 500


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class StockCounters:
    """Every variant's counters beside the live holds, and the checked server's run id."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._measure = redis.register_script(MEASURE_LUA)
        self._repair = redis.register_script(REPAIR_LUA)

    async def run_id(self) -> str:
        """The run id of the Redis server answering (new at every start, other on a replica)."""
        info: dict[str, Any] = await self._redis.info("server")
        return _text(info["run_id"])

    async def checked_run_id(self) -> str | None:
        """The run id whose counters were last checked against the record, if any."""
        value = await self._redis.get(checked_key())
        return None if value is None else _text(value)

    async def mark_checked(self, run_id: str) -> None:
        """Record that the counters on the server of `run_id` match the record."""
        await self._redis.set(checked_key(), run_id)

    async def variant_ids(self) -> list[str]:
        """Every variant that has counters in Redis."""
        found: list[str] = []
        async for key in self._redis.scan_iter(match=VARIANT_PREFIX + "*", count=SCAN_BATCH):
            found.append(_text(key).removeprefix(VARIANT_PREFIX))
        return found

    async def measure(
        self, variant_ids: Sequence[str], waiting_holds: Sequence[str]
    ) -> dict[str, CounterReading]:
        """The counters of these variants (those that have any), read with the live holds."""
        if not variant_ids:
            return {}
        reply = await self._measure(
            keys=[EXPIRIES_KEY],
            args=[HOLD_PREFIX, VARIANT_PREFIX, len(variant_ids), *variant_ids, *waiting_holds],
        )
        readings = {}
        for row in reply:
            variant_id, available, held, sold, live, waiting = (_text(item) for item in row)
            readings[variant_id] = CounterReading(
                levels=StockLevels(available=int(available), held=int(held), sold=int(sold)),
                live_held=int(live),
                waiting_sold=int(waiting),
            )
        return readings

    async def repair(self, variant_id: str, seen: StockLevels, wanted: StockLevels) -> bool:
        """Write `wanted` unless the counters moved since they were `seen`; True if written."""
        written = await self._repair(
            keys=[variant_key(variant_id)],
            args=[seen.available, seen.held, seen.sold, wanted.available, wanted.held, wanted.sold],
        )
        return bool(int(written))
