"""The show API's request bodies read into typed values: new show, edit, bag, key rotation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from livesale.domain.categories import DEFAULT_CATEGORY, validate_category, validate_tags
from livesale.domain.errors import ValidationFailed
from livesale.domain.shows import ShowDraft, ShowEdit, validate_bag
from livesale.domain.validation import KEEP, Keep, reject_unknown_fields
from livesale.web.field_readers import optional_bool, string_list

NEW_SHOW_FIELDS = frozenset(
    {"title", "scheduled_at", "cover_image_id", "product_ids", "category", "tags"}
)
EDITABLE_FIELDS = frozenset(
    {"title", "scheduled_at", "cover_image_id", "record", "replay_flash_sales", "category", "tags"}
)
BAG_FIELDS = frozenset({"product_ids"})
ROTATE_FIELDS = frozenset({"disconnect_publisher"})


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """A stream-key rotation: whether to hang up whoever publishes now."""

    disconnect_publisher: bool = False


def parse_new_show(body: Mapping[str, object]) -> ShowDraft:
    """`{title, scheduled_at?, cover_image_id?, product_ids?}` as a ShowDraft."""
    reject_unknown_fields(body, NEW_SHOW_FIELDS)
    title = body.get("title")
    if not isinstance(title, str):
        raise ValidationFailed(
            "title is required",
            field="title",
            reason="required" if title is None else "wrong_type",
        )
    return ShowDraft(
        title=title,
        scheduled_at=_scheduled_at(body.get("scheduled_at")),
        cover_image_id=_cover(body.get("cover_image_id")),
        product_ids=_bag(body.get("product_ids", [])),
        category=validate_category(body.get("category", DEFAULT_CATEGORY)),
        tags=validate_tags(body.get("tags", [])),
    )


def parse_show_edit(body: Mapping[str, object]) -> ShowEdit:
    """The fields of a show edit; fields left out are KEEP."""
    reject_unknown_fields(body, EDITABLE_FIELDS)
    title: str | Keep = KEEP
    if "title" in body:
        raw_title = body["title"]
        if not isinstance(raw_title, str):
            raise ValidationFailed("title must be a string", field="title", reason="wrong_type")
        title = raw_title
    record = optional_bool(body, "record")
    replay_flash_sales = optional_bool(body, "replay_flash_sales")
    return ShowEdit(
        title=title,
        scheduled_at=_scheduled_at(body["scheduled_at"]) if "scheduled_at" in body else KEEP,
        cover_image_id=_cover(body["cover_image_id"]) if "cover_image_id" in body else KEEP,
        record=KEEP if record is None else record,
        replay_flash_sales=KEEP if replay_flash_sales is None else replay_flash_sales,
        category=validate_category(body["category"]) if "category" in body else KEEP,
        tags=validate_tags(body["tags"]) if "tags" in body else KEEP,
    )


def parse_bag(body: Mapping[str, object]) -> tuple[str, ...]:
    """`{"product_ids": [...]}`: the bag's product ids in display order."""
    reject_unknown_fields(body, BAG_FIELDS)
    if "product_ids" not in body:
        raise ValidationFailed(
            'send {"product_ids": [...]}', field="product_ids", reason="required"
        )
    return _bag(body["product_ids"])


def parse_key_rotation(body: Mapping[str, object]) -> KeyRotation:
    """`{"disconnect_publisher": bool}` (an empty body keeps the publisher on)."""
    reject_unknown_fields(body, ROTATE_FIELDS)
    disconnect = optional_bool(body, "disconnect_publisher")
    return KeyRotation(disconnect_publisher=bool(disconnect))


def _scheduled_at(value: object) -> float | None:
    # Kept as sent (an int stays an int): the window is checked against the clock later.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(
            "scheduled_at must be a time in seconds since the epoch",
            field="scheduled_at",
            reason="wrong_type",
        )
    return value


def _cover(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValidationFailed(
        "cover_image_id must be an image id", field="cover_image_id", reason="wrong_type"
    )


def _bag(value: object) -> tuple[str, ...]:
    ids = string_list(value, "product_ids", "product_ids must be a list of product ids")
    return validate_bag(ids)
