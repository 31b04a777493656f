"""Refunds of single lines through Stripe (the local stand-in): amounts, keys, webhooks."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.storage.orders import OrderRepository
from tests.stripe_standin.fixtures import (  # noqa: F401
    official_client,
    paying_through,
    sending_webhooks_to,
    stripe_standin,
)
from tests.stripe_standin.server import StripeStandin
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import levels, placed_order, position, seller_order
from tests.support.world import MUG_PRICE, TEE_PRICE, TwoItemShop


@pytest.fixture
def settings(settings: Settings, stripe_standin: StripeStandin) -> Settings:  # noqa: F811
    """The app paying through Stripe, where Stripe is the local stand-in."""
    return paying_through(settings, stripe_standin)


@pytest.fixture
async def standin(stripe_standin: StripeStandin, server: TestServer) -> StripeStandin:  # noqa: F811
    """The stand-in, sending its webhooks to the app under test."""
    return sending_webhooks_to(stripe_standin, server)


async def _paid(
    standin: StripeStandin, buyers: Buyers, two_items: TwoItemShop
) -> tuple[Client, dict[str, Any]]:
    """Mia's order of 2 Tees and a Mug, paid at Stripe (the webhook applied)."""
    mia = await buyers("Mia")
    body = await placed_order(mia, two_items.show_id, [(two_items.tee, 2), (two_items.mug, 1)])
    await standin.succeed(body["payment"]["payment_id"])
    order = await seller_order(mia, body["order"]["id"])
    assert order["status"] == "paid"
    return mia, order


def _charge(standin: StripeStandin, payment_id: str) -> dict[str, Any]:
    charge: dict[str, Any] = standin.charges[standin.payment_intents[payment_id]["latest_charge"]]
    return charge


async def _refund(client: Client, order_id: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return await client.post(f"/api/orders/{order_id}/refund", headers=origin(client), **kwargs)


async def _history(client: Client, order_id: str) -> list[str]:
    rows = await OrderRepository(client.app[SERVICES].storage.database).history(order_id)
    return [change.to_status for change in rows]


async def test_each_line_is_its_own_refund_and_the_last_refunds_the_order(
    alice: Client, standin: StripeStandin, two_items: TwoItemShop, buyers: Buyers
) -> None:
    _, order = await _paid(standin, buyers, two_items)
    payment_id = order["payment_id"]
    tee, mug = position(order, two_items.tee), position(order, two_items.mug)

    response = await _refund(alice, order["id"], {"lines": [mug]})
    assert response.status == 200, await response.text()
    await standin.drain()  # Stripe's charge.refunded (a partial one) reaches the app
    [refund] = standin.refunds.values()
    assert (refund["amount"], refund["payment_intent"]) == (MUG_PRICE, payment_id)
    assert refund["metadata"] == {"order_id": order["id"]}
    [call] = [r for r in standin.requests if r.path == "/v1/refunds"]
    assert call.idempotency_key == f"{order['id']}-refund-line-{mug}"
    charge = _charge(standin, payment_id)
    assert (charge["amount_refunded"], charge["refunded"]) == (MUG_PRICE, False)
    after = await seller_order(alice, order["id"])
    assert (after["status"], after["refunded_minor"]) == ("paid", MUG_PRICE)
    assert await levels(alice, two_items.mug) == (5, 0, 0)
    assert all(d.status == 200 for d in standin.deliveries)

    last = await _refund(alice, order["id"], {"lines": [tee]})
    assert (await last.json())["order"]["status"] == "refunded"
    await standin.drain()
    assert sorted(r["amount"] for r in standin.refunds.values()) == [MUG_PRICE, 2 * TEE_PRICE]
    charge = _charge(standin, payment_id)
    assert (charge["amount_refunded"], charge["refunded"]) == (2 * TEE_PRICE + MUG_PRICE, True)
    # The full-refund webhook that follows changes nothing more.
    assert all(d.status == 200 for d in standin.deliveries)
    assert await _history(alice, order["id"]) == ["pending_payment", "paid", "refunded"]
    final = await seller_order(alice, order["id"])
    assert (final["status_reason"], final["refunded_minor"]) == (
        "refunded_by_seller",
        2 * TEE_PRICE + MUG_PRICE,
    )
    assert await levels(alice, two_items.tee) == (10, 0, 0)


async def test_a_retried_line_refund_is_one_refund_at_stripe(
    alice: Client, standin: StripeStandin, two_items: TwoItemShop, buyers: Buyers
) -> None:
    _, order = await _paid(standin, buyers, two_items)
    mug = position(order, two_items.mug)
    # Stripe executes the refund and the answer is lost on the way back.
    standin.inject("reset", path="/v1/refunds")
    lost = await _refund(alice, order["id"], {"lines": [mug]})
    await assert_error(lost, 502, "payment_gateway_error")
    assert (await seller_order(alice, order["id"]))["lines"][mug]["refunded"] is False
    # The seller tries again: the same key, so Stripe answers the same refund.
    again = await _refund(alice, order["id"], {"lines": [mug]})
    assert again.status == 200, await again.text()
    await standin.drain()
    assert standin.created["refund"] == 1
    assert _charge(standin, order["payment_id"])["amount_refunded"] == MUG_PRICE
    assert (await seller_order(alice, order["id"]))["refunded_minor"] == MUG_PRICE


async def test_a_partial_refund_in_the_dashboard_is_recorded_not_a_full_refund(
    alice: Client, standin: StripeStandin, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, order = await _paid(standin, buyers, two_items)
    payment_id = order["payment_id"]
    # Someone gives back 3.00 in Stripe's dashboard: Stripe sends charge.refunded
    # with refunded = false and the charge's running total.
    async with official_client(standin) as client:
        await client.v1.refunds.create_async(params={"payment_intent": payment_id, "amount": 300})
    await standin.drain()
    assert [d.status for d in standin.deliveries if d.event_type == "charge.refunded"] == [200]
    after = await seller_order(mia, order["id"])
    assert (after["status"], after["refunded_minor"]) == ("paid", 300)
    assert not any(line["refunded"] for line in after["lines"])
    assert await levels(alice, two_items.tee) == (8, 0, 2)  # nothing went back on sale
    # The same event delivered again changes nothing.
    event = standin.event("charge.refunded", _charge(standin, payment_id)["id"])
    assert [d.status for d in await standin.deliver(event["id"], times=2)] == [200, 200]
    assert (await seller_order(mia, order["id"]))["refunded_minor"] == 300

    # Refunding both lines then asks only for what is left at Stripe.
    lines = [position(order, two_items.tee), position(order, two_items.mug)]
    both = await _refund(alice, order["id"], {"lines": lines})
    assert (await both.json())["order"]["status"] == "refunded"
    await standin.drain()
    charge = _charge(standin, payment_id)
    assert (charge["amount_refunded"], charge["refunded"]) == (charge["amount"], True)
    assert sum(r["amount"] for r in standin.refunds.values()) == 2 * TEE_PRICE + MUG_PRICE
    assert all(d.status == 200 for d in standin.deliveries)


async def test_a_shipped_order_refunded_keeps_its_units_sold_after_the_webhook(
    alice: Client, standin: StripeStandin, two_items: TwoItemShop, buyers: Buyers
) -> None:
    _, order = await _paid(standin, buyers, two_items)
    shipped = await alice.post(f"/api/orders/{order['id']}/fulfil", headers=origin(alice))
    assert shipped.status == 200
    tee, mug = position(order, two_items.tee), position(order, two_items.mug)
    await _refund(alice, order["id"], {"lines": [mug]})
    last = await _refund(alice, order["id"], {"lines": [tee]})
    assert (await last.json())["order"]["status"] == "refunded"
    # Stripe's charge.refunded (now the whole charge) arrives after the order is refunded:
    # the parcel has left, so nothing may go back on sale.
    await standin.drain()
    assert all(d.status == 200 for d in standin.deliveries)
    assert await levels(alice, two_items.tee) == (8, 0, 2)
    assert await levels(alice, two_items.mug) == (4, 0, 1)


async def test_a_shipped_order_refunded_whole_keeps_its_units_sold_after_the_webhook(
    alice: Client, standin: StripeStandin, two_items: TwoItemShop, buyers: Buyers
) -> None:
    _, order = await _paid(standin, buyers, two_items)
    await alice.post(f"/api/orders/{order['id']}/fulfil", headers=origin(alice))
    whole = await _refund(alice, order["id"])
    assert (await whole.json())["order"]["status"] == "refunded"
    await standin.drain()
    assert all(d.status == 200 for d in standin.deliveries)
    assert await levels(alice, two_items.tee) == (8, 0, 2)
    assert await levels(alice, two_items.mug) == (4, 0, 1)
