"""Live news of direct messages across processes: a page on one app instance hears, within
2 s, what is written through another; strangers cannot listen to a shop's news."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import Buyers, Client, assert_error, origin, sign_up
from tests.support.messages import answer, my_id, set_block, started

DELIVERY_SECONDS = 2.0


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """Instance 2: another process in spirit, on the same Redis and record."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


@pytest.fixture
async def carol(server2: TestServer) -> AsyncIterator[Client]:
    """A creator signed in on instance 2."""
    async with TestClient(server2) as client:
        await sign_up(client, "carol@example.com", display_name="Carol")
        yield client


async def _next_event(stream: ClientResponse, timeout: float) -> dict[str, Any]:
    """The next `data:` event of an SSE stream (comments skipped), within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no event within {timeout} s")
        try:
            line = await asyncio.wait_for(stream.content.readline(), left)
        except TimeoutError:
            raise AssertionError(f"no event within {timeout} s") from None
        text = line.decode().strip()
        if text.startswith("data: "):
            event: dict[str, Any] = json.loads(text[len("data: ") :])
            return event


async def _open(client: Client, query: str = "") -> ClientResponse:
    stream = await client.get(f"/api/messages/events{query}")
    assert stream.status == 200, await stream.text()
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert (await stream.content.readline()).startswith(b": ready")
    return stream


async def test_news_crosses_processes_both_ways_within_two_seconds(
    carol: Client, members: Buyers, server2: TestServer
) -> None:
    carol_id = await my_id(carol, "creator")
    mia = await members("Mia")  # on instance 1
    shop_stream = await _open(carol, f"?shop={carol_id}")  # instance 2
    mia_stream = await _open(mia)  # instance 1

    sent = await started(mia, carol_id, "Hello from instance 1")
    conversation_id = sent["conversation_id"]
    news = await _next_event(shop_stream, DELIVERY_SECONDS)
    assert news == {
        "type": "message",
        "conversation_id": conversation_id,
        "message_id": sent["message"]["id"],
    }
    # The sender's own pages hear it too (another tab of theirs shows it).
    assert (await _next_event(mia_stream, DELIVERY_SECONDS))["message_id"] == sent["message"]["id"]

    reply = await answer(carol, conversation_id, "Hello from instance 2")
    reply_id = (await reply.json())["message"]["id"]
    assert (await _next_event(mia_stream, DELIVERY_SECONDS))["message_id"] == reply_id
    assert (await _next_event(shop_stream, DELIVERY_SECONDS))["message_id"] == reply_id

    assert (await set_block(mia, conversation_id, True)).status == 200
    block = await _next_event(shop_stream, DELIVERY_SECONDS)
    assert block == {"type": "block", "conversation_id": conversation_id}
    shop_stream.close()
    mia_stream.close()


async def test_only_the_shop_and_its_moderators_hear_its_news(
    alice: Client, bob: Client, anonymous: Client, buyers: Buyers, members: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    leo = await buyers("Leo")
    for stranger in (bob, leo):
        await assert_error(
            await stranger.get(f"/api/messages/events?shop={alice_id}"), 403, "not_moderator"
        )
    await assert_error(await anonymous.get("/api/messages/events"), 401, "viewer_required")
    # Leo's own stream does not carry Mia's conversation with Alice.
    leo_stream = await _open(leo)
    mia = await members("Mia")
    await started(mia, alice_id, "just between us")
    with pytest.raises(AssertionError, match="no event"):
        await _next_event(leo_stream, 1.0)
    leo_stream.close()


async def test_open_streams_end_when_the_process_stops(server2: TestServer, buyers: Buyers) -> None:
    async with TestClient(server2) as mia:
        await mia.put("/api/viewer", json={"display_name": "Mia"}, headers=origin(mia))
        stream = await _open(mia)
        started_at = time.monotonic()
        # Without the shutdown hook aiohttp would wait for the open handler until its timeout.
        await asyncio.wait_for(server2.close(), 10)
        # What was left after ": ready" (its blank line), then the end of the stream.
        assert (await asyncio.wait_for(stream.content.read(), 5)).strip() == b""
        assert time.monotonic() - started_at < 10


async def test_a_lost_subscription_comes_back_and_tells_pages_to_resync(
    alice: Client, members: Buyers, redis_url: str
) -> None:
    alice_id = await my_id(alice, "creator")
    shop_stream = await _open(alice, f"?shop={alice_id}")
    redis = Redis.from_url(redis_url)
    try:
        # Drop every pub/sub link, as a Redis failover or a network cut would.
        killed = await redis.client_kill_filter(_type="pubsub")
        assert killed >= 1
    finally:
        await redis.aclose()
    assert await _next_event(shop_stream, 10) == {"type": "resync"}
    mia = await members("Mia")
    sent = await started(mia, alice_id, "still there?")
    news = await _next_event(shop_stream, DELIVERY_SECONDS)
    assert news["message_id"] == sent["message"]["id"]
    shop_stream.close()
