"""Gateway calls that buyers trigger are shared, cached briefly and limited; test orders say so.

The request that broke it: 100 `POST /api/orders/{id}/refresh` of one pending
order made 150 Stripe API calls in 0.3 s.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.stripe_standin.fixtures import stripe_standin  # noqa: F401
from tests.stripe_standin.server import StripeStandin
from tests.support.clients import Client, assert_error, origin, sign_up
from tests.support.shopping import buy, pay, place_order
from tests.support.world import LiveShop, open_live_shop

REFRESHES = 100


def _with_stripe(settings: Settings, standin: StripeStandin) -> Settings:
    payments = dataclasses.replace(
        settings.payments,
        stripe_secret_key=standin.api_key,
        stripe_webhook_secret=standin.webhook_secret,
        stripe_publishable_key="pk_test_livesale",
        stripe_api_base=standin.url,
        stripe_max_network_retries=0,
    )
    return dataclasses.replace(settings, payments=payments)


async def _pending_order(server: TestServer) -> tuple[Client, Client, dict[str, Any]]:
    """Alice's live shop and Mia's pending order: both clients and the order."""
    alice: Client = TestClient(server)
    mia: Client = TestClient(server)
    await alice.start_server()
    await mia.start_server()
    await sign_up(alice, "alice@example.com", display_name="Alice")
    shop: LiveShop = await open_live_shop(alice)
    await mia.put("/api/viewer", json={"display_name": "Mia"}, headers=origin(mia))
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    placed = await place_order(mia, checkout["id"])
    assert placed.status == 201, await placed.text()
    body: dict[str, Any] = await placed.json()
    body["checkout_id"] = checkout["id"]
    return alice, mia, body


def _intent_reads(standin: StripeStandin) -> int:
    return sum(
        1
        for r in standin.requests
        if r.method == "GET" and r.path.startswith("/v1/payment_intents/")
    )


async def test_a_hundred_refreshes_of_one_pending_order_make_a_handful_of_calls(
    settings: Settings,
    stripe_standin: StripeStandin,  # noqa: F811
) -> None:
    server = TestServer(create_app(_with_stripe(settings, stripe_standin)))
    async with server:
        alice, mia, body = await _pending_order(server)
        try:
            order_id = body["order"]["id"]
            before = len(stripe_standin.requests)
            answers = await asyncio.gather(
                *(
                    mia.post(f"/api/orders/{order_id}/refresh", headers=origin(mia))
                    for _ in range(REFRESHES)
                )
            )
            statuses = Counter(a.status for a in answers)
            calls = len(stripe_standin.requests) - before
            # At most a handful of calls reached Stripe; the rest shared them or were limited.
            assert calls <= 3, f"{calls} Stripe calls for {REFRESHES} refreshes"
            assert set(statuses) <= {200, 429}, statuses
            allowed = settings.payments.order_refreshes_per_minute
            assert statuses[200] == allowed
            assert statuses[429] == REFRESHES - allowed
            limited = next(a for a in answers if a.status == 429)
            details = await assert_error(limited, 429, "rate_limited")
            assert int(limited.headers["Retry-After"]) >= 1
            assert details["limit"] == allowed

            # Opening the order page 100 times shares the calls too.
            before = _intent_reads(stripe_standin)
            pages = await asyncio.gather(
                *(mia.get(f"/api/orders/{order_id}") for _ in range(REFRESHES))
            )
            assert {p.status for p in pages} == {200}
            assert _intent_reads(stripe_standin) - before <= 2

            # A double submit of the order form reads the shared state, it does not call again.
            before = _intent_reads(stripe_standin)
            again = await asyncio.gather(
                *(place_order(mia, body["checkout_id"]) for _ in range(20))
            )
            assert {a.status for a in again} == {200}
            assert _intent_reads(stripe_standin) - before <= 2
        finally:
            await alice.close()
            await mia.close()


async def test_each_caller_has_a_refresh_limit_of_its_own(
    settings: Settings,
    stripe_standin: StripeStandin,  # noqa: F811
) -> None:
    payments = dataclasses.replace(
        settings.payments, order_refreshes_per_minute=100, caller_refreshes_per_minute=3
    )
    tight = dataclasses.replace(settings, payments=payments)
    server = TestServer(create_app(_with_stripe(tight, stripe_standin)))
    async with server:
        alice, mia, body = await _pending_order(server)
        try:
            path = f"/api/orders/{body['order']['id']}/refresh"
            mine = [await mia.post(path, headers=origin(mia)) for _ in range(4)]
            assert [r.status for r in mine] == [200, 200, 200, 429]
            # The seller is another caller: still allowed.
            assert (await alice.post(path, headers=origin(alice))).status == 200
        finally:
            await alice.close()
            await mia.close()


@pytest.mark.parametrize("gateway", ["dummy", "stripe"])
async def test_orders_say_whether_they_are_test_orders(
    settings: Settings,
    stripe_standin: StripeStandin,  # noqa: F811
    gateway: str,
) -> None:
    chosen = _with_stripe(settings, stripe_standin) if gateway == "stripe" else settings
    server = TestServer(create_app(chosen))
    async with server:
        alice, mia, body = await _pending_order(server)
        try:
            order_id = body["order"]["id"]
            assert body["order"]["gateway"] == gateway
            assert body["order"]["test"] is (gateway == "dummy")
            shown = await (await mia.get(f"/api/orders/{order_id}")).json()
            assert shown["order"]["test"] is (gateway == "dummy")
            listed = await (await alice.get("/api/orders")).json()
            assert [o["test"] for o in listed["orders"]] == [gateway == "dummy"]
            if gateway == "dummy":
                paid = await pay(mia, body["payment"]["payment_id"])
                assert (await paid.json())["order"]["test"] is True
        finally:
            await alice.close()
            await mia.close()
