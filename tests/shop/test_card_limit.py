"""A flash sale's per-buyer limit follows the card that pays: two cookies, one card, one share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from livesale import keys
from livesale.domain.payments import CARD_NEEDS_AUTHENTICATION, dummy_card_fingerprint
from tests.api_helpers import origin
from tests.shop.conftest import buy, flash_pin, levels, open_live_shop, pay, place_order
from tests.shows.conftest import Client

Buyers = Callable[..., Awaitable[Client]]


async def _order(client: Client, shop: Any, quantity: int) -> dict[str, Any]:
    checkout = (await (await buy(client, shop, quantity)).json())["checkout"]
    placed = await place_order(client, checkout["id"])
    assert placed.status == 201, await placed.text()
    body: dict[str, Any] = await placed.json()
    return body


async def test_one_card_paying_for_two_cookies_gets_one_share(
    alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=20)
    pin = await flash_pin(alice, shop, quantity=20, limit=2)
    first, second, third = await buyers("Bot A"), await buyers("Bot B"), await buyers("Mia")
    one = await _order(first, shop, 2)
    two = await _order(second, shop, 2)
    three = await _order(third, shop, 1)

    paid = await (await pay(first, one["payment"]["payment_id"])).json()
    assert paid["order"]["status"] == "paid"
    # The same test card again, from another cookie: past the sale's 2 per buyer.
    over = await (await pay(second, two["payment"]["payment_id"])).json()
    assert over["order"]["status"] == "refunded"
    assert over["order"]["status_reason"] == "card_over_sale_limit"
    # Another card is another buyer.
    response = await pay(third, three["payment"]["payment_id"], card=CARD_NEEDS_AUTHENTICATION)
    assert response.status == 200, await response.text()
    approved = await third.post(
        f"/api/payments/dummy/{three['payment']['payment_id']}/authenticate",
        json={"approve": True},
        headers=origin(third),
    )
    assert (await approved.json())["order"]["status"] == "paid"

    # The refused order's units went back on sale: 2 + 1 sold, nothing held.
    assert await levels(alice, shop.variant_id) == (17, 0, 3)
    store = alice.app[keys.SHOP].stock.store
    sale = await store.sale_levels(f"pin{pin['id']}")
    assert (sale.held, sale.sold) == (0, 3)
    assert await store.count_card(
        f"pin{pin['id']}", dummy_card_fingerprint("4242424242424242"), "ord_probe", 1, 2
    ) == (False, 2)


async def test_a_card_within_the_limit_pays_in_two_orders(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=20)
    await flash_pin(alice, shop, quantity=20, limit=2)
    first, second = await buyers("Mia"), await buyers("Mia again")
    for client in (first, second):
        body = await _order(client, shop, 1)
        paid = await (await pay(client, body["payment"]["payment_id"])).json()
        assert paid["order"]["status"] == "paid"


async def test_a_regular_price_order_is_not_counted_per_card(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=20)
    statuses = []
    for n in range(3):
        client = await buyers(f"Buyer {n}")
        body = await _order(client, shop, 3)
        paid = await (await pay(client, body["payment"]["payment_id"])).json()
        statuses.append(paid["order"]["status"])
    assert statuses == ["paid"] * 3
