"""Carts, and bad input to the shop: clear errors with stable codes, nothing changed."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from tests.support.clients import Client, assert_error, origin
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import ADDRESS, BUYER, LiveShop, create_product, create_show

Buyers = Callable[..., Awaitable[Client]]


async def _put(client: Client, shop: LiveShop, variant_id: str, quantity: Any) -> Any:
    return await client.put(
        f"/api/shows/{shop.show_id}/cart/items/{variant_id}",
        json={"quantity": quantity},
        headers=origin(client),
    )


async def test_cart_add_change_remove_and_checkout(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    cart = (await (await _put(mia, shop, shop.variant_id, 2)).json())["cart"]
    assert cart["total_minor"] == 5000
    assert cart["lines"][0]["available"] == 10
    cart = (await (await _put(mia, shop, shop.variant_id, 3)).json())["cart"]
    assert cart["lines"][0]["quantity"] == 3
    # It survives a reload (another GET) and lives in Redis with an expiry.
    cart = (await (await mia.get(f"/api/shows/{shop.show_id}/cart")).json())["cart"]
    assert cart["lines"][0]["quantity"] == 3
    # It expires `shop.cart_ttl_seconds` after its last change.
    ttl = alice.app[SERVICES].settings.shop.cart_ttl_seconds
    assert abs(cart["expires_at"] - time.time() - ttl) < 60

    response = await mia.post(
        f"/api/shows/{shop.show_id}/cart/checkout",
        json={"request_id": "cart-0001"},
        headers=origin(mia),
    )
    assert response.status == 201, await response.text()
    checkout = (await response.json())["checkout"]
    assert await levels(alice, shop.variant_id) == (7, 3, 0)
    await place_order(mia, checkout["id"])
    cart = (await (await mia.get(f"/api/shows/{shop.show_id}/cart")).json())["cart"]
    assert cart["lines"] == []

    empty = await mia.post(
        f"/api/shows/{shop.show_id}/cart/checkout",
        json={"request_id": "cart-0002"},
        headers=origin(mia),
    )
    await assert_error(empty, 409, "cart_empty")
    removed = await mia.delete(
        f"/api/shows/{shop.show_id}/cart/items/{shop.variant_id}", headers=origin(mia)
    )
    assert removed.status == 200


async def test_cancel_checkout_gives_stock_back(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop, quantity=4)).json())["checkout"]
    assert await levels(alice, shop.variant_id) == (6, 4, 0)
    canceled = await mia.delete(f"/api/checkouts/{checkout['id']}", headers=origin(mia))
    assert canceled.status == 200
    assert await levels(alice, shop.variant_id) == (10, 0, 0)


async def test_a_checkout_that_became_an_order_cannot_be_canceled(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop, quantity=2)).json())["checkout"]
    url = f"/api/checkouts/{checkout['id']}"
    body = await (await place_order(mia, checkout["id"])).json()
    order_id = body["order"]["id"]

    # Waiting for its payment: the order owns the held units, the payment may be under way.
    pending = await assert_error(await mia.delete(url, headers=origin(mia)), 409, "order_state")
    assert pending == {
        "checkout_id": checkout["id"],
        "order_id": order_id,
        "status": "pending_payment",
        "wanted": "canceled",
    }
    assert await levels(alice, shop.variant_id) == (8, 2, 0)
    paid = await pay(mia, body["payment"]["payment_id"])
    assert (await paid.json())["order"]["status"] == "paid"

    details = await assert_error(await mia.delete(url, headers=origin(mia)), 409, "order_state")
    assert details["status"] == "paid"
    assert await levels(alice, shop.variant_id) == (8, 0, 2)
    order = (await (await mia.get(f"/api/orders/{order_id}")).json())["order"]
    assert order["status"] == "paid"
    assert (await (await mia.get(url)).json())["checkout"]["order_id"] == order_id
    # Someone else's DELETE learns nothing about it.
    eve = await buyers("Eve")
    await assert_error(await eve.delete(url, headers=origin(eve)), 404, "checkout_not_found")


async def test_a_scheduled_show_already_sells_its_bag_at_regular_prices(
    alice: Client, buyers: Buyers
) -> None:
    product = await create_product(alice, sku="EARLY-1", price_minor=2500, stock=3)
    created = await create_show(alice, product_ids=[product["id"]])
    assert created["show"]["status"] == "scheduled"
    shop = LiveShop(created["show"]["id"], product)
    mia = await buyers("Mia")
    response = await buy(mia, shop)
    assert response.status == 201, await response.text()
    [line] = (await response.json())["checkout"]["lines"]
    assert (line["unit_price_minor"], line["flash_sale"]) == (2500, False)
    assert await levels(alice, shop.variant_id) == (2, 1, 0)


async def test_a_retried_buy_holds_once(alice: Client, shop: LiveShop, buyers: Buyers) -> None:
    mia = await buyers("Mia")
    first = await (await buy(mia, shop, quantity=2, request_id="retry-1234")).json()
    second = await (await buy(mia, shop, quantity=2, request_id="retry-1234")).json()
    assert first["checkout"]["id"] == second["checkout"]["id"]
    assert await levels(alice, shop.variant_id) == (8, 2, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variant_id": "x", "request_id": "short"}, "request_id"),
        ({"variant_id": "", "request_id": "abcdefgh1"}, "variant_id"),
        ({"variant_id": "V", "quantity": 0, "request_id": "abcdefgh1"}, "quantity"),
        ({"variant_id": "V", "quantity": 11, "request_id": "abcdefgh1"}, "quantity"),
        ({"variant_id": "V", "quantity": True, "request_id": "abcdefgh1"}, "quantity"),
        ({"variant_id": "V", "price_minor": 1, "request_id": "abcdefgh1"}, "price_minor"),
    ],
)
async def test_bad_buy_requests(
    alice: Client, shop: LiveShop, buyers: Buyers, body: dict[str, Any], field: str
) -> None:
    mia = await buyers("Mia")
    body = {k: (shop.variant_id if v == "V" else v) for k, v in body.items()}
    response = await mia.post(f"/api/shows/{shop.show_id}/buy", json=body, headers=origin(mia))
    details = await assert_error(response, 400, "validation_failed")
    assert details["field"] == field
    # Nothing was held (the counters may not even exist yet: nothing was ever sold).
    assert (await levels(alice, shop.variant_id))[1:] == (0, 0)


async def test_buying_needs_a_viewer_and_a_bag_product(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await assert_error(await buy(alice, shop), 401, "viewer_required")
    other = await create_product(alice, sku="NOT-IN-BAG")
    mia = await buyers("Mia")
    response = await mia.post(
        f"/api/shows/{shop.show_id}/buy",
        json={"variant_id": other["variants"][0]["id"], "request_id": "abcdefgh1"},
        headers=origin(mia),
    )
    await assert_error(response, 409, "not_for_sale")
    too_many = await buy(mia, shop, quantity=10)
    assert too_many.status == 201
    await assert_error(await buy(mia, shop, quantity=1), 409, "out_of_stock")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "  "}, "name"),
        ({"address": {**ADDRESS, "country": "USA"}}, "address.country"),
        ({"address": {**ADDRESS, "postal_code": "<script>"}}, "address.postal_code"),
        ({"address": {**ADDRESS, "line1": ""}}, "address.line1"),
        ({"address": {**ADDRESS, "city": "a\u0000b"}}, "address.city"),
        ({"address": {**ADDRESS, "planet": "Mars"}}, "address.planet"),
        ({"announce": "yes"}, "announce"),
    ],
)
async def test_bad_checkout_forms_create_no_order(
    alice: Client, shop: LiveShop, buyers: Buyers, change: dict[str, Any], field: str
) -> None:
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    response = await mia.post(
        f"/api/checkouts/{checkout['id']}/order", json={**BUYER, **change}, headers=origin(mia)
    )
    details = await assert_error(response, 400, "validation_failed")
    assert details["field"] == field
    orders = await (await alice.get("/api/orders")).json()
    assert orders["orders"] == []


async def test_stock_cannot_go_below_held_and_sold(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    await buy(mia, shop, quantity=4)
    variant = shop.product["variants"][0]
    change = {
        "variants": [
            {
                "id": variant["id"],
                "sku": variant["sku"],
                "price_minor": 2500,
                "currency": "EUR",
                "stock": 3,
            }
        ]
    }
    response = await alice.patch(
        f"/api/products/{shop.product['id']}", json=change, headers=origin(alice)
    )
    details = await assert_error(response, 409, "stock_below_reserved")
    assert details["minimum"] == 4
    change["variants"][0]["stock"] = 20
    raised = await alice.patch(
        f"/api/products/{shop.product['id']}", json=change, headers=origin(alice)
    )
    assert raised.status == 200, await raised.text()
    assert await levels(alice, shop.variant_id) == (16, 4, 0)


async def test_cart_refuses_a_second_currency_and_too_many_lines(
    alice: Client, buyers: Buyers
) -> None:
    euros = await create_product(alice, sku="EUR-1")
    response = await alice.post(
        "/api/products",
        json={
            "title": "Dollar cap",
            "variants": [{"sku": "USD-1", "price_minor": 900, "currency": "USD", "stock": 5}],
        },
        headers=origin(alice),
    )
    dollars = (await response.json())["product"]
    created = await alice.post(
        "/api/shows",
        json={"title": "Two currencies", "product_ids": [euros["id"], dollars["id"]]},
        headers=origin(alice),
    )
    show_id = (await created.json())["show"]["id"]
    shop = LiveShop(show_id, euros)
    mia = await buyers("Mia")
    assert (await _put(mia, shop, euros["variants"][0]["id"], 1)).status == 200
    mixed = await _put(mia, shop, dollars["variants"][0]["id"], 1)
    details = await assert_error(mixed, 409, "currency_mismatch")
    assert details["currency"] == "EUR"
    await assert_error(await _put(mia, shop, "no-such-variant", 1), 409, "not_for_sale")
    cart = (await (await mia.get(f"/api/shows/{show_id}/cart")).json())["cart"]
    assert [line["variant_id"] for line in cart["lines"]] == [euros["variants"][0]["id"]]
