"""Shows: identity, lifecycle states and stream-key handling (pure, no I/O)."""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import BadRequest

MAX_TITLE_LENGTH = 200
SHOW_ID_LENGTH = 12
# Letters and digits only: ids sit in URL paths and are read aloud or copied by hand.
_ID_ALPHABET = string.ascii_letters + string.digits


class ShowStatus(StrEnum):
    """Where a show is in its life: it only moves forward."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


@dataclass(frozen=True)
class Show:
    """One live show as stored; the stream key is never part of it."""

    id: str
    title: str
    status: ShowStatus
    created_at: float
    live_at: float | None
    ended_at: float | None


def new_show_id() -> str:
    """A short, URL-safe random show id (~71 bits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(SHOW_ID_LENGTH))


def new_stream_key() -> str:
    """A fresh 256-bit stream key, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_stream_key(key: str) -> str:
    """The stored form of a stream key.

    Plain SHA-256 is enough: keys are 256-bit random values, so there is
    nothing for a slow password KDF to protect against guessing.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def validate_title(title: str) -> str:
    """Strip `title` and check its length, raising BadRequest otherwise."""
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= MAX_TITLE_LENGTH:
        raise BadRequest(
            f"a show title must be 1 to {MAX_TITLE_LENGTH} characters",
            field="title",
            length=len(cleaned),
        )
    return cleaned
