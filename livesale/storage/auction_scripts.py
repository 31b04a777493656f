"""The Lua scripts of an auction; each runs atomically inside Redis on Redis's own clock.

Every key a script touches is in KEYS, and all of one auction's keys share the
seller's hash tag (`livesale:creator:{<creator_id>}:auction:<id>...`), so an
auction lives on one Redis Cluster slot. The scripts read the time with Redis
`TIME`, never from the caller: every process and node agrees on the clock.
The rules are those of livesale.domain.auctions.AuctionModel.
"""

from __future__ import annotations

# The clock and the increment table, shared by the scripts below.
_COMMON_LUA = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function step_at(table_text, price)
  local sep = string.find(table_text, ';', 1, true)
  for below, step in string.gmatch(string.sub(table_text, 1, sep - 1), '(%d+):(%d+)') do
    if price < tonumber(below) then return tonumber(step) end
  end
  return tonumber(string.sub(table_text, sep + 1))
end
local function lowest_bid(price, leader, inc)
  if leader == '' then return price end
  return price + step_at(inc, price)
end
"""

# KEYS: [1] auction hash, [2] bidder -> highest maximum.
# ARGV: [1] bidder id, [2] amount (minor units), [3] bidder's display name (kept as
#       `leader_name` while they lead),
#       [4] '1' for a private maximum (proxy bid), '0' for a plain bid.
# Returns {outcome, price, leader, ends ms, now ms, extended 0/1, lowest next bid, bids,
#   displaced}: `displaced` (accepted bids only; '' otherwise) is the leader this bid took
#   the lead from.
# Outcome 'closed' with an end in the past tells the caller to run CLOSE_LUA.
BID_LUA = (
    _COMMON_LUA
    + """
local now = now_ms()
local a = redis.call('HMGET', KEYS[1], 'status', 'price', 'leader', 'leader_max', 'ends',
  'starts', 'counter_ms', 'sudden', 'inc', 'bids')
if not a[1] then return {'not_found', 0, '', 0, now, 0, 0, 0} end
local price = tonumber(a[2])
local leader = a[3]
local lmax = tonumber(a[4])
local ends = tonumber(a[5])
local inc = a[9]
local bids = tonumber(a[10])
local bidder = ARGV[1]
local amount = tonumber(ARGV[2])
local lowest = lowest_bid(price, leader, inc)
if bidder == leader then lowest = lmax + 1 end
if a[1] ~= 'open' or now >= ends then
  return {'closed', price, leader, ends, now, 0, lowest, bids}
end
if amount < lowest then return {'too_low', price, leader, ends, now, 0, lowest, bids} end
local is_max = ARGV[4] == '1'
local outcome = 'leading'
local displaced = ''
if leader == '' then
  leader = bidder
  lmax = amount
  if not is_max then price = amount end
elseif bidder == leader then
  lmax = math.max(lmax, amount)
  if not is_max then price = math.max(price, amount) end
elseif amount > lmax then
  if is_max then price = math.min(amount, lmax + step_at(inc, lmax)) else price = amount end
  displaced = leader
  leader = bidder
  lmax = amount
else
  outcome = 'outbid'
  price = math.min(lmax, amount + step_at(inc, amount))
end
bids = bids + 1
local extended = 0
local counter = tonumber(a[7])
if now >= tonumber(a[6]) and a[8] ~= '1' and ends - now < counter then
  ends = now + counter
  extended = 1
end
redis.call('HSET', KEYS[1], 'price', price, 'leader', leader, 'leader_max', lmax,
  'ends', ends, 'bids', bids)
if leader == bidder then redis.call('HSET', KEYS[1], 'leader_name', ARGV[3]) end
local mine = tonumber(redis.call('HGET', KEYS[2], bidder) or '0')
if amount > mine then redis.call('HSET', KEYS[2], bidder, amount) end
return {outcome, price, leader, ends, now, extended, lowest_bid(price, leader, inc), bids,
  displaced}
"""
)

# KEYS: [1] auction hash. Closes an open auction whose end has passed, once.
# Returns {'closed', price, leader, now} to the one call that closed it,
# {'already', status}, {'open', ends, now} before the end, or {'not_found'}.
CLOSE_LUA = (
    _COMMON_LUA
    + """
local now = now_ms()
local a = redis.call('HMGET', KEYS[1], 'status', 'price', 'leader', 'ends')
if not a[1] then return {'not_found'} end
if a[1] ~= 'open' then return {'already', a[1]} end
if now < tonumber(a[4]) then return {'open', tonumber(a[4]), now} end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_ms', now)
return {'closed', tonumber(a[2]), a[3], now}
"""
)

# KEYS: [1] auction hash. Cancels an open auction that has no bid yet.
# Returns 'canceled', 'has_bids', 'not_open' or 'not_found'.
CANCEL_LUA = """
local a = redis.call('HMGET', KEYS[1], 'status', 'bids')
if not a[1] then return 'not_found' end
if a[1] ~= 'open' then return 'not_open' end
if tonumber(a[2]) > 0 then return 'has_bids' end
redis.call('HSET', KEYS[1], 'status', 'canceled')
return 'canceled'
"""

# KEYS: [1] auction hash. ARGV: [1] bidder, [2] price, [3] checkout id, [4] the bidder
# it must replace ('' for the first offer). Records who is offered the unit, once per
# offer: a second process that computed the same offer gets 0 and does nothing.
OFFER_LUA = """
local current = redis.call('HGET', KEYS[1], 'buyer') or ''
if current ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'buyer', ARGV[1], 'buyer_price', ARGV[2], 'checkout', ARGV[3])
return 1
"""

# KEYS: [1] auction hash. ARGV: field-value pairs. Creates the auction with its start
# and end on Redis's clock: ARGV's `starts` and `ends` are offsets (ms) from now.
CREATE_LUA = (
    _COMMON_LUA
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = now_ms()
redis.call('HSET', KEYS[1], unpack(ARGV))
local starts = now + tonumber(redis.call('HGET', KEYS[1], 'starts'))
local ends = now + tonumber(redis.call('HGET', KEYS[1], 'ends'))
redis.call('HSET', KEYS[1], 'starts', starts, 'ends', ends, 'created_ms', now)
return now
"""
)
