"""Stock holds in Redis: every change is one Lua script, so no interleaving can oversell."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from livesale.domain.stock import (
    FlashSale,
    Hold,
    HoldOutcome,
    SaleLevels,
    StockLevels,
    below_reserved,
    hold_expired,
    hold_from_fields,
    hold_mismatch,
    hold_not_found,
    refusal,
    same_request,
    validate_hold_request,
    validate_id,
    validate_total,
)

# Every key name lives here. The scripts that find a hold's variant and sale
# only at run time (commit, release, sweep) build keys from these prefixes,
# passed in ARGV, so the names are still defined once. That is fine on one
# Redis (the architecture's deployment), not on a Redis Cluster.
_PREFIX = "livesale:stock:"
VARIANT_PREFIX = _PREFIX + "variant:"
HOLD_PREFIX = _PREFIX + "hold:"
SALE_PREFIX = _PREFIX + "sale:"
BUYERS_SUFFIX = ":buyers"
EXPIRIES_KEY = _PREFIX + "expiries"

# Finished holds are kept this long so that a late retry is still a replay.
DEFAULT_RETENTION_SECONDS = 24 * 3600
SWEEP_BATCH = 1000


def variant_key(variant_id: str) -> str:
    """Hash of a variant's counters: available, held, sold."""
    return VARIANT_PREFIX + variant_id


def hold_key(hold_id: str) -> str:
    """Hash of one hold: variant, quantity, buyer, sale, state, deadline (ms)."""
    return HOLD_PREFIX + hold_id


def sale_key(sale_id: str) -> str:
    """Hash of a flash sale's counters: held, sold."""
    return SALE_PREFIX + sale_id


def sale_buyers_key(sale_id: str) -> str:
    """Hash: buyer id -> units the buyer holds or bought in the flash sale."""
    return SALE_PREFIX + sale_id + BUYERS_SUFFIX


def wall_clock_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


# Puts a held hold's units back (variant and sale) and marks it `state`.
# ARGV layout shared by commit, release and sweep: [1] now ms, [2] variant
# prefix, [3] sale prefix, [4] buyers suffix, [5] retention ms.
_GIVE_BACK_LUA = """
local function give_back(hkey, state)
  local f = redis.call('HMGET', hkey, 'variant', 'quantity', 'buyer', 'sale')
  local q = tonumber(f[2])
  local vkey = ARGV[2] .. f[1]
  redis.call('HINCRBY', vkey, 'held', -q)
  redis.call('HINCRBY', vkey, 'available', q)
  if f[4] ~= '' then
    local skey = ARGV[3] .. f[4]
    redis.call('HINCRBY', skey, 'held', -q)
    local bkey = skey .. ARGV[4]
    if redis.call('HINCRBY', bkey, f[3], -q) <= 0 then redis.call('HDEL', bkey, f[3]) end
  end
  redis.call('HSET', hkey, 'state', state)
  -- Only finished holds expire: a held one must never vanish under its counters.
  redis.call('PEXPIRE', hkey, ARGV[5])
end
"""

# KEYS: variant. ARGV: total. Sets available so that available + held + sold = total.
_INIT_LUA = """
local c = redis.call('HMGET', KEYS[1], 'held', 'sold')
local held = tonumber(c[1] or '0')
local sold = tonumber(c[2] or '0')
local total = tonumber(ARGV[1])
if total < held + sold then return {'below', held, sold} end
redis.call('HSET', KEYS[1], 'available', total - held - sold, 'held', held, 'sold', sold)
return {'ok', held, sold}
"""

# KEYS: hold, variant, expiries, sale, sale buyers.
# ARGV: hold id, variant id, quantity, buyer, deadline ms, sale id ('' = none),
#       sale cap, per-buyer limit (-1 = none).
# A hold id seen before is returned as stored and takes nothing: the caller
# (or redis-py's retry after a lost reply) may run this twice.
_HOLD_LUA = """
local existing = redis.call('HGETALL', KEYS[1])
if #existing > 0 then return {'replay', existing} end
local q = tonumber(ARGV[3])
local sale = ARGV[6]
if sale ~= '' then
  local s = redis.call('HMGET', KEYS[4], 'held', 'sold')
  local remaining = tonumber(ARGV[7]) - tonumber(s[1] or '0') - tonumber(s[2] or '0')
  if remaining < q then return {'sold_out', math.max(remaining, 0)} end
  local limit = tonumber(ARGV[8])
  if limit >= 0 then
    local mine = tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0')
    if mine + q > limit then return {'per_buyer_limit', limit} end
  end
end
local available = tonumber(redis.call('HGET', KEYS[2], 'available') or '0')
if available < q then return {'out_of_stock', available} end
redis.call('HINCRBY', KEYS[2], 'available', -q)
redis.call('HINCRBY', KEYS[2], 'held', q)
if sale ~= '' then
  redis.call('HINCRBY', KEYS[4], 'held', q)
  redis.call('HINCRBY', KEYS[5], ARGV[4], q)
end
redis.call('HSET', KEYS[1], 'variant', ARGV[2], 'quantity', q, 'buyer', ARGV[4],
  'sale', sale, 'state', 'held', 'deadline', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
return {'held', redis.call('HGETALL', KEYS[1])}
"""

# KEYS: hold, expiries. ARGV: shared layout, then [6] hold id.
# A hold past its deadline is expired here even if the sweeper has not run
# yet, so the outcome never depends on when the sweeper last ran.
_COMMIT_LUA = (
    _GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state == 'committed' then return {'replay', redis.call('HGETALL', KEYS[1])} end
if state == 'held' then
  if tonumber(redis.call('HGET', KEYS[1], 'deadline')) <= tonumber(ARGV[1]) then
    give_back(KEYS[1], 'expired')
    redis.call('ZREM', KEYS[2], ARGV[6])
    return {'expired', redis.call('HGETALL', KEYS[1])}
  end
  local f = redis.call('HMGET', KEYS[1], 'variant', 'quantity', 'sale')
  local q = tonumber(f[2])
  local vkey = ARGV[2] .. f[1]
  redis.call('HINCRBY', vkey, 'held', -q)
  redis.call('HINCRBY', vkey, 'sold', q)
  if f[3] ~= '' then
    redis.call('HINCRBY', ARGV[3] .. f[3], 'held', -q)
    redis.call('HINCRBY', ARGV[3] .. f[3], 'sold', q)
  end
  redis.call('HSET', KEYS[1], 'state', 'committed')
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('ZREM', KEYS[2], ARGV[6])
  return {'committed', redis.call('HGETALL', KEYS[1])}
end
return {'expired', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS: hold, expiries. ARGV: shared layout, then [6] hold id.
_RELEASE_LUA = (
    _GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state ~= 'held' then return {'replay', redis.call('HGETALL', KEYS[1])} end
give_back(KEYS[1], 'released')
redis.call('ZREM', KEYS[2], ARGV[6])
return {'released', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS: expiries. ARGV: shared layout, then [6] hold prefix, [7] batch size.
# Reads only the due part of the sorted set: O(expired), not O(holds).
_SWEEP_LUA = (
    _GIVE_BACK_LUA
    + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[7]))
local out = {}
for _, id in ipairs(ids) do
  local hkey = ARGV[6] .. id
  if redis.call('HGET', hkey, 'state') == 'held' then
    give_back(hkey, 'expired')
    out[#out + 1] = {id, redis.call('HGETALL', hkey)}
  end
  redis.call('ZREM', KEYS[1], id)
end
return out
"""
)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(flat: Sequence[Any]) -> dict[str, str]:
    items = [_text(item) for item in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


class StockStore:
    """Holds, commits, releases and expiries of variant stock, atomically in Redis."""

    def __init__(
        self,
        redis: Redis,
        clock: Callable[[], int] = wall_clock_ms,
        *,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
    ) -> None:
        self._redis = redis
        # Milliseconds; injectable so tests move time without sleeping.
        self._clock = clock
        self._retention_ms = int(retention_seconds * 1000)
        self._init = redis.register_script(_INIT_LUA)
        self._hold = redis.register_script(_HOLD_LUA)
        self._commit = redis.register_script(_COMMIT_LUA)
        self._release = redis.register_script(_RELEASE_LUA)
        self._sweep = redis.register_script(_SWEEP_LUA)

    def _shared_args(self, now_ms: int) -> list[Any]:
        return [now_ms, VARIANT_PREFIX, SALE_PREFIX, BUYERS_SUFFIX, self._retention_ms]

    async def init(self, variant_id: str, total: int) -> StockLevels:
        """Set stock so that available + held + sold = total; refuses below held + sold."""
        validate_id(variant_id, "variant_id")
        validate_total(total)
        reply = await self._init(keys=[variant_key(variant_id)], args=[total])
        status, held, sold = _text(reply[0]), int(reply[1]), int(reply[2])
        if status == "below":
            raise below_reserved(held, sold)
        return StockLevels(available=total - held - sold, held=held, sold=sold)

    async def hold(
        self,
        hold_id: str,
        variant_id: str,
        quantity: int,
        buyer_id: str,
        ttl_seconds: float,
        flash_sale: FlashSale | None = None,
    ) -> HoldOutcome:
        """Hold units until a deadline; a known hold id returns its stored hold, taking nothing."""
        validate_hold_request(hold_id, variant_id, quantity, buyer_id, ttl_seconds, flash_sale)
        deadline_ms = self._clock() + int(ttl_seconds * 1000)
        sale_id = flash_sale.sale_id if flash_sale is not None else ""
        cap = flash_sale.quantity if flash_sale is not None else 0
        limit = -1
        if flash_sale is not None and flash_sale.per_buyer_limit is not None:
            limit = flash_sale.per_buyer_limit
        reply = await self._hold(
            keys=[
                hold_key(hold_id),
                variant_key(variant_id),
                EXPIRIES_KEY,
                # Unused without a sale (ids are never empty, so no real sale
                # has these names), but a script's keys must be named up front.
                sale_key(sale_id),
                sale_buyers_key(sale_id),
            ],
            args=[hold_id, variant_id, quantity, buyer_id, deadline_ms, sale_id, cap, limit],
        )
        status = _text(reply[0])
        if status in ("held", "replay"):
            hold = hold_from_fields(hold_id, _fields(reply[1]))
            if not same_request(hold, variant_id, quantity, buyer_id, sale_id or None):
                raise hold_mismatch(hold)
            return HoldOutcome(hold, changed=status == "held")
        raise refusal(status, int(reply[1]), quantity)

    async def commit(self, hold_id: str) -> HoldOutcome:
        """Turn a held hold into sold units; a committed one is a replay; gone stock raises."""
        validate_id(hold_id, "hold_id")
        reply = await self._commit(
            keys=[hold_key(hold_id), EXPIRIES_KEY],
            args=[*self._shared_args(self._clock()), hold_id],
        )
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        hold = hold_from_fields(hold_id, _fields(reply[1]))
        if status == "expired":
            raise hold_expired(hold)
        return HoldOutcome(hold, changed=status == "committed")

    async def release(self, hold_id: str) -> HoldOutcome:
        """Return a held hold's units; a finished hold (even a sold one) is left as it is."""
        validate_id(hold_id, "hold_id")
        reply = await self._release(
            keys=[hold_key(hold_id), EXPIRIES_KEY],
            args=[*self._shared_args(self._clock()), hold_id],
        )
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        return HoldOutcome(
            hold_from_fields(hold_id, _fields(reply[1])), changed=status == "released"
        )

    async def sweep(self, now_ms: int | None = None, *, limit: int = SWEEP_BATCH) -> list[Hold]:
        """Expire up to `limit` holds whose deadline is at or before now; returns them."""
        now = self._clock() if now_ms is None else now_ms
        reply = await self._sweep(
            keys=[EXPIRIES_KEY], args=[*self._shared_args(now), HOLD_PREFIX, limit]
        )
        return [hold_from_fields(_text(item[0]), _fields(item[1])) for item in reply]

    async def get(self, hold_id: str) -> Hold | None:
        """The stored hold, or None."""
        flat = await self._redis.hgetall(hold_key(hold_id))  # type: ignore[misc]
        if not flat:
            return None
        return hold_from_fields(hold_id, {_text(k): _text(v) for k, v in flat.items()})

    async def levels(self, variant_id: str) -> StockLevels:
        """A variant's available, held and sold counters (zeros if never set)."""
        values = await self._redis.hmget(variant_key(variant_id), ["available", "held", "sold"])  # type: ignore[misc]
        available, held, sold = (int(value or 0) for value in values)
        return StockLevels(available=available, held=held, sold=sold)

    async def sale_levels(self, sale_id: str) -> SaleLevels:
        """Units held and sold under a flash sale."""
        values = await self._redis.hmget(sale_key(sale_id), ["held", "sold"])  # type: ignore[misc]
        held, sold = (int(value or 0) for value in values)
        return SaleLevels(held=held, sold=sold)

    async def buyer_units(self, sale_id: str, buyer_id: str) -> int:
        """Units a buyer holds or bought in a flash sale."""
        value = await self._redis.hget(sale_buyers_key(sale_id), buyer_id)  # type: ignore[misc]
        return int(value or 0)
