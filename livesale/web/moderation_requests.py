"""Moderation request bodies read into typed values: mutes, bans, slow mode, moderators, words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import reject_unknown_fields, whole_number_refusal
from livesale.web.field_readers import string_list


@dataclass(frozen=True, slots=True)
class Mute:
    """Mute a viewer for a number of seconds (its range is checked by the service)."""

    viewer_id: str
    seconds: int


def parse_mute(body: Mapping[str, object], max_seconds: int) -> Mute:
    """`{viewer_id, seconds}`; `max_seconds` only words the error for a wrong type."""
    reject_unknown_fields(body, ("viewer_id", "seconds"))
    viewer_id = _viewer_id(body)
    return Mute(viewer_id, _whole_number(body.get("seconds"), 1, max_seconds))


def parse_viewer(body: Mapping[str, object]) -> str:
    """`{viewer_id}` (a ban, a new moderator): the viewer's id."""
    reject_unknown_fields(body, ("viewer_id",))
    return _viewer_id(body)


def parse_slow_mode(body: Mapping[str, object], max_seconds: int) -> int:
    """`{seconds}` between one viewer's messages (0 = off)."""
    reject_unknown_fields(body, ("seconds",))
    return _whole_number(body.get("seconds"), 0, max_seconds)


def parse_blocked_words(body: Mapping[str, object]) -> list[str]:
    """`{words: [...]}` as typed; the service folds and counts them."""
    reject_unknown_fields(body, ("words",))
    return string_list(body.get("words"), "words", "words must be a list of strings")


def _viewer_id(body: Mapping[str, object]) -> str:
    viewer_id = body.get("viewer_id")
    if not isinstance(viewer_id, str) or not viewer_id:
        raise ValidationFailed(
            "viewer_id must be a viewer's id", field="viewer_id", reason="bad_format"
        )
    return viewer_id


def _whole_number(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise whole_number_refusal(value, "seconds", low, high)
    return value
