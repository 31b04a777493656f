"""Stripe webhooks during a secret roll, and Stripe calls that fail, time out or drop the line."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.config import PaymentSettings, Settings
from livesale.domain.errors import PaymentGatewayFailed
from livesale.payments.stripe_gateway import StripeGateway
from livesale.web.order_routes import WEBHOOK_PATH
from tests.stripe_standin.fixtures import stripe_standin  # noqa: F401
from tests.stripe_standin.server import StripeStandin
from tests.stripe_standin.webhooks import event_payload, sign
from tests.support.clients import Client, sign_up
from tests.support.shopping import buy, place_order
from tests.support.world import open_live_shop

Buyers = Callable[..., Awaitable[Client]]
OLD = "whsec_old_secret"
NEW = "whsec_new_secret"


@pytest.fixture
def settings(settings: Settings, stripe_standin: StripeStandin) -> Settings:  # noqa: F811
    """Stripe through the stand-in, both webhook secrets of a roll configured, a short timeout."""
    payments = dataclasses.replace(
        settings.payments,
        stripe_secret_key=stripe_standin.api_key,
        stripe_webhook_secret=f"{NEW}, {OLD}",
        stripe_api_base=stripe_standin.url,
        stripe_max_network_retries=2,
        stripe_timeout_seconds=1.0,
    )
    return dataclasses.replace(settings, payments=payments)


@pytest.fixture
async def alice(server: TestServer) -> AsyncIterator[Client]:
    """Alice signed in (she sells, and reads her orders)."""
    async with TestClient(server) as client:
        await sign_up(client, "alice@example.com", display_name="Alice")
        yield client


async def _order(alice: Client, buyers: Buyers) -> tuple[Client, dict[str, Any]]:
    """Mia orders one unit of Alice's live show: her client and the order's answer."""
    shop = await open_live_shop(alice)
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    placed = await place_order(mia, checkout["id"])
    assert placed.status == 201, await placed.text()
    return mia, await placed.json()


def _signed_by(payload: str, *secrets: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header with one v1 signature per secret, as Stripe sends in a roll."""
    t = int(time.time()) if timestamp is None else timestamp
    headers = [sign(payload, secret, t) for secret in secrets]
    return f"t={t}," + ",".join(h.split(",", 1)[1] for h in headers)


async def test_either_secret_of_a_roll_signs_a_webhook(
    stripe_standin: StripeStandin,  # noqa: F811
    alice: Client,
    buyers: Buyers,
) -> None:
    _, body = await _order(alice, buyers)
    event = await stripe_standin.succeed(body["payment"]["payment_id"])
    payload = event_payload(event)
    for secrets in [(OLD,), (NEW,), (OLD, NEW), ("whsec_other", NEW)]:
        headers = {"Stripe-Signature": _signed_by(payload, *secrets)}
        response = await alice.post(WEBHOOK_PATH, data=payload.encode(), headers=headers)
        assert response.status == 200, (secrets, await response.text())
    refused = [
        {"Stripe-Signature": _signed_by(payload, "whsec_other")},
        {"Stripe-Signature": _signed_by(payload, OLD, timestamp=int(time.time()) - 3600)},
        {},
    ]
    for headers in refused:
        response = await alice.post(WEBHOOK_PATH, data=payload.encode(), headers=headers)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_signature"
    order = await (await alice.get(f"/api/orders/{body['order']['id']}")).json()
    assert order["order"]["status"] == "paid"


def test_the_old_secret_alone_is_refused_after_the_roll() -> None:
    gateway = StripeGateway(
        PaymentSettings(stripe_secret_key="sk_test_x", stripe_webhook_secret=NEW)
    )
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}})
    with pytest.raises(Exception, match="does not match"):
        gateway.parse_webhook(payload.encode(), _signed_by(payload, OLD))
    old = _signed_by(payload, NEW, timestamp=int(time.time()) - 3600)
    with pytest.raises(Exception, match="too old"):
        gateway.parse_webhook(payload.encode(), old)
    assert gateway.parse_webhook(payload.encode(), _signed_by(payload, OLD, NEW)).type == "other"


def test_several_secrets_are_read_comma_separated() -> None:
    settings = PaymentSettings(stripe_webhook_secret=" whsec_a ,whsec_b,, ")
    assert settings.webhook_secrets == ("whsec_a", "whsec_b")
    with pytest.raises(ValueError, match="stripe_timeout_seconds"):
        PaymentSettings(stripe_timeout_seconds=0)


@pytest.mark.parametrize("fault", ["timeout", "reset", "500", "409"])
async def test_a_failed_create_is_retried_with_the_same_key_and_charges_once(
    stripe_standin: StripeStandin,  # noqa: F811
    alice: Client,
    buyers: Buyers,
    fault: str,
) -> None:
    # The answer comes after the client's 1 s timeout (Stripe's own default would wait 80 s).
    stripe_standin.inject(fault, delay=3.0)
    started = time.monotonic()
    _, body = await _order(alice, buyers)
    assert time.monotonic() - started < 30
    creates = [
        r for r in stripe_standin.requests if (r.method, r.path) == ("POST", "/v1/payment_intents")
    ]
    assert [r.fault for r in creates] == [fault, None]
    assert {r.idempotency_key for r in creates} == {f"{body['order']['id']}-create"}
    assert stripe_standin.created["payment_intent"] == 1
    assert body["payment"]["payment_id"] in stripe_standin.payment_intents


async def test_every_attempt_failing_is_a_clear_error_and_a_retry_finds_the_charge(
    stripe_standin: StripeStandin,  # noqa: F811
) -> None:
    settings = PaymentSettings(
        stripe_secret_key=stripe_standin.api_key,
        stripe_api_base=stripe_standin.url,
        stripe_max_network_retries=1,
        stripe_timeout_seconds=1.0,
    )
    gateway = StripeGateway(settings)
    try:
        stripe_standin.inject("reset", times=2)
        args: Any = {
            "order_id": "ord_1",
            "amount_minor": 100,
            "currency": "EUR",
            "email": "mia@example.com",
            "description": "order",
            "idempotency_key": "ord_1-create",
        }
        with pytest.raises(PaymentGatewayFailed):
            await gateway.create_payment(**args)
        # The charge was made before the line dropped: the buyer's retry gets that same one.
        payment = await gateway.create_payment(**args)
        assert list(stripe_standin.payment_intents) == [payment.id]
        assert [r.replayed for r in stripe_standin.requests] == [False, True, True]
    finally:
        await gateway.close()
