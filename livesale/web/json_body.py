"""Reading JSON request bodies with clear errors, within the bounds of `domain.json_limits`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from livesale.domain.errors import InvalidJson, UnsupportedMediaType, ValidationFailed
from livesale.domain.json_limits import JsonTooComplex, parse_json
from livesale.domain.validation import reject_unknown_fields

# JSON is UTF-8 (RFC 8259); a body that says otherwise is refused, not guessed at.
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


async def read_object(request: web.Request, allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """The body as a JSON object; unknown fields are refused when `allowed` is given."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "send a JSON body with Content-Type: application/json",
            content_type=request.content_type,
        )
    charset = request.charset
    if charset is not None and charset.lower() not in _UTF8_NAMES:
        raise UnsupportedMediaType(
            "send JSON encoded as UTF-8 (charset=utf-8, or no charset)", charset=charset[:40]
        )
    try:
        body = parse_json((await request.read()).decode("utf-8"))
    except JsonTooComplex as exc:
        raise InvalidJson(str(exc), reason=exc.reason, **exc.limits) from None
    except (ValueError, UnicodeDecodeError) as exc:
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
