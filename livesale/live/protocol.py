"""The room's wire format: compact JSON events, error events and WebSocket close codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from livesale.domain.errors import LivesaleError
from livesale.domain.json_limits import parse_json

# Close codes (4000-4999 are the application's). Clients reconnect after any
# of them except BANNED, and a new connection starts with a fresh snapshot.
CLOSE_TOO_SLOW = 4001
CLOSE_BANNED = 4003
# The client's address holds `room.max_connections_per_address` connections already.
CLOSE_TOO_MANY_CONNECTIONS = 4029
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


MAX_LIKES_PER_MESSAGE = 10


@dataclass(frozen=True)
class Command:
    """A parsed client message: `ping`, `like` (with count) or `chat` (with raw text)."""

    kind: str
    count: int = 0
    text: object = None


class BadCommand(Exception):
    """A client message that cannot be understood; becomes an `error` event."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.event = error_event(code, message, details)


def parse_command(data: str, max_bytes: int) -> Command:
    """Parse one client text frame, or raise BadCommand."""
    # Characters never outnumber UTF-8 bytes, so the cheap test goes first.
    if len(data) > max_bytes or len(data.encode()) > max_bytes:
        raise BadCommand(
            "message_too_large", f"messages are at most {max_bytes} bytes", {"max_bytes": max_bytes}
        )
    try:
        # Bounded: 4 KB of `[` would otherwise hit Python's recursion limit.
        message = parse_json(data)
    except ValueError:
        raise BadCommand("malformed_message", "the message is not valid JSON") from None
    if not isinstance(message, dict):
        raise BadCommand("malformed_message", "a message must be a JSON object")
    kind = message.get("type")
    if kind == "ping":
        return Command("ping")
    if kind == "chat":
        return Command("chat", text=message.get("text"))
    if kind == "like":
        count = message.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            count = 0
        if not 1 <= count <= MAX_LIKES_PER_MESSAGE:
            raise BadCommand(
                "malformed_message",
                f"count must be a whole number from 1 to {MAX_LIKES_PER_MESSAGE}",
                {"field": "count"},
            )
        return Command("like", count=count)
    raise BadCommand(
        "unknown_message_type", "known types: chat, like, ping", {"type": str(kind)[:40]}
    )
