"""JSON text within bounds: nesting depth and number sizes an API value never needs.

Python's parser recurses once per nesting level and turns digits into an
integer however many there are: a body of 100,000 `[` or a 5,000-digit
number made it raise an internal error (a 500 with a traceback, or a room
connection dropped). Texts past `MAX_DEPTH` levels or with a number longer
than the bounds below are refused as `JsonTooComplex` before that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

# The deepest API body (a product's variants' options) nests 4 levels; 32 is generous.
MAX_DEPTH = 32
# Integers up to 20 digits (a signed 64-bit value); decimals up to 40 characters.
MAX_INTEGER_DIGITS = 20
MAX_NUMBER_CHARS = 40


class JsonTooComplex(ValueError):
    """A JSON text over the depth or number-size bounds; `reason` says which."""

    def __init__(self, message: str, reason: str, **limits: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.limits = limits


def parse_json(text: str) -> Any:
    """Parse `text` like `json.loads`, refusing what is out of bounds (JsonTooComplex).

    Also a ValueError for invalid JSON, NaN and Infinity (which JSON does not have).
    """
    try:
        value = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except RecursionError:
        # The parser itself gave up (about 1,000 levels): far past our bound.
        raise _too_deep() from None
    if _depth(value) > MAX_DEPTH:
        raise _too_deep()
    return value


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise JsonTooComplex(
            f"numbers may have at most {MAX_INTEGER_DIGITS} digits",
            "number_too_long",
            max_digits=MAX_INTEGER_DIGITS,
        )
    return int(literal)


def _bounded_float(literal: str) -> float:
    value = float(literal) if len(literal) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise JsonTooComplex(
            f"numbers may have at most {MAX_NUMBER_CHARS} characters and must be finite",
            "number_too_long",
            max_chars=MAX_NUMBER_CHARS,
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _too_deep() -> JsonTooComplex:
    return JsonTooComplex(
        f"JSON may nest at most {MAX_DEPTH} levels", "too_deep", max_depth=MAX_DEPTH
    )


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in `value` (0 for a plain value); stops past the bound."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
