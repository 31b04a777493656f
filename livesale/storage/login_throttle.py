"""Login throttling in Redis: failures per account and per client address slow guessing down."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from livesale.config import AuthSettings
from livesale.domain.accounts import login_key
from livesale.domain.errors import LoginThrottled

logger = logging.getLogger(__name__)

# The first delay after the free failures; each further failure doubles it.
BASE_DELAY_SECONDS = 1.0
# Many people can share one address (NAT, a shop's wifi), so an address gets
# more free failures than one account before it is slowed down.
ADDRESS_FREE_FACTOR = 4
# Counters are forgotten after a quiet day, so old typos do not follow a user around.
MEMORY_SECONDS = 86_400
# One IPv6 host usually owns a whole /64, so it is counted as one address.
IPV6_PREFIX = 64
_PREFIX = "livesale:login"

# An attempt is counted when it starts, not when it fails: parallel guesses
# then cannot all slip through before the first failure is recorded. A success
# gives its count back (see _SUCCEED).
# KEYS: account counter, address counter.
# ARGV: now, account free failures, address free failures, base delay, max delay,
# memory seconds.
# Returns the seconds to wait ("0" = allowed, and this attempt is now counted).
_ATTEMPT = """
local now = tonumber(ARGV[1])
local base = tonumber(ARGV[4])
local max_delay = tonumber(ARGV[5])
local frees = {tonumber(ARGV[2]), tonumber(ARGV[3])}
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  if n >= frees[i] then
    local last = tonumber(redis.call('HGET', key, 't') or '0')
    local delay = math.min(max_delay, base * 2 ^ (n - frees[i]))
    wait = math.max(wait, last + delay - now)
  end
end
if wait > 0 then
  return tostring(wait)
end
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 't', ARGV[1])
  redis.call('EXPIRE', key, ARGV[6])
end
return '0'
"""

# KEYS: account counter, address counter. The account starts afresh; the
# address only gets back the one attempt that succeeded, so an attacker with
# an account of their own cannot wash their address clean.
_SUCCEED = """
redis.call('DEL', KEYS[1])
local n = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
if n > 0 then
  redis.call('HINCRBY', KEYS[2], 'n', -1)
end
return n
"""


class LoginThrottle:
    """Exponential back-off on login attempts, shared by every process through Redis."""

    def __init__(
        self, redis: Redis, settings: AuthSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self._settings = settings
        # Public so tests can move time forward instead of sleeping.
        self.clock = clock
        self._attempt: Any = redis.register_script(_ATTEMPT)
        self._succeed: Any = redis.register_script(_SUCCEED)

    async def begin(self, email: str, client_ip: str | None) -> None:
        """Count an attempt, or raise LoginThrottled if this account or address must wait.

        Call it before checking the password, so that even the right password
        is refused while the wait lasts and guessing cannot go faster.
        """
        free = self._settings.login_free_failures
        reply = await self._attempt(
            keys=[_account_key(email), _address_key(client_ip)],
            args=[
                repr(self.clock()),
                free,
                free * ADDRESS_FREE_FACTOR,
                BASE_DELAY_SECONDS,
                self._settings.login_max_delay_seconds,
                MEMORY_SECONDS,
            ],
        )
        wait = float(reply)
        if wait > 0:
            logger.info("login from %s throttled for %.1f s", address_group(client_ip), wait)
            raise LoginThrottled(
                "too many failed logins; wait before trying again",
                retry_after_seconds=max(1, math.ceil(wait)),
            )

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        """Clear the account's failures and give the address its attempt back."""
        await self._succeed(keys=[_account_key(email), _address_key(client_ip)], args=[])


def _account_key(email: str) -> str:
    # Hashed, so Redis holds no email addresses; case-folded like account lookups.
    digest = hashlib.sha256(login_key(email).encode("utf-8")).hexdigest()
    return f"{_PREFIX}:account:{digest}"


def _address_key(client_ip: str | None) -> str:
    return f"{_PREFIX}:address:{address_group(client_ip)}"


def address_group(client_ip: str | None) -> str:
    """The address whose failures an attempt from `client_ip` counts against."""
    if not client_ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)
