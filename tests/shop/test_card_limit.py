"""The dummy gateway's test cards are everyone's: they count as no card for a sale's limit.

(Stripe gives each real card a fingerprint: see test_card_limit_stripe.py.)
"""

from __future__ import annotations

from tests.support.clients import Buyers, Client
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import flash_pin, open_live_shop


async def test_guests_paying_with_the_shared_test_card_each_get_their_share(
    alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=20)
    await flash_pin(alice, shop, quantity=20, limit=2)
    statuses = []
    for n in range(3):
        client = await buyers(f"Tester {n}")
        checkout = (await (await buy(client, shop, 2)).json())["checkout"]
        placed = await (await place_order(client, checkout["id"])).json()
        paid = await (await pay(client, placed["payment"]["payment_id"])).json()
        statuses.append((paid["order"]["status"], paid["order"]["status_reason"]))
    assert statuses == [("paid", None)] * 3
    assert await levels(alice, shop.variant_id) == (14, 0, 6)
