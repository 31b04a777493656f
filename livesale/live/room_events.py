"""What the room publishes to every process through Redis, and who hears its control messages.

Publishing needs only Redis, so the services that tell the room something
(chat, moderation, pins, the show's life, the shop) get this object and are
built before the Room that delivers what they publish.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from livesale.live.protocol import dumps
from livesale.storage.room_redis import CONTROL_CHANNEL, events_channel

# The control message that closes a banned viewer's connections in every process.
KICK = "kick"


class RoomEvents:
    """Publishes show events and control messages; dispatches control messages heard back."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._control_handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

    async def publish(self, show_id: str, message: dict[str, Any]) -> None:
        """Send an event to every viewer of the show, in every process."""
        await self._redis.publish(events_channel(show_id), dumps(message))

    async def publish_control(self, message: dict[str, Any]) -> None:
        """Send a control message (`{"kind": ..., ...}`) to every process, this one too."""
        await self._redis.publish(CONTROL_CHANNEL, dumps(message))

    async def publish_kick(self, creator_id: str, viewer_id: str) -> None:
        """Close the viewer's connections to the creator's shows, in every process."""
        await self.publish_control({"kind": KICK, "creator_id": creator_id, "viewer_id": viewer_id})

    def on_control(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call `handler` with every control message of `kind` any process publishes."""
        self._control_handlers[kind] = handler

    def dispatch_control(self, raw: str) -> None:
        """Hand a control message heard on the bus to the handler of its kind, if any."""
        message = json.loads(raw)
        handler = self._control_handlers.get(message.get("kind"))
        if handler is not None:
            handler(message)
