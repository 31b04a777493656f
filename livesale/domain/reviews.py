"""Reviews from verified buyers: who may write one, what it holds, how lists page (pure)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from livesale.domain.errors import ReviewNotAllowed, ValidationFailed
from livesale.domain.orders import Order, OrderStatus, clean_text
from livesale.domain.products import is_valid_id

MAX_PHOTOS = 3
MAX_PAGE_SIZE = 50


class ReviewState(StrEnum):
    """Where a review stands with the shop: shown, hidden after a report, or removed."""

    PUBLISHED = "published"
    REPORTED = "reported"  # hidden from others until the creator or a moderator decides
    REMOVED = "removed"


class ReviewSort(StrEnum):
    """The orders a product's review list comes in."""

    NEWEST = "newest"
    HELPFUL = "helpful"
    PHOTOS = "photos"  # newest first, only reviews with photos


@dataclass(frozen=True, slots=True)
class Rating:
    """The stars of a product's (or a shop's) shown reviews: how many, and their sum."""

    count: int
    total: int

    @property
    def average(self) -> float | None:
        """The mean stars to one decimal, or None without reviews."""
        return None if self.count == 0 else round(self.total / self.count, 1)


NO_RATING = Rating(0, 0)


@dataclass(frozen=True, slots=True)
class Reply:
    """The creator's one reply to a review (editable)."""

    text: str
    at: float
    edited_at: float | None


@dataclass(frozen=True, slots=True)
class Review:
    """A review as stored, with whether its order line was refunded since."""

    id: str
    order_id: str
    position: int
    product_id: str
    product_title: str  # as the order line has it (the title when it was bought)
    creator_id: str
    viewer_id: str
    author_name: str
    stars: int
    text: str
    photo_ids: tuple[str, ...]
    state: ReviewState
    helpful_count: int
    reply: Reply | None
    created_at: float
    edited_at: float | None
    refunded: bool

    @property
    def shown(self) -> bool:
        """Whether everyone sees it: published, and its line still bought."""
        return self.state is ReviewState.PUBLISHED and not self.refunded


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    """What a buyer writes: stars, text, photos (ids of photos uploaded for the line)."""

    stars: int
    text: str
    photo_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewEdit:
    """The fields an edit changes (None: keep)."""

    stars: int | None
    text: str | None
    photo_ids: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class ListCursor:
    """Where the next page starts: after the review with this sort key."""

    helpful: int
    created_at: float
    review_id: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """One page of reviews, and the cursor of the next (None at the end)."""

    reviews: list[Review]
    next_cursor: ListCursor | None


@dataclass(frozen=True, slots=True)
class BoughtLine:
    """An order line of one product a viewer ordered, and their review of it (if any)."""

    order_id: str
    position: int
    status: OrderStatus
    refunded: bool
    review_id: str | None

    @property
    def reviewable(self) -> bool:
        """Paid or sent, and not refunded."""
        sold = self.status in (OrderStatus.PAID, OrderStatus.FULFILLED)
        return sold and not self.refunded


def reviewable_lines(lines: list[BoughtLine]) -> list[BoughtLine]:
    """The lines the viewer may review (or has), else ReviewNotAllowed saying why not."""
    usable = [line for line in lines if line.reviewable]
    if usable:
        return usable
    if not lines:
        reason = "not_bought"
    elif any(line.refunded or line.status is OrderStatus.REFUNDED for line in lines):
        reason = "refunded"
    else:
        reason = "not_paid"
    raise ReviewNotAllowed(_REFUSALS[reason], reason=reason)


def refusal(order: Order | None, position: int, viewer_id: str) -> str | None:
    """Why this viewer may not review this order line (None: they may)."""
    if order is None or order.viewer_id != viewer_id or not 0 <= position < len(order.lines):
        return "not_bought"
    if order.status is OrderStatus.REFUNDED or order.lines[position].refunded:
        return "refunded"
    if order.status not in (OrderStatus.PAID, OrderStatus.FULFILLED):
        return "not_paid"
    return None


_REFUSALS = {
    "not_bought": "only a buyer of this product may review it",
    "not_paid": "the order is not paid yet; review it once it is",
    "refunded": "this item was refunded, so it cannot be reviewed",
}


def require_allowed(order: Order | None, position: int, viewer_id: str) -> Order:
    """The order when this viewer may review its line, else ReviewNotAllowed saying why."""
    reason = refusal(order, position, viewer_id)
    if reason is not None:
        raise ReviewNotAllowed(_REFUSALS[reason], reason=reason)
    assert order is not None
    return order


def parse_stars(value: object) -> int:
    """1 to 5 whole stars."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationFailed(
            "stars must be a whole number from 1 to 5", field="stars", reason="bad_format"
        )
    return value


def parse_text(value: object, field: str, min_length: int, max_length: int) -> str:
    """Trimmed text of min..max characters, without control characters (newlines allowed)."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text", field=field, reason="bad_format")
    # Paragraphs are fine in a review; other control characters are not.
    lines = [
        clean_text(line, field, required=False, limit=max_length) for line in value.split("\n")
    ]
    text = "\n".join(lines).strip()
    if len(text) > max_length:
        raise ValidationFailed(
            f"{field} must be at most {max_length} characters",
            field=field,
            reason="too_long",
            max=max_length,
        )
    if len(text) < min_length:
        raise ValidationFailed(
            f"{field} must be at least {min_length} characters",
            field=field,
            reason="too_short" if text else "required",
            min=min_length,
        )
    return text


def parse_photo_ids(value: object) -> tuple[str, ...]:
    """Up to three distinct image ids."""
    if not isinstance(value, list) or not all(isinstance(v, str) and is_valid_id(v) for v in value):
        raise ValidationFailed(
            "photo_ids must be a list of image ids", field="photo_ids", reason="bad_format"
        )
    if len(value) > MAX_PHOTOS or len(set(value)) != len(value):
        raise ValidationFailed(
            f"at most {MAX_PHOTOS} different photos",
            field="photo_ids",
            reason="too_many",
            max=MAX_PHOTOS,
        )
    return tuple(value)


def encode_cursor(cursor: ListCursor) -> str:
    """The opaque `cursor` a client sends back for the next page."""
    raw = json.dumps([cursor.helpful, cursor.created_at, cursor.review_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> ListCursor:
    """A cursor this server handed out, or ValidationFailed."""
    try:
        raw: Any = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        helpful, created_at, review_id = raw
        numbers = isinstance(helpful, int) and isinstance(created_at, float | int)
        if numbers and isinstance(review_id, str):
            return ListCursor(helpful, float(created_at), review_id)
    except (ValueError, TypeError, binascii.Error):
        pass
    raise ValidationFailed(
        "cursor is not one this server gave", field="cursor", reason="bad_format"
    )
