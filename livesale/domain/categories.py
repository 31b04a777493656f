"""Categories and tags of products and shows: one fixed category each, a few free tags (pure)."""

from __future__ import annotations

import json

from livesale.domain.errors import ValidationFailed
from livesale.domain.text_safety import casefold, strip_invisible

# A fixed list, so that pages can translate each one (`category.<name>`) and
# listings and search can filter by it; new ones are only ever added.
CATEGORIES: tuple[str, ...] = (
    "fashion",
    "beauty",
    "home",
    "electronics",
    "collectibles",
    "food",
    "kids",
    "sports",
    "other",
)
DEFAULT_CATEGORY = "other"
MAX_TAGS = 10
MAX_TAG_LENGTH = 30


def validate_category(value: object, field: str = "category") -> str:
    """One of CATEGORIES (bad_format, with `allowed`, else)."""
    if not isinstance(value, str):
        raise ValidationFailed(
            "category must be a string", field=field, reason="wrong_type", allowed=CATEGORIES
        )
    if value not in CATEGORIES:
        raise ValidationFailed(
            f"category must be one of {', '.join(CATEGORIES)}",
            field=field,
            reason="bad_format",
            allowed=CATEGORIES,
        )
    return value


def normalize_tag(text: str) -> str:
    """A tag as stored and matched: without invisible characters, NFKC case-folded, one
    space between words, no leading '#'."""
    return " ".join(casefold(strip_invisible(text)).split()).lstrip("#").strip()


def validate_tags(value: object, field: str = "tags") -> tuple[str, ...]:
    """Up to MAX_TAGS distinct tags of 1..MAX_TAG_LENGTH characters once normalised, in the
    order given (a tag repeated in another case or width is dropped, not refused)."""
    if not isinstance(value, list):
        raise ValidationFailed("tags must be a list of strings", field=field, reason="wrong_type")
    if len(value) > MAX_TAGS:
        raise ValidationFailed(
            f"at most {MAX_TAGS} tags", field=field, reason="too_many", max=MAX_TAGS
        )
    tags: list[str] = []
    for i, raw in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(raw, str):
            raise ValidationFailed("a tag must be a string", field=where, reason="wrong_type")
        tag = normalize_tag(raw)
        if not tag:
            raise ValidationFailed("a tag cannot be empty", field=where, reason="required")
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationFailed(
                f"a tag is at most {MAX_TAG_LENGTH} characters",
                field=where,
                reason="too_long",
                max=MAX_TAG_LENGTH,
                length=len(tag),
            )
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def tags_to_column(tags: tuple[str, ...]) -> str:
    """Tags as stored in a text column (a JSON list)."""
    return json.dumps(list(tags), ensure_ascii=False)


def tags_from_column(stored: object) -> tuple[str, ...]:
    """Tags read back from their text column."""
    return tuple(str(tag) for tag in json.loads(str(stored or "[]")))
