"""A shop's answer is a notification for its viewer (the bell, and Web Push to their
devices): not the viewer's own messages, not through a block, not when turned off (on both
engines, as the folder runs)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Buyers, Client, origin
from tests.support.messages import answer, my_id, set_block, started
from tests.support.push_service import PushService, push_service, subscribe


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Plain-http push endpoints allowed: the push-service stand-in listens without TLS."""
    notify = dataclasses.replace(settings.notify, push_allow_http=True)
    return dataclasses.replace(settings, notify=notify)


@pytest.fixture
async def service(alice: Client) -> AsyncIterator[PushService]:
    """The push-service stand-in, expecting the server's own public key."""
    key = (await (await alice.get("/api/push/key")).json())["public_key"]
    async with push_service(key) as running:
        yield running


async def _notices(client: Client) -> list[dict[str, Any]]:
    """The caller's `message` notifications, newest first."""
    response = await client.get("/api/notifications")
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = (await response.json())["items"]
    return [item for item in items if item["kind"] == "message"]


async def test_the_shops_answer_notifies_the_viewer_under_the_shops_name(
    alice: Client, members: Buyers, buyers: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    mia, leo = await members("Mia"), await buyers("Leo")
    conversation_id = (await started(mia, alice_id, "Is the tee cotton?"))["conversation_id"]
    assert (await answer(mia, conversation_id, "And does it shrink?")).status == 201
    # Her own messages tell her nothing.
    assert await _notices(mia) == []

    assert (await answer(alice, conversation_id, "All cotton, pre-shrunk.")).status == 201
    [notice] = await _notices(mia)
    assert notice["params"] == {"sender": "Alice", "conversation_id": conversation_id}
    assert notice["read"] is False

    # A moderator answers as the shop: the notice names the shop, not the moderator.
    leo_id = await my_id(leo, "viewer")
    named = await alice.post("/api/moderators", json={"viewer_id": leo_id}, headers=origin(alice))
    assert named.status == 201, await named.text()
    assert (await answer(leo, conversation_id, "Leo here, it is.")).status == 201
    latest, _first = await _notices(mia)
    assert latest["params"] == {"sender": "Alice", "conversation_id": conversation_id}
    assert await _notices(leo) == []


async def test_nothing_reaches_a_viewer_who_blocked_the_shop_or_turned_messages_off(
    alice: Client, members: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    conversation_id = (await started(mia, alice_id, "hello"))["conversation_id"]
    assert (await set_block(mia, conversation_id, True)).status == 200
    assert (await answer(alice, conversation_id, "buy more")).status == 403
    assert await _notices(mia) == []

    assert (await set_block(mia, conversation_id, False)).status == 200
    off = await mia.put(
        "/api/notifications/settings", json={"kinds": {"message": False}}, headers=origin(mia)
    )
    assert off.status == 200, await off.text()
    assert (await answer(alice, conversation_id, "quiet one")).status == 201
    assert await _notices(mia) == []

    on = await mia.put(
        "/api/notifications/settings", json={"kinds": {"message": True}}, headers=origin(mia)
    )
    assert on.status == 200, await on.text()
    assert (await answer(alice, conversation_id, "welcome back")).status == 201
    [notice] = await _notices(mia)
    assert notice["params"]["conversation_id"] == conversation_id


async def test_the_shops_answer_is_pushed_to_the_viewers_device_and_her_own_is_not(
    alice: Client, members: Buyers, service: PushService
) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    phone = service.device()
    assert (await subscribe(mia, phone, "zh-CN")).status == 201
    conversation_id = (await started(mia, alice_id, "Still open?"))["conversation_id"]
    assert (await answer(alice, conversation_id, "Until six.")).status == 201
    await alice.app[SERVICES].discovery.notifier.push.drained()
    assert service.refused == []
    [push] = service.received
    assert push.token == phone["endpoint"].rsplit("/", 1)[1]
    assert push.payload["kind"] == "message"
    assert push.payload["params"] == {"sender": "Alice", "conversation_id": conversation_id}
    assert push.payload["lang"] == "zh-CN"
