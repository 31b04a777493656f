"""The room's wire format: compact JSON events, error events and WebSocket close codes."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from livesale.domain.errors import LivesaleError

# Close codes (4000-4999 are the application's). Clients reconnect after any
# of them except BANNED, and a new connection starts with a fresh snapshot.
CLOSE_TOO_SLOW = 4001
CLOSE_BANNED = 4003
CLOSE_SHUTTING_DOWN = 1001
CLOSE_TRY_AGAIN = 1013

# Compact, and non-ASCII text (Chinese chat) sent as UTF-8, not \u escapes.
dumps = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def error_event(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """An `error` event: the connection stays open."""
    return {"type": "error", "code": code, "message": message, "details": details or {}}


def error_event_of(exc: LivesaleError) -> dict[str, Any]:
    """The `error` event for a domain error."""
    return error_event(exc.code, exc.message, exc.details)


def batch_frame(raws: list[str]) -> str:
    """One text frame for several serialised events: the event itself, or a JSON array."""
    if len(raws) == 1:
        return raws[0]
    return "[" + ",".join(raws) + "]"
