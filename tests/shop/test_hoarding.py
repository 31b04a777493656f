"""A bot cannot hoard a sale: caps on units held per guest and per address, short flash holds.

The requests are the ones that emptied sales: fresh cookie -> PUT /api/viewer -> Buy
now, many at once from one address; one guest taking a whole product with
several Buy nows; holds renewed by buying again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client, assert_error, become_viewer, explicit_dummy, origin
from tests.support.polling import poll_until
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import LiveShop, flash_pin, open_live_shop

BOT_ADDRESS = "203.0.113.7"
REFUSED = "livesale_shop_holds_refused_total"


def refused(reason: str) -> float:
    """Holds refused by a per-person cap for `reason` so far (present from the start at 0)."""
    value = REGISTRY.get_sample_value(REFUSED, {"reason": reason})
    assert value is not None, f"{REFUSED}{{reason={reason!r}}} is not exported"
    return value


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Behind a proxy on 127.0.0.1 (so a test can name each client's address), short flash holds."""
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    shop = dataclasses.replace(settings.shop, flash_sale_hold_seconds=3)
    return explicit_dummy(dataclasses.replace(settings, server=server, shop=shop))


class Guests:
    """Fresh guests of a server, each its own cookie, each from a chosen address."""

    def __init__(self, server: TestServer) -> None:
        self._server = server
        self.clients: list[Client] = []
        self.ids: dict[Client, str] = {}

    async def new(self, address: str, name: str = "Bot") -> Client:
        """A fresh cookie that named itself through PUT /api/viewer, seen from `address`."""
        client: Client = TestClient(self._server, headers={"X-Forwarded-For": address})
        await client.start_server()
        self.clients.append(client)
        self.ids[client] = (await become_viewer(client, name))["id"]
        return client


@pytest.fixture
async def guests(server: TestServer) -> AsyncIterator[Guests]:
    """Make guests; closed at the end."""
    made = Guests(server)
    try:
        yield made
    finally:
        for client in made.clients:
            await client.close()


async def _buy(client: Client, shop: LiveShop, quantity: int) -> tuple[int, dict[str, Any]]:
    response = await buy(client, shop, quantity=quantity)
    body: dict[str, Any] = await response.json()
    return response.status, body


async def test_nine_fresh_cookies_from_one_address_get_three_buyers_worth(
    alice: Client, guests: Guests
) -> None:
    shop = await open_live_shop(alice, stock=20)
    await flash_pin(alice, shop, quantity=20, limit=2)
    bots = [await guests.new(BOT_ADDRESS, f"Bot {n}") for n in range(9)]
    before = refused("sale_limit_per_address")

    results = await asyncio.gather(*(_buy(bot, shop, 2) for bot in bots))

    held = [body for status, body in results if status == 201]
    refusals = [body["error"] for status, body in results if status != 201]
    # 2 per buyer x shop.per_address_limit_factor (3) for the whole address.
    assert len(held) == 3
    assert {error["code"] for error in refusals} == {"per_buyer_limit"}
    assert all(error["details"]["scope"] == "address" for error in refusals)
    assert all(error["details"]["limit"] == 6 for error in refusals)
    assert refused("sale_limit_per_address") - before == 6
    assert await levels(alice, shop.variant_id) == (14, 6, 0)
    sale_id = held[0]["checkout"]["lines"][0]["sale_id"]
    stock = alice.app[SERVICES].shop.stock.seller(shop.creator_id)
    assert await stock.address_units(sale_id, BOT_ADDRESS) == 6

    # Someone else, elsewhere, still buys at the sale price.
    real = await guests.new("198.51.100.20", "Mia")
    status, body = await _buy(real, shop, 2)
    assert status == 201, body
    assert body["checkout"]["lines"][0]["unit_price_minor"] == 1500


async def test_one_guest_cannot_hold_a_whole_product_with_three_buy_nows(
    alice: Client, guests: Guests
) -> None:
    shop = await open_live_shop(alice, stock=30)
    bot = await guests.new(BOT_ADDRESS)
    before = refused("held_per_buyer")

    results = await asyncio.gather(*(_buy(bot, shop, 10) for _ in range(3)))

    assert sorted(status for status, _ in results) == [201, 409, 409]
    errors = [body["error"] for status, body in results if status == 409]
    assert [error["code"] for error in errors] == ["hold_limit_reached"] * 2
    assert errors[0]["details"] == {"scope": "buyer", "limit": 10, "held": 10, "requested": 10}
    assert refused("held_per_buyer") - before == 2
    assert await levels(alice, shop.variant_id) == (20, 10, 0)


async def test_many_fresh_cookies_share_the_address_cap(alice: Client, guests: Guests) -> None:
    shop = await open_live_shop(alice, stock=60)
    bots = [await guests.new(BOT_ADDRESS, f"Bot {n}") for n in range(5)]

    results = await asyncio.gather(*(_buy(bot, shop, 10) for bot in bots))

    assert sorted(status for status, _ in results) == [201, 201, 201, 409, 409]
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "hold_limit_reached"
            assert body["error"]["details"]["scope"] == "address"
            assert body["error"]["details"]["limit"] == 30
    assert await levels(alice, shop.variant_id) == (30, 30, 0)
    # Another address is not affected.
    other = await guests.new("198.51.100.20", "Mia")
    assert (await buy(other, shop, quantity=10)).status == 201


async def test_an_ipv6_bot_counts_as_its_whole_64(alice: Client, guests: Guests) -> None:
    shop = await open_live_shop(alice, stock=60)
    bots = [await guests.new(f"2001:db8:7:7::{n + 1:x}", f"Bot {n}") for n in range(4)]

    statuses = [(await buy(bot, shop, quantity=10)).status for bot in bots]

    assert statuses == [201, 201, 201, 409]


async def test_paid_and_canceled_units_are_no_longer_held(alice: Client, guests: Guests) -> None:
    shop = await open_live_shop(alice, stock=40)
    mia = await guests.new("198.51.100.20", "Mia")
    checkout = (await (await buy(mia, shop, quantity=10)).json())["checkout"]
    await assert_error(await buy(mia, shop, quantity=1), 409, "hold_limit_reached")

    placed = await (await place_order(mia, checkout["id"])).json()
    assert (await (await pay(mia, placed["payment"]["payment_id"])).json())["order"]["status"] == (
        "paid"
    )
    again = (await (await buy(mia, shop, quantity=10)).json())["checkout"]
    canceled = await mia.delete(f"/api/checkouts/{again['id']}", headers=origin(mia))
    assert canceled.status == 200, await canceled.text()
    assert (await buy(mia, shop, quantity=10)).status == 201
    store = alice.app[SERVICES].shop.stock.seller(shop.creator_id)
    assert await store.held_by(f"viewer:{guests.ids[mia]}") == 10
    assert await store.held_by("address:198.51.100.20") == 10


async def test_a_flash_hold_ends_at_the_short_ttl_and_a_new_checkout_does_not_extend_it(
    alice: Client, guests: Guests
) -> None:
    shop = await open_live_shop(alice, stock=20)
    await flash_pin(alice, shop, quantity=20, limit=2)
    mia = await guests.new("198.51.100.20", "Mia")
    started = time.time()
    first = (await (await buy(mia, shop, quantity=1)).json())["checkout"]
    # Not the 600 s of an ordinary hold: shop.flash_sale_hold_seconds (3 here).
    assert first["expires_at"] - started <= 3.5

    second = (await (await buy(mia, shop, quantity=1)).json())["checkout"]
    assert second["expires_at"] == first["expires_at"]

    await poll_until(
        lambda: _levels_are(alice, shop.variant_id, (20, 0, 0)), 10, "the flash holds to expire"
    )
    assert time.time() >= first["expires_at"]
    await assert_error(await place_order(mia, second["id"]), 409, "checkout_expired")
    # A new window opens only after the last one closed.
    third = (await (await buy(mia, shop, quantity=1)).json())["checkout"]
    assert third["expires_at"] > first["expires_at"]


async def test_an_ordinary_hold_keeps_the_long_ttl(alice: Client, guests: Guests) -> None:
    shop = await open_live_shop(alice, stock=20)
    mia = await guests.new("198.51.100.20", "Mia")
    started = time.time()
    checkout = (await (await buy(mia, shop, quantity=1)).json())["checkout"]
    assert 599 <= checkout["expires_at"] - started <= 601


async def _levels_are(client: Client, variant_id: str, wanted: tuple[int, int, int]) -> bool:
    return await levels(client, variant_id) == wanted
