"""Login throttling and the sign-up limit in Redis, shared by every process.

Failures are counted per account *and* address: once the pair an attacker
hammers has used `auth.login_free_failures` (its address across accounts: 4x
as many), each further attempt from there must either wait (1 s, 2 s, 4 s ...)
or carry a solved proof-of-work challenge, which lets that one attempt
through; neither touches the account's owner on another address. So that
many addresses together (a botnet) cannot guess for free, the account has a
high ceiling of its own (`auth.login_account_free_failures`); past it,
attempts from addresses the owner never logged in from need the same wait or
challenge, while an address that logged in to the account before keeps its
way in. Nobody is ever locked out: a person solves the challenge in a second.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from livesale.config import AuthSettings
from livesale.domain.accounts import login_key
from livesale.domain.person import address_key
from livesale.storage.challenges import Challenges
from livesale.storage.rate_limits import RateLimiter

logger = logging.getLogger(__name__)

# The first delay after the free failures; each further failure doubles it.
BASE_DELAY_SECONDS = 1.0
# Many people can share one address (NAT, a shop's wifi), so an address gets
# more free failures across accounts than one account on it.
ADDRESS_FREE_FACTOR = 4
# Counters are forgotten after a quiet day, so old typos do not follow a user around.
MEMORY_SECONDS = 86_400
# An address the account logged in from stays known this long after the last login.
KNOWN_ADDRESS_SECONDS = 30 * 86_400
_PREFIX = "livesale:login"

# Each script touches one Redis Cluster slot: the account's keys (the account
# on this address, the account, the address's known-mark) share the account's
# tag; the address's counter is a script of its own.
_WAIT_FOR = """
local function wait_for(key, free, now, base, max_delay)
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  if n < free then
    return 0
  end
  local last = tonumber(redis.call('HGET', key, 't') or '0')
  return last + math.min(max_delay, base * 2 ^ (n - free)) - now
end
local function count(key, now, memory)
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 't', now)
  redis.call('EXPIRE', key, memory)
end
"""

# An attempt is counted when it starts, not when it fails: parallel guesses
# then cannot all slip through before the first failure is recorded. A success
# gives its count back (see _SUCCEED_ACCOUNT and _SUCCEED_ADDRESS).
# KEYS: address. ARGV: now, address free failures, base delay, max delay,
# memory seconds, solved ("1": a challenge was solved, no wait).
# Returns {seconds to wait, the address's last attempt before this one}; a
# wait of 0 (or a solved challenge) counts the attempt against the address.
_ATTEMPT_ADDRESS = (
    _WAIT_FOR
    + """
local before = redis.call('HGET', KEYS[1], 't') or ''
local wait = wait_for(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[1]), tonumber(ARGV[3]),
  tonumber(ARGV[4]))
if wait <= 0 or ARGV[6] == '1' then count(KEYS[1], ARGV[1], ARGV[5]) end
return {tostring(wait), before}
"""
)

# KEYS: pair (account on this address), account, known-address mark.
# ARGV: now, pair free failures, account free failures, base delay, max delay,
# memory seconds, solved, the address's wait (from _ATTEMPT_ADDRESS).
# Returns the seconds to wait ("0" = allowed, and this attempt is now counted).
_ATTEMPT_ACCOUNT = (
    _WAIT_FOR
    + """
local now, base, max_delay = tonumber(ARGV[1]), tonumber(ARGV[4]), tonumber(ARGV[5])
local wait = math.max(tonumber(ARGV[8]), wait_for(KEYS[1], tonumber(ARGV[2]), now, base, max_delay))
if redis.call('EXISTS', KEYS[3]) == 0 then
  wait = math.max(wait, wait_for(KEYS[2], tonumber(ARGV[3]), now, base, max_delay))
end
if wait > 0 and ARGV[7] ~= '1' then
  return tostring(wait)
end
count(KEYS[1], ARGV[1], ARGV[6])
count(KEYS[2], ARGV[1], ARGV[6])
return '0'
"""
)

# KEYS: address. ARGV: the last attempt before the one given back ('' = none).
# Gives back an attempt the address counted but the account refused.
_UNCOUNT_ADDRESS = """
if redis.call('HINCRBY', KEYS[1], 'n', -1) <= 0 then redis.call('HDEL', KEYS[1], 'n') end
if ARGV[1] == '' then
  redis.call('HDEL', KEYS[1], 't')
else
  redis.call('HSET', KEYS[1], 't', ARGV[1])
end
return 0
"""

# KEYS: pair, account, known-address mark. ARGV: known-address seconds.
# The pair and the account start afresh and the address is known from now on.
_SUCCEED_ACCOUNT = """
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[1])
return 0
"""

# KEYS: address. The address only gets back the one attempt that succeeded, so
# an attacker with an account of their own cannot wash their address clean.
_SUCCEED_ADDRESS = """
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n > 0 then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
end
return n
"""


class LoginThrottle:
    """Back-off or a challenge on login attempts, and a cap on sign-ups, per address."""

    def __init__(
        self,
        redis: Redis,
        settings: AuthSettings,
        challenges: Challenges,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._challenges = challenges
        # Public so tests can move time forward instead of sleeping.
        self.clock = clock
        self._attempt_address: Any = redis.register_script(_ATTEMPT_ADDRESS)
        self._attempt_account: Any = redis.register_script(_ATTEMPT_ACCOUNT)
        self._uncount_address: Any = redis.register_script(_UNCOUNT_ADDRESS)
        self._succeed_account: Any = redis.register_script(_SUCCEED_ACCOUNT)
        self._succeed_address: Any = redis.register_script(_SUCCEED_ADDRESS)
        self._limiter = RateLimiter(redis)

    async def begin(self, email: str, client_ip: str | None, solution: object = None) -> None:
        """Count an attempt, or raise ChallengeRequired if this account or address must wait.

        Call it before checking the password, so that even the right password
        is refused while the wait lasts and guessing cannot go faster. A
        `solution` (a solved login challenge) is used up and lets this one
        attempt through without the wait; a wrong one raises ChallengeInvalid.
        """
        solved = False
        if solution is not None:
            await self._challenges.accept("login", solution)
            solved = True
        free = self._settings.login_free_failures
        now = repr(self.clock())
        keys = _keys(email, client_ip)
        address_wait, before = await self._attempt_address(
            keys=[keys.address],
            args=[
                now,
                free * ADDRESS_FREE_FACTOR,
                BASE_DELAY_SECONDS,
                self._settings.login_max_delay_seconds,
                MEMORY_SECONDS,
                1 if solved else 0,
            ],
        )
        reply = await self._attempt_account(
            keys=[keys.pair, keys.account, keys.known],
            args=[
                now,
                free,
                self._settings.login_account_free_failures,
                BASE_DELAY_SECONDS,
                self._settings.login_max_delay_seconds,
                MEMORY_SECONDS,
                1 if solved else 0,
                address_wait,
            ],
        )
        if float(reply) > 0 and float(address_wait) <= 0:
            # The address counted an attempt the account refused: give it back. Until
            # then a parallel attempt sees one more (stricter, never looser).
            await self._uncount_address(keys=[keys.address], args=[before])
        wait = float(reply)
        if wait > 0:
            logger.info("login from %s throttled for %.1f s", address_key(client_ip), wait)
            raise await self._challenges.required(
                "login",
                client_ip,
                "too many failed logins; solve the challenge or wait before trying again",
                retry_after_seconds=max(1, math.ceil(wait)),
            )

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        """Clear the account's failures, remember the address, give it its attempt back."""
        keys = _keys(email, client_ip)
        await self._succeed_account(
            keys=[keys.pair, keys.account, keys.known], args=[KNOWN_ADDRESS_SECONDS]
        )
        await self._succeed_address(keys=[keys.address])

    async def begin_sign_up(self, client_ip: str | None) -> None:
        """Count a sign-up from this address, or raise TooManyRequests (429) past the limit."""
        await self._limiter.check(
            f"signup:{address_key(client_ip)}",
            self._settings.signups_per_address,
            self._settings.signup_window_seconds,
            "sign-ups from this address",
        )


@dataclass(frozen=True)
class _Keys:
    """One login's keys: the account's three share its hash tag; the address's is apart."""

    pair: str
    account: str
    known: str
    address: str


def _keys(email: str, client_ip: str | None) -> _Keys:
    # The account hashed, so Redis holds no email addresses; case-folded like account lookups.
    account = hashlib.sha256(login_key(email).encode("utf-8")).hexdigest()
    address = address_key(client_ip)
    tag = f"{_PREFIX}:{{{account}}}"
    return _Keys(
        pair=f"{tag}:pair:{address}",
        account=f"{tag}:account",
        known=f"{tag}:known:{address}",
        address=f"{_PREFIX}:address:{address}",
    )
