"""Stripe gives the paying card's fingerprint on the charge: a flash sale's limit follows it."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from livesale.config import Settings
from tests.stripe_standin.fixtures import (
    paying_through,
    sending_webhooks_to,
    stripe_standin,  # noqa: F401
)
from tests.stripe_standin.server import StripeStandin
from tests.support.clients import Buyers, Client
from tests.support.shopping import buy, levels, place_order
from tests.support.world import flash_pin, open_live_shop

MASTERCARD = "5555555555554444"
REFUSED = "livesale_shop_holds_refused_total"


@pytest.fixture
def settings(settings: Settings, stripe_standin: StripeStandin) -> Settings:  # noqa: F811
    """The app paying through Stripe, where Stripe is the local stand-in."""
    return paying_through(settings, stripe_standin)


@pytest.fixture
async def standin(stripe_standin: StripeStandin, server: TestServer) -> StripeStandin:  # noqa: F811
    """The stand-in, sending its webhooks to the app under test."""
    return sending_webhooks_to(stripe_standin, server)


async def _order(client: Client, shop: Any, quantity: int) -> tuple[str, str]:
    checkout = (await (await buy(client, shop, quantity)).json())["checkout"]
    placed = await place_order(client, checkout["id"])
    assert placed.status == 201, await placed.text()
    body = await placed.json()
    return body["order"]["id"], body["payment"]["payment_id"]


async def _order_state(client: Client, order_id: str) -> tuple[str, str | None]:
    order = (await (await client.get(f"/api/orders/{order_id}")).json())["order"]
    return order["status"], order["status_reason"]


async def test_the_same_card_from_two_cookies_is_refunded_past_the_limit(
    standin: StripeStandin, alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=20)
    await flash_pin(alice, shop, quantity=20, limit=2)
    first, second, third = await buyers("Bot A"), await buyers("Bot B"), await buyers("Mia")
    before = REGISTRY.get_sample_value(REFUSED, {"reason": "sale_limit_per_card"})
    assert before is not None
    one, one_pi = await _order(first, shop, 2)
    two, two_pi = await _order(second, shop, 1)
    three, three_pi = await _order(third, shop, 2)

    await standin.succeed(one_pi)  # Stripe's 4242 test card
    await standin.succeed(two_pi)  # the same card, another cookie: 3 > 2
    await standin.succeed(three_pi, card=MASTERCARD)

    assert await _order_state(first, one) == ("paid", None)
    assert await _order_state(second, two) == ("refunded", "card_over_sale_limit")
    assert await _order_state(third, three) == ("paid", None)
    assert REGISTRY.get_sample_value(REFUSED, {"reason": "sale_limit_per_card"}) == before + 1
    # The refused order's money went back at Stripe, in full, once.
    refunds = [r for r in standin.refunds.values() if r["payment_intent"] == two_pi]
    assert [r["amount"] for r in refunds] == [1500]
    assert await levels(alice, shop.variant_id) == (16, 0, 4)
    # The fingerprint was read from the charge Stripe made.
    charge_reads = [r for r in standin.requests if r.path.startswith("/v1/charges/")]
    assert len(charge_reads) == 3


async def test_a_regular_price_order_asks_stripe_for_no_card(
    standin: StripeStandin, alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=20)
    mia = await buyers("Mia")
    order_id, payment_id = await _order(mia, shop, 3)
    await standin.succeed(payment_id)
    assert await _order_state(mia, order_id) == ("paid", None)
    assert not [r for r in standin.requests if r.path.startswith("/v1/charges/")]
