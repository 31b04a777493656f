"""The push-service stand-in, where tests find it (it lives in `standins/`, which the
benchmarks share), and subscribing a test person's device to it."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from standins.push_service import PushService, Received, push_service
from tests.support.clients import Client, origin

__all__ = ["PushService", "Received", "push_service", "subscribe"]


async def subscribe(client: Client, device: dict[str, Any], lang: str = "en") -> ClientResponse:
    """Subscribe `device` (from `PushService.device`) for the client's person, as a page does."""
    return await client.post(
        "/api/push/subscriptions", json={**device, "lang": lang}, headers=origin(client)
    )
