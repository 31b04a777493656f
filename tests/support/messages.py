"""Direct messages through the API, as the pages send them."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from tests.support.clients import Client, origin


async def my_id(client: Client, kind: str) -> str:
    """The client's creator id (`kind="creator"`) or guest id (`kind="viewer"`)."""
    response = await client.get("/api/auth/me" if kind == "creator" else "/api/viewer")
    assert response.status == 200, await response.text()
    found: str = (await response.json())[kind]["id"]
    return found


async def write_to_shop(client: Client, creator_id: str, text: str, **about: str) -> ClientResponse:
    """A viewer writes to a shop (POST /api/creators/{id}/messages)."""
    return await client.post(
        f"/api/creators/{creator_id}/messages", json={"text": text, **about}, headers=origin(client)
    )


async def started(client: Client, creator_id: str, text: str, **about: str) -> dict[str, Any]:
    """Write to a shop and return the 201 body: {conversation_id, message}."""
    response = await write_to_shop(client, creator_id, text, **about)
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def answer(client: Client, conversation_id: str, text: str, **about: str) -> ClientResponse:
    """Write in a conversation (either side)."""
    return await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": text, **about},
        headers=origin(client),
    )


async def read_thread(client: Client, conversation_id: str) -> dict[str, Any]:
    """GET a conversation (which marks it read for the caller's side)."""
    response = await client.get(f"/api/conversations/{conversation_id}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def inbox(client: Client, creator_id: str | None = None) -> dict[str, Any]:
    """The viewer's inbox, or a shop's when `creator_id` is given."""
    path = "/api/messages" if creator_id is None else f"/api/shops/{creator_id}/messages"
    response = await client.get(path)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def set_block(client: Client, conversation_id: str, on: bool) -> ClientResponse:
    """Block (or unblock) the other side of a conversation."""
    method = client.put if on else client.delete
    return await method(f"/api/conversations/{conversation_id}/block", headers=origin(client))
