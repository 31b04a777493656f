"""Stock counters read and repaired as a whole, and the Redis server they were checked on."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis, RedisCluster

from livesale.domain.stock import StockLevels
from livesale.domain.stock_audit import CounterReading
from livesale.storage.stock_keys import (
    CHECKED_KEY,
    VARIANT_PATTERN,
    expiries_key,
    hold_key,
    parse_variant_key,
    variant_key,
)

# KEYS: the seller's expiries, then n variants' counters, then m hold keys.
# ARGV: [1] n, [2] m, then the n variant ids, then the m hold ids (KEYS' order).
# The holds passed are the seller's live holds the caller found in the expiry
# index and the holds of order lines still waiting for payment; a hold taken
# since the caller looked is not among them, and the reading is refused
# ('moved') rather than miss it. So the live holds are read in the same step as
# the counters and no hold can fall between the two.
# A waiting order's hold that is already committed is a sale whose order is
# about to be marked paid (settlement commits first).
MEASURE_LUA = """
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local index, live, waiting, holds = {}, {}, {}, {}
for i = 1, n do index[ARGV[2 + i]] = i; live[i] = 0; waiting[i] = 0 end
for j = 1, m do holds[ARGV[2 + n + j]] = KEYS[1 + n + j] end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  if not holds[id] then return {'moved'} end
end
local live_seen = {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', holds[id], 'variant', 'quantity', 'state')
  local i = f[1] and index[f[1]]
  if i and f[3] == 'held' then live[i] = live[i] + tonumber(f[2]) end
  live_seen[id] = true
end
for id, key in pairs(holds) do
  if not live_seen[id] then
    local f = redis.call('HMGET', key, 'variant', 'quantity', 'state')
    local i = f[1] and index[f[1]]
    if i and f[3] == 'committed' then waiting[i] = waiting[i] + tonumber(f[2]) end
  end
end
local out = {}
for i = 1, n do
  local c = redis.call('HMGET', KEYS[1 + i], 'available', 'held', 'sold')
  if c[1] then
    out[#out + 1] = {ARGV[2 + i], c[1], c[2] or '0', c[3] or '0', live[i], waiting[i]}
  end
end
return {'ok', out}
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
# Readings of one seller retried while holds keep arriving between the look and the read.
MEASURE_TRIES = 20

logger = logging.getLogger(__name__)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class StockCounters:
    """Every variant's counters beside the live holds, and the checked servers' run ids."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._measure = redis.register_script(MEASURE_LUA)
        self._repair = redis.register_script(REPAIR_LUA)
        # The seller of each variant found by variant_ids(): its keys carry the seller's tag.
        self._sellers: dict[str, str] = {}

    async def run_id(self) -> str:
        """The run id of the Redis server answering (new at every start, other on a replica).

        On a Redis Cluster: every master's, sorted and comma-separated (the hold
        script runs on the master of its seller's slot and looks for its own).
        """
        return ",".join(await server_run_ids(self._redis))

    async def checked_run_id(self) -> str | None:
        """The run id whose counters were last checked against the record, if any."""
        value = await self._redis.get(CHECKED_KEY)
        return None if value is None else _text(value)

    async def mark_checked(self, run_id: str) -> None:
        """Record that the counters on the server of `run_id` match the record."""
        await self._redis.set(CHECKED_KEY, run_id)

    async def variant_ids(self) -> list[str]:
        """Every variant that has counters in Redis (each seller's)."""
        found: list[str] = []
        async for key in self._redis.scan_iter(match=VARIANT_PATTERN, count=SCAN_BATCH):
            parsed = parse_variant_key(_text(key))
            if parsed is not None:
                creator_id, variant_id = parsed
                self._sellers[variant_id] = creator_id
                found.append(variant_id)
        return found

    async def measure(
        self, variant_ids: Sequence[str], waiting_holds: Sequence[str]
    ) -> dict[str, CounterReading]:
        """The counters of these variants (those that have any), read with the live holds.

        One reading per seller; a seller whose holds keep arriving faster than
        it can be read is left out (the check measures it again later).
        """
        by_seller: dict[str, list[str]] = defaultdict(list)
        for variant_id in variant_ids:
            creator_id = self._sellers.get(variant_id)
            if creator_id is not None:
                by_seller[creator_id].append(variant_id)
        readings: dict[str, CounterReading] = {}
        for creator_id, ids in sorted(by_seller.items()):
            readings.update(await self._measure_seller(creator_id, ids, waiting_holds))
        return readings

    async def _measure_seller(
        self, creator_id: str, variant_ids: Sequence[str], waiting_holds: Sequence[str]
    ) -> dict[str, CounterReading]:
        for _ in range(MEASURE_TRIES):
            live = await self._redis.zrange(expiries_key(creator_id), 0, -1)
            hold_ids = list(dict.fromkeys([*(_text(id_) for id_ in live), *waiting_holds]))
            reply = await self._measure(
                keys=[
                    expiries_key(creator_id),
                    *(variant_key(creator_id, v) for v in variant_ids),
                    *(hold_key(creator_id, h) for h in hold_ids),
                ],
                args=[len(variant_ids), len(hold_ids), *variant_ids, *hold_ids],
            )
            if _text(reply[0]) == "ok":
                return {row.variant_id: row.reading for row in map(_Row, reply[1])}
        logger.warning("stock of seller %s kept moving while measured: left out", creator_id)
        return {}

    async def repair(self, variant_id: str, seen: StockLevels, wanted: StockLevels) -> bool:
        """Write `wanted` unless the counters moved since they were `seen`; True if written."""
        creator_id = self._sellers.get(variant_id)
        if creator_id is None:
            return False  # never found by variant_ids(): nothing of it was measured
        written = await self._repair(
            keys=[variant_key(creator_id, variant_id)],
            args=[seen.available, seen.held, seen.sold, wanted.available, wanted.held, wanted.sold],
        )
        return bool(int(written))


class _Row:
    """One variant's row of MEASURE_LUA's reply."""

    def __init__(self, row: Sequence[Any]) -> None:
        variant_id, available, held, sold, live, waiting = (_text(item) for item in row)
        self.variant_id = variant_id
        self.reading = CounterReading(
            levels=StockLevels(available=int(available), held=int(held), sold=int(sold)),
            live_held=int(live),
            waiting_sold=int(waiting),
        )


async def server_run_ids(redis: Redis) -> list[str]:
    """The run id of the Redis server, or of every master of a Redis Cluster, sorted."""
    if isinstance(redis, RedisCluster):
        replies: dict[str, Any] = await redis.info("server", target_nodes=RedisCluster.PRIMARIES)
        return sorted(_text(info["run_id"]) for info in replies.values())
    info: dict[str, Any] = await redis.info("server")
    return [_text(info["run_id"])]
