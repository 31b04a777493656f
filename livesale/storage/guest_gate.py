"""The cost of a guest identity: creations per address each hour, a challenge past the free ones.

Counted in Redis per normalised address (an IPv6 /64 counts as one), so the
limit holds across shop processes. A rename of an existing guest is not a
creation and is never counted.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from redis.asyncio import Redis

from livesale.config import AuthSettings
from livesale.domain.errors import ChallengeInvalid, TooManyRequests
from livesale.domain.person import address_key
from livesale.metrics import GUEST_CREATIONS, GUEST_CREATIONS_REFUSED
from livesale.storage.challenges import Challenges

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
_PREFIX = "livesale:guests"

# Check and count in one step, so parallel requests cannot all slip under a limit.
# KEYS: the address's counter. ARGV: window in ms, free creations, limit, solved (1/0).
# Returns {"ok" | "challenge" | "limit", ms until the window ends}.
_ADMIT = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[3]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
  end
  return {'limit', left}
end
if n >= tonumber(ARGV[2]) and ARGV[4] ~= '1' then
  return {'challenge', 0}
end
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {'ok', 0}
"""


class GuestGate:
    """Admits a guest creation, asks for a challenge, or refuses it past the hourly limit."""

    def __init__(self, redis: Redis, settings: AuthSettings, challenges: Challenges) -> None:
        self._settings = settings
        self._challenges = challenges
        self._admit: Any = redis.register_script(_ADMIT)

    async def admit(self, client_ip: str | None, solution: object = None) -> None:
        """Count a creation, or raise ChallengeRequired / ChallengeInvalid / TooManyRequests.

        A `solution` (the ALTCHA payload, if the client sent one) is checked and
        used up first; without one, only the free creations of the hour pass.
        """
        solved = False
        if solution is not None:
            try:
                await self._challenges.accept("guest", solution)
            except ChallengeInvalid:
                GUEST_CREATIONS_REFUSED.labels(reason="challenge_invalid").inc()
                raise
            solved = True
        address = address_key(client_ip)
        limit = self._settings.guest_creations_per_address_per_hour
        verdict, left_ms = await self._admit(
            keys=[f"{_PREFIX}:{address}"],
            args=[
                WINDOW_SECONDS * 1000,
                self._settings.guest_free_creations_per_address_per_hour,
                limit,
                1 if solved else 0,
            ],
        )
        verdict = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
        if verdict == "limit":
            GUEST_CREATIONS_REFUSED.labels(reason="rate_limited").inc()
            logger.info("guest creation from %s refused: %d this hour", address, limit)
            wait = max(1, math.ceil(int(left_ms) / 1000))
            raise TooManyRequests(
                f"too many guest identities from this address; try again in {wait} s",
                retry_after_seconds=wait,
                limit=limit,
                window_seconds=WINDOW_SECONDS,
            )
        if verdict == "challenge":
            try:
                required = await self._challenges.required(
                    "guest", client_ip, "this address made many guests: solve the challenge first"
                )
            except TooManyRequests:  # even challenges are handed out too fast from here
                GUEST_CREATIONS_REFUSED.labels(reason="rate_limited").inc()
                raise
            GUEST_CREATIONS_REFUSED.labels(reason="challenge_required").inc()
            raise required
        GUEST_CREATIONS.inc()
