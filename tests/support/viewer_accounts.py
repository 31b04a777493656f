"""Viewer accounts through the API, as the account menu makes them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.clients import DEFAULT_PASSWORD, Buyers, Client, origin


async def make_account(
    client: Client, email: str | None = None, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """Give the client's guest an account (POST /api/viewer/account); its cookie jar keeps
    the new device session. Without `email`, a fresh one."""
    response = await client.post(
        "/api/viewer/account",
        json={"email": email or f"{uuid.uuid4().hex[:12]}@example.com", "password": password},
        headers=origin(client),
    )
    assert response.status == 201, await response.text()
    account: dict[str, Any] = (await response.json())["account"]
    return account


def with_accounts(buyers: Buyers) -> Buyers:
    """Make guest buyers as `buyers` does, each then given an account: `await members("Mia")`."""

    async def make(name: str = "Mia") -> Client:
        client = await buyers(name)
        await make_account(client)
        return client

    return make
