"""Checks every request body shares (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from livesale.domain.errors import FieldReason, ValidationFailed
from livesale.domain.text_safety import refusal


class Keep(Enum):
    """Marks a field an edit leaves as it is (where None means "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


def reject_unknown_fields(
    data: Mapping[str, object], allowed: Iterable[str], where: str = ""
) -> None:
    """Refuse fields outside `allowed`, naming the first one (as `where.name` when nested).

    Unknown fields are refused rather than ignored, so a typo ("scheduled") is
    reported instead of silently doing nothing.
    """
    permitted = frozenset(allowed)
    unknown = sorted(str(key) for key in set(data) - permitted)
    if unknown:
        first = unknown[0][:40]
        raise ValidationFailed(
            f"unknown field(s): {', '.join(name[:40] for name in unknown)}",
            field=f"{where}.{first}" if where else first,
            reason="unknown_field",
            allowed=sorted(permitted),
        )


def number_reason(value: object, low: int) -> FieldReason:
    """Why `value` is not a whole number in its range: wrong_type, too_small or too_large."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "wrong_type"
    return "too_small" if value < low else "too_large"


def whole_number_refusal(value: object, field: str, low: int, high: int) -> ValidationFailed:
    """The error for `value` that is not a whole number from `low` to `high`."""
    return ValidationFailed(
        f"{field} must be a whole number from {low} to {high}",
        field=field,
        reason=number_reason(value, low),
        min=low,
        max=high,
    )


def check_whole_number(value: int, field: str, low: int, high: int) -> int:
    """`value` if it is from `low` to `high`; too_small or too_large else."""
    if not low <= value <= high:
        raise whole_number_refusal(value, field, low, high)
    return value


def check_visible_text(text: str, field: str) -> None:
    """Refuse invisible, direction-control and control characters in a name or title.

    Such characters let one name pass for another ("Alice" + a zero-width
    space) or display reversed (a right-to-left override).
    """
    problem = refusal(text)
    if problem == "bad_characters":
        raise ValidationFailed(
            f"{field} must not contain control characters", field=field, reason=problem
        )
    if problem == "invisible_characters":
        raise ValidationFailed(
            f"{field} must not contain invisible or direction-control characters",
            field=field,
            reason=problem,
        )
