"""Small helpers for API tests: same-origin headers, a signed-up creator, a guest viewer."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from livesale.config import Settings

Client = TestClient[web.Request, web.Application]

DEFAULT_PASSWORD = "correct horse battery staple"


def origin(client: Client) -> dict[str, str]:
    """Headers that make a write same-origin for the CSRF check (what a browser sends)."""
    return {"Origin": str(client.make_url("/")).rstrip("/")}


def cheap_auth(settings: Settings) -> Settings:
    """`settings` with the cheapest argon2 costs, so signing up in tests takes no time."""
    auth = dataclasses.replace(
        settings.auth, password_time_cost=1, password_memory_kib=8, password_parallelism=1
    )
    return dataclasses.replace(settings, auth=auth)


async def sign_up(
    client: Client,
    email: str = "creator@example.com",
    password: str = DEFAULT_PASSWORD,
    display_name: str = "Creator",
) -> dict[str, Any]:
    """Sign a creator up through the API; the client's cookie jar keeps the session."""
    response = await client.post(
        "/api/auth/signup",
        json={"email": email, "password": password, "display_name": display_name},
        headers=origin(client),
    )
    assert response.status == 201, await response.text()
    creator: dict[str, Any] = (await response.json())["creator"]
    return creator


async def become_viewer(client: Client, name: str = "Guest") -> dict[str, Any]:
    """Choose a guest display name through the API; the client's cookie jar keeps the guest."""
    response = await client.put("/api/viewer", json={"display_name": name}, headers=origin(client))
    assert response.status == 200, await response.text()
    viewer: dict[str, Any] = (await response.json())["viewer"]
    return viewer


def explicit_dummy(settings: Settings) -> Settings:
    """`settings` with test payments chosen explicitly, as a server others reach needs them."""
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(settings, payments=payments)
