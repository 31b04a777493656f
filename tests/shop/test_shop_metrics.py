"""Shop metrics move with what happens: checkouts, payments, money, carts, stock, webhooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from livesale.config import Settings
from tests.stripe_standin.fixtures import (  # noqa: F401
    official_client,
    paying_through,
    sending_webhooks_to,
    stripe_standin,
)
from tests.stripe_standin.server import StripeStandin
from tests.support.clients import Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.shopping import buy, pay, place_order
from tests.support.world import LiveShop, open_live_shop

Buyers = Callable[..., Awaitable[Client]]
CHECKOUTS = "livesale_shop_checkouts_total"
GATEWAY_CALLS = "livesale_shop_gateway_request_duration_seconds_count"
WEBHOOKS = "livesale_shop_webhook_events_total"
DECLINED_CARD = "4000000000000002"


def sample(name: str, **labels: str) -> float:
    """A metric's value now (0 before its first change); tests compare before and after."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Moves:
    """Several series read before an action, to check each one's change after it."""

    def __init__(self, *series: tuple[str, dict[str, str]]) -> None:
        self._series = series
        self._before = [sample(name, **labels) for name, labels in series]

    def changes(self) -> list[float]:
        """How much each series moved since this was made, in the given order."""
        now = [sample(name, **labels) for name, labels in self._series]
        return [after - before for after, before in zip(now, self._before, strict=True)]


async def _order(client: Client, shop: LiveShop, quantity: int = 1) -> dict[str, Any]:
    """Buy now and place the order: the order and payment JSON."""
    checkout = (await (await buy(client, shop, quantity)).json())["checkout"]
    placed = await place_order(client, checkout["id"])
    assert placed.status == 201, await placed.text()
    body: dict[str, Any] = await placed.json()
    body["checkout_id"] = checkout["id"]
    return body


async def test_a_paid_order_counts_its_checkout_money_and_stock(
    shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    moves = Moves(
        (CHECKOUTS, {"gateway": "dummy", "outcome": "started"}),
        (CHECKOUTS, {"gateway": "dummy", "outcome": "paid"}),
        ("livesale_shop_payment_duration_seconds_count", {"gateway": "dummy"}),
        ("livesale_shop_revenue_minor_units_total", {"currency": "EUR", "gateway": "dummy"}),
        ("livesale_shop_holds_committed_total", {}),
        (GATEWAY_CALLS, {"gateway": "dummy", "call": "create_payment", "outcome": "ok"}),
        (GATEWAY_CALLS, {"gateway": "dummy", "call": "update_payment", "outcome": "ok"}),
    )
    body = await _order(mia, shop, quantity=2)
    # A double submit returns the same order: no second start.
    assert (await place_order(mia, body["checkout_id"])).status == 200
    payment_id = body["payment"]["payment_id"]
    assert (await (await pay(mia, payment_id)).json())["order"]["status"] == "paid"
    # A double click applies the same success event again: nothing is counted twice.
    assert (await pay(mia, payment_id)).status == 200
    assert moves.changes() == [1, 1, 1, 5000, 1, 1, 1]


async def test_a_declined_card_counts_a_failed_checkout(shop: LiveShop, buyers: Buyers) -> None:
    mia = await buyers("Mia")
    payment_id = (await _order(mia, shop))["payment"]["payment_id"]
    moves = Moves(
        (CHECKOUTS, {"gateway": "dummy", "outcome": "failed"}),
        (CHECKOUTS, {"gateway": "dummy", "outcome": "paid"}),
    )
    await assert_error(await pay(mia, payment_id, DECLINED_CARD), 402, "card_declined")
    assert moves.changes() == [1, 0]


async def test_a_refund_counts_the_money_given_back(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    body = await _order(mia, shop, quantity=3)
    await pay(mia, body["payment"]["payment_id"])
    moves = Moves(
        ("livesale_shop_refunded_minor_units_total", {"currency": "EUR", "gateway": "dummy"})
    )
    order_id = body["order"]["id"]
    refunded = await alice.post(f"/api/orders/{order_id}/refund", headers=origin(alice))
    assert (await refunded.json())["order"]["status"] == "refunded"
    again = await alice.post(f"/api/orders/{order_id}/refund", headers=origin(alice))
    await assert_error(again, 409, "order_state")
    assert moves.changes() == [7500]


async def test_cart_changes_are_counted_by_action(shop: LiveShop, buyers: Buyers) -> None:
    mia = await buyers("Mia")
    path = f"/api/shows/{shop.show_id}/cart/items/{shop.variant_id}"
    actions = ("add", "set", "remove")
    moves = Moves(*(("livesale_shop_cart_updates_total", {"action": a}) for a in actions))
    for quantity in (2, 3):
        put = await mia.put(path, json={"quantity": quantity}, headers=origin(mia))
        assert put.status == 200, await put.text()
    assert (await mia.delete(path, headers=origin(mia))).status == 200
    # A refused change (over the line limit) is not a change.
    refused = await mia.put(path, json={"quantity": 10_000}, headers=origin(mia))
    await assert_error(refused, 400, "validation_failed")
    assert moves.changes() == [1, 1, 1]


async def test_selling_the_last_unit_counts_a_sold_out(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=1)
    mia = await buyers("Mia")
    before = sample("livesale_shop_sold_out_total")
    assert (await buy(mia, shop)).status == 201
    # The announcer sends stock news on its own schedule: wait for it.
    await poll_until(
        lambda: sample("livesale_shop_sold_out_total") == before + 1, 5, "the sold_out event"
    )


class TestStripeWebhooks:
    """Verified webhooks counted by type and outcome, through the Stripe stand-in."""

    @pytest.fixture
    def settings(self, settings: Settings, stripe_standin: StripeStandin) -> Settings:  # noqa: F811
        """The app paying through Stripe, where Stripe is the local stand-in."""
        return paying_through(settings, stripe_standin)

    @pytest.fixture
    def standin(self, stripe_standin: StripeStandin, server: TestServer) -> StripeStandin:  # noqa: F811
        """The stand-in, delivering webhooks only when a test says so."""
        stripe_standin.auto_deliver = False
        return sending_webhooks_to(stripe_standin, server)

    async def test_webhooks_by_type_and_outcome(
        self, standin: StripeStandin, alice: Client, buyers: Buyers
    ) -> None:
        shop = await open_live_shop(alice)
        mia = await buyers("Mia")
        created = Moves(
            (GATEWAY_CALLS, {"gateway": "stripe", "call": "create_payment", "outcome": "ok"})
        )
        payment_id = (await _order(mia, shop))["payment"]["payment_id"]
        assert created.changes() == [1]

        failures = Moves((CHECKOUTS, {"gateway": "stripe", "outcome": "failed"}))
        failed = await standin.fail(payment_id)
        await self._deliver_twice(standin, failed, "payment_intent.payment_failed")
        assert failures.changes() == [1]

        moves = Moves((WEBHOOKS, {"type": "other", "outcome": "ignored"}))
        action = await standin.require_action(payment_id)
        assert [d.status for d in await standin.deliver(action["id"])] == [200]
        assert moves.changes() == [1]

        paid = Moves(
            (CHECKOUTS, {"gateway": "stripe", "outcome": "paid"}),
            ("livesale_shop_payment_events_total", {"kind": "succeeded", "result": "applied"}),
        )
        succeeded = await standin.succeed(payment_id)
        await self._deliver_twice(standin, succeeded, "payment_intent.succeeded")
        assert paid.changes() == [1, 1]

    async def test_a_payment_of_no_order_of_ours(self, standin: StripeStandin) -> None:
        async with official_client(standin) as client:
            intent = await client.v1.payment_intents.create_async(
                params={"amount": 1000, "currency": "eur"}
            )
        moves = Moves((WEBHOOKS, {"type": "payment_intent.succeeded", "outcome": "unknown_order"}))
        event = await standin.succeed(intent.id)
        assert [d.status for d in await standin.deliver(event["id"])] == [200]
        assert moves.changes() == [1]

    @staticmethod
    async def _deliver_twice(standin: StripeStandin, event: dict[str, Any], type_: str) -> None:
        """The first delivery applies, the second (Stripe retrying) changes nothing."""
        moves = Moves(
            (WEBHOOKS, {"type": type_, "outcome": "applied"}),
            (WEBHOOKS, {"type": type_, "outcome": "unchanged"}),
        )
        assert [d.status for d in await standin.deliver(event["id"], times=2)] == [200, 200]
        assert moves.changes() == [1, 1]
