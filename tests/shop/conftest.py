"""Fixtures for shop tests: a live show with a product in its bag and guest buyers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale import keys
from livesale.app import create_app
from livesale.config import Settings
from tests.api_helpers import become_viewer, cheap_auth, origin
from tests.shows.conftest import Client, create_product, create_show

ADDRESS = {
    "line1": "1 Market Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
BUYER = {"email": "mia@example.com", "name": "Mia Buyer", "address": ADDRESS}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@dataclass
class LiveShop:
    """A live show of Alice's with one product in its bag."""

    show_id: str
    product: dict[str, Any]

    @property
    def variant_id(self) -> str:
        """The product's only variant."""
        variant_id: str = self.product["variants"][0]["id"]
        return variant_id


async def open_live_shop(alice: Client, stock: int = 10, price_minor: int = 2500) -> LiveShop:
    """Alice's live show selling one product."""
    product = await create_product(
        alice, sku=f"TEE-{uuid.uuid4().hex[:6]}", stock=stock, price_minor=price_minor
    )
    created = await create_show(alice, product_ids=[product["id"]])
    show_id: str = created["show"]["id"]
    await alice.app[keys.LIFECYCLE].went_live(show_id)
    return LiveShop(show_id, product)


async def flash_pin(alice: Client, shop: LiveShop, quantity: int, limit: int = 1) -> dict[str, Any]:
    """Pin the shop's product as a flash sale (25.00 -> 15.00 for 300 s); returns the pin."""
    body = {
        "product_id": shop.product["id"],
        "flash_sale": {
            "sale_price_minor": 1500,
            "quantity": quantity,
            "per_buyer_limit": limit,
            "duration_seconds": 300,
        },
    }
    response = await alice.post(f"/api/shows/{shop.show_id}/pin", json=body, headers=origin(alice))
    assert response.status == 201, await response.text()
    pin: dict[str, Any] = (await response.json())["pin"]
    return pin


@pytest.fixture
async def shop(alice: Client) -> LiveShop:
    """Alice's live show with 10 units of one product."""
    return await open_live_shop(alice)


@asynccontextmanager
async def guests_of(server: TestServer) -> AsyncIterator[Callable[[str], Awaitable[Client]]]:
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


@pytest.fixture
async def buyers(server: TestServer) -> AsyncIterator[Callable[[str], Awaitable[Client]]]:
    """Make guest buyers (each its own cookie jar)."""
    async with guests_of(server) as make:
        yield make


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """A second shop process in spirit: its own app on the same Redis and SQLite file."""
    async with TestServer(create_app(settings)) as test_server:
        yield test_server


@pytest.fixture
async def buyers2(server2: TestServer) -> AsyncIterator[Callable[[str], Awaitable[Client]]]:
    """Make guest buyers of the second process."""
    async with guests_of(server2) as make:
        yield make


async def buy(
    client: Client, shop: LiveShop, quantity: int = 1, request_id: str | None = None
) -> Any:
    """POST Buy now."""
    return await client.post(
        f"/api/shows/{shop.show_id}/buy",
        json={
            "variant_id": shop.variant_id,
            "quantity": quantity,
            "request_id": request_id or uuid.uuid4().hex,
        },
        headers=origin(client),
    )


async def place_order(client: Client, checkout_id: str, **overrides: Any) -> Any:
    """POST the checkout form."""
    return await client.post(
        f"/api/checkouts/{checkout_id}/order", json={**BUYER, **overrides}, headers=origin(client)
    )


async def pay(client: Client, payment_id: str, card: str = "4242 4242 4242 4242") -> Any:
    """Pay with a dummy test card."""
    return await client.post(
        f"/api/payments/dummy/{payment_id}/confirm",
        json={"card_number": card},
        headers=origin(client),
    )


async def levels(client: Client, variant_id: str) -> tuple[int, int, int]:
    """available, held, sold of a variant, straight from the stock counters."""
    got = await client.app[keys.SHOP].stock.store.levels(variant_id)
    return got.available, got.held, got.sold
