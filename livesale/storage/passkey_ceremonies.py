"""WebAuthn ceremonies in Redis: each challenge is single-use and expires.

A registration or sign-in starts by handing the browser a random challenge;
the answer must come back within `auth.passkey_ceremony_seconds`, once. The
challenge is kept under a random ceremony id (GETDEL takes it out as it is
read), so any shop process can finish what another began.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

from livesale.domain.errors import PasskeyRejected

Purpose = Literal["register", "sign_in"]
_PREFIX = "livesale:passkey:ceremony"
CEREMONY_BYTES = 16


@dataclass(frozen=True)
class Ceremony:
    """A ceremony taken back: its challenge and, for a registration, whose passkey it makes."""

    challenge: bytes
    owner_kind: str | None
    owner_id: str | None


class PasskeyCeremonies:
    """Starts and finishes registration and sign-in ceremonies (single-use, expiring)."""

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    async def begin(
        self,
        purpose: Purpose,
        challenge: bytes,
        owner_kind: str | None = None,
        owner_id: str | None = None,
    ) -> str:
        """Remember `challenge` for one answer; returns the ceremony id to send back with it."""
        ceremony_id = secrets.token_urlsafe(CEREMONY_BYTES)
        record = {
            "purpose": purpose,
            "challenge": challenge.hex(),
            "owner_kind": owner_kind,
            "owner_id": owner_id,
        }
        await self._redis.set(_key(ceremony_id), json.dumps(record), ex=self._ttl)
        return ceremony_id

    async def finish(self, ceremony_id: object, purpose: Purpose) -> Ceremony:
        """The ceremony, taken out for good; PasskeyRejected if unknown, used, expired or other."""
        if not isinstance(ceremony_id, str) or not 1 <= len(ceremony_id) <= 64:
            raise PasskeyRejected("the passkey request is malformed", reason="malformed")
        raw: Any = await self._redis.getdel(_key(ceremony_id))
        if raw is None:
            raise PasskeyRejected(
                "this passkey request expired or was used; start again", reason="expired"
            )
        record = json.loads(raw)
        if record["purpose"] != purpose:
            raise PasskeyRejected("this passkey request is for something else", reason="malformed")
        return Ceremony(
            bytes.fromhex(record["challenge"]), record["owner_kind"], record["owner_id"]
        )


def _key(ceremony_id: str) -> str:
    # One key per ceremony, no script: nothing here spans two keys on a cluster.
    return f"{_PREFIX}:{ceremony_id}"
