"""The Stripe stand-in, driven through the official `stripe` client and its webhook verifier."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.stripe_standin import DEFAULT_WEBHOOK_SECRET, StripeStandin
from tests.stripe_standin.fixtures import official_client
from tests.stripe_standin.fixtures import stripe_standin as stripe_standin  # the fixture

PARAMS: Any = {
    "amount": 2599,
    "currency": "usd",
    "metadata": {"order_id": "ord_1"},
    "receipt_email": "mia@example.com",
    "description": "Order ord_1",
    "automatic_payment_methods": {"enabled": True},
}


@pytest.fixture
async def client(stripe_standin: StripeStandin) -> AsyncIterator[stripe.StripeClient]:
    """The official client pointed at the stand-in."""
    async with official_client(stripe_standin) as stripe_client:
        yield stripe_client


async def create(client: stripe.StripeClient, key: str, **changes: Any) -> stripe.PaymentIntent:
    """Create a payment intent as the app does, with `changes` to the usual parameters."""
    params: Any = {**PARAMS, **changes}
    return await client.v1.payment_intents.create_async(
        params=params, options={"idempotency_key": key}
    )


@dataclass
class Receiver:
    """A tiny webhook endpoint that verifies like the app will and keeps what it got."""

    url: str = ""
    received: list[tuple[str, str]] = field(default_factory=list)
    verified: list[stripe.Event] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Verify the signature; 400 with the reason when it does not hold."""
        payload = await request.text()
        header = request.headers.get("Stripe-Signature", "")
        self.received.append((payload, header))
        try:
            event = stripe.Webhook.construct_event(
                payload, header, DEFAULT_WEBHOOK_SECRET, tolerance=300
            )
        except stripe.SignatureVerificationError as error:
            return web.json_response({"error": str(error)}, status=400)
        self.verified.append(event)
        return web.json_response({"received": event.id})


@pytest.fixture
async def receiver(stripe_standin: StripeStandin) -> AsyncIterator[Receiver]:
    """A receiver on a real port, set as the stand-in's webhook URL."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/webhook", receiver.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        receiver.url = str(server.make_url("/webhook"))
        stripe_standin.webhook_url = receiver.url
        yield receiver


# --- API: create, idempotency, auth, validation ----------------------------------------------


async def test_create_returns_a_stripe_shaped_payment_intent(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent = await create(client, "order-ord_1-create")
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.id.startswith("pi_")
    assert intent.client_secret is not None
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert (intent.status, intent.amount, intent.currency) == (
        "requires_payment_method",
        2599,
        "usd",
    )
    assert intent.metadata.to_dict() == {"order_id": "ord_1"}
    assert intent.receipt_email == "mia@example.com"
    assert intent.automatic_payment_methods is not None
    assert intent.automatic_payment_methods.enabled is True
    assert (intent.latest_charge, intent.last_payment_error, intent.amount_received) == (
        None,
        None,
        0,
    )
    assert intent.livemode is False
    assert abs(intent.created - time.time()) < 5
    assert stripe_standin.requests[-1].idempotency_key == "order-ord_1-create"


async def test_same_key_and_params_replays_and_creates_once(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    first = await create(client, "order-ord_1-create")
    again = await create(client, "order-ord_1-create")
    assert again.id == first.id
    assert again.client_secret == first.client_secret
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert stripe_standin.created["payment_intent"] == 1
    assert [r.replayed for r in stripe_standin.requests] == [False, True]


async def test_same_key_with_other_params_is_an_idempotency_error(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    await create(client, "order-ord_1-create")
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        await create(client, "order-ord_1-create", amount=100)
    assert stripe_standin.created["payment_intent"] == 1


async def test_a_wrong_api_key_is_refused(stripe_standin: StripeStandin) -> None:
    async with official_client(stripe_standin, api_key="sk_test_wrong_key_0000") as wrong:
        with pytest.raises(stripe.AuthenticationError, match="Invalid API Key") as caught:
            await create(wrong, "k")
    assert caught.value.http_status == 401
    assert not stripe_standin.payment_intents


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": None}, "amount"),
        ({"currency": "us"}, "currency"),
        ({"currency": "u5d"}, "currency"),
        ({"surprise": "x"}, "surprise"),
    ],
)
async def test_invalid_parameters_are_400s_that_are_not_replayed(
    stripe_standin: StripeStandin,
    client: stripe.StripeClient,
    changes: dict[str, Any],
    param: str,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await create(client, "order-ord_1-create", **changes)
    assert (caught.value.http_status, caught.value.param) == (400, param)
    # Stripe stores no result for a request that failed validation, so the key is still free.
    intent = await create(client, "order-ord_1-create")
    assert intent.status == "requires_payment_method"
    assert stripe_standin.created["payment_intent"] == 1


async def test_retrieve_and_unknown_ids(client: stripe.StripeClient) -> None:
    intent = await create(client, "k")
    assert (await client.v1.payment_intents.retrieve_async(intent.id)).id == intent.id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.payment_intents.retrieve_async("pi_missing")
    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")


# --- listing ----------------------------------------------------------------------------------


class Clock:
    """Unix seconds that only move when told."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_list_filters_on_created_and_pages_newest_first() -> None:
    clock = Clock()
    async with StripeStandin(clock=clock) as standin, official_client(standin) as client:
        ids = []
        for n in range(5):
            ids.append((await create(client, f"k{n}", metadata={"order_id": str(n)})).id)
            clock.now += 10
        since = 1_700_000_000 + 10  # drops the first intent
        page = await client.v1.payment_intents.list_async(
            params={"created": {"gte": since}, "limit": 3}
        )
        assert page.url == "/v1/payment_intents"
        assert [pi.id for pi in page.data] == ids[:0:-1][:3]
        assert page.has_more is True
        rest = await client.v1.payment_intents.list_async(
            params={"created": {"gte": since}, "limit": 3, "starting_after": page.data[-1].id}
        )
        assert [pi.id for pi in rest.data] == [ids[1]]
        assert rest.has_more is False
        for bad in ({"limit": 0}, {"limit": 101}, {"starting_after": "pi_missing"}):
            with pytest.raises(stripe.InvalidRequestError):
                await client.v1.payment_intents.list_async(params=bad)  # type: ignore[arg-type]


# --- state changes ----------------------------------------------------------------------------


async def test_cancel_then_cancel_again_is_an_unexpected_state(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent = await create(client, "k")
    canceled = await client.v1.payment_intents.cancel_async(
        intent.id, options={"idempotency_key": "cancel-1"}
    )
    assert canceled.status == "canceled"
    assert stripe_standin.events[-1]["type"] == "payment_intent.canceled"
    assert stripe_standin.events[-1]["request"]["idempotency_key"] == "cancel-1"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.payment_intents.cancel_async(intent.id)
    assert caught.value.code == "payment_intent_unexpected_state"


async def test_a_succeeded_intent_cannot_be_canceled(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent = await create(client, "k")
    await stripe_standin.succeed(intent.id)
    paid = await client.v1.payment_intents.retrieve_async(intent.id)
    assert (paid.status, paid.amount_received) == ("succeeded", 2599)
    assert paid.latest_charge is not None
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.payment_intents.cancel_async(intent.id)
    assert caught.value.code == "payment_intent_unexpected_state"


async def test_refund_needs_a_succeeded_intent_and_refunds_once(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent = await create(client, "k")
    params: Any = {"payment_intent": intent.id, "metadata": {"order_id": "ord_1"}}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.refunds.create_async(params=params, options={"idempotency_key": "r0"})
    assert caught.value.code == "payment_intent_unexpected_state"
    await stripe_standin.succeed(intent.id)
    refund = await client.v1.refunds.create_async(params=params, options={"idempotency_key": "r1"})
    replay = await client.v1.refunds.create_async(params=params, options={"idempotency_key": "r1"})
    assert (refund.object, refund.status, refund.amount) == ("refund", "succeeded", 2599)
    assert refund.id.startswith("re_")
    assert replay.id == refund.id
    assert refund.payment_intent == intent.id
    assert stripe_standin.created["refund"] == 1
    event = stripe_standin.events[-1]
    charge = event["data"]["object"]
    assert event["type"] == "charge.refunded"
    assert (charge["object"], charge["id"]) == (
        "charge",
        stripe_standin.payment_intents[intent.id]["latest_charge"],
    )
    assert (charge["payment_intent"], charge["refunded"], charge["amount_refunded"]) == (
        intent.id,
        True,
        2599,
    )
    with pytest.raises(stripe.InvalidRequestError) as again:
        await client.v1.refunds.create_async(params=params, options={"idempotency_key": "r2"})
    assert again.value.code == "charge_already_refunded"


async def test_partial_refunds_up_to_what_is_left(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    intent = await create(client, "k")
    await stripe_standin.succeed(intent.id)

    async def refund(key: str, **params: Any) -> stripe.Refund:
        body: Any = {"payment_intent": intent.id, **params}
        return await client.v1.refunds.create_async(params=body, options={"idempotency_key": key})

    first = await refund("line-0", amount=1000)
    assert (first.amount, first.status) == (1000, "succeeded")
    charge = stripe_standin.events[-1]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (1000, False)
    # More than is left is refused, naming the amount; nothing is refunded.
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await refund("line-1", amount=1600)
    assert (too_much.value.code, too_much.value.param) == ("amount_too_large", "amount")
    # Without an amount, a refund gives back what is left.
    rest = await refund("rest")
    assert rest.amount == 1599
    charge = stripe_standin.events[-1]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (2599, True)
    assert [e["type"] for e in stripe_standin.events].count("charge.refunded") == 2
    with pytest.raises(stripe.InvalidRequestError) as done:
        await refund("line-2", amount=1)
    assert done.value.code == "charge_already_refunded"


async def test_a_state_error_is_replayed_for_its_key(client: stripe.StripeClient) -> None:
    intent = await create(client, "k")
    await client.v1.payment_intents.cancel_async(intent.id)
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            await client.v1.payment_intents.cancel_async(
                intent.id, options={"idempotency_key": "cancel-again"}
            )
    assert caught.value.headers is not None
    assert caught.value.headers.get("Idempotent-Replayed") == "true"


# --- webhooks ---------------------------------------------------------------------------------


async def test_controls_deliver_signed_events_that_verify(
    stripe_standin: StripeStandin, client: stripe.StripeClient, receiver: Receiver
) -> None:
    paid = await create(client, "k1")
    declined = await create(client, "k2")
    await stripe_standin.succeed(paid.id)
    await stripe_standin.fail(declined.id, "Your card has insufficient funds.")
    assert [d.status for d in stripe_standin.deliveries] == [200, 200]
    succeeded, failed = receiver.verified
    assert succeeded.type == "payment_intent.succeeded"
    assert succeeded.data.object["id"] == paid.id
    assert succeeded.data.object["status"] == "succeeded"
    assert succeeded.livemode is False
    assert succeeded.api_version == stripe.api_version
    assert failed.type == "payment_intent.payment_failed"
    error = failed.data.object["last_payment_error"]
    assert error["message"] == "Your card has insufficient funds."
    assert failed.data.object["status"] == "requires_payment_method"


async def test_api_calls_deliver_after_answering(
    stripe_standin: StripeStandin, client: stripe.StripeClient, receiver: Receiver
) -> None:
    intent = await create(client, "k")
    await client.v1.payment_intents.cancel_async(intent.id)
    await stripe_standin.drain()
    assert [e.type for e in receiver.verified] == ["payment_intent.canceled"]
    assert stripe_standin.deliveries[0].ok


async def test_event_data_is_a_snapshot(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    stripe_standin.auto_deliver = False
    intent = await create(client, "k")
    await stripe_standin.require_action(intent.id)
    await stripe_standin.succeed(intent.id)
    action = stripe_standin.event("payment_intent.requires_action", intent.id)
    assert action["data"]["object"]["status"] == "requires_action"
    assert stripe_standin.payment_intents[intent.id]["status"] == "succeeded"


async def test_manual_delivery_in_any_order_and_duplicated(
    stripe_standin: StripeStandin, client: stripe.StripeClient, receiver: Receiver
) -> None:
    stripe_standin.auto_deliver = False
    intent = await create(client, "k")
    await stripe_standin.succeed(intent.id)
    await client.v1.refunds.create_async(params={"payment_intent": intent.id})
    await stripe_standin.drain()
    assert not receiver.received
    first, second = stripe_standin.undelivered
    await stripe_standin.deliver(second["id"])
    deliveries = await stripe_standin.deliver(first["id"], times=2)
    assert [d.status for d in deliveries] == [200, 200]
    assert [e.type for e in receiver.verified] == [
        "charge.refunded",
        "payment_intent.succeeded",
        "payment_intent.succeeded",
    ]
    assert not stripe_standin.undelivered


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ({"tamper": True}, "No signatures found matching"),
        ({"secret": "whsec_forged"}, "No signatures found matching"),
        ({"timestamp": int(time.time()) - 3600}, "Timestamp outside the tolerance zone"),
    ],
)
async def test_tampered_forged_and_stale_deliveries_fail_verification(
    stripe_standin: StripeStandin,
    client: stripe.StripeClient,
    receiver: Receiver,
    how: dict[str, Any],
    reason: str,
) -> None:
    stripe_standin.auto_deliver = False
    intent = await create(client, "k")
    event = await stripe_standin.succeed(intent.id)
    (delivery,) = await stripe_standin.deliver(event["id"], **how)
    assert delivery.status == 400
    assert reason in delivery.body
    ((payload, header),) = receiver.received
    with pytest.raises(stripe.SignatureVerificationError, match=reason):
        stripe.Webhook.construct_event(payload, header, DEFAULT_WEBHOOK_SECRET, tolerance=300)
    assert not receiver.verified


async def test_sign_helper_matches_stripes_verifier(stripe_standin: StripeStandin) -> None:
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "ping", "data": {"object": {}}})
    event = stripe.Webhook.construct_event(
        payload, stripe_standin.sign(payload), DEFAULT_WEBHOOK_SECRET, tolerance=300
    )
    assert event.id == "evt_1"


async def test_an_unreachable_webhook_url_is_recorded(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    async with TestServer(web.Application(), host="127.0.0.1") as gone:
        url = str(gone.make_url("/webhook"))
    stripe_standin.webhook_url = url
    intent = await create(client, "k")
    await stripe_standin.succeed(intent.id)
    (delivery,) = stripe_standin.deliveries
    assert (delivery.status, delivery.ok) == (None, False)
    assert delivery.error is not None
