"""Likes are aggregated into few events with the right total; viewer counts span instances."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestServer
from redis.asyncio import Redis
from yarl import URL

from livesale.composition.services import SERVICES
from livesale.live.presence import viewer_counts
from tests.room.helpers import browser, eventually, guest, room
from tests.support.clients import Client, origin


async def test_many_likes_become_few_events_with_the_right_total(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with (
        browser(server) as one,
        browser(server2) as two,
        room(one, show_id) as ws1,
        room(two, show_id) as ws2,
    ):
        # 10 likes/message * 2 messages per connection stays under the cap of 20/s.
        for _ in range(2):
            await ws1.send({"type": "like", "count": 9})
            await ws2.send({"type": "like", "count": 10})
            await ws1.send({"type": "like"})  # count defaults to 1
        await ws1.next("like", lambda e: e["total"] == 40)
        await ws2.next("like", lambda e: e["total"] == 40)
        likes = [e for e in ws1.events if e["type"] == "like"]
        assert len(likes) <= 6
        assert sum(e["delta"] for e in likes) == 40
        async with browser(server) as late, room(late, show_id) as ws3:
            assert ws3.snapshot["likes"] == 40


async def test_likes_over_the_per_connection_cap_are_dropped(
    server: TestServer, show_id: str
) -> None:
    async with browser(server) as client, room(client, show_id) as ws:
        for _ in range(10):
            await ws.send({"type": "like", "count": 10})
        await ws.send({"type": "ping"})
        await ws.next("pong")
        await ws.next("like")
        # However the messages straddle a second, at most two windows' worth count.
        await ws.drain(0.2)
        total = max(e["total"] for e in ws.events if e["type"] == "like")
        assert 20 <= total <= 40
        redis_total = int(
            await server.app[SERVICES].storage.redis.get(f"livesale:show:{{{show_id}}}:likes") or 0
        )
        assert redis_total == total


async def test_viewer_count_is_the_sum_over_instances(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with browser(server) as a, room(a, show_id) as ws_a:
        assert ws_a.snapshot["viewers"] == 1
        async with browser(server2) as b, room(b, show_id) as ws_b, browser(server2) as c:
            await ws_b.next("viewers", lambda e: e["count"] == 2)
            async with room(c, show_id):
                await ws_a.next("viewers", lambda e: e["count"] == 3)
            await ws_a.next("viewers", lambda e: e["count"] == 2)
        await ws_a.next("viewers", lambda e: e["count"] == 1)


async def test_a_stopped_instance_drops_out_of_the_count(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with browser(server) as a, room(a, show_id) as ws_a, browser(server2) as b:
        ws_b = await b.session.ws_connect(
            f"/api/shows/{show_id}/events", headers={"Origin": b.origin}
        )
        await ws_a.next("viewers", lambda e: e["count"] == 2)
        await server2.close()  # its room stops and takes its count out
        await ws_a.next("viewers", lambda e: e["count"] == 1)
        await ws_b.close()
        await asyncio.sleep(0)
        await eventually(lambda: server.app[SERVICES].live.room.local_connection_count() == 1)


async def test_the_creators_own_connections_are_not_viewers(
    server: TestServer, server2: TestServer, alice: Client, show_id: str
) -> None:
    async with room(alice, show_id) as console, browser(server2) as console_elsewhere:
        # Before anyone comes, the creator's console says 0 (it used to say "Viewers 1").
        assert console.snapshot["you"]["role"] == "creator"
        assert console.snapshot["viewers"] == 0
        # The same creator on the other instance too (a second tab, the host page).
        console_elsewhere.session.cookie_jar.update_cookies(
            {k: m.value for k, m in alice.session.cookie_jar.filter_cookies(_url(alice)).items()}
        )
        async with (
            room(console_elsewhere, show_id) as second_console,
            browser(server) as a,
            browser(server2) as b,
            room(a, show_id),
            room(b, show_id) as ws_b,
        ):
            assert second_console.snapshot["you"]["role"] == "creator"
            await console.next("viewers", lambda e: e["count"] == 2)
            await ws_b.next("viewers", lambda e: e["count"] == 2)
            redis = server.app[SERVICES].storage.redis
            await eventually(
                lambda: _counts_are(redis, show_id, 2)  # what the show listings read
            )
            await console.drain(0.3)  # a few presence intervals: the count stays 2
            counts = [e["count"] for e in console.events if e["type"] == "viewers"]
            assert max(counts) == 2, counts
        await console.next("viewers", lambda e: e["count"] == 0)


async def test_a_moderator_is_a_viewer(server: TestServer, alice: Client, show_id: str) -> None:
    async with guest(server, "Mod") as (moderator, viewer_id):
        made = await alice.post(
            "/api/moderators", json={"viewer_id": viewer_id}, headers=origin(alice)
        )
        assert made.status in (200, 201), await made.text()
        async with room(alice, show_id) as console, room(moderator, show_id) as ws:
            assert ws.snapshot["you"]["role"] == "moderator"
            await console.next("viewers", lambda e: e["count"] == 1)


async def _counts_are(redis: Redis, show_id: str, expected: int) -> bool:
    now_ms = int(time.time() * 1000)
    return (await viewer_counts(redis, [show_id], now_ms)) == {show_id: expected}


def _url(client: Client) -> URL:
    return URL(str(client.make_url("/")))
