"""The Lua scripts behind stock holds; each runs atomically inside Redis.

Key names come from livesale/storage/stock.py: scripts that learn a hold's
variant or sale only at run time get the key prefixes in ARGV.
"""

from __future__ import annotations

# Puts a hold's units back on sale (variant and sale), taking them from the
# counter `from` ('held' for a hold that ends, 'sold' for a sale undone), and
# marks the hold `state`.
# ARGV layout shared by commit, release, restock and sweep: [1] now ms,
# [2] variant prefix, [3] sale prefix, [4] buyers suffix, [5] retention ms.
GIVE_BACK_LUA = """
local function give_back(hkey, state, from)
  local f = redis.call('HMGET', hkey, 'variant', 'quantity', 'buyer', 'sale')
  local q = tonumber(f[2])
  local vkey = ARGV[2] .. f[1]
  redis.call('HINCRBY', vkey, from, -q)
  redis.call('HINCRBY', vkey, 'available', q)
  if f[4] ~= '' then
    local skey = ARGV[3] .. f[4]
    redis.call('HINCRBY', skey, from, -q)
    local bkey = skey .. ARGV[4]
    if redis.call('HINCRBY', bkey, f[3], -q) <= 0 then redis.call('HDEL', bkey, f[3]) end
  end
  redis.call('HSET', hkey, 'state', state)
  -- Only finished holds expire: a held one must never vanish under its counters.
  redis.call('PEXPIRE', hkey, ARGV[5])
end
"""

# KEYS: variant. ARGV: total. Sets available so that available + held + sold = total.
INIT_LUA = """
local c = redis.call('HMGET', KEYS[1], 'held', 'sold')
local held = tonumber(c[1] or '0')
local sold = tonumber(c[2] or '0')
local total = tonumber(ARGV[1])
if total < held + sold then return {'below', held, sold} end
redis.call('HSET', KEYS[1], 'available', total - held - sold, 'held', held, 'sold', sold)
return {'ok', held, sold}
"""

# KEYS: variant. ARGV: total, sold. Creates the counters from the catalogue
# the first time a variant is sold (or after Redis lost them); existing
# counters win, because they know about holds the catalogue does not.
ENSURE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'available', 'held', 'sold')
end
local sold = tonumber(ARGV[2])
local available = math.max(tonumber(ARGV[1]) - sold, 0)
redis.call('HSET', KEYS[1], 'available', available, 'held', 0, 'sold', sold)
return {available, 0, sold}
"""

# KEYS: hold, variant, expiries, sale, sale buyers, the show's end marker.
# ARGV: hold id, variant id, quantity, buyer, deadline ms, sale id ('' = none),
#       sale cap, per-buyer limit (-1 = none), now ms, sale end ms (-1 = a sale
#       that closing does not stop), live (1 = refused once the show has ended).
# A hold id seen before is returned as stored and takes nothing: the caller
# (or redis-py's retry after a lost reply) may run this twice.
# A live sale that is closed (its hash has `closed`: unpin, a new pin, the
# show's end) or past its end is not applied: the hold is taken without it,
# at the regular price, and the caller sees `sale` empty. Deciding it here,
# in the same step as the caps, is what makes a pin change exact across
# processes that each cache the pin for a moment.
HOLD_LUA = """
local existing = redis.call('HGETALL', KEYS[1])
if #existing > 0 then return {'replay', existing} end
if ARGV[11] == '1' and redis.call('EXISTS', KEYS[6]) == 1 then return {'show_ended', 0} end
local q = tonumber(ARGV[3])
local sale = ARGV[6]
if sale ~= '' then
  local s = redis.call('HMGET', KEYS[4], 'held', 'sold', 'closed')
  local ends = tonumber(ARGV[10])
  if ends >= 0 and (s[3] or tonumber(ARGV[9]) >= ends) then
    sale = ''
  else
    local remaining = tonumber(ARGV[7]) - tonumber(s[1] or '0') - tonumber(s[2] or '0')
    if remaining < q then return {'sold_out', math.max(remaining, 0)} end
    local limit = tonumber(ARGV[8])
    if limit >= 0 then
      local mine = tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0')
      if mine + q > limit then return {'per_buyer_limit', limit} end
    end
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
COMMIT_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state == 'committed' then return {'replay', redis.call('HGETALL', KEYS[1])} end
if state == 'held' then
  if tonumber(redis.call('HGET', KEYS[1], 'deadline')) <= tonumber(ARGV[1]) then
    give_back(KEYS[1], 'expired', 'held')
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
RELEASE_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state ~= 'held' then return {'replay', redis.call('HGETALL', KEYS[1])} end
give_back(KEYS[1], 'released', 'held')
redis.call('ZREM', KEYS[2], ARGV[6])
return {'released', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS: hold. ARGV: shared layout. Undoes a sale: the units go back on sale
# (and back under the flash sale's cap and the buyer's limit).
RESTOCK_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state == 'restocked' then return {'replay', redis.call('HGETALL', KEYS[1])} end
if state ~= 'committed' then return {'not_sold', redis.call('HGETALL', KEYS[1])} end
give_back(KEYS[1], 'restocked', 'sold')
return {'restocked', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS: expiries. ARGV: shared layout, then [6] hold prefix, [7] batch size.
# Reads only the due part of the sorted set: O(expired), not O(holds).
SWEEP_LUA = (
    GIVE_BACK_LUA
    + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[7]))
local out = {}
for _, id in ipairs(ids) do
  local hkey = ARGV[6] .. id
  if redis.call('HGET', hkey, 'state') == 'held' then
    give_back(hkey, 'expired', 'held')
    out[#out + 1] = {id, redis.call('HGETALL', hkey)}
  end
  redis.call('ZREM', KEYS[1], id)
end
return out
"""
)
