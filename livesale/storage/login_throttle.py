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

# An attempt is counted when it starts, not when it fails: parallel guesses
# then cannot all slip through before the first failure is recorded. A success
# gives its count back (see _SUCCEED).
# KEYS: pair (account on this address), address, account, known-address mark.
# ARGV: now, pair free failures, address free failures, account free failures,
# base delay, max delay, memory seconds, solved ("1": a challenge was solved, no wait).
# Returns the seconds to wait ("0" = allowed, and this attempt is now counted).
_ATTEMPT = """
local now = tonumber(ARGV[1])
local base = tonumber(ARGV[5])
local max_delay = tonumber(ARGV[6])
local function wait_for(key, free)
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  if n < free then
    return 0
  end
  local last = tonumber(redis.call('HGET', key, 't') or '0')
  return last + math.min(max_delay, base * 2 ^ (n - free)) - now
end
local wait = math.max(wait_for(KEYS[1], tonumber(ARGV[2])), wait_for(KEYS[2], tonumber(ARGV[3])))
if redis.call('EXISTS', KEYS[4]) == 0 then
  wait = math.max(wait, wait_for(KEYS[3], tonumber(ARGV[4])))
end
if wait > 0 and ARGV[8] ~= '1' then
  return tostring(wait)
end
for i = 1, 3 do
  redis.call('HINCRBY', KEYS[i], 'n', 1)
  redis.call('HSET', KEYS[i], 't', ARGV[1])
  redis.call('EXPIRE', KEYS[i], ARGV[7])
end
return '0'
"""

# KEYS: pair, address, account, known-address mark. ARGV: known-address seconds.
# The pair and the account start afresh and the address is known from now on;
# the address only gets back the one attempt that succeeded, so an attacker
# with an account of their own cannot wash their address clean.
_SUCCEED = """
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SET', KEYS[4], '1', 'EX', ARGV[1])
local n = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
if n > 0 then
  redis.call('HINCRBY', KEYS[2], 'n', -1)
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
        self._attempt: Any = redis.register_script(_ATTEMPT)
        self._succeed: Any = redis.register_script(_SUCCEED)
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
        reply = await self._attempt(
            keys=_keys(email, client_ip),
            args=[
                repr(self.clock()),
                free,
                free * ADDRESS_FREE_FACTOR,
                self._settings.login_account_free_failures,
                BASE_DELAY_SECONDS,
                self._settings.login_max_delay_seconds,
                MEMORY_SECONDS,
                1 if solved else 0,
            ],
        )
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
        await self._succeed(keys=_keys(email, client_ip), args=[KNOWN_ADDRESS_SECONDS])

    async def begin_sign_up(self, client_ip: str | None) -> None:
        """Count a sign-up from this address, or raise TooManyRequests (429) past the limit."""
        await self._limiter.check(
            f"signup:{address_key(client_ip)}",
            self._settings.signups_per_address,
            self._settings.signup_window_seconds,
            "sign-ups from this address",
        )


def _keys(email: str, client_ip: str | None) -> list[str]:
    # The account hashed, so Redis holds no email addresses; case-folded like account lookups.
    account = hashlib.sha256(login_key(email).encode("utf-8")).hexdigest()
    address = address_key(client_ip)
    return [
        f"{_PREFIX}:pair:{account}:{address}",
        f"{_PREFIX}:address:{address}",
        f"{_PREFIX}:account:{account}",
        f"{_PREFIX}:known:{account}:{address}",
    ]
