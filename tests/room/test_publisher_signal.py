"""The room tells every instance's viewers, once, that the host is reconnecting, then back.

A real aiortc publisher goes live over WHIP on instance 1 and drops without
DELETE; a viewer connected to instance 2 hears it from the room, and a
viewer joining meanwhile learns it from its snapshot.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from aiortc import RTCSessionDescription

from livesale.composition.services import SERVICES
from livesale.live.lifecycle import HEARTBEAT_SECONDS
from livesale.media.service import MediaService
from tests.room.helpers import Event, browser, room
from tests.support.peers import TestPublisher, wait_for
from tests.support.services import relay

# The publisher's close reaches the server at once; a lifecycle tick then tells the room.
DEADLINE_SECONDS = 5 * HEARTBEAT_SECONDS + 10


async def publish(server: TestServer, show_id: str, key: str) -> TestPublisher:
    """Go live on `server` over WHIP with an aiortc publisher; returns once media flows."""
    publisher = TestPublisher(keyframe_every=30, audio=False)
    offer = await publisher.offer()
    async with (
        ClientSession() as http,
        http.post(
            server.make_url(f"/whip/{show_id}"),
            data=offer,
            headers={"Content-Type": "application/sdp", "Authorization": f"Bearer {key}"},
        ) as response,
    ):
        answer = await response.text()
        assert response.status == 201, answer
    await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    media: MediaService = relay(server.app)
    await wait_for(lambda: media.is_live(show_id), DEADLINE_SECONDS, "the publisher on air")
    return publisher


def publisher_news(events: list[Event]) -> list[Any]:
    """The `publisher` of every `show` event, in order."""
    return [e["show"].get("publisher") for e in events if e["type"] == "show"]


async def test_viewers_on_every_instance_hear_the_host_reconnecting_and_back(
    server: TestServer, server2: TestServer
) -> None:
    show, key = await server.app[SERVICES].storage.shows.create("Blip")
    first = await publish(server, show.id, key)
    async with browser(server2) as other, room(other, show.id) as ws:
        assert ws.snapshot["show"]["status"] == "live"
        assert ws.snapshot["show"]["publisher"] == "on_air"

        await first.close()  # the creator's tab is gone: no WHIP DELETE
        news = await ws.next(
            "show", lambda e: e["show"].get("publisher") == "reconnecting", DEADLINE_SECONDS
        )
        assert news["show"]["status"] == "live"  # not ended, not "offline"

        async with browser(server2) as late, room(late, show.id) as late_ws:
            assert late_ws.snapshot["show"]["publisher"] == "reconnecting"

        second = await publish(server, show.id, key)
        try:
            await ws.next(
                "show", lambda e: e["show"].get("publisher") == "on_air", DEADLINE_SECONDS
            )
            await ws.drain(2 * HEARTBEAT_SECONDS + 0.5)  # both instances' sweeps ran again
            # Each change was said once, though two instances sweep the show.
            assert publisher_news(ws.events) == ["reconnecting", "on_air"]
        finally:
            await second.close()
