"""The Lua scripts behind stock holds; each runs atomically inside Redis.

Key names come from livesale/storage/stock_keys.py; every key a script
touches is declared in KEYS, and all of them carry one seller's hash tag.
"""

from __future__ import annotations

# Puts a hold's units back on sale (variant and sale), taking them from the
# counter `from` ('held' for a hold that ends, 'sold' for a sale undone), and
# marks the hold `state`. The hold's keys start at KEYS[k], in the order of
# livesale.storage.stock_keys.give_back_keys: hold, variant, the buyer's and
# the address's held-by counters, sale, sale buyers, sale windows, sale
# addresses. ARGV shared by commit, release, restock and sweep: [1] now ms,
# [2] retention ms.
# A hold stores `addr` (the address it counts against, '' for none) once it
# counts in the held-by counters; one stored before those counters has no
# `addr` and is not taken off them.
GIVE_BACK_LUA = """
local function count_down(key, field, q)
  if field then
    if redis.call('HINCRBY', key, field, -q) <= 0 then redis.call('HDEL', key, field) end
  elseif redis.call('DECRBY', key, q) <= 0 then
    redis.call('DEL', key)
  end
end
local function unhold(k, addr, q)
  if not addr then return end
  count_down(KEYS[k + 2], nil, q)
  if addr ~= '' then count_down(KEYS[k + 3], nil, q) end
end
local function give_back(k, state, from)
  local hkey = KEYS[k]
  local f = redis.call('HMGET', hkey, 'variant', 'quantity', 'buyer', 'sale', 'addr')
  local q = tonumber(f[2])
  redis.call('HINCRBY', KEYS[k + 1], from, -q)
  redis.call('HINCRBY', KEYS[k + 1], 'available', q)
  if from == 'held' then unhold(k, f[5], q) end
  if f[4] ~= '' then
    redis.call('HINCRBY', KEYS[k + 4], from, -q)
    if redis.call('HINCRBY', KEYS[k + 5], f[3], -q) <= 0 then
      redis.call('HDEL', KEYS[k + 5], f[3])
      -- Nothing left of the buyer's in the sale: a later hold starts a new window.
      redis.call('HDEL', KEYS[k + 6], f[3])
    end
    if f[5] and f[5] ~= '' then count_down(KEYS[k + 7], f[5], q) end
  end
  redis.call('HSET', hkey, 'state', state)
  -- Only finished holds expire: a held one must never vanish under its counters.
  redis.call('PEXPIRE', hkey, ARGV[2])
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

# KEYS (all the seller's): hold, variant, expiries, sale, sale buyers, the
#       show's end marker, the buyer's held-by counter, the address's held-by
#       counter (units held from this seller), sale addresses, sale windows.
# ARGV: [1] hold id, [2] variant id, [3] quantity, [4] buyer, [5] deadline ms,
#       [6] sale id ('' = none), [7] sale cap, [8] per-buyer limit (-1 = none),
#       [9] now ms, [10] sale end ms (-1 = a sale that closing does not stop),
#       [11] live (1 = refused once the show has ended), [12] address ('' = not
#       counted per address), [13] caps (1 = apply the per-person caps below),
#       [14] most units held per buyer, [15] most units held per address,
#       [16] the sale's per-address multiple of its per-buyer limit,
#       [17] a flash-sale hold's deadline ms when it opens the buyer's window.
# A hold id seen before is returned as stored and takes nothing: the caller
# (or redis-py's retry after a lost reply) may run this twice.
# A live sale that is closed (its hash has `closed`: unpin, a new pin, the
# show's end) or past its end is not applied: the hold is taken without it,
# at the regular price, and the caller sees `sale` empty. Deciding it here,
# in the same step as the caps, is what makes a pin change exact across
# processes that each cache the pin for a moment.
# The per-person caps are read and counted in this same step too, so no
# number of concurrent requests can pass a cap together.
HOLD_LUA = """
local existing = redis.call('HGETALL', KEYS[1])
if #existing > 0 then return {'replay', existing} end
if ARGV[11] == '1' and redis.call('EXISTS', KEYS[6]) == 1 then return {'show_ended', 0} end
local q = tonumber(ARGV[3])
local now = tonumber(ARGV[9])
local addr = ARGV[12]
local caps = ARGV[13] == '1'
local sale = ARGV[6]
if sale ~= '' then
  local s = redis.call('HMGET', KEYS[4], 'held', 'sold', 'closed')
  local ends = tonumber(ARGV[10])
  if ends >= 0 and (s[3] or now >= ends) then
    sale = ''
  else
    local remaining = tonumber(ARGV[7]) - tonumber(s[1] or '0') - tonumber(s[2] or '0')
    if remaining < q then return {'sold_out', math.max(remaining, 0)} end
    local limit = tonumber(ARGV[8])
    if limit >= 0 then
      local mine = tonumber(redis.call('HGET', KEYS[5], ARGV[4]) or '0')
      if mine + q > limit then return {'per_buyer_limit', limit} end
      if caps and addr ~= '' then
        local ours = tonumber(redis.call('HGET', KEYS[9], addr) or '0')
        local most = limit * tonumber(ARGV[16])
        if ours + q > most then return {'address_sale_limit', most, ours} end
      end
    end
  end
end
local available = tonumber(redis.call('HGET', KEYS[2], 'available') or '0')
if available < q then return {'out_of_stock', available} end
if caps then
  local mine = tonumber(redis.call('GET', KEYS[7]) or '0')
  if mine + q > tonumber(ARGV[14]) then return {'buyer_cap', tonumber(ARGV[14]), mine} end
  if addr ~= '' then
    local ours = tonumber(redis.call('GET', KEYS[8]) or '0')
    if ours + q > tonumber(ARGV[15]) then return {'address_cap', tonumber(ARGV[15]), ours} end
  end
end
local deadline = ARGV[5]
if sale ~= '' and caps then
  -- Every hold of the buyer's in this sale ends when the first one does.
  local window = redis.call('HGET', KEYS[10], ARGV[4])
  if window and tonumber(window) > now then
    deadline = window
  else
    deadline = ARGV[17]
    redis.call('HSET', KEYS[10], ARGV[4], deadline)
  end
end
redis.call('HINCRBY', KEYS[2], 'available', -q)
redis.call('HINCRBY', KEYS[2], 'held', q)
redis.call('INCRBY', KEYS[7], q)
if addr ~= '' then redis.call('INCRBY', KEYS[8], q) end
if sale ~= '' then
  redis.call('HINCRBY', KEYS[4], 'held', q)
  redis.call('HINCRBY', KEYS[5], ARGV[4], q)
  if addr ~= '' then redis.call('HINCRBY', KEYS[9], addr, q) end
end
redis.call('HSET', KEYS[1], 'variant', ARGV[2], 'quantity', q, 'buyer', ARGV[4],
  'sale', sale, 'state', 'held', 'deadline', deadline, 'addr', addr)
redis.call('ZADD', KEYS[3], deadline, ARGV[1])
return {'held', redis.call('HGETALL', KEYS[1])}
"""

# KEYS: expiries, then the hold's give-back keys (from KEYS[2]).
# ARGV: shared layout, then [3] hold id.
# A hold past its deadline is expired here even if the sweeper has not run
# yet, so the outcome never depends on when the sweeper last ran.
COMMIT_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[2], 'state')
if not state then return {'not_found'} end
if state == 'committed' then return {'replay', redis.call('HGETALL', KEYS[2])} end
if state == 'held' then
  if tonumber(redis.call('HGET', KEYS[2], 'deadline')) <= tonumber(ARGV[1]) then
    give_back(2, 'expired', 'held')
    redis.call('ZREM', KEYS[1], ARGV[3])
    return {'expired', redis.call('HGETALL', KEYS[2])}
  end
  local f = redis.call('HMGET', KEYS[2], 'quantity', 'sale', 'addr')
  local q = tonumber(f[1])
  redis.call('HINCRBY', KEYS[3], 'held', -q)
  redis.call('HINCRBY', KEYS[3], 'sold', q)
  -- Sold units are no longer held: they leave the caps on units held at once.
  unhold(2, f[3], q)
  if f[2] ~= '' then
    redis.call('HINCRBY', KEYS[6], 'held', -q)
    redis.call('HINCRBY', KEYS[6], 'sold', q)
  end
  redis.call('HSET', KEYS[2], 'state', 'committed')
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[1], ARGV[3])
  return {'committed', redis.call('HGETALL', KEYS[2])}
end
return {'expired', redis.call('HGETALL', KEYS[2])}
"""
)

# KEYS: expiries, then the hold's give-back keys. ARGV: shared layout, then [3] hold id.
RELEASE_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[2], 'state')
if not state then return {'not_found'} end
if state ~= 'held' then return {'replay', redis.call('HGETALL', KEYS[2])} end
give_back(2, 'released', 'held')
redis.call('ZREM', KEYS[1], ARGV[3])
return {'released', redis.call('HGETALL', KEYS[2])}
"""
)

# KEYS: the hold's give-back keys. ARGV: shared layout. Undoes a sale: the units
# go back on sale (and back under the flash sale's cap and the buyer's limit).
RESTOCK_LUA = (
    GIVE_BACK_LUA
    + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'not_found'} end
if state == 'restocked' then return {'replay', redis.call('HGETALL', KEYS[1])} end
if state ~= 'committed' then return {'not_sold', redis.call('HGETALL', KEYS[1])} end
give_back(1, 'restocked', 'sold')
return {'restocked', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS: expiries, then the give-back keys of each hold the caller found due
# (8 per hold: hold i's start at KEYS[2 + 8 * (i - 1)]).
# ARGV: shared layout, then the hold ids in the same order.
# The caller reads the due part of the expiry index and the holds' fields
# first, to name their keys; each hold is judged here on what it is now
# (one committed or released meanwhile is only dropped from the index).
SWEEP_LUA = (
    GIVE_BACK_LUA
    + """
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local k = 2 + 8 * (i - 3)
  local f = redis.call('HMGET', KEYS[k], 'state', 'deadline')
  if f[1] == 'held' then
    if tonumber(f[2]) <= tonumber(ARGV[1]) then
      give_back(k, 'expired', 'held')
      out[#out + 1] = {id, redis.call('HGETALL', KEYS[k])}
      redis.call('ZREM', KEYS[1], id)
    end
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
"""
)

# KEYS: the sale's hash of one card's orders (order id -> units).
# ARGV: [1] order id, [2] units, [3] the sale's per-buyer limit, [4] keep ms.
# Counts a paid order's units against the card that paid, unless the card
# would pass the limit; the same order again is counted once.
CARD_LUA = """
local mine = redis.call('HGET', KEYS[1], ARGV[1])
if mine then return {1, 0} end
local before = 0
for _, units in ipairs(redis.call('HVALS', KEYS[1])) do before = before + tonumber(units) end
if before + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return {0, before} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, before}
"""
