"""Web Push against a local push-service stand-in: the VAPID key kept owner-only in the data
folder, subscriptions per device, pushes signed, with TTL and urgency, their payload
decrypted with the device's keys; gone subscriptions removed; refusals (on both engines)."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import AsyncIterator
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.notifications import NotificationKind
from livesale.storage.push_keys import KEY_FILE
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.push_service import PushService, push_service
from tests.support.world import create_show, go_live

DEADLINE = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Plain-http endpoints allowed: the stand-in listens on localhost without TLS."""
    notify = dataclasses.replace(settings.notify, push_allow_http=True, push_ttl_seconds=600)
    return dataclasses.replace(settings, notify=notify)


@pytest.fixture
async def service(alice: Client) -> AsyncIterator[PushService]:
    """The stand-in, expecting the server's own public key."""
    key = (await (await alice.get("/api/push/key")).json())["public_key"]
    async with push_service(key) as running:
        yield running


async def _subscribe(client: Client, device: dict[str, Any], lang: str = "en") -> Any:
    return await client.post(
        "/api/push/subscriptions", json={**device, "lang": lang}, headers=origin(client)
    )


async def test_a_go_live_is_pushed_encrypted_and_signed_to_every_device(
    alice: Client, buyers: Buyers, service: PushService, settings: Settings
) -> None:
    key_file = settings.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    alice_id = (await (await alice.get("/api/auth/me")).json())["creator"]["id"]
    show_id = (await create_show(alice, title="Knit night"))["show"]["id"]
    mia, leo = await buyers("Mia"), await buyers("Leo")
    phone, laptop, leos = service.device(), service.device(), service.device()
    assert (await _subscribe(mia, phone, "zh-CN")).status == 201
    assert (await _subscribe(mia, laptop)).status == 201
    assert (await _subscribe(leo, leos, "es-MX")).status == 201
    for fan in (mia, leo):
        assert (await fan.put(f"/api/creators/{alice_id}/follow", headers=origin(fan))).ok

    await go_live(alice, show_id)
    await poll_until(lambda: len(service.received) == 3, DEADLINE, "three pushes")
    assert service.refused == []
    by_device = {push.token: push for push in service.received}
    tokens = {d["endpoint"].rsplit("/", 1)[1]: d for d in (phone, laptop, leos)}
    assert set(by_device) == set(tokens)
    langs = {token: by_device[token].payload["lang"] for token in tokens}
    assert sorted(langs.values()) == ["en", "es", "zh-CN"]
    for push in service.received:
        assert push.payload["kind"] == "live"
        assert push.payload["params"] == {
            "show_id": show_id,
            "title": "Knit night",
            "creator": "Alice",
        }
        assert push.headers == {"TTL": "600", "Urgency": "high"}
        assert push.claims["sub"] == settings.notify.push_contact


async def test_gone_subscriptions_are_removed(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    mia = await buyers("Mia")
    kept, gone = service.device(), service.device()
    for device in (kept, gone):
        assert (await _subscribe(mia, device)).status == 201
    service.answers[gone["endpoint"].rsplit("/", 1)[1]] = 410
    notifier = alice.app[SERVICES].discovery.notifier
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    params = {"order_id": "o1", "creator": "Alice"}
    await notifier.notify([mia_id], NotificationKind.SHIPPED, params)
    await notifier.push.drained()
    assert [push.headers["Urgency"] for push in service.received] == ["normal"]
    assert await notifier.push.subscriptions.count(mia_id) == 1
    await notifier.notify([mia_id], NotificationKind.SHIPPED, params)
    await notifier.push.drained()
    assert len(service.received) == 2
    assert service.refused == []


async def test_an_outbid_is_pushed_at_once_and_a_bidding_war_only_once(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    mia = await buyers("Mia")
    assert (await _subscribe(mia, service.device(), "zh-CN")).status == 201
    notifier = alice.app[SERVICES].discovery.notifier
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    await notifier.outbid(mia_id, "show1", "au_1", "Lip oil")
    await notifier.push.drained()
    (push,) = service.received
    assert push.headers["Urgency"] == "high"
    assert push.payload["kind"] == "outbid"
    assert push.payload["params"] == {
        "show_id": "show1",
        "auction_id": "au_1",
        "product": "Lip oil",
    }
    # Outbid again before reading it: counted into the unread one, not pushed again.
    await notifier.outbid(mia_id, "show1", "au_1", "Lip oil")
    await notifier.push.drained()
    assert len(service.received) == 1
    assert service.refused == []


async def test_refusals_change_nothing(
    alice: Client, buyers: Buyers, anonymous: Client, service: PushService
) -> None:
    device = service.device()
    await assert_error(await _subscribe(anonymous, device), 401, "viewer_required")
    mia, leo = await buyers("Mia"), await buyers("Leo")
    bad_key = {**device, "keys": {**device["keys"], "p256dh": "AAAA"}}
    details = await assert_error(await _subscribe(mia, bad_key), 400, "validation_failed")
    assert details["field"] == "keys.p256dh"
    ftp = {**device, "endpoint": "ftp://push.example/x"}
    details = await assert_error(await _subscribe(mia, ftp), 400, "validation_failed")
    assert details["field"] == "endpoint"
    cross = await mia.post(
        "/api/push/subscriptions", json=device, headers={"Origin": "https://evil.example"}
    )
    await assert_error(cross, 403, "cross_site_refused")
    assert (await _subscribe(mia, device)).status == 201
    # Leo cannot unsubscribe Mia's device.
    leo_delete = await leo.delete(
        "/api/push/subscriptions", json={"endpoint": device["endpoint"]}, headers=origin(leo)
    )
    assert leo_delete.status == 200
    repository = alice.app[SERVICES].discovery.notifier.push.subscriptions
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    assert await repository.count(mia_id) == 1
    mine = await mia.delete(
        "/api/push/subscriptions", json={"endpoint": device["endpoint"]}, headers=origin(mia)
    )
    assert await mine.json() == {"subscribed": False}
    assert await repository.count(mia_id) == 0


async def test_the_service_worker_is_served_for_the_whole_site(anonymous: Client) -> None:
    response = await anonymous.get("/sw.js")
    assert response.status == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.content_type == "text/javascript"
    assert "showNotification" in await response.text()
