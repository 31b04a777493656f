"""Reading one typed field of a JSON body, with the API's stable field and reason codes."""

from __future__ import annotations

from collections.abc import Mapping

from livesale.domain.errors import ValidationFailed


def optional_bool(body: Mapping[str, object], name: str) -> bool | None:
    """`body[name]` as true or false; None when absent; wrong_type for anything else."""
    value = body.get(name)
    if name not in body:
        return None
    if not isinstance(value, bool):
        raise ValidationFailed(f"{name} must be true or false", field=name, reason="wrong_type")
    return value


def string_list(value: object, name: str, message: str) -> list[str]:
    """`value` as a list of strings; wrong_type with `message` for anything else."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationFailed(message, field=name, reason="wrong_type")
    return value
