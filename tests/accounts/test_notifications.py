"""Notifications: a go-live reaches followers and the reminded (once each) in the record and
over the live stream within 2 s; a show about to start; settings; the quiet limit; marking
read; refusals (on both engines, as the folder runs)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any

import pytest
from aiohttp import ClientResponse

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.notifications import NotificationKind
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.polling import poll
from tests.support.world import create_show, go_live

DEADLINE = 10.0
PER_HOUR = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A low quiet limit, so a test reaches it."""
    notify = dataclasses.replace(settings.notify, per_kind_per_hour=PER_HOUR)
    return dataclasses.replace(settings, notify=notify)


async def _me(client: Client) -> str:
    creator_id: str = (await (await client.get("/api/auth/me")).json())["creator"]["id"]
    return creator_id


async def _viewer_id(client: Client) -> str:
    viewer_id: str = (await (await client.get("/api/viewer")).json())["viewer"]["id"]
    return viewer_id


async def _inbox(client: Client) -> dict[str, Any]:
    response = await client.get("/api/notifications")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def _kinds(client: Client) -> list[str]:
    return [item["kind"] for item in (await _inbox(client))["items"]]


async def _events(response: ClientResponse) -> Any:
    """Server-sent events of `response`, one (event, data) pair at a time."""
    event, data = "", ""
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: "):
            data = line[len("data: ") :]
        elif line == "" and event:
            yield event, json.loads(data)
            event, data = "", ""


async def test_a_go_live_reaches_followers_and_the_reminded_live_within_2_s(
    alice: Client, buyers: Buyers
) -> None:
    alice_id = await _me(alice)
    show_id = (await create_show(alice, title="Knit night"))["show"]["id"]
    mia, leo, zoe, ann = [await buyers(n) for n in ("Mia", "Leo", "Zoe", "Ann")]
    for fan in (mia, zoe):
        assert (await fan.put(f"/api/creators/{alice_id}/follow", headers=origin(fan))).ok
    for fan in (leo, zoe):
        assert (await fan.put(f"/api/shows/{show_id}/reminder", headers=origin(fan))).ok

    stream = await mia.get("/api/notifications/stream")
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream"
    events = _events(stream)
    assert await anext(events) == ("ready", {"unread": 0})
    started = time.monotonic()
    await go_live(alice, show_id)
    event, item = await asyncio.wait_for(anext(events), DEADLINE)
    assert time.monotonic() - started < 2.0
    assert event == "notification"
    assert item["kind"] == "live"
    assert item["params"] == {"show_id": show_id, "title": "Knit night", "creator": "Alice"}
    assert item["read"] is False
    stream.close()

    assert await poll(lambda: _kinds(leo), DEADLINE, "Leo's reminder") == ["reminder_live"]
    # Zoe follows and asked for a reminder: told once, as reminded.
    assert await _kinds(zoe) == ["reminder_live"]
    assert await _kinds(mia) == ["live"]
    assert (await _inbox(mia))["unread"] == 1
    assert await _kinds(ann) == []
    # The sweep runs again and again: the go-live was announced once.
    notifier = alice.app[SERVICES].discovery.notifier
    await notifier.sweep()
    assert await _kinds(mia) == ["live"]


async def test_reminded_guests_hear_15_minutes_before(alice: Client, buyers: Buyers) -> None:
    soon = await create_show(alice, title="Soon", scheduled_at=time.time() + 600)
    later = await create_show(alice, title="Later", scheduled_at=time.time() + 3600)
    mia = await buyers("Mia")
    for show in (soon, later):
        path = f"/api/shows/{show['show']['id']}/reminder"
        assert (await mia.put(path, headers=origin(mia))).ok
    items = await poll(lambda: _inbox_items(mia), DEADLINE, "the reminder")
    assert [(i["kind"], i["params"]["title"]) for i in items] == [("reminder_soon", "Soon")]


async def _inbox_items(client: Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await _inbox(client))["items"]
    return items


async def test_settings_the_quiet_limit_and_marking_read(
    alice: Client, buyers: Buyers, anonymous: Client
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    mia_id, leo_id = await _viewer_id(mia), await _viewer_id(leo)
    notifier = alice.app[SERVICES].discovery.notifier
    # Mia turns "a followed creator went live" off; Leo keeps everything.
    put = await mia.put(
        "/api/notifications/settings", json={"kinds": {"live": False}}, headers=origin(mia)
    )
    assert put.status == 200
    kinds = (await put.json())["kinds"]
    assert kinds["live"] is False
    assert all(on for kind, on in kinds.items() if kind != "live")
    params = {"show_id": "s1", "title": "T", "creator": "Alice"}
    assert await notifier.notify([mia_id, leo_id], NotificationKind.LIVE, params) == 1
    assert await _kinds(mia) == []
    # Leo's quiet limit: two an hour of a kind, the rest counted into the latest.
    for _ in range(3):
        await notifier.notify([leo_id], NotificationKind.LIVE, params)
    inbox = await _inbox(leo)
    assert [(i["kind"], i["more"]) for i in inbox["items"]] == [("live", 2), ("live", 0)]
    assert inbox["unread"] == 2
    # Other kinds have their own limit.
    await notifier.message_arrived(leo_id, "Alice", "c1")
    inbox = await _inbox(leo)
    assert inbox["unread"] == 3
    newest = inbox["items"][0]
    assert newest["kind"] == "message"

    read = await leo.post(
        "/api/notifications/read", json={"ids": [newest["id"]]}, headers=origin(leo)
    )
    assert await read.json() == {"unread": 2}
    # Someone else's ids change nothing of Leo's.
    other = await mia.post(
        "/api/notifications/read",
        json={"ids": [i["id"] for i in inbox["items"]]},
        headers=origin(mia),
    )
    assert await other.json() == {"unread": 0}
    assert (await _inbox(leo))["unread"] == 2
    read_all = await leo.post("/api/notifications/read", json={}, headers=origin(leo))
    assert await read_all.json() == {"unread": 0}
    assert all(i["read"] for i in (await _inbox(leo))["items"])


async def test_refusals_change_nothing(buyers: Buyers, anonymous: Client) -> None:
    assert await _inbox(anonymous) == {"items": [], "unread": 0, "viewer": False}
    await assert_error(
        await anonymous.post("/api/notifications/read", json={}, headers=origin(anonymous)),
        401,
        "viewer_required",
    )
    await assert_error(await anonymous.get("/api/notifications/stream"), 401, "viewer_required")
    mia = await buyers("Mia")
    bad = await mia.put(
        "/api/notifications/settings",
        json={"kinds": {"live": False, "spam": False}},
        headers=origin(mia),
    )
    details = await assert_error(bad, 400, "validation_failed")
    assert details["field"] == "kinds.spam"
    settings = await (await mia.get("/api/notifications/settings")).json()
    assert settings["kinds"]["live"] is True
    wrong = await mia.post("/api/notifications/read", json={"ids": "all"}, headers=origin(mia))
    assert (await assert_error(wrong, 400, "validation_failed"))["field"] == "ids"
    cross = await mia.put(
        "/api/notifications/settings",
        json={"kinds": {"live": False}},
        headers={"Origin": "https://evil.example"},
    )
    await assert_error(cross, 403, "cross_site_refused")
    await assert_error(await mia.get("/api/notifications?limit=99"), 400, "validation_failed")
