"""A person's download and erasure reach reminders, notifications, their settings, push
subscriptions and direct messages (on both engines, as the folder runs); both are throttled
by the `privacy` settings."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.notifications import NotificationKind
from tests.support.clients import (
    DEFAULT_PASSWORD,
    Buyers,
    Client,
    assert_error,
    explicit_dummy,
    origin,
)
from tests.support.messages import answer, my_id, read_thread, set_block, started
from tests.support.polling import poll
from tests.support.push_service import PushService, push_service
from tests.support.world import create_show, go_live

DEADLINE = 10.0
DELETIONS = 3
EXPORTS = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Plain-http push endpoints (the stand-in has no TLS); a low deletion limit."""
    notify = dataclasses.replace(settings.notify, push_allow_http=True)
    privacy = dataclasses.replace(
        settings.privacy, deletions_per_window=DELETIONS, exports_per_window=EXPORTS
    )
    return dataclasses.replace(explicit_dummy(settings), notify=notify, privacy=privacy)


@pytest.fixture
async def service(alice: Client) -> AsyncIterator[PushService]:
    """The push-service stand-in, expecting the server's own public key."""
    key = (await (await alice.get("/api/push/key")).json())["public_key"]
    async with push_service(key) as running:
        yield running


async def count(client: Client, sql: str, *params: Any) -> int:
    found = await client.app[SERVICES].storage.database.scalar(sql, params)
    return int(found or 0)


async def next_data(response: ClientResponse) -> Any:
    """The next `data:` line of a server-sent events stream, decoded."""
    while True:
        line = (await response.content.readline()).decode()
        assert line, "the stream ended"
        if line.startswith("data: "):
            return json.loads(line[len("data: ") :])


@dataclasses.dataclass
class Mia:
    """Mia's traces: a reminder, a notification, a setting, a device and a conversation."""

    client: Client
    viewer_id: str
    reminded_show: str
    device: dict[str, Any]
    conversation_id: str
    moderator_id: str


async def busy_mia(alice: Client, buyers: Buyers, service: PushService) -> Mia:
    alice_id = await my_id(alice, "creator")
    mia, leo = await buyers("Mia"), await buyers("Leo")
    # An account: writing to shops may ask for one.
    made = await mia.post(
        "/api/viewer/account",
        json={"email": "mia@example.com", "password": DEFAULT_PASSWORD},
        headers=origin(mia),
    )
    assert made.status == 201, await made.text()
    mia_id, leo_id = await my_id(mia, "viewer"), await my_id(leo, "viewer")
    upcoming = (await create_show(alice, title="Sunday knits"))["show"]["id"]
    assert (await mia.put(f"/api/shows/{upcoming}/reminder", headers=origin(mia))).ok
    assert (await mia.put(f"/api/creators/{alice_id}/follow", headers=origin(mia))).ok
    off = await mia.put(
        "/api/notifications/settings", json={"kinds": {"outbid": False}}, headers=origin(mia)
    )
    assert off.status == 200, await off.text()
    device = service.device()
    subscribed = await mia.post(
        "/api/push/subscriptions", json={**device, "lang": "zh-CN"}, headers=origin(mia)
    )
    assert subscribed.status == 201, await subscribed.text()
    # A go-live Mia hears of (she follows Alice).
    live = (await create_show(alice, title="Knit night"))["show"]["id"]
    await go_live(alice, live)
    await poll(
        lambda: count(mia, "SELECT COUNT(*) FROM notifications WHERE viewer_id = ?", mia_id),
        DEADLINE,
        "Mia's go-live notification",
    )
    # A conversation: Mia writes, Alice and her moderator Leo answer, Mia reports and blocks.
    named = await alice.post("/api/moderators", json={"viewer_id": leo_id}, headers=origin(alice))
    assert named.status in (200, 201), await named.text()
    conversation_id = (await started(mia, alice_id, "Is the scarf wool?"))["conversation_id"]
    assert (await answer(alice, conversation_id, "Merino, yes")).status == 201
    assert (await answer(leo, conversation_id, "Ships Monday")).status == 201
    thread = await read_thread(mia, conversation_id)
    reported = await mia.post(
        f"/api/conversations/{conversation_id}/reports",
        json={"reason": "pushy", "message_id": thread["messages"][-1]["id"]},
        headers=origin(mia),
    )
    assert reported.status == 201, await reported.text()
    shop_report = await alice.post(
        f"/api/conversations/{conversation_id}/reports",
        json={"reason": "rude buyer"},
        headers=origin(alice),
    )
    assert shop_report.status == 201, await shop_report.text()
    assert (await set_block(mia, conversation_id, True)).status == 200
    return Mia(mia, mia_id, upcoming, device, conversation_id, leo_id)


async def test_the_download_holds_reminders_notifications_devices_and_messages(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    mia = await busy_mia(alice, buyers, service)
    response = await mia.client.get("/api/me/export")
    assert response.status == 200, await response.text()
    data = await response.json()

    [reminder] = data["reminders"]
    assert (reminder["show_id"], reminder["title"]) == (mia.reminded_show, "Sunday knits")
    # The go-live (a shop's answers may be notifications too: they are hers as well).
    [notification] = [n for n in data["notifications"] if n["kind"] == "live"]
    assert notification["params"]["title"] == "Knit night"
    assert notification["read_at"] is None
    assert data["notification_settings"] == {"turned_off": ["outbid"]}
    [device] = data["push_subscriptions"]
    assert (device["endpoint"], device["lang"]) == (mia.device["endpoint"], "zh-CN")
    assert set(device) == {"endpoint", "lang", "created_at"}

    [conversation] = data["messages"]
    alice_id = await my_id(alice, "creator")
    assert conversation["conversation_id"] == mia.conversation_id
    assert conversation["shop"] == {"id": alice_id, "name": "Alice"}
    assert conversation["you_blocked_at"] is not None
    assert conversation["shop_blocked_at"] is None
    assert [(m["side"], m["text"]) for m in conversation["messages"]] == [
        ("viewer", "Is the scarf wool?"),
        ("shop", "Merino, yes"),
        ("shop", "Ships Monday"),
    ]
    # Who answered for the shop is the shop's business: no author, no moderator id.
    assert mia.moderator_id not in json.dumps(data)
    assert all("author" not in m for m in conversation["messages"])
    # Only the report Mia filed, not the shop's.
    assert [(r["side"], r["reason"]) for r in data["message_reports"]] == [("viewer", "pushy")]


async def test_deleting_the_account_removes_them_and_nothing_new_is_made_for_the_person(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    mia = await busy_mia(alice, buyers, service)
    alice_id = await my_id(alice, "creator")
    # An open notification stream of Mia's (another tab): it ends with the erasure.
    stream = await mia.client.get("/api/notifications/stream")
    assert stream.status == 200, await stream.text()
    assert await stream.content.readline() == b"event: ready\n"
    # The shop's open inbox hears that the conversation went.
    shop_news = await alice.get(f"/api/messages/events?shop={alice_id}")
    assert shop_news.status == 200, await shop_news.text()
    notified = await count(
        alice, "SELECT COUNT(*) FROM notifications WHERE viewer_id = ?", mia.viewer_id
    )
    assert notified >= 1
    deleted = await mia.client.delete(
        "/api/me", json={"confirm": "delete"}, headers=origin(mia.client)
    )
    assert deleted.status == 200, await deleted.text()
    rest = await asyncio.wait_for(stream.content.read(), DEADLINE)
    assert b"event: notification" not in rest
    news = await asyncio.wait_for(next_data(shop_news), DEADLINE)
    assert news == {"type": "resync", "conversation_id": mia.conversation_id}
    shop_news.close()
    erased = (await deleted.json())["erased"]
    assert erased == {
        "chat_messages": 0,
        "reviews": 0,
        "orders": 0,
        "follows": 1,
        "photos": 0,
        "reminders": 1,
        "notifications": notified,
        "push_subscriptions": 1,
        "conversations": 1,
        "direct_messages": 3,
    }
    for table in (
        "show_reminders",
        "notifications",
        "notification_opt_outs",
        "push_subscriptions",
        "dm_conversations",
    ):
        left = await count(
            alice, f"SELECT COUNT(*) FROM {table} WHERE viewer_id = ?", mia.viewer_id
        )
        assert left == 0, table
    # Both sides' messages and every report on the conversation went with it.
    for table in ("dm_messages", "dm_reports"):
        left = await count(
            alice, f"SELECT COUNT(*) FROM {table} WHERE conversation_id = ?", mia.conversation_id
        )
        assert left == 0, table
    # The shop's inbox no longer lists it, and it cannot be read or written to.
    shop_inbox = await alice.get(f"/api/shops/{alice_id}/messages")
    assert (await shop_inbox.json())["conversations"] == []
    await assert_error(
        await alice.get(f"/api/conversations/{mia.conversation_id}"), 404, "conversation_not_found"
    )
    await assert_error(
        await answer(alice, mia.conversation_id, "Still there?"), 404, "conversation_not_found"
    )

    # Alice goes live again: the follow and the reminder are gone, so Mia hears nothing.
    await go_live(alice, mia.reminded_show)
    notifier = alice.app[SERVICES].discovery.notifier
    await notifier.sweep()
    # Events about her kept id (a shipment of an old order, a bid beaten) make nothing either.
    assert (
        await notifier.notify(
            [mia.viewer_id], NotificationKind.SHIPPED, {"order_id": "o1", "creator": "Alice"}
        )
        == 0
    )
    await notifier.outbid(mia.viewer_id, mia.reminded_show, "auc_gone", "Scarf")
    assert (
        await count(alice, "SELECT COUNT(*) FROM notifications WHERE viewer_id = ?", mia.viewer_id)
        == 0
    )


async def test_deletion_attempts_and_downloads_are_limited_by_the_privacy_settings(
    buyers: Buyers,
) -> None:
    mia = await buyers("Mia")
    for _ in range(EXPORTS):
        assert (await mia.get("/api/me/export")).status == 200
    await assert_error(await mia.get("/api/me/export"), 429, "rate_limited")
    # Refused attempts count: past the limit even a confirmed one is turned away.
    for _ in range(DELETIONS):
        refused = await mia.delete("/api/me", json={"confirm": "yes"}, headers=origin(mia))
        await assert_error(refused, 400, "validation_failed")
    limited = await mia.delete("/api/me", json={"confirm": "delete"}, headers=origin(mia))
    await assert_error(limited, 429, "rate_limited")
    assert "Retry-After" in limited.headers
    assert (await (await mia.get("/api/viewer")).json())["viewer"]["display_name"] == "Mia"
    # Another person is not held back by Mia's attempts.
    leo = await buyers("Leo")
    leaving = await leo.delete("/api/me", json={"confirm": "delete"}, headers=origin(leo))
    assert leaving.status == 200, await leaving.text()
