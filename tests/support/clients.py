"""API clients for tests: the client type, same-origin headers, creators, guests and errors."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from livesale.config import Settings

# The app's test client, typed once for every test.
Client = TestClient[web.Request, web.Application]
# Makes a guest buyer with its own cookie jar: `await buyers("Mia")`.
Buyers = Callable[..., Awaitable[Client]]

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


@asynccontextmanager
async def guests_of(server: TestServer) -> AsyncIterator[Buyers]:
    """Make guest buyers of `server` (each its own cookie jar); closes them at the end."""
    clients: list[Client] = []

    async def make(name: str = "Mia") -> Client:
        client: Client = TestClient(server)
        await client.start_server()
        clients.append(client)
        await become_viewer(client, name)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


async def assert_error(response: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """Check an error response's status and code; returns its details."""
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    assert error["code"] == code, error
    details: dict[str, Any] = error["details"]
    return details
