"""Stopping the server ends broadcasts cleanly: peers see the close at once, requests finish."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import aiohttp
from aiortc import RTCPeerConnection

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.media.test_media_metrics import ended, moved
from tests.support.clients import Client
from tests.support.layout import SDP, create_show, running_layout, stop
from tests.support.peers import TestPublisher, TestViewer
from tests.support.polling import poll_until
from tests.support.services import relay
from tests.support.whip import bearer, on_air, sendonly_offer, serve

# Well under aiortc's ICE consent timeout (~30 s), which is what peers would wait
# for if the server vanished without closing their connections.
CLOSE_DEADLINE = 5.0


def closed(*peers: RTCPeerConnection) -> bool:
    """Whether every peer connection has ended."""
    return all(pc.connectionState in ("closed", "failed") for pc in peers)


async def refuses_connections(client: Client) -> bool:
    """Whether the server has stopped listening."""
    try:
        _reader, writer = await asyncio.open_connection(client.host, client.port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_stopping_the_app_answers_requests_in_flight_then_closes_peers(
    settings: Settings,
) -> None:
    async with serve(settings) as client, on_air(client, "Last call") as air:
        publishers_ended = ended("publisher")
        viewers_ended = ended("viewer")
        runner = client.server.runner
        assert runner is not None
        assert runner.server is not None
        http = runner.server
        taken = http.requests_count
        other, other_key = await client.app[SERVICES].storage.shows.create(
            "Going live as the server stops"
        )
        offer = await sendonly_offer()
        # Hold SQLite's write lock: the WHIP POST cannot finish (marking its
        # show live is a write) until the stop has begun.
        lock = sqlite3.connect(settings.sqlite_path, isolation_level=None, timeout=5)
        try:
            lock.execute("BEGIN IMMEDIATE")
            post = asyncio.create_task(
                client.post(f"/whip/{other.id}", data=offer, headers={**SDP, **bearer(other_key)})
            )
            await poll_until(lambda: http.requests_count > taken, 5, "the server to take the POST")
            stopping = asyncio.create_task(client.server.close())
            await poll_until(lambda: refuses_connections(client), 5, "the server to stop listening")
            assert not post.done()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # Stopped listening, yet the request it had taken is served to the end.
        response = await post
        assert response.status == 201, await response.text()
        assert (await response.text()).startswith("v=0")
        answered = time.monotonic()

        # Then the relay closes every peer connection: the peers hear it at once.
        await poll_until(
            lambda: closed(air.publisher.pc, air.viewer.pc),
            CLOSE_DEADLINE,
            "the publisher and the viewer to see their connections closed",
        )
        assert air.viewer.pc.connectionState == "closed", "a clean close, not a timeout"
        assert air.publisher.pc.connectionState == "closed"
        assert time.monotonic() - answered < CLOSE_DEADLINE
        await stopping
        assert relay(client.app).peer_connection_count() == 0
        # The live publisher, and the one whose POST was answered during the stop.
        assert moved(publishers_ended, ended("publisher")) == {"shutdown": 2}
        assert moved(viewers_ended, ended("viewer")) == {"shutdown": 1}


async def test_stopping_livesale_serve_closes_peers_at_once(tmp_path: Path) -> None:
    # The supervisor stops the shop processes, then SIGTERMs the media process.
    async with running_layout(tmp_path) as layout, aiohttp.ClientSession() as http:
        show = await create_show(layout)
        publisher = TestPublisher(keyframe_every=60, audio=False)
        viewer = TestViewer()

        async def publish(offer: str) -> str:
            headers = {**SDP, "Authorization": f"Bearer {show['stream_key']}"}
            async with http.post(show["whip_url"], data=offer, headers=headers) as response:
                assert response.status == 201, await response.text()
                return await response.text()

        async def watch(offer: str) -> str:
            answers: list[str] = []

            async def accepted() -> bool:
                async with http.post(show["whep_url"], data=offer, headers=SDP) as response:
                    if response.status == 409:  # live, but its tracks are not known yet
                        return False
                    assert response.status == 201, await response.text()
                    answers.append(await response.text())
                    return True

            await poll_until(accepted, 20, "WHEP to accept the viewer")
            return answers[0]

        try:
            await publisher.connect(publish)
            await viewer.connect(watch)
            await poll_until(lambda: len(viewer.video_frames()) > 5, 20, "video through a shop")
            await http.close()  # no idle keep-alive connection for the shops to wait on
            stopped_at = time.monotonic()
            stopping = asyncio.create_task(stop(layout))
            await poll_until(
                lambda: closed(publisher.pc, viewer.pc),
                CLOSE_DEADLINE * 2,  # the shop processes stop first
                "the publisher and the viewer to see their connections closed",
            )
            assert viewer.pc.connectionState == "closed", "a clean close, not a timeout"
            assert publisher.pc.connectionState == "closed"
            assert time.monotonic() - stopped_at < CLOSE_DEADLINE * 2
            await stopping
        finally:
            await viewer.close()
            await publisher.close()
