"""Reading JSON request bodies with clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from livesale.domain.errors import InvalidJson, UnsupportedMediaType, ValidationFailed
from livesale.domain.validation import reject_unknown_fields


async def read_object(request: web.Request, allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """The body as a JSON object; unknown fields are refused when `allowed` is given."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "send a JSON body with Content-Type: application/json",
            content_type=request.content_type,
        )
    try:
        body = json.loads(await request.text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", field="", reason="wrong_type")
    if allowed is not None:
        reject_unknown_fields(body, allowed)
    return body


async def read_optional_object(
    request: web.Request, allowed: Iterable[str] | None = None
) -> dict[str, Any]:
    """Like read_object, but a request without a body reads as `{}` (an action whose
    details are optional)."""
    if not request.can_read_body:
        return {}
    return await read_object(request, allowed)
