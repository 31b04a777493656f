"""Whole numbers read from a query string (`limit`, `offset`), with the same refusals everywhere."""

from __future__ import annotations

from livesale.domain.errors import ValidationFailed


def whole_number(raw: str | None, field: str, default: int, low: int, high: int) -> int:
    """`raw` as an int from `low` to `high` (`default` when absent); ValidationFailed otherwise."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(
            f"{field} must be a whole number", field=field, reason="wrong_type"
        ) from None
    if not low <= value <= high:
        raise ValidationFailed(
            f"{field} must be {low} to {high}",
            field=field,
            reason="too_small" if value < low else "too_large",
            min=low,
            max=high,
        )
    return value
