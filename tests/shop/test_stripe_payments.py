"""The Stripe gateway against a local Stripe API stand-in: webhooks, retries, races, refunds."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.storage.orders import OrderRepository
from livesale.web.order_routes import WEBHOOK_PATH
from tests.stripe_standin.fixtures import (  # noqa: F401
    official_client,
    paying_through,
    sending_webhooks_to,
    stripe_standin,
)
from tests.stripe_standin.server import StripeStandin
from tests.support.clients import Client, assert_error, origin, sign_up
from tests.support.shopping import buy, levels, place_order
from tests.support.world import LiveShop, open_live_shop

Buyers = Callable[..., Awaitable[Client]]


@pytest.fixture
def settings(settings: Settings, stripe_standin: StripeStandin) -> Settings:  # noqa: F811
    """The app paying through Stripe, where Stripe is the local stand-in."""
    return paying_through(settings, stripe_standin)


@pytest.fixture
async def standin(stripe_standin: StripeStandin, server: TestServer) -> StripeStandin:  # noqa: F811
    """The stand-in, sending its webhooks to the app under test."""
    return sending_webhooks_to(stripe_standin, server)


@pytest.fixture
async def alice_shop(server: TestServer) -> AsyncIterator[tuple[Client, LiveShop]]:
    """Alice signed in, with a live show selling 10 units."""
    async with TestClient(server) as alice:
        await sign_up(alice, "alice@example.com", display_name="Alice")
        yield alice, await open_live_shop(alice)


async def _order(client: Client, shop: LiveShop, quantity: int = 1) -> dict[str, Any]:
    checkout = (await (await buy(client, shop, quantity)).json())["checkout"]
    placed = await place_order(client, checkout["id"])
    assert placed.status == 201, await placed.text()
    body: dict[str, Any] = await placed.json()
    body["checkout_id"] = checkout["id"]
    return body


async def _status(client: Client, order_id: str) -> str:
    body = await (await client.get(f"/api/orders/{order_id}")).json()
    status: str = body["order"]["status"]
    return status


async def _history(client: Client, order_id: str) -> list[str]:
    rows = await OrderRepository(client.app[SERVICES].storage.database).history(order_id)
    return [change.to_status for change in rows]


async def _mia_orders(buyers: Buyers, shop: LiveShop) -> tuple[Client, str, str]:
    """Mia places an order for one unit: her client, the order id and its payment id."""
    mia = await buyers("Mia")
    body = await _order(mia, shop)
    return mia, body["order"]["id"], body["payment"]["payment_id"]


async def test_paid_through_the_webhook_once(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    mia = await buyers("Mia")
    body = await _order(mia, shop, quantity=2)
    payment = body["payment"]
    assert payment["gateway"] == "stripe"
    assert payment["client_secret"].startswith(payment["payment_id"] + "_secret_")
    assert payment["publishable_key"] == "pk_test_livesale"
    intent = standin.payment_intents[payment["payment_id"]]
    assert intent["amount"] == 5000
    assert intent["currency"] == "eur"
    assert intent["metadata"]["order_id"] == body["order"]["id"]

    # Placing the order again (a double submit) creates no second PaymentIntent.
    again = await place_order(mia, body["checkout_id"])
    assert again.status == 200
    assert (await again.json())["payment"]["payment_id"] == payment["payment_id"]
    assert standin.created["payment_intent"] == 1

    await standin.succeed(payment["payment_id"])
    order_id = body["order"]["id"]
    assert await _status(mia, order_id) == "paid"
    assert await levels(alice, shop.variant_id) == (8, 0, 2)
    assert [d.status for d in standin.deliveries] == [200]


async def test_forged_tampered_stale_and_replayed_webhooks(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    standin.auto_deliver = False
    mia, order_id, payment_id = await _mia_orders(buyers, shop)
    event = await standin.succeed(payment_id)

    for delivery in [
        *await standin.deliver(event["id"], secret="whsec_someone_else"),
        *await standin.deliver(event["id"], tamper=True),
        *await standin.deliver(event["id"], timestamp=int(time.time()) - 3600),
    ]:
        assert delivery.status == 400, delivery.body
        assert json.loads(delivery.body)["error"]["code"] == "invalid_signature"
    assert await _status(mia, order_id) == "pending_payment"
    assert await levels(alice, shop.variant_id) == (9, 1, 0)

    deliveries = await standin.deliver(event["id"], times=3)
    assert [d.status for d in deliveries] == [200, 200, 200]
    assert await _status(mia, order_id) == "paid"
    assert await _history(alice, order_id) == ["pending_payment", "paid"]
    assert await levels(alice, shop.variant_id) == (9, 0, 1)


async def test_a_webhook_without_signature_header_is_refused(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop]
) -> None:
    alice, _ = alice_shop
    response = await alice.post(WEBHOOK_PATH, data=b'{"id": "evt_1"}')
    await assert_error(response, 400, "invalid_signature")


async def test_refund_arriving_before_the_payment_event(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    standin.auto_deliver = False
    mia, order_id, payment_id = await _mia_orders(buyers, shop)
    paid = await standin.succeed(payment_id)
    # Someone refunds in Stripe's dashboard; that event overtakes the payment's.
    async with official_client(standin) as client:
        await client.v1.refunds.create_async(params={"payment_intent": payment_id})
    await standin.drain()
    refunded = standin.event(
        "charge.refunded", standin.payment_intents[payment_id]["latest_charge"]
    )

    assert [d.status for d in await standin.deliver(refunded["id"])] == [200]
    assert await _status(mia, order_id) == "refunded"
    assert [d.status for d in await standin.deliver(paid["id"], times=2)] == [200, 200]
    assert await _status(mia, order_id) == "refunded"
    # The units went back on sale and were never counted as sold.
    assert await levels(alice, shop.variant_id) == (10, 0, 0)
    assert await _history(alice, order_id) == ["pending_payment", "refunded"]


async def test_browser_return_before_the_webhook(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    standin.auto_deliver = False
    mia, order_id, payment_id = await _mia_orders(buyers, shop)
    event = await standin.succeed(payment_id)
    refreshed = await mia.post(f"/api/orders/{order_id}/refresh", headers=origin(mia))
    assert (await refreshed.json())["order"]["status"] == "paid"
    await standin.deliver(event["id"])
    assert await _history(alice, order_id) == ["pending_payment", "paid"]
    assert await levels(alice, shop.variant_id) == (9, 0, 1)


async def test_reconciliation_applies_a_lost_webhook(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    standin.auto_deliver = False
    mia = await buyers("Mia")
    body = await _order(mia, shop)
    await standin.succeed(body["payment"]["payment_id"])
    changed = await alice.app[SERVICES].shop.reconciler.reconcile_once()
    assert changed == 1
    assert await _status(mia, body["order"]["id"]) == "paid"
    assert await alice.app[SERVICES].shop.reconciler.reconcile_once() == 0


async def test_seller_refund_is_made_once_and_restocks(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    _, order_id, payment_id = await _mia_orders(buyers, shop)
    await standin.succeed(payment_id)
    assert await levels(alice, shop.variant_id) == (9, 0, 1)
    first = await alice.post(f"/api/orders/{order_id}/refund", headers=origin(alice))
    assert (await first.json())["order"]["status"] == "refunded"
    second = await alice.post(f"/api/orders/{order_id}/refund", headers=origin(alice))
    await assert_error(second, 409, "order_state")
    await standin.drain()  # Stripe's charge.refunded reaches the app and changes nothing
    assert standin.created["refund"] == 1
    assert all(d.status == 200 for d in standin.deliveries)
    assert await levels(alice, shop.variant_id) == (10, 0, 0)
    assert await _history(alice, order_id) == ["pending_payment", "paid", "refunded"]


async def test_only_the_buyer_gets_the_client_secret(
    standin: StripeStandin, alice_shop: tuple[Client, LiveShop], buyers: Buyers
) -> None:
    alice, shop = alice_shop
    mia = await buyers("Mia")
    order_id = (await _order(mia, shop))["order"]["id"]
    as_buyer = await (await mia.get(f"/api/orders/{order_id}")).json()
    as_seller = await (await alice.get(f"/api/orders/{order_id}")).json()
    assert as_buyer["payment"]["client_secret"].startswith("pi_")
    assert as_seller["payment"]["client_secret"] is None
    assert as_seller["payment"]["status"] == "requires_payment_method"
