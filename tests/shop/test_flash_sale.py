"""A flash sale under a crowd: exact units sold, live stock messages, purchase news."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.room.helpers import room
from tests.support.clients import Client, origin
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import BUYER, flash_pin, open_live_shop

Buyers = Callable[..., Awaitable[Client]]
BUYERS = 1000
UNITS = 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shop's settings behind a proxy on 127.0.0.1, so each buyer can have an address."""
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    # Trusting a proxy makes the server reachable by others: test payments are chosen by name.
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(settings, server=server, payments=payments)


def crowd_address(n: int) -> str:
    """The n-th buyer's own address (a crowd is many people; one address is capped)."""
    return f"198.18.{n // 256}.{n % 256}"


async def test_a_thousand_buyers_race_for_fifty_units(alice: Client, server: TestServer) -> None:
    shop = await open_live_shop(alice, stock=UNITS)
    await flash_pin(alice, shop, quantity=UNITS)
    viewers = alice.app[SERVICES].accounts.viewers
    tokens = [(await viewers.create(f"Buyer {n}"))[1] for n in range(BUYERS)]
    url = str(server.make_url(f"/api/shows/{shop.show_id}/buy"))
    headers = origin(alice)

    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    ) as session:

        async def attempt(n: int, token: str) -> tuple[int, Any]:
            body = {"variant_id": shop.variant_id, "request_id": uuid.uuid4().hex}
            sent = {**headers, "Cookie": f"ls_viewer={token}", "X-Forwarded-For": crowd_address(n)}
            async with session.post(url, json=body, headers=sent) as response:
                return response.status, await response.json()

        results = await asyncio.gather(*(attempt(n, token) for n, token in enumerate(tokens)))

        async def checkout_and_pay(token: str, checkout_id: str) -> str:
            cookie = {**headers, "Cookie": f"ls_viewer={token}"}
            async with session.post(
                str(server.make_url(f"/api/checkouts/{checkout_id}/order")),
                json=BUYER,
                headers=cookie,
            ) as placed:
                payment_id = (await placed.json())["payment"]["payment_id"]
            async with session.post(
                str(server.make_url(f"/api/payments/dummy/{payment_id}/confirm")),
                json={"card_number": "4242424242424242"},
                headers=cookie,
            ) as paid:
                status: str = (await paid.json())["order"]["status"]
                return status

        winners = [
            (token, body["checkout"]["id"])
            for token, (status, body) in zip(tokens, results, strict=True)
            if status == 201
        ]
        paid = await asyncio.gather(*(checkout_and_pay(t, c) for t, c in winners))
        assert paid == ["paid"] * UNITS

    statuses = Counter(status for status, _ in results)
    assert statuses[201] == UNITS, statuses
    refusals = Counter(body["error"]["code"] for status, body in results if status != 201)
    assert set(refusals) <= {"sold_out", "out_of_stock"}
    assert sum(refusals.values()) == BUYERS - UNITS
    assert await levels(alice, shop.variant_id) == (0, 0, UNITS)
    checkouts = [body["checkout"] for status, body in results if status == 201]
    assert all(c["lines"][0]["unit_price_minor"] == 1500 for c in checkouts)
    sale_id = checkouts[0]["lines"][0]["sale_id"]
    sale = await alice.app[SERVICES].shop.stock.seller(shop.creator_id).sale_levels(sale_id)
    assert (sale.held, sale.sold) == (0, UNITS)


async def test_viewers_see_stock_sold_out_and_purchases(
    alice: Client, buyers: Buyers, server: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=2)
    await flash_pin(alice, shop, quantity=2, limit=2)
    watcher = await buyers("Watcher")
    mia = await buyers("Mia")
    async with room(watcher, shop.show_id) as socket:
        assert socket.snapshot["stock"]["variants"] == {shop.variant_id: 2}
        assert socket.snapshot["stock"]["sale"]["remaining"] == 2

        checkout = (await (await buy(mia, shop, quantity=2)).json())["checkout"]
        stock = await socket.next("stock", lambda e: e["variants"][shop.variant_id] == 0)
        assert stock["sale"]["remaining"] == 0
        assert (await socket.next("sold_out"))["product_id"] == shop.product["id"]

        body = await (await place_order(mia, checkout["id"], announce=True)).json()
        await pay(mia, body["payment"]["payment_id"])
        purchase = await socket.next("purchase")
        assert purchase == {
            "type": "purchase",
            "buyer": "Mia",
            "product_id": shop.product["id"],
            "title": shop.product["title"],
            "quantity": 2,
        }


async def test_buyers_who_opt_out_are_not_announced(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=5)
    watcher = await buyers("Watcher")
    mia = await buyers("Mia")
    async with room(watcher, shop.show_id) as socket:
        checkout = (await (await buy(mia, shop)).json())["checkout"]
        body = await (await place_order(mia, checkout["id"], announce=False)).json()
        paid = await pay(mia, body["payment"]["payment_id"])
        assert (await paid.json())["order"]["status"] == "paid"
        # A later announced purchase arrives; the opted-out one never did before it.
        eve = await buyers("Eve")
        checkout = (await (await buy(eve, shop)).json())["checkout"]
        body = await (await place_order(eve, checkout["id"], **BUYER)).json()
        await pay(eve, body["payment"]["payment_id"])
        first = await socket.next("purchase")
        assert first["buyer"] == "Eve"


async def test_a_buy_naming_a_new_pin_gets_its_flash_price(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=5)
    mia = await buyers("Mia")
    # A first buy caches "nothing pinned" in this process for a moment.
    first = (await (await buy(mia, shop)).json())["checkout"]
    assert first["lines"][0]["unit_price_minor"] == 2500
    await flash_pin(alice, shop, quantity=3)
    pin_id = (await (await alice.get(f"/api/shows/{shop.show_id}/timeline")).json())["events"][-1][
        "id"
    ]
    response = await mia.post(
        f"/api/shows/{shop.show_id}/buy",
        json={"variant_id": shop.variant_id, "request_id": uuid.uuid4().hex, "pin_id": pin_id},
        headers=origin(mia),
    )
    line = (await response.json())["checkout"]["lines"][0]
    assert (line["unit_price_minor"], line["flash_sale"]) == (1500, True)


async def test_pinning_tells_watching_viewers_the_stock(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=7)
    watcher = await buyers("Watcher")
    async with room(watcher, shop.show_id) as socket:
        assert socket.snapshot["stock"] is None
        await flash_pin(alice, shop, quantity=4)
        stock = await socket.next("stock")
        assert stock["variants"] == {shop.variant_id: 7}
        assert stock["sale"]["remaining"] == 4
