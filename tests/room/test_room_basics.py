"""The room: snapshot on connect, chat between viewers, publish across two instances."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.live.snapshot import SnapshotCache
from livesale.storage.room_redis import ChatLimits
from tests.room.helpers import browser, eventually, guest, room
from tests.support.clients import Client, origin
from tests.support.world import create_product, create_show, go_live


async def test_unknown_show_is_a_json_404_before_the_upgrade(server: TestServer) -> None:
    async with browser(server) as client:
        status, body = await client.call("GET", "/api/shows/nope/events")
        assert status == 404
        assert body["error"]["code"] == "show_not_found"


async def test_snapshot_on_connect(server: TestServer, alice: Client, show_id: str) -> None:
    async with guest(server, "Mia") as (client, viewer_id), room(client, show_id) as ws:
        snapshot = ws.snapshot
        assert snapshot["show"]["id"] == show_id
        assert snapshot["show"]["status"] == "scheduled"
        assert snapshot["pin"] is None
        assert snapshot["chat"] == []
        assert snapshot["likes"] == 0
        assert snapshot["viewers"] == 1
        assert snapshot["slow_mode_seconds"] == 0
        assert snapshot["you"] == {
            "id": viewer_id,
            "display_name": "Mia",
            "role": "viewer",
            "muted_until": None,
        }
    async with room(alice, show_id) as ws:
        assert ws.snapshot["you"]["role"] == "creator"
    async with browser(server) as anonymous, room(anonymous, show_id) as ws:
        assert ws.snapshot["you"] == {
            "id": None,
            "display_name": None,
            "role": "anonymous",
            "muted_until": None,
        }


async def test_chat_reaches_other_viewers_and_the_history(server: TestServer, show_id: str) -> None:
    async with (
        guest(server, "Mia") as (mia, mia_id),
        guest(server, "Noah") as (noah, _),
        room(mia, show_id) as mia_ws,
        room(noah, show_id) as noah_ws,
    ):
        await mia_ws.chat("  hello everyone  ")
        event = await noah_ws.next("chat")
        message = event["message"]
        assert message["text"] == "hello everyone"
        assert message["author"] == {"id": mia_id, "name": "Mia", "role": "viewer"}
        assert isinstance(message["id"], int)
        assert isinstance(message["at"], float)
        assert (await mia_ws.next("chat"))["message"] == message
    async with browser(server) as late, room(late, show_id) as ws:
        assert [m["text"] for m in ws.snapshot["chat"]] == ["hello everyone"]


async def test_publish_and_chat_cross_instances(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with (
        guest(server, "Mia") as (on_one, _),
        guest(server2, "Noah") as (on_two, _),
        room(on_one, show_id) as ws1,
        room(on_two, show_id) as ws2,
    ):
        await server.app[SERVICES].live.events.publish(show_id, {"type": "pin", "pin": {"id": 7}})
        assert (await ws2.next("pin"))["pin"] == {"id": 7}
        assert (await ws1.next("pin"))["pin"] == {"id": 7}
        await ws1.chat("from one")
        assert (await ws2.next("chat"))["message"]["text"] == "from one"
        await ws2.chat("from two")
        await ws1.next("chat", lambda e: e["message"]["text"] == "from two")
        # Each instance counts only its own connections; the viewer count is the sum.
        assert server.app[SERVICES].live.room.local_connection_count(show_id) == 1
        assert server2.app[SERVICES].live.room.local_connection_count(show_id) == 1
        await ws1.next("viewers", lambda e: e["count"] == 2)


async def test_leaving_unsubscribes_and_counts_drop(server: TestServer, show_id: str) -> None:
    room_service = server.app[SERVICES].live.room
    async with browser(server) as client:
        async with room(client, show_id):
            assert room_service.local_connection_count() == 1
        await eventually(lambda: room_service.local_connection_count() == 0)
        redis = server.app[SERVICES].storage.redis

        async def unsubscribed() -> bool:
            return bool(await redis.pubsub_channels(f"livesale:show:{{{show_id}}}:*") == [])

        await eventually(unsubscribed)


async def test_snapshot_extras_are_merged(server: TestServer, show_id: str) -> None:
    services = server.app[SERVICES]

    async def extras(requested: str) -> dict[str, Any]:
        assert requested == show_id
        return {"pin": {"id": 3}, "show": {"id": show_id, "title": "From the extras"}}

    limits = ChatLimits(services.storage.redis)
    snapshots = SnapshotCache(services.storage.shows, services.live.chat.history, limits, extras)
    snapshot = json.loads((await snapshots.get(show_id, 0, lambda: 0)).render(1, 0, {}))
    assert snapshot["pin"] == {"id": 3}
    assert snapshot["show"] == {"id": show_id, "title": "From the extras"}
    assert snapshot["viewers"] == 1
    # Moderation announces the show as snapshots send it.
    assert await snapshots.show_state(show_id) == {"id": show_id, "title": "From the extras"}


async def test_a_joining_viewer_sees_the_pin_its_stock_and_the_publisher(
    server: TestServer, alice: Client
) -> None:
    mug = await create_product(alice, "MUG", price_minor=1200, stock=7)
    show_id = (await create_show(alice, product_ids=[mug["id"]]))["show"]["id"]
    await go_live(alice, show_id)
    pinned = await alice.post(
        f"/api/shows/{show_id}/pin", json={"product_id": mug["id"]}, headers=origin(alice)
    )
    assert pinned.status == 201, await pinned.text()
    async with browser(server) as client, room(client, show_id) as ws:
        assert ws.snapshot["pin"]["product"]["id"] == mug["id"]
        assert ws.snapshot["stock"]["product_id"] == mug["id"]
        assert ws.snapshot["show"]["publisher"] in ("on_air", "reconnecting")


async def test_snapshot_comes_first_and_no_event_is_lost_while_joining(
    server: TestServer, show_id: str
) -> None:
    events = server.app[SERVICES].live.events

    async def publish_many() -> None:
        for n in range(200):
            await events.publish(show_id, {"type": "pin", "n": n})

    async with browser(server) as watcher, room(watcher, show_id) as first:
        publisher = asyncio.create_task(publish_many())
        async with browser(server) as late, room(late, show_id) as second:
            await publisher
            await first.next("pin", lambda e: e["n"] == 199)
            await second.next("pin", lambda e: e["n"] == 199)
            assert second.events[0]["type"] == "snapshot"
            numbers = [e["n"] for e in second.events if e["type"] == "pin"]
            # Joined part-way: a contiguous tail of the events, in order, none missing.
            assert numbers == list(range(numbers[0], 200))
