"""One time unit: every point in time the API sends, REST or room event, is epoch seconds.

A real show is run through the API (products, a scheduled then live show, a
flash-sale pin, chat, a mute, a purchase paid, the end, a recorded replay,
analytics) and every JSON body and room event it produces is walked: each
point in time (`*_at`, `at`, `muted_until`) must be epoch seconds close to
now, each `*_ms` a duration or offset (never an epoch in ms), and no number
anywhere may look like epoch milliseconds.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.room.helpers import Browser, guest, room
from tests.support.clients import Client, cheap_auth, origin
from tests.support.replay import record_part
from tests.support.world import BUYER, create_product

# Within a month of now (a cart lives a week); epoch ms would be ~1.7e12 away.
PLAUSIBLE_SECONDS = 30 * 86_400
# Offsets and durations in ms stay far below any epoch in ms (~1.7e12).
MAX_OFFSET_MS = 10**11
POINT_KEYS = ("muted_until",)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


def is_point_in_time(key: str) -> bool:
    """Whether a JSON key names a point in time (rather than a duration or an offset)."""
    return key == "at" or key.endswith("_at") or key in POINT_KEYS


def check_times(value: Any, seen: set[str], path: str = "$") -> None:
    """Walk a JSON value; fail on a time in the wrong unit; note the time keys met."""
    now = time.time()
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if is_point_in_time(key) and item is not None:
                seen.add(key)
                assert isinstance(item, int | float), where
                assert not isinstance(item, bool), where
                assert abs(item - now) < PLAUSIBLE_SECONDS, f"{where} = {item}: not epoch seconds"
            elif key.endswith("_ms") and item is not None:
                assert isinstance(item, int), f"{where} = {item}"
                assert 0 <= item < MAX_OFFSET_MS, f"{where} = {item}"
            check_times(item, seen, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_times(item, seen, f"{path}[{index}]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        assert not 10**12 <= value < 10**14, f"{path} = {value} looks like epoch milliseconds"


async def answer(client: Client | Browser, method: str, path: str, body: Any = None) -> Any:
    """A same-origin API call that must succeed; its JSON body."""
    if isinstance(client, Browser):
        status, got = await client.call(method, path, body)
        assert status < 300, got
        return got
    response = await client.request(method, path, json=body, headers=origin(client))
    assert response.status < 300, await response.text()
    return await response.json()


async def test_every_time_in_rest_answers_and_room_events_is_epoch_seconds(
    alice: Client, server: TestServer
) -> None:
    seen: set[str] = set()
    bodies: list[Any] = []

    async def call(client: Client | Browser, method: str, path: str, body: Any = None) -> Any:
        got = await answer(client, method, path, body)
        bodies.append(got)
        return got

    await call(alice, "GET", "/api/auth/me")
    product = await create_product(alice, sku="TEE-T", price_minor=2500, stock=20)
    bodies.append(product)
    variant_id = product["variants"][0]["id"]
    created = await call(
        alice,
        "POST",
        "/api/shows",
        {"title": "Times", "scheduled_at": time.time() + 3600, "product_ids": [product["id"]]},
    )
    show_id = created["show"]["id"]
    await call(alice, "GET", f"/api/shows/{show_id}")
    await call(alice, "GET", "/api/shows?mine=1")
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    await record_part(alice.app, show_id)

    async with (
        guest(server, "Mia") as (mia, mia_id),
        guest(server, "Bo") as (bo, bo_id),
        room(mia, show_id) as mia_room,
        room(alice, show_id) as host_room,
    ):
        sale = {
            "sale_price_minor": 1500,
            "quantity": 5,
            "per_buyer_limit": 2,
            "duration_seconds": 60,
        }
        pin = await call(
            alice,
            "POST",
            f"/api/shows/{show_id}/pin",
            {"product_id": product["id"], "flash_sale": sale},
        )
        assert pin["pin"]["flash_sale"]["ends_at"] == pin["pin"]["pinned_at"] + 60
        await mia_room.next("pin")
        await mia_room.chat("hello")
        await host_room.next("chat")

        await call(alice, "POST", "/api/moderators", {"viewer_id": bo_id})
        await call(alice, "GET", "/api/moderators")
        await call(
            alice, "POST", f"/api/shows/{show_id}/mutes", {"viewer_id": mia_id, "seconds": 60}
        )
        await mia_room.chat("am I muted?")
        muted = await mia_room.next("error", lambda e: e["code"] == "chat_muted")
        assert muted["details"]["muted_until"] > time.time()
        async with room(mia, show_id) as again:
            assert again.snapshot["you"]["muted_until"] == muted["details"]["muted_until"]
            assert again.snapshot["pin"]["pinned_at"] == pin["pin"]["pinned_at"]
            events: list[dict[str, Any]] = [again.snapshot]

        await call(bo, "PUT", f"/api/shows/{show_id}/cart/items/{variant_id}", {"quantity": 1})
        await call(bo, "GET", f"/api/shows/{show_id}/cart")
        bought = await call(
            bo,
            "POST",
            f"/api/shows/{show_id}/buy",
            {"variant_id": variant_id, "request_id": uuid.uuid4().hex},
        )
        checkout_id = bought["checkout"]["id"]
        await call(bo, "GET", f"/api/checkouts/{checkout_id}")
        placed = await call(
            bo,
            "POST",
            f"/api/checkouts/{checkout_id}/order",
            BUYER,
        )
        payment_id = placed["payment"]["payment_id"]
        await call(
            bo,
            "POST",
            f"/api/payments/dummy/{payment_id}/confirm",
            {"card_number": "4242424242424242"},
        )
        order_id = placed["order"]["id"]
        await call(bo, "GET", f"/api/orders/{order_id}")
        await call(alice, "GET", f"/api/orders?show_id={show_id}")

        await call(alice, "POST", f"/api/shows/{show_id}/unpin")
        await call(alice, "GET", f"/api/shows/{show_id}/timeline")
        await call(alice, "POST", f"/api/shows/{show_id}/end")
        await mia_room.next("show", lambda e: e["show"]["status"] == "ended")
        await call(alice, "GET", f"/api/shows/{show_id}/replay")
        await call(alice, "GET", f"/api/shows/{show_id}/analytics")
        events += mia_room.events + host_room.events

    for body in bodies + events:
        check_times(body, seen)
    # Every kind of time the API has was met, so the walk covered them all.
    assert seen >= {
        "created_at", "updated_at", "scheduled_at", "live_at", "ended_at", "at", "pinned_at",
        "ends_at", "expires_at", "paid_at", "muted_until", "added_at",
    }, seen  # fmt: skip
    kinds = {event["type"] for event in events}
    assert {"snapshot", "pin", "unpin", "chat", "show", "error"} <= kinds, kinds


def test_the_walk_catches_epoch_milliseconds() -> None:
    now_ms = round(time.time() * 1000)
    for wrong in ({"pinned_at": now_ms}, {"message": {"at": now_ms}}, {"until": now_ms}):
        with pytest.raises(AssertionError):
            check_times(wrong, set())
    check_times({"pinned_at": time.time(), "offset_ms": 61_000, "total_minor": 250_000}, set())
