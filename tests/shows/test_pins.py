"""Pins on the live timeline: who may pin, flash-sale rules, server-stamped offsets, the end."""

from __future__ import annotations

import time
from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Client, assert_error, origin
from tests.support.world import create_product, create_show


async def _live_show(alice: Client, *products: dict[str, Any]) -> str:
    created = await create_show(alice, product_ids=[p["id"] for p in products])
    show_id: str = created["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    return show_id


async def _pin(client: Client, show_id: str, body: dict[str, Any]) -> Any:
    return await client.post(f"/api/shows/{show_id}/pin", json=body, headers=origin(client))


async def _timeline(client: Client, show_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/shows/{show_id}/timeline")
    assert response.status == 200
    events: list[dict[str, Any]] = (await response.json())["events"]
    return events


async def test_pins_are_stamped_with_offsets_since_live(alice: Client, anonymous: Client) -> None:
    tee = await create_product(alice, "TEE", price_minor=2500, stock=40)
    cap = await create_product(alice, "CAP", price_minor=1500, stock=5)
    show_id = await _live_show(alice, tee, cap)
    live_at = (await (await alice.get(f"/api/shows/{show_id}")).json())["live_at"]

    before = time.time()
    response = await _pin(alice, show_id, {"product_id": tee["id"]})
    after = time.time()
    assert response.status == 201, await response.text()
    pin = (await response.json())["pin"]
    assert pin["product"]["id"] == tee["id"]
    assert pin["flash_sale"] is None
    # The server stamps the offset; nothing the client sends can move it.
    assert (before - live_at) * 1000 - 1 <= pin["offset_ms"] <= (after - live_at) * 1000 + 1

    sale = {"sale_price_minor": 999, "quantity": 3, "per_buyer_limit": 1, "duration_seconds": 60}
    response = await _pin(alice, show_id, {"product_id": cap["id"], "flash_sale": sale})
    assert response.status == 201, await response.text()
    flash = (await response.json())["pin"]
    assert flash["flash_sale"]["sale_price_minor"] == 999
    assert flash["flash_sale"]["currency"] == "EUR"
    # Points in time are epoch seconds, like every other time in the API.
    assert before <= flash["pinned_at"] <= time.time()
    assert flash["flash_sale"]["ends_at"] == flash["pinned_at"] + 60

    response = await alice.post(f"/api/shows/{show_id}/unpin", headers=origin(alice))
    assert response.status == 200
    assert (await response.json())["unpin"]["pin_id"] == flash["id"]
    await assert_error(
        await alice.post(f"/api/shows/{show_id}/unpin", headers=origin(alice)), 409,
        "nothing_pinned",
    )  # fmt: skip

    events = await _timeline(anonymous, show_id)
    assert [(e["type"], e["product_id"]) for e in events] == [
        ("pin", tee["id"]),
        ("pin", cap["id"]),
        ("unpin", cap["id"]),
    ]
    offsets = [e["offset_ms"] for e in events]
    assert offsets == sorted(offsets)
    assert events[1]["flash_sale"]["quantity"] == 3


async def test_bad_pins_change_nothing(alice: Client, bob: Client) -> None:
    tee = await create_product(alice, "TEE", price_minor=2500, stock=10)
    outside = await create_product(alice, "NOT-IN-BAG")
    scheduled = (await create_show(alice, product_ids=[tee["id"]]))["show"]["id"]
    await assert_error(
        await _pin(alice, scheduled, {"product_id": tee["id"]}), 409, "show_not_live"
    )

    show_id = await _live_show(alice, tee)
    good = {"sale_price_minor": 2000, "quantity": 5, "per_buyer_limit": 2, "duration_seconds": 30}
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        ({}, 400, "validation_failed", "product_id"),
        ({"product_id": 7}, 400, "validation_failed", "product_id"),
        ({"product_id": outside["id"]}, 409, "product_not_in_bag", None),
        ({"product_id": tee["id"], "at": 5}, 400, "validation_failed", "at"),
        ({"product_id": tee["id"], "flash_sale": "yes"}, 400, "validation_failed", "flash_sale"),
        (
            {"product_id": tee["id"], "flash_sale": {**good, "discount": 5}},
            400,
            "validation_failed",
            "flash_sale.discount",
        ),
    ]
    for name, value in [
        ("sale_price_minor", 2500),  # not below the regular price
        ("sale_price_minor", 0),
        ("sale_price_minor", 19.99),
        ("quantity", 11),  # more than the stock
        ("quantity", True),
        ("per_buyer_limit", 6),  # above the quantity
        ("duration_seconds", 5),
        ("duration_seconds", 3601),
    ]:
        cases.append(
            (
                {"product_id": tee["id"], "flash_sale": {**good, name: value}},
                400,
                "validation_failed",
                f"flash_sale.{name}",
            )
        )
    for body, status, code, field in cases:
        details = await assert_error(await _pin(alice, show_id, body), status, code)
        if field is not None:
            assert details["field"] == field, (body, details)
    await assert_error(await _pin(bob, show_id, {"product_id": tee["id"]}), 403, "not_owner")
    assert await _timeline(alice, show_id) == []

    response = await _pin(alice, show_id, {"product_id": tee["id"], "flash_sale": good})
    assert response.status == 201


async def test_ending_closes_the_pin_and_refuses_more(alice: Client) -> None:
    tee = await create_product(alice, "TEE")
    show_id = await _live_show(alice, tee)
    assert (await _pin(alice, show_id, {"product_id": tee["id"]})).status == 201

    response = await alice.post(f"/api/shows/{show_id}/end", headers=origin(alice))
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "ended"
    events = await _timeline(alice, show_id)
    assert [e["type"] for e in events] == ["pin", "unpin"]
    assert events[1]["offset_ms"] >= events[0]["offset_ms"]

    await assert_error(await _pin(alice, show_id, {"product_id": tee["id"]}), 409, "show_ended")
    # Ending twice is harmless and adds nothing to the timeline.
    assert (await alice.post(f"/api/shows/{show_id}/end", headers=origin(alice))).status == 200
    assert len(await _timeline(alice, show_id)) == 2
    response = await alice.put(
        f"/api/shows/{show_id}/products", json={"product_ids": []}, headers=origin(alice)
    )
    await assert_error(response, 409, "show_ended")


async def test_timeline_of_unknown_show_is_404(anonymous: Client) -> None:
    await assert_error(await anonymous.get("/api/shows/nosuchshow00/timeline"), 404,
                       "show_not_found")  # fmt: skip


async def _next_event(ws: Any, wanted: str) -> dict[str, Any]:
    """The next room event of type `wanted` (frames carry one event or a list)."""
    while True:
        message = await ws.receive_json(timeout=5)
        for event in message if isinstance(message, list) else [message]:
            if event["type"] == wanted:
                return dict(event)


async def test_viewers_see_pins_live_and_in_their_snapshot(
    alice: Client, anonymous: Client
) -> None:
    tee = await create_product(alice, "TEE")
    show_id = await _live_show(alice, tee)
    path = f"/api/shows/{show_id}/events"
    async with anonymous.ws_connect(path, headers=origin(anonymous)) as ws:
        snapshot = await _next_event(ws, "snapshot")
        assert snapshot["pin"] is None
        pinned = await (await _pin(alice, show_id, {"product_id": tee["id"]})).json()
        event = await _next_event(ws, "pin")
        assert event["pin"] == pinned["pin"]
        assert event["pin"]["product"]["title"] == tee["title"]

    async with anonymous.ws_connect(path, headers=origin(anonymous)) as late:
        snapshot = await _next_event(late, "snapshot")
        assert snapshot["pin"] == pinned["pin"]
        assert (
            await alice.post(f"/api/shows/{show_id}/unpin", headers=origin(alice))
        ).status == 200
        unpin = await _next_event(late, "unpin")
        assert unpin["pin_id"] == pinned["pin"]["id"]
        await alice.post(f"/api/shows/{show_id}/end", headers=origin(alice))
        ended = await _next_event(late, "show")
        assert ended["show"]["status"] == "ended"
