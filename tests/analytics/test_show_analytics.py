"""A scripted show through the real server: its analytics match what was done, after a restart."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer

from livesale import keys
from livesale.app import create_app
from livesale.config import AnalyticsSettings, Settings
from livesale.web.analytics_json import report_json
from tests.support.clients import Client, assert_error, become_viewer, cheap_auth, origin
from tests.support.polling import poll_until
from tests.support.shopping import pay
from tests.support.world import BUYER, LiveShop, open_live_shop

DEADLINE = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Cheap password hashing and an analytics recorder that writes at once."""
    return dataclasses.replace(
        cheap_auth(settings),
        analytics=AnalyticsSettings(flush_interval_seconds=0.02, heartbeat_seconds=30.0),
    )


@asynccontextmanager
async def watching(
    client: Client, show_id: str, visitor: str | None = None, *, replay: bool = False
) -> AsyncIterator[ClientWebSocketResponse]:
    """A room connection of `client`, as the watch page opens it, snapshot read."""
    params = {"visitor": visitor} if visitor is not None else {}
    if replay:
        params["replay"] = "1"
    ws = await client.ws_connect(
        f"/api/shows/{show_id}/events", params=params, headers=origin(client)
    )
    try:
        first = await ws.receive_json(timeout=DEADLINE)
        assert first["type"] == "snapshot"
        yield ws
    finally:
        await ws.close()


async def analytics_of(client: Client, show_id: str) -> dict[str, Any]:
    """GET the show's analytics as `client`."""
    response = await client.get(f"/api/shows/{show_id}/analytics")
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await response.json()
    return body


async def until_report(
    client: Client, show_id: str, ready: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll the report until `ready(report)` (the recorder writes in batches)."""
    latest: dict[str, Any] = {}

    async def check() -> bool:
        nonlocal latest
        latest = await analytics_of(client, show_id)
        return ready(latest)

    await poll_until(check, DEADLINE, "the analytics to catch up")
    return latest


async def test_a_scripted_show(
    alice: Client, bob: Client, server: TestServer, settings: Settings
) -> None:
    shop = await open_live_shop(alice, stock=10, price_minor=2500)
    show_id = shop.show_id
    async with Client(server) as mia, Client(server) as anonymous:
        await become_viewer(mia, "Mia")
        pin_id = await _script(alice, mia, anonymous, shop)
        report = await until_report(
            alice, show_id, lambda r: r["likes"] == 5 and r["orders"]["sold"] == 1
        )
        # Only the show's creator sees its figures.
        await assert_error(await bob.get(f"/api/shows/{show_id}/analytics"), 403, "not_owner")
        await assert_error(await mia.get(f"/api/shows/{show_id}/analytics"), 401, "not_signed_in")
        timeline = await (await alice.get(f"/api/shows/{show_id}/timeline")).json()
        me = await (await alice.get("/api/auth/me")).json()
        creator = await server.app[keys.CREATORS].get(me["creator"]["id"])
    # Leaving the block closed the clients and, with them, the server.

    assert report["show"]["status"] == "ended"
    assert report["viewers"]["unique"] == 2  # visitor a twice, visitor b; not the creator
    assert report["viewers"]["peak"] == 2
    assert 0 < report["viewers"]["watch_minutes"] <= 2 * report["live_seconds"] / 60
    assert report["chat_messages"] == 2
    assert (report["buy_taps"], report["holds"]) == (2, 2)
    currency = shop.product["variants"][0]["currency"]
    assert report["orders"]["revenue"] == [{"currency": currency, "amount_minor": 2500}]

    (pin,) = report["pins"]
    events = {event["type"]: event for event in timeline["events"]}
    assert pin["pin_id"] == pin_id
    assert pin["title"] == shop.product["title"]
    on_screen = events["unpin"]["at"] - events["pin"]["at"]
    assert pin["seconds_on_screen"] == pytest.approx(on_screen, abs=0.002)
    assert (pin["buy_taps"], pin["holds"], pin["orders"], pin["units"]) == (2, 2, 1, 1)
    assert pin["revenue"] == [{"currency": currency, "amount_minor": 2500}]
    assert pin["viewers_reached"] == 2
    assert pin["conversion"] == 0.5
    points = report["chart"]["points"]
    assert sum(p["likes"] for p in points) == 5
    assert sum(p["chat_messages"] for p in points) == 2
    assert sum(p["orders"] for p in points) == 1

    # A restart: a new server process reads the same figures from what was recorded.
    restarted = TestServer(create_app(settings))
    async with restarted:
        again = report_json(await restarted.app[keys.ANALYTICS].report(creator, show_id))
    assert {**again, "as_of": None} == {**report, "as_of": None}


async def _script(alice: Client, mia: Client, anonymous: Client, shop: LiveShop) -> int:
    """The show: viewers come and go, like, chat; a pin, two Buy taps, one paid order; end."""
    show_id = shop.show_id
    visitor_a, visitor_b = uuid.uuid4().hex, uuid.uuid4().hex
    # The creator's own connection is not an audience.
    async with watching(alice, show_id):
        # Visitor a (no guest identity) comes, goes and comes back: one unique viewer.
        async with watching(anonymous, show_id, visitor_a) as first:
            await first.send_json({"type": "like", "count": 3})
        async with (
            watching(anonymous, show_id, visitor_a) as again,
            watching(mia, show_id, visitor_b) as buyer,
        ):
            await again.send_json({"type": "like", "count": 2})
            await buyer.send_json({"type": "chat", "text": "hello"})
            await buyer.send_json({"type": "chat", "text": "is it cotton?"})
            pinned = await alice.post(
                f"/api/shows/{show_id}/pin",
                json={"product_id": shop.product["id"]},
                headers=origin(alice),
            )
            assert pinned.status == 201, await pinned.text()
            pin_id: int = (await pinned.json())["pin"]["id"]
            checkouts = []
            for _ in range(2):
                tapped = await mia.post(
                    f"/api/shows/{show_id}/buy",
                    json={
                        "variant_id": shop.variant_id,
                        "request_id": uuid.uuid4().hex,
                        "pin_id": pin_id,
                    },
                    headers=origin(mia),
                )
                assert tapped.status == 201, await tapped.text()
                checkouts.append((await tapped.json())["checkout"]["id"])
            placed = await mia.post(
                f"/api/checkouts/{checkouts[0]}/order", json=BUYER, headers=origin(mia)
            )
            assert placed.status == 201, await placed.text()
            paid = await pay(mia, (await placed.json())["payment"]["payment_id"])
            assert paid.status == 200, await paid.text()
            unpinned = await alice.post(f"/api/shows/{show_id}/unpin", headers=origin(alice))
            assert unpinned.status == 200, await unpinned.text()
    # Every watch session is written as ended before the show ends, so the figures
    # cannot move afterwards (an open session would run to the show's end).
    db = alice.app[keys.DATABASE]

    async def all_sessions_ended() -> bool:
        row = await db.fetchone(
            "SELECT COUNT(*) FROM watch_sessions WHERE show_id = ? AND ended_at IS NULL",
            (show_id,),
        )
        return row is not None and row[0] == 0

    await poll_until(all_sessions_ended, DEADLINE, "the watch sessions to be written")
    ended = await alice.post(f"/api/shows/{show_id}/end", headers=origin(alice))
    assert ended.status == 200, await ended.text()
    return pin_id


async def test_replay_viewers_are_counted_apart_from_the_live(
    alice: Client, server: TestServer
) -> None:
    shop = await open_live_shop(alice)
    async with Client(server) as viewer:
        async with watching(viewer, shop.show_id, uuid.uuid4().hex):
            pass
        ended = await alice.post(f"/api/shows/{shop.show_id}/end", headers=origin(alice))
        assert ended.status == 200, await ended.text()
        replay_visitor = uuid.uuid4().hex
        for _ in range(2):  # the same browser twice: one replay viewer
            async with watching(viewer, f"{shop.show_id}", replay_visitor, replay=True):
                pass
        bad = await viewer.get(f"/api/shows/{shop.show_id}/events?replay=yes")
        await assert_error(bad, 400, "validation_failed")
        report = await until_report(
            alice, shop.show_id, lambda r: r["replay"]["viewers"]["unique"] == 1
        )
    assert report["viewers"]["unique"] == 1  # the live audience is unchanged
    assert report["replay"]["viewers"]["watch_minutes"] >= 0
    assert report["replay"]["orders"] == {
        "sold": 0,
        "revenue": [],
        "refunded": 0,
        "refunded_amount": [],
        "net": [],
    }


async def test_conversion_counts_buyers_not_orders_and_refunds_come_off_the_net(
    alice: Client, server: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=10, price_minor=2500)
    show_id = shop.show_id
    currency = shop.product["variants"][0]["currency"]
    async with Client(server) as mia:
        await become_viewer(mia, "Mia")
        # The creator's console is connected the whole time: it is not a viewer.
        async with watching(alice, show_id), watching(mia, show_id, uuid.uuid4().hex):
            pinned = await alice.post(
                f"/api/shows/{show_id}/pin",
                json={"product_id": shop.product["id"]},
                headers=origin(alice),
            )
            assert pinned.status == 201, await pinned.text()
            pin_id = (await pinned.json())["pin"]["id"]
            order_ids = [await _buy_and_pay(mia, shop, pin_id) for _ in range(3)]
            refunded = await alice.post(f"/api/orders/{order_ids[0]}/refund", headers=origin(alice))
            assert refunded.status == 200, await refunded.text()
            report = await until_report(
                alice, show_id, lambda r: r["orders"]["refunded"] == 1 and r["pins"]
            )
    (pin,) = report["pins"]
    # One viewer ordered three times (one refunded): one buyer, not 200% or 300%.
    assert report["viewers"]["unique"] == 1
    assert report["viewers"]["buyers"] == 1
    assert report["conversion"] == 1.0
    assert (pin["viewers_reached"], pin["orders"], pin["buyers"]) == (1, 2, 1)
    assert pin["conversion"] == 1.0
    assert pin["revenue"] == [{"currency": currency, "amount_minor": 7500}]
    assert pin["net"] == [{"currency": currency, "amount_minor": 5000}]
    assert report["orders"] == {
        "sold": 2,
        "revenue": [{"currency": currency, "amount_minor": 7500}],
        "refunded": 1,
        "refunded_amount": [{"currency": currency, "amount_minor": 2500}],
        "net": [{"currency": currency, "amount_minor": 5000}],
    }


async def _buy_and_pay(buyer: Client, shop: LiveShop, pin_id: int) -> str:
    """Buy now from the pin, place the order and pay it; returns the order id."""
    tapped = await buyer.post(
        f"/api/shows/{shop.show_id}/buy",
        json={"variant_id": shop.variant_id, "request_id": uuid.uuid4().hex, "pin_id": pin_id},
        headers=origin(buyer),
    )
    assert tapped.status == 201, await tapped.text()
    checkout_id = (await tapped.json())["checkout"]["id"]
    placed = await buyer.post(
        f"/api/checkouts/{checkout_id}/order", json=BUYER, headers=origin(buyer)
    )
    assert placed.status == 201, await placed.text()
    body = await placed.json()
    paid = await pay(buyer, body["payment"]["payment_id"])
    assert paid.status == 200, await paid.text()
    order_id: str = body["order"]["id"]
    return order_id
