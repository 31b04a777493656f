"""Request bodies and queries of the review endpoints, checked into domain values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livesale.config import ReviewSettings
from livesale.domain.errors import ValidationFailed
from livesale.domain.reviews import (
    MAX_PAGE_SIZE,
    ListCursor,
    ReviewDraft,
    ReviewEdit,
    ReviewSort,
    ReviewState,
    decode_cursor,
    parse_photo_ids,
    parse_stars,
    parse_text,
)
from livesale.web.query_numbers import whole_number

NEW_FIELDS = {"order_id", "line", "stars", "text", "photo_ids"}
EDIT_FIELDS = {"stars", "text", "photo_ids"}
DECISIONS = {"restore": ReviewState.PUBLISHED, "remove": ReviewState.REMOVED}


def parse_line(value: object) -> int:
    """An order line's position (0 is the first line)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(
            "line must be an order line's position (0 is the first)",
            field="line",
            reason="bad_format",
        )
    return value


def parse_line_query(raw: str | None) -> int:
    """The `line` query parameter: an order line's position."""
    return parse_line(int(raw) if raw is not None and raw.isdigit() else raw)


def parse_order_id(value: object) -> str:
    """An order id as text (whether it exists is the service's check)."""
    if not isinstance(value, str) or not value or len(value) > 64:
        raise ValidationFailed("order_id is required", field="order_id", reason="required")
    return value


def parse_new_review(
    body: dict[str, Any], settings: ReviewSettings
) -> tuple[str, int, ReviewDraft]:
    """A new review: the order line it is of, and what it says."""
    draft = ReviewDraft(
        stars=parse_stars(body.get("stars")),
        text=_text(body.get("text", ""), settings),
        photo_ids=parse_photo_ids(body.get("photo_ids", [])),
    )
    return parse_order_id(body.get("order_id")), parse_line(body.get("line")), draft


def parse_edit(body: dict[str, Any], settings: ReviewSettings) -> ReviewEdit:
    """An edit: only the fields given change."""
    if not body:
        raise ValidationFailed(
            "send stars, text or photo_ids to change", field="stars", reason="required"
        )
    return ReviewEdit(
        stars=None if "stars" not in body else parse_stars(body["stars"]),
        text=None if "text" not in body else _text(body["text"], settings),
        photo_ids=None if "photo_ids" not in body else parse_photo_ids(body["photo_ids"]),
    )


def parse_reply(body: dict[str, Any], settings: ReviewSettings) -> str:
    """The creator's reply text (1..max_reply_length characters)."""
    return parse_text(body.get("text"), "text", 1, settings.max_reply_length)


def parse_decision(body: dict[str, Any]) -> ReviewState:
    """`restore` (shown again) or `remove`."""
    action = body.get("action")
    if not isinstance(action, str) or action not in DECISIONS:
        raise ValidationFailed(
            "action must be restore or remove", field="action", reason="bad_format"
        )
    return DECISIONS[action]


def parse_list_query(
    query: Mapping[str, str], page_size: int
) -> tuple[ReviewSort, ListCursor | None, int]:
    """`sort` (newest, helpful, photos), `cursor` and `limit` of a product's review list."""
    try:
        sort = ReviewSort(query.get("sort", ReviewSort.NEWEST.value))
    except ValueError:
        raise ValidationFailed(
            "sort must be newest, helpful or photos", field="sort", reason="bad_format"
        ) from None
    limit = whole_number(query.get("limit"), "limit", page_size, 1, MAX_PAGE_SIZE)
    return sort, parse_cursor(query), limit


def parse_cursor(query: Mapping[str, str]) -> ListCursor | None:
    """The `cursor` of the next page, if given."""
    raw = query.get("cursor")
    return None if not raw else decode_cursor(raw)


def parse_state_filter(query: Mapping[str, str]) -> ReviewState | None:
    """The console's `state` filter (published, reported, removed; none: all)."""
    raw = query.get("state")
    if not raw:
        return None
    try:
        return ReviewState(raw)
    except ValueError:
        raise ValidationFailed(
            "state must be published, reported or removed", field="state", reason="bad_format"
        ) from None


def parse_product_ids(query: Mapping[str, str]) -> list[str]:
    """`product_ids`: up to 100 ids, comma separated."""
    ids = [i for i in query.get("product_ids", "").split(",") if i]
    if not ids or len(ids) > 100 or any(len(i) > 64 for i in ids):
        raise ValidationFailed(
            "product_ids must list 1 to 100 product ids, comma separated",
            field="product_ids",
            reason="bad_format",
        )
    return ids


def _text(value: object, settings: ReviewSettings) -> str:
    return parse_text(value, "text", settings.min_text_length, settings.max_text_length)
