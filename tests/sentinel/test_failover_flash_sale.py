"""The proof: the Redis master is SIGKILLed in the middle of a 2,000-buyer flash sale.

A real master, two replicas and three sentinels (tests/support/sentinel.py); the
shop waits for a replica on every hold and sale (`redis.min_replicas_acked = 1`).
Two replicas, because one must be left to confirm writes once the other has
become the master: with a single replica and `min_replicas_acked = 1`, sales
would stop (503) until a replica is back (tests/sentinel/test_sentinel_client.py
shows the 503 of too few replicas).
Buyers arrive at a steady pace, each from an address of its own; a buyer who
gets a 503 retries the same request after its Retry-After, as a client does.
Nothing may be sold twice, every order the shop acknowledged ends paid exactly
once, and sales resume within seconds of the kill.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from livesale import keys
from tests.support.clients import Client, origin
from tests.support.sentinel import SentinelSetUp, running_sentinels
from tests.support.shopping import levels
from tests.support.world import BUYER, flash_pin, open_live_shop

BUYERS = 2000
UNITS = 1000
ARRIVALS_PER_SECOND = 80.0
# The master dies once this many buyers have arrived: sales before, during and after.
KILL_AT_BUYER = 600
RESUME_WITHIN_SECONDS = 5.0
# How long one buyer keeps retrying a step that answers 503.
RETRY_FOR_SECONDS = 30.0


@dataclass
class Answer:
    """One request's final answer, and when it was sent and answered (monotonic)."""

    status: int
    body: dict[str, Any]
    sent_at: float
    answered_at: float


@dataclass
class Crowd:
    """The buyers' shared session and everything they saw."""

    session: aiohttp.ClientSession
    server: TestServer
    origin: dict[str, str]
    unavailable: list[str | None] = field(default_factory=list)  # each 503's Retry-After
    buys: list[Answer] = field(default_factory=list)
    orders: list[tuple[Answer, Answer | None]] = field(default_factory=list)  # placed, paid

    async def post(self, n: int, token: str, path: str, body: dict[str, Any]) -> Answer:
        """POST as buyer n; a 503 is retried (same body) after its Retry-After."""
        headers = {
            **self.origin,
            "Cookie": f"ls_viewer={token}",
            "X-Forwarded-For": f"198.18.{n // 256}.{n % 256}",
        }
        give_up = time.monotonic() + RETRY_FOR_SECONDS
        while True:
            sent_at = time.monotonic()
            async with self.session.post(
                str(self.server.make_url(path)), json=body, headers=headers
            ) as response:
                answer = Answer(response.status, await response.json(), sent_at, time.monotonic())
                retry_after = response.headers.get("Retry-After")
            if answer.status != 503 or time.monotonic() > give_up:
                return answer
            self.unavailable.append(retry_after)
            # What a client does with a 503: wait as told, then send the same request again.
            await asyncio.sleep(float(retry_after or 1))

    async def shop(self, n: int, token: str, show_id: str, variant_id: str) -> None:
        """Buyer n presses Buy now; on a hold, orders and pays."""
        bought = await self.post(
            n,
            token,
            f"/api/shows/{show_id}/buy",
            {"variant_id": variant_id, "request_id": uuid.uuid4().hex},
        )
        self.buys.append(bought)
        if bought.status != 201:
            return
        checkout_id = bought.body["checkout"]["id"]
        placed = await self.post(n, token, f"/api/checkouts/{checkout_id}/order", BUYER)
        paid = None
        if placed.status in (200, 201):  # 200: a retry found the order the first try made
            payment_id = placed.body["payment"]["payment_id"]
            card = {"card_number": "4242424242424242"}
            paid = await self.post(n, token, f"/api/payments/dummy/{payment_id}/confirm", card)
        self.orders.append((placed, paid))


@pytest.fixture
def sentinels() -> Iterator[SentinelSetUp]:
    """A master with two replicas: one is promoted, the other still confirms writes."""
    with (
        tempfile.TemporaryDirectory(prefix="livesale-failover-", dir="/tmp") as folder,
        running_sentinels(Path(folder), replicas=2) as set_up,
    ):
        yield set_up


@pytest.mark.timeout(240)
async def test_master_killed_mid_sale_sells_nothing_twice_and_resumes(
    alice: Client, server: TestServer, sentinels: SentinelSetUp
) -> None:
    shop = await open_live_shop(alice, stock=UNITS)
    await flash_pin(alice, shop, quantity=UNITS)
    viewers = alice.app[keys.VIEWERS]
    tokens = [(await viewers.create(f"Buyer {n}"))[1] for n in range(BUYERS)]
    arrived_enough = asyncio.Event()
    killed: list[tuple[float, int]] = []

    async def kill_master() -> None:
        await arrived_enough.wait()
        port = await asyncio.to_thread(sentinels.kill_master)
        killed.append((time.monotonic(), port))

    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        crowd = Crowd(session, server, origin(alice))
        start = time.monotonic()

        async def arrive(n: int, token: str) -> None:
            # Arrivals are paced like a crowd joining, not a single instant's burst.
            await asyncio.sleep(max(0.0, start + n / ARRIVALS_PER_SECOND - time.monotonic()))
            if n == KILL_AT_BUYER:
                arrived_enough.set()
            await crowd.shop(n, token, shop.show_id, shop.variant_id)

        await asyncio.gather(kill_master(), *(arrive(n, token) for n, token in enumerate(tokens)))

    (killed_at, old_master) = killed[0]
    # A failover happened: the sentinels name the replica now.
    assert sentinels.master_port() != old_master

    # Sales resumed within seconds: the first hold asked for and given after the kill.
    resumed = min(a.answered_at for a in crowd.buys if a.status == 201 and a.sent_at > killed_at)
    assert resumed - killed_at <= RESUME_WITHIN_SECONDS, resumed - killed_at
    # Every 503 said when to come back.
    assert crowd.unavailable, "the kill never showed: no buyer saw a 503"
    assert all(after is not None for after in crowd.unavailable), crowd.unavailable

    # Every buyer got a final answer: a hold, or "none left".
    outcomes = Counter(a.status if a.status == 201 else a.body["error"]["code"] for a in crowd.buys)
    assert set(outcomes) <= {201, "sold_out", "out_of_stock"}, outcomes

    # Every order the shop acknowledged ended paid, exactly once.
    acknowledged = [p.body["order"]["id"] for p, _ in crowd.orders if p.status in (200, 201)]
    for placed, paid in crowd.orders:
        assert placed.status in (200, 201), placed.body
        assert paid is not None
        assert paid.status == 200, paid.body
        assert paid.body["order"]["status"] == "paid"
    db = alice.app[keys.DATABASE]
    rows = await db.fetchall(
        "SELECT o.id, o.status, l.quantity, l.hold_id, p.status AS payment"
        " FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " JOIN dummy_payments p ON p.order_id = o.id WHERE o.show_id = ?",
        (shop.show_id,),
    )
    assert sorted(str(row["id"]) for row in rows) == sorted(acknowledged)
    assert {(str(row["status"]), str(row["payment"])) for row in rows} <= {("paid", "succeeded")}
    # One hold per order: no unit of stock was sold under two orders.
    assert len({str(row["hold_id"]) for row in rows}) == len(rows)

    # Nothing sold twice: the record's units within the stock, and the counters agree.
    sold_in_record = sum(int(row["quantity"]) for row in rows)
    assert sold_in_record <= UNITS
    available, held, sold = await levels(alice, shop.variant_id)
    assert sold == sold_in_record
    assert available + held + sold == UNITS
