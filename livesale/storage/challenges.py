"""Proof-of-work challenges (ALTCHA v2, PBKDF2/SHA-256): issued, checked, and used once.

A challenge is signed with a secret every process shares through Redis, so
no state is kept per challenge until it is solved. The server draws a secret
counter below `auth.challenge_max_number` and publishes half the key that
counter derives; the browser must try counters from 0 until it finds the
key, so its expected work is max_number / 2 derivations of `auth.challenge_cost`
PBKDF2 iterations, while checking a solution costs the server one HMAC. A
solved challenge is remembered in Redis until it expires, so it lets exactly
one request through, and it names its purpose, so a guest challenge cannot
pass a login.
"""

from __future__ import annotations

import binascii
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal

import altcha
from redis.asyncio import Redis

from livesale.config import AuthSettings
from livesale.domain.errors import ChallengeInvalid, ChallengeRequired
from livesale.domain.person import address_key
from livesale.metrics import CHALLENGES_FAILED, CHALLENGES_ISSUED, CHALLENGES_SOLVED
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.ttl_cache import TtlCache

logger = logging.getLogger(__name__)

Purpose = Literal["guest", "login"]
PURPOSES: tuple[Purpose, ...] = ("guest", "login")
ALGORITHM = "PBKDF2/SHA-256"
_PREFIX = "livesale:challenge"
# A real payload is under 1 KB; anything much longer is junk not worth decoding.
MAX_PAYLOAD_CHARS = 4096
# A solved challenge is remembered a little past its expiry, so clock skew
# between processes cannot reopen it.
USED_MARGIN_SECONDS = 60
SECRET_CACHE_SECONDS = 60.0


class Challenges:
    """Issue challenges per purpose and accept each solution once."""

    def __init__(
        self, redis: Redis, settings: AuthSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        self._settings = settings
        # Public so tests can move time forward instead of sleeping.
        self.clock = clock
        self._limiter = RateLimiter(redis)
        # Read again now and then: if Redis lost the secret (a flush), every
        # process soon signs with the same new one.
        self._secrets: TtlCache[str, tuple[bytes, bytes]] = TtlCache(SECRET_CACHE_SECONDS)

    async def issue(self, purpose: Purpose, client_ip: str | None) -> dict[str, Any]:
        """A fresh signed challenge (ALTCHA's JSON); TooManyRequests past the address's rate."""
        await self._limiter.check(
            f"challenge:{address_key(client_ip)}",
            self._settings.challenges_per_address_per_minute,
            60.0,
            "challenges from this address",
        )
        signing, key_signing = await self._keys()
        challenge = altcha.create_challenge(
            ALGORITHM,
            self._settings.challenge_cost,
            counter=secrets.randbelow(self._settings.challenge_max_number),
            expires_at=int(self.clock()) + self._settings.challenge_ttl_seconds,
            data={"purpose": purpose},
            hmac_secret=signing,
            hmac_key_secret=key_signing,
        )
        CHALLENGES_ISSUED.labels(purpose=purpose).inc()
        result: dict[str, Any] = challenge.to_dict()
        return result

    async def required(
        self, purpose: Purpose, client_ip: str | None, message: str, **details: Any
    ) -> ChallengeRequired:
        """The challenge_required error to raise, carrying a fresh challenge to solve."""
        return ChallengeRequired(
            message,
            purpose=purpose,
            challenge=await self.issue(purpose, client_ip),
            challenge_url=f"/api/challenge?purpose={purpose}",
            **details,
        )

    async def accept(self, purpose: Purpose, payload: object) -> None:
        """Use up a solution, or raise ChallengeInvalid (wrong, expired, reused, other purpose)."""
        parsed = _parse(payload)
        if parsed is None:
            raise self._failed(purpose, "malformed")
        signing, key_signing = await self._keys()
        try:
            result = altcha.verify_solution(parsed, signing, hmac_key_secret=key_signing)
        except (TypeError, ValueError, OverflowError):  # odd types in an unsigned payload
            raise self._failed(purpose, "malformed") from None
        if result.expired:
            raise self._failed(purpose, "expired")
        if result.invalid_signature:
            raise self._failed(purpose, "bad_signature")
        data = parsed.challenge.parameters.data
        if not isinstance(data, dict) or data.get("purpose") != purpose:
            raise self._failed(purpose, "wrong_purpose")
        if not result.verified:
            raise self._failed(purpose, "wrong_solution")
        # Signed by us, so the expiry is a number we wrote.
        expires_at = float(parsed.challenge.parameters.expires_at or 0)
        remember = max(1, int(expires_at - self.clock()) + USED_MARGIN_SECONDS)
        first_use = await self._redis.set(
            f"{_PREFIX}:used:{parsed.challenge.signature}", "1", ex=remember, nx=True
        )
        if not first_use:
            raise self._failed(purpose, "reused")
        CHALLENGES_SOLVED.labels(purpose=purpose).inc()

    def _failed(self, purpose: Purpose, reason: str) -> ChallengeInvalid:
        CHALLENGES_FAILED.labels(purpose=purpose, reason=reason).inc()
        return ChallengeInvalid(
            "the challenge solution is not valid; get a new challenge",
            reason=reason,
            challenge_url=f"/api/challenge?purpose={purpose}",
        )

    async def _keys(self) -> tuple[bytes, bytes]:
        """The signing secrets: one random secret in Redis, shared by every process."""
        return await self._secrets.get("secret", self._load_keys)

    async def _load_keys(self) -> tuple[bytes, bytes]:
        key = f"{_PREFIX}:secret"
        await self._redis.set(key, secrets.token_hex(32), nx=True)
        stored = await self._redis.get(key)
        if stored is None:  # only if an operator deleted it this very moment
            raise RuntimeError("the challenge secret vanished from Redis")
        root = bytes(stored) if isinstance(stored, bytes) else str(stored).encode()
        # Two secrets from one: the challenge's and the derived key's signatures.
        return root + b":challenge", root + b":key"


def _parse(payload: object) -> altcha.Payload | None:
    """The ALTCHA payload (base64 JSON) a client sent, or None if it is not one."""
    if not isinstance(payload, str) or not 0 < len(payload) <= MAX_PAYLOAD_CHARS:
        return None
    try:
        decoded = json.loads(binascii.a2b_base64(payload.encode("ascii")))
        parsed = altcha.Payload.from_dict(decoded)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if not isinstance(parsed.challenge.signature, str):
        return None
    return parsed
