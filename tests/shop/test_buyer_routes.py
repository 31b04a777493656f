"""The show page's buyer reads: every bag product's stock, and a returning buyer's own details."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.support.clients import Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.shopping import buy, pay, place_order
from tests.support.world import ADDRESS, LiveShop, create_product

Buyers = Callable[..., Awaitable[Client]]


@pytest.fixture
async def anonymous(server: TestServer) -> AsyncIterator[Client]:
    """A client without cookies."""
    async with TestClient(server) as client:
        yield client


async def test_the_bag_stock_lists_every_product_and_follows_holds(
    alice: Client, shop: LiveShop, buyers: Buyers, anonymous: Client
) -> None:
    mug = await create_product(alice, sku="MUG-1", stock=4, price_minor=1200)
    bag = [shop.product["id"], mug["id"]]
    response = await alice.put(
        f"/api/shows/{shop.show_id}/products", json={"product_ids": bag}, headers=origin(alice)
    )
    assert response.status == 200, await response.text()

    async def stock() -> dict[str, dict[str, int]]:
        answer = await anonymous.get(f"/api/shows/{shop.show_id}/stock")  # no cookie needed
        assert answer.status == 200, await answer.text()
        assert answer.headers["Cache-Control"] == "no-store"
        messages = (await answer.json())["stock"]
        assert all(m["type"] == "stock" and m["sale"] is None for m in messages)
        return {m["product_id"]: m["variants"] for m in messages}

    assert await stock() == {
        shop.product["id"]: {shop.variant_id: 10},
        mug["id"]: {mug["variants"][0]["id"]: 4},
    }
    mia = await buyers("Mia")
    assert (await buy(mia, shop, quantity=3)).status == 201

    async def held() -> bool:
        # The answer is cached for half a second per process: it moves soon after.
        return (await stock())[shop.product["id"]] == {shop.variant_id: 7}

    await poll_until(held, 5, "the bag's stock to count the hold")
    assert (await stock())[mug["id"]] == {mug["variants"][0]["id"]: 4}


async def test_the_stock_of_no_such_show_is_a_404(anonymous: Client) -> None:
    await assert_error(await anonymous.get("/api/shows/nope/stock"), 404, "show_not_found")


async def test_checkout_details_are_the_viewers_own_last_order_and_nobody_elses(
    shop: LiveShop, buyers: Buyers, server: TestServer, anonymous: Client
) -> None:
    mia = await buyers("Mia")
    details = await mia.get("/api/viewer/checkout-details")
    assert details.status == 200
    assert details.headers["Cache-Control"] == "no-store, private"
    assert await details.json() == {"details": None}  # a first purchase starts empty

    first = (await (await buy(mia, shop)).json())["checkout"]
    await place_order(mia, first["id"], name="Mia First")
    second = (await (await buy(mia, shop)).json())["checkout"]
    moved = {**ADDRESS, "line1": "9 Harbour Road", "line2": "Flat 2"}
    placed = await place_order(mia, second["id"], address=moved, announce=False)
    await pay(mia, (await placed.json())["payment"]["payment_id"])

    mine = await (await mia.get("/api/viewer/checkout-details")).json()
    assert mine == {
        "details": {
            "email": "mia@example.com",
            "name": "Mia Buyer",
            "address": {**moved, "region": ""},
            "announce": False,
        }
    }
    # Another guest, and a browser with no guest cookie, get nothing of Mia's.
    bo = await buyers("Bo")
    assert await (await bo.get("/api/viewer/checkout-details")).json() == {"details": None}
    answer = await anonymous.get("/api/viewer/checkout-details")
    assert await answer.json() == {"details": None}
    async with TestClient(server) as forged:
        forged.session.cookie_jar.update_cookies({"ls_viewer": "not-a-real-token"})
        answer = await forged.get("/api/viewer/checkout-details")
        assert await answer.json() == {"details": None}
