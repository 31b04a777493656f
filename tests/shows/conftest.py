"""Fixtures for show tests: an app with two creators' clients and an anonymous one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from livesale.config import Settings
from tests.api_helpers import cheap_auth, origin

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@pytest.fixture
async def anonymous(server: TestServer) -> AsyncIterator[Client]:
    """A client with no cookies at all."""
    async with TestClient(server) as client:
        yield client


async def create_product(
    client: Client, sku: str = "TEE-M", price_minor: int = 2500, stock: int = 10
) -> dict[str, Any]:
    """A product with one variant, made through the API."""
    response = await client.post(
        "/api/products",
        json={
            "title": f"Product {sku}",
            "variants": [
                {"sku": sku, "price_minor": price_minor, "currency": "EUR", "stock": stock}
            ],
        },
        headers=origin(client),
    )
    assert response.status == 201, await response.text()
    product: dict[str, Any] = (await response.json())["product"]
    return product


async def create_show(client: Client, **fields: Any) -> dict[str, Any]:
    """A show made through the API; returns the whole 201 body (show and stream key)."""
    body = {"title": "Spring drop", **fields}
    response = await client.post("/api/shows", json=body, headers=origin(client))
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Check an error response's status and code; returns its details."""
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    assert error["code"] == code, error
    details: dict[str, Any] = error["details"]
    return details
