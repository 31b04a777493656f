"""A coupon's caps under 1,000 checkouts sent at once over HTTP: the total and one use per buyer."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client, origin
from tests.support.world import BUYER, open_live_shop

CAP = 37
BUYERS = 600
ATTEMPTS = 1000  # every buyer once, 400 of them twice (a double tap, a second tab)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Behind a proxy on 127.0.0.1, so each buyer comes from an address of its own."""
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    # Trusting a proxy makes the server reachable by others: test payments are chosen by name.
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(settings, server=server, payments=payments)


def buyer_address(n: int) -> str:
    """The n-th buyer's own address (per-address limits are not what this test is about)."""
    return f"198.18.{n // 256}.{n % 256}"


async def test_a_thousand_checkouts_at_once_take_exactly_the_cap_each_buyer_once(
    alice: Client, server: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=ATTEMPTS)
    coupon_body = {"code": "RUSH", "kind": "fixed", "value": 100, "currency": "EUR"}
    response = await alice.post(
        "/api/coupons", json={**coupon_body, "max_uses": CAP}, headers=origin(alice)
    )
    assert response.status == 201, await response.text()
    coupon_id = (await response.json())["coupon"]["id"]
    viewers = alice.app[SERVICES].accounts.viewers
    tokens = [(await viewers.create(f"Buyer {n}"))[1] for n in range(BUYERS)]
    headers = origin(alice)

    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    ) as session:

        async def call(path: str, buyer: int, body: Any) -> tuple[int, Any]:
            sent = {
                **headers,
                "Cookie": f"ls_viewer={tokens[buyer]}",
                "X-Forwarded-For": buyer_address(buyer),
            }
            async with session.post(str(server.make_url(path)), json=body, headers=sent) as got:
                return got.status, await got.json()

        async def hold(attempt: int) -> str:
            body = {"variant_id": shop.variant_id, "request_id": uuid.uuid4().hex}
            status, bought = await call(f"/api/shows/{shop.show_id}/buy", attempt % BUYERS, body)
            assert status == 201, bought
            return str(bought["checkout"]["id"])

        async def check_out(attempt: int, checkout_id: str) -> tuple[int, str]:
            status, placed = await call(
                f"/api/checkouts/{checkout_id}/order", attempt % BUYERS, {**BUYER, "coupon": "RUSH"}
            )
            if status == 201:
                return attempt % BUYERS, "placed"
            return attempt % BUYERS, str(placed["error"]["code"])

        # Every attempt holds its unit first; then all 1,000 orders are sent at once.
        checkouts = [await hold(attempt) for attempt in range(ATTEMPTS)]
        results = await asyncio.gather(
            *(check_out(attempt, checkout) for attempt, checkout in enumerate(checkouts))
        )

    outcomes = Counter(outcome for _buyer, outcome in results)
    winners = [buyer for buyer, outcome in results if outcome == "placed"]
    assert outcomes["placed"] == CAP, outcomes
    assert len(set(winners)) == CAP, "a buyer used the coupon twice"
    assert set(outcomes) <= {"placed", "coupon_used_up", "coupon_already_used"}, outcomes
    # The record agrees: CAP orders carry the coupon, CAP uses by CAP buyers, the counter at CAP.
    db = alice.app[SERVICES].storage.database
    orders = await db.fetchall(
        "SELECT viewer_id, discount_minor FROM orders WHERE show_id = ?", (shop.show_id,)
    )
    assert len(orders) == CAP  # a refused checkout placed no order
    assert {int(order["discount_minor"]) for order in orders} == {100}
    uses = await db.fetchall("SELECT viewer_id FROM coupon_uses WHERE coupon_id = ?", (coupon_id,))
    assert sorted(str(use["viewer_id"]) for use in uses) == sorted(
        str(order["viewer_id"]) for order in orders
    )
    listed = await alice.get("/api/coupons")
    assert listed.status == 200
    (coupon,) = (await listed.json())["coupons"]
    assert coupon["uses_taken"] == CAP, coupon
