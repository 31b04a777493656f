"""World builders for API tests: products, shows, a live show's shop, a buyer's details."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Client, origin

# Creator ids the catalogue tests' `db` fixture inserts straight into SQLite.
ALICE = "creator-alice"
BOB = "creator-bob"

ADDRESS = {
    "line1": "1 Market Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
# What a buyer types into the checkout form.
BUYER: dict[str, Any] = {"email": "mia@example.com", "name": "Mia Buyer", "address": ADDRESS}
TEE_PRICE = 2500
MUG_PRICE = 1200


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


async def go_live(client: Client, show_id: str) -> None:
    """Mark the show live as its publisher's arrival would (no media needed)."""
    await client.app[SERVICES].live.lifecycle.went_live(show_id)


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

    @property
    def creator_id(self) -> str:
        """The seller (Alice): the tag of the shop's stock keys in Redis."""
        creator_id: str = self.product["creator_id"]
        return creator_id


async def open_live_shop(alice: Client, stock: int = 10, price_minor: int = 2500) -> LiveShop:
    """Alice's live show selling one product."""
    product = await create_product(
        alice, sku=f"TEE-{uuid.uuid4().hex[:6]}", stock=stock, price_minor=price_minor
    )
    created = await create_show(alice, product_ids=[product["id"]])
    show_id: str = created["show"]["id"]
    await go_live(alice, show_id)
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


@dataclass
class TwoItemShop:
    """Alice's live show selling a Tee (10 in stock) and a Mug (5)."""

    show_id: str
    tee: str  # variant ids
    mug: str


async def open_two_item_shop(alice: Client) -> TwoItemShop:
    """A live show of Alice's with two products in its bag."""
    suffix = uuid.uuid4().hex[:6]
    tee = await create_product(alice, sku=f"TEE-{suffix}", price_minor=TEE_PRICE, stock=10)
    mug = await create_product(alice, sku=f"MUG-{suffix}", price_minor=MUG_PRICE, stock=5)
    created = await create_show(alice, product_ids=[tee["id"], mug["id"]])
    show_id: str = created["show"]["id"]
    await go_live(alice, show_id)
    return TwoItemShop(show_id, tee["variants"][0]["id"], mug["variants"][0]["id"])
