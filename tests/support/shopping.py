"""A buyer's steps through the API (Buy now, the checkout form, paying) and what they leave."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import ClientResponse

from livesale.composition.services import SERVICES
from livesale.storage.orders import OrderRepository
from livesale.storage.stock import SellerStock
from tests.support.clients import Client, origin
from tests.support.world import BUYER, LiveShop


async def buy(
    client: Client, shop: LiveShop, quantity: int = 1, request_id: str | None = None
) -> ClientResponse:
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


async def place_order(client: Client, checkout_id: str, **overrides: Any) -> ClientResponse:
    """POST the checkout form."""
    return await client.post(
        f"/api/checkouts/{checkout_id}/order", json={**BUYER, **overrides}, headers=origin(client)
    )


async def pay(client: Client, payment_id: str, card: str = "4242 4242 4242 4242") -> ClientResponse:
    """Pay with a dummy test card."""
    return await client.post(
        f"/api/payments/dummy/{payment_id}/confirm",
        json={"card_number": card},
        headers=origin(client),
    )


# The seller of stock tests that use the stock store without the app.
SELLER = "seller-1"


async def seller_stock(client: Client, variant_id: str) -> SellerStock:
    """The stock of the variant's seller (its keys carry the seller's tag)."""
    services = client.app[SERVICES]
    row = await services.storage.database.fetchone(
        "SELECT creator_id FROM variants WHERE id = ?", (variant_id,)
    )
    assert row is not None, variant_id
    return services.shop.stock.seller(str(row["creator_id"]))


async def levels(client: Client, variant_id: str) -> tuple[int, int, int]:
    """available, held, sold of a variant, straight from the stock counters."""
    got = await (await seller_stock(client, variant_id)).levels(variant_id)
    return got.available, got.held, got.sold


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


async def sold_in_record(client: Client, variant_id: str) -> int:
    """Units of a variant in paid or fulfilled orders, read from the database."""
    return await OrderRepository(client.app[SERVICES].storage.database).sold_units(variant_id)
