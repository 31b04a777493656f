"""Fixtures for fulfilment tests: a live show selling two products, paid orders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from livesale import keys
from tests.api_helpers import origin
from tests.shop.conftest import buyers, pay, place_order, settings
from tests.shows.conftest import Client, anonymous, create_product, create_show

__all__ = ["anonymous", "buyers", "settings"]  # fixtures shared with the shop tests

Buyers = Callable[..., Awaitable[Client]]
TEE_PRICE = 2500
MUG_PRICE = 1200


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
    await alice.app[keys.LIFECYCLE].went_live(show_id)
    return TwoItemShop(show_id, tee["variants"][0]["id"], mug["variants"][0]["id"])


@pytest.fixture
async def two_items(alice: Client) -> TwoItemShop:
    """Alice's live show with a Tee and a Mug."""
    return await open_two_item_shop(alice)


async def placed_order(
    buyer: Client, show_id: str, items: list[tuple[str, int]], **details: Any
) -> dict[str, Any]:
    """The buyer's cart of `items` (variant id, quantity) checked out and ordered, unpaid:
    `{"order", "payment"}`."""
    for variant_id, quantity in items:
        response = await buyer.put(
            f"/api/shows/{show_id}/cart/items/{variant_id}",
            json={"quantity": quantity},
            headers=origin(buyer),
        )
        assert response.status == 200, await response.text()
    response = await buyer.post(
        f"/api/shows/{show_id}/cart/checkout",
        json={"request_id": uuid.uuid4().hex},
        headers=origin(buyer),
    )
    assert response.status == 201, await response.text()
    checkout = (await response.json())["checkout"]
    placed = await place_order(buyer, checkout["id"], **details)
    assert placed.status == 201, await placed.text()
    body: dict[str, Any] = await placed.json()
    return body


async def paid_order(
    buyer: Client, show_id: str, items: list[tuple[str, int]], **details: Any
) -> dict[str, Any]:
    """Like placed_order, then paid with the dummy gateway's test card: the order."""
    body = await placed_order(buyer, show_id, items, **details)
    paid = await pay(buyer, body["payment"]["payment_id"])
    assert paid.status == 200, await paid.text()
    order: dict[str, Any] = (await paid.json())["order"]
    assert order["status"] == "paid"
    return order


async def seller_order(client: Client, order_id: str) -> dict[str, Any]:
    """The order as its seller (or anyone allowed) reads it."""
    response = await client.get(f"/api/orders/{order_id}")
    assert response.status == 200, await response.text()
    order: dict[str, Any] = (await response.json())["order"]
    return order


def position(order: dict[str, Any], variant_id: str) -> int:
    """Where the order holds the variant's line (a cart's lines are ordered by variant id)."""
    at: int = next(line["position"] for line in order["lines"] if line["variant_id"] == variant_id)
    return at
