"""The whole shop on a real Redis Cluster of three masters: sales, expiries, rooms, logins."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import Counter
from typing import Any

import aiohttp
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from redis.crc import key_slot

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.shop.background import HoldSweeper
from livesale.storage.redis_client import MAX_CONNECTIONS, is_cluster
from livesale.storage.stock_keys import SELLERS_KEY, expiries_key, variant_key
from tests.room.helpers import guest, room
from tests.support.clients import Client, guests_of, origin, sign_up
from tests.support.polling import poll_until
from tests.support.processes import HOST
from tests.support.redis_cluster import ClusterSetUp
from tests.support.shopping import buy, levels
from tests.support.world import BUYER, flash_pin, open_live_shop

BUYERS = 200
UNITS = 40


def crowd_address(n: int) -> str:
    """The n-th buyer's own address (a crowd is many people; one address is capped)."""
    return f"198.18.{n // 256}.{n % 256}"


async def test_a_crowd_buys_a_flash_sale_on_the_cluster_exactly(
    alice: Client, server: TestServer, cluster: ClusterSetUp
) -> None:
    assert is_cluster(alice.app[SERVICES].storage.redis)
    shop = await open_live_shop(alice, stock=UNITS)
    await flash_pin(alice, shop, quantity=UNITS)
    viewers = alice.app[SERVICES].accounts.viewers
    tokens = [(await viewers.create(f"Buyer {n}"))[1] for n in range(BUYERS)]
    headers = origin(alice)

    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(limit=0)
    ) as session:

        async def call(path: str, token: str, body: Any, n: int = 0) -> tuple[int, Any]:
            sent = {**headers, "Cookie": f"ls_viewer={token}", "X-Forwarded-For": crowd_address(n)}
            url = str(server.make_url(path))
            async with session.post(url, json=body, headers=sent) as response:
                return response.status, await response.json()

        async def buy_and_pay(n: int, token: str) -> tuple[int, str]:
            body = {"variant_id": shop.variant_id, "request_id": uuid.uuid4().hex}
            status, bought = await call(f"/api/shows/{shop.show_id}/buy", token, body, n)
            if status != 201:
                return status, bought["error"]["code"]
            checkout_id = bought["checkout"]["id"]
            _, placed = await call(f"/api/checkouts/{checkout_id}/order", token, BUYER, n)
            payment_id = placed["payment"]["payment_id"]
            card = {"card_number": "4242424242424242"}
            _, paid = await call(f"/api/payments/dummy/{payment_id}/confirm", token, card, n)
            return status, str(paid["order"]["status"])

        results = await asyncio.gather(*(buy_and_pay(n, t) for n, t in enumerate(tokens)))

    outcomes = Counter(outcome for _status, outcome in results)
    # Every unit sold once: as many paid orders as units, everyone else refused.
    assert outcomes["paid"] == UNITS, outcomes
    assert set(outcomes) <= {"paid", "sold_out", "out_of_stock"}, outcomes
    assert await levels(alice, shop.variant_id) == (0, 0, UNITS)
    rows = await alice.app[SERVICES].storage.database.fetchall(
        "SELECT o.status, l.quantity FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " WHERE l.variant_id = ?",
        (shop.variant_id,),
    )
    assert sorted((str(r["status"]), int(r["quantity"])) for r in rows) == [("paid", 1)] * UNITS
    # The seller's counters live on the master that serves the seller's slot.
    key = variant_key(shop.creator_id, shop.variant_id)
    port = cluster.port_of_slot(key_slot(key.encode()))
    async with aioredis.Redis(host=HOST, port=port, decode_responses=True) as master:
        assert await master.hget(key, "sold") == str(UNITS)  # type: ignore[misc]


async def test_holds_expire_and_are_swept_on_the_cluster(
    settings: Settings, cluster: ClusterSetUp
) -> None:
    short = dataclasses.replace(settings.shop, hold_seconds=1, flash_sale_hold_seconds=1)
    server = TestServer(create_app(dataclasses.replace(settings, shop=short)))
    async with server, TestClient(server) as alice, TestClient(server) as bob:
        await sign_up(alice, "alice@example.com", display_name="Alice")
        await sign_up(bob, "bob@example.com", display_name="Bob")
        shops = [await open_live_shop(alice, stock=5), await open_live_shop(bob, stock=5)]
        async with guests_of(server) as make:
            mia = await make("Mia")
            for shop in shops:
                assert (await buy(mia, shop, quantity=2)).status == 201
                assert await levels(alice, shop.variant_id) == (3, 2, 0)
            redis = alice.app[SERVICES].storage.redis
            # Two sellers with holds to expire, each known to the sweeper.
            assert {shop.creator_id for shop in shops} == set(
                await redis.zrange(SELLERS_KEY, 0, -1)
            )
            sweeper = alice.app[SERVICES].shop.sweeper

            async def all_back() -> bool:
                await sweeper.sweep_once()
                got = [await levels(alice, shop.variant_id) for shop in shops]
                return got == [(5, 0, 0)] * 2

            await poll_until(all_back, 15, "the expired holds back on sale")
            for shop in shops:
                assert await redis.zcard(expiries_key(shop.creator_id)) == 0
            # Swept clean: the sweeper no longer visits these sellers.
            await poll_until(
                lambda: _no_sellers(alice, sweeper), 15, "the sellers forgotten by the sweeper"
            )


async def _no_sellers(client: Client, sweeper: HoldSweeper) -> bool:
    await sweeper.sweep_once()
    sellers: int = await client.app[SERVICES].storage.redis.zcard(SELLERS_KEY)
    return sellers == 0


async def test_chat_and_room_events_reach_the_other_process(
    alice: Client, server: TestServer, server2: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=5)
    async with (
        guest(server2, "Mia") as (mia, _),
        room(mia, shop.show_id) as far,
        guest(server, "Zoe") as (zoe, _),
        room(zoe, shop.show_id) as near,
    ):
        await near.chat("hello from process one")
        heard = await far.next("chat")
        assert heard["message"]["text"] == "hello from process one"
        # A pin made on process one reaches a viewer of process two.
        await flash_pin(alice, shop, quantity=2)
        pinned = await far.next("pin")
        assert pinned["pin"]["product"]["id"] == shop.product["id"]


async def test_logins_are_throttled_on_the_cluster(anonymous: Client, alice: Client) -> None:
    wrong = {"email": "alice@example.com", "password": "not her password"}
    statuses = []
    for _ in range(20):
        response = await anonymous.post("/api/auth/login", json=wrong, headers=origin(anonymous))
        statuses.append(response.status)
        if response.status == 429:
            break
    free = anonymous.app[SERVICES].settings.auth.login_free_failures
    assert statuses == [401] * free + [429]


async def test_every_master_has_its_connections_open_before_the_first_buyer(
    server: TestServer, cluster: ClusterSetUp
) -> None:
    """A sale reaches every master at once: none of them may be left to connect mid-burst."""
    for port in cluster.servers:
        async with aioredis.Redis(host=HOST, port=port) as master:
            clients = await master.client_list()
        # Less our own inspecting connection.
        assert len(clients) - 1 >= MAX_CONNECTIONS, (port, len(clients))
