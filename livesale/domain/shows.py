"""Shows: identity, lifecycle states and stream-key handling (pure, no I/O)."""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.categories import DEFAULT_CATEGORY
from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import KEEP, Keep, check_visible_text

MAX_TITLE_LENGTH = 200
MAX_BAG_SIZE = 100
MAX_SCHEDULE_AHEAD_SECONDS = 366 * 86_400
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
    creator_id: str | None = None
    cover_image_id: str | None = None
    scheduled_at: float | None = None
    record: bool = True  # record the broadcast for a replay
    replay_flash_sales: bool = False  # flash-sale prices also apply in the replay
    category: str = DEFAULT_CATEGORY
    tags: tuple[str, ...] = ()

    def offset_ms(self, now: float) -> int:
        """Milliseconds since the show went live (0 before it did)."""
        if self.live_at is None:
            return 0
        return max(0, round((now - self.live_at) * 1000))


@dataclass(frozen=True, slots=True)
class ShowDraft:
    """A new show as its creator asks for it; the start's window and the cover and bag's
    owners are checked when it is created."""

    title: str
    scheduled_at: float | None = None
    cover_image_id: str | None = None
    product_ids: tuple[str, ...] = ()
    category: str = DEFAULT_CATEGORY
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShowEdit:
    """The changes a creator asks of a show; KEEP leaves a field as it is."""

    title: str | Keep = KEEP
    scheduled_at: float | Keep | None = KEEP
    cover_image_id: str | Keep | None = KEEP
    record: bool | Keep = KEEP
    replay_flash_sales: bool | Keep = KEEP
    category: str | Keep = KEEP
    tags: tuple[str, ...] | Keep = KEEP


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
    """Strip `title`, check its length and that every character shows; ValidationFailed else."""
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= MAX_TITLE_LENGTH:
        raise ValidationFailed(
            f"a show title must be 1 to {MAX_TITLE_LENGTH} characters",
            field="title",
            reason="too_long" if cleaned else "required",
            max=MAX_TITLE_LENGTH,
            length=len(cleaned),
        )
    check_visible_text(cleaned, "title")
    return cleaned


def validate_scheduled_at(value: float | None, now: float) -> float | None:
    """A scheduled start as epoch seconds: None, or a time from a day ago to a year ahead."""
    if value is None:
        return None
    earliest, latest = now - 86_400, now + MAX_SCHEDULE_AHEAD_SECONDS
    if not earliest <= value <= latest:
        raise ValidationFailed(
            "scheduled_at must be within a year from now",
            field="scheduled_at",
            reason="too_early" if value < earliest else "too_late",
            min_at=earliest,
            max_at=latest,
        )
    return float(value)


def validate_bag(product_ids: Sequence[str]) -> tuple[str, ...]:
    """A show's bag: distinct product ids, at most MAX_BAG_SIZE."""
    if len(product_ids) > MAX_BAG_SIZE:
        raise ValidationFailed(
            f"a show holds at most {MAX_BAG_SIZE} products",
            field="product_ids",
            reason="too_many",
            max=MAX_BAG_SIZE,
        )
    if len(set(product_ids)) != len(product_ids):
        raise ValidationFailed(
            "a product is in the list twice", field="product_ids", reason="duplicate"
        )
    return tuple(product_ids)
