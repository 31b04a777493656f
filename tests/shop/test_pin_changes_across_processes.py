"""A pin change or a show's end applies on every shop process at once, not after its cache.

Two app instances share one redis-server and one SQLite file, as two shop
processes do. Each caches a show's pin for half a second, so these tests
first buy through the second process to make it cache the flash sale, then
change it through the first, then buy through the second at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from livesale.composition.services import SERVICES
from tests.support.clients import Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import LiveShop, flash_pin, open_live_shop

Buyers = Callable[..., Awaitable[Client]]
REGULAR, SALE_PRICE = 2500, 1500


async def bought_line(client: Client, shop: LiveShop) -> dict[str, Any]:
    """Buy one unit; the checkout's only line."""
    response = await buy(client, shop)
    assert response.status == 201, await response.text()
    line: dict[str, Any] = (await response.json())["checkout"]["lines"][0]
    return line


def price_of(line: dict[str, Any]) -> tuple[int, bool, str | None]:
    """What a line was sold at: unit price, flash sale or not, the sale's id."""
    return line["unit_price_minor"], line["flash_sale"], line["sale_id"]


async def test_after_an_unpin_the_other_process_sells_at_the_regular_price_at_once(
    alice: Client, buyers2: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=10)
    pin = await flash_pin(alice, shop, quantity=5, limit=5)
    early, late = await buyers2("Early"), await buyers2("Late")
    # Process 2 prices a buy at the sale, and so has the sale's pin in its cache.
    sale_id = f"pin{pin['id']}"
    assert price_of(await bought_line(early, shop)) == (SALE_PRICE, True, sale_id)

    unpin = await alice.post(f"/api/shows/{shop.show_id}/unpin", headers=origin(alice))
    assert unpin.status == 200, await unpin.text()
    assert price_of(await bought_line(late, shop)) == (REGULAR, False, None)

    store = alice.app[SERVICES].shop.stock.seller(shop.creator_id)
    sale = await store.sale_levels(sale_id)
    assert (sale.held, sale.sold) == (1, 0)
    assert await levels(alice, shop.variant_id) == (8, 2, 0)


async def test_after_a_new_pin_the_old_sale_is_over_on_the_other_process(
    alice: Client, buyers2: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=10)
    await flash_pin(alice, shop, quantity=5, limit=5)
    early, late = await buyers2("Early"), await buyers2("Late")
    assert price_of(await bought_line(early, shop))[:2] == (SALE_PRICE, True)

    # The same product again, without a sale this time.
    body = {"product_id": shop.product["id"]}
    repin = await alice.post(f"/api/shows/{shop.show_id}/pin", json=body, headers=origin(alice))
    assert repin.status == 201, await repin.text()
    assert price_of(await bought_line(late, shop)) == (REGULAR, False, None)


async def test_after_the_end_the_other_process_refuses_live_buys_at_once(
    alice: Client, buyers2: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=10)
    await flash_pin(alice, shop, quantity=5, limit=5)
    early, late = await buyers2("Early"), await buyers2("Late")
    request_id = uuid.uuid4().hex
    response = await buy(early, shop, request_id=request_id)
    checkout = (await response.json())["checkout"]
    assert price_of(checkout["lines"][0])[:2] == (SALE_PRICE, True)

    ended = await alice.post(f"/api/shows/{shop.show_id}/end", headers=origin(alice))
    assert ended.status == 200, await ended.text()
    await assert_error(await buy(late, shop), 409, "show_ended")
    assert await levels(alice, shop.variant_id) == (9, 1, 0)

    # What was held before the end is still the buyer's: a retry of that Buy gets it
    # back, and it can be ordered and paid at its price.
    retried = await buy(early, shop, request_id=request_id)
    assert retried.status == 201, await retried.text()
    assert (await retried.json())["checkout"] == checkout
    placed = await place_order(early, checkout["id"])
    assert placed.status == 201, await placed.text()
    paid = await pay(early, (await placed.json())["payment"]["payment_id"])
    order = (await paid.json())["order"]
    assert (order["status"], order["total_minor"]) == ("paid", SALE_PRICE)
    assert await levels(alice, shop.variant_id) == (9, 0, 1)


async def test_the_sale_s_caps_hold_across_processes_and_end_with_the_unpin(
    alice: Client, buyers: Buyers, buyers2: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=20)
    pin = await flash_pin(alice, shop, quantity=3, limit=1)
    crowd = [await (buyers if n % 2 else buyers2)(f"Buyer {n}") for n in range(10)]

    async def attempt(client: Client) -> tuple[int, Any]:
        response = await buy(client, shop)
        return response.status, await response.json()

    # Everyone twice, on both processes at once: 3 sale units, one per buyer.
    results = await asyncio.gather(*(attempt(c) for c in crowd + crowd))
    sold = [body["checkout"]["lines"][0] for status, body in results if status == 201]
    assert [price_of(line)[:2] for line in sold] == [(SALE_PRICE, True)] * 3
    refusals = Counter(body["error"]["code"] for status, body in results if status != 201)
    assert set(refusals) <= {"sold_out", "per_buyer_limit"}, refusals
    assert sum(refusals.values()) == 17

    unpin = await alice.post(f"/api/shows/{shop.show_id}/unpin", headers=origin(alice))
    assert unpin.status == 200, await unpin.text()
    after = await asyncio.gather(*(bought_line(c, shop) for c in crowd[:4]))
    assert [price_of(line) for line in after] == [(REGULAR, False, None)] * 4
    stock = alice.app[SERVICES].shop.stock.seller(shop.creator_id)
    sale = await stock.sale_levels(f"pin{pin['id']}")
    assert (sale.held, sale.sold) == (3, 0)
    assert await levels(alice, shop.variant_id) == (13, 7, 0)


async def test_every_process_hears_of_pins_unpins_and_the_end(
    alice: Client, server2: TestServer
) -> None:
    # What drops the cached show and pin there (see livesale/app.py), so carts
    # and stock messages show the change at once too.
    shop = await open_live_shop(alice, stock=10)
    heard: list[str] = []
    server2.app[SERVICES].live.sale_gate.on_change(heard.append)

    await flash_pin(alice, shop, quantity=2)
    await poll_until(lambda: heard == [shop.show_id], 5, "process 2 to hear of the pin")
    await alice.post(f"/api/shows/{shop.show_id}/unpin", headers=origin(alice))
    await poll_until(lambda: len(heard) == 2, 5, "process 2 to hear of the unpin")
    await alice.post(f"/api/shows/{shop.show_id}/end", headers=origin(alice))
    await poll_until(lambda: len(heard) == 3, 5, "process 2 to hear of the end")
    assert heard == [shop.show_id] * 3
    catalogue = server2.app[SERVICES].shop.catalogue
    assert (await catalogue.show(shop.show_id)).status.value == "ended"
    assert await catalogue.pin(shop.show_id) is None


async def test_a_refused_pin_or_unpin_closes_nothing(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=10)
    pin = await flash_pin(alice, shop, quantity=2)
    pin_url = f"/api/shows/{shop.show_id}/pin"
    # Bob is not the show's creator; Alice's new sale is invalid: all refused.
    await assert_error(
        await bob.post(f"/api/shows/{shop.show_id}/unpin", headers=origin(bob)), 403, "not_owner"
    )
    body: dict[str, Any] = {"product_id": shop.product["id"]}
    await assert_error(await bob.post(pin_url, json=body, headers=origin(bob)), 403, "not_owner")
    body["flash_sale"] = {"sale_price_minor": 9999, "quantity": 1}
    invalid = await alice.post(pin_url, json=body, headers=origin(alice))
    await assert_error(invalid, 400, "validation_failed")

    # The sale runs on.
    redis: Redis = alice.app[SERVICES].storage.redis
    assert await redis.hget(f"livesale:stock:sale:pin{pin['id']}", "closed") is None  # type: ignore[misc]
    mia = await buyers("Mia")
    assert price_of(await bought_line(mia, shop)) == (SALE_PRICE, True, f"pin{pin['id']}")
