"""WHIP and WHEP against an app under test: a live show, its publisher and viewers, SDP offers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from aiortc import RTCPeerConnection, RTCRtpSender

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client
from tests.support.peers import NO_ICE_SERVERS, Signal, TestPublisher, TestViewer, wait_for
from tests.support.services import relay

SDP_TYPE = "application/sdp"
TRICKLE_TYPE = "application/trickle-ice-sdpfrag"
SDP = {"Content-Type": SDP_TYPE}
TRICKLE = {"Content-Type": TRICKLE_TYPE}


@asynccontextmanager
async def serve(settings: Settings, **media: Any) -> AsyncIterator[Client]:
    """A test client for an app whose media settings are overridden by `media`."""
    media_settings = dataclasses.replace(settings.media, **media)
    app = create_app(dataclasses.replace(settings, media=media_settings))
    async with TestClient(TestServer(app)) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def check_error_body(text: str, code: str) -> dict[str, Any]:
    """The one JSON error shape, `{"error": {code, message, details}}`, with `code`."""
    body = json.loads(text)
    assert set(body) == {"error"}, text
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, text
    assert error["code"] == code, text
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    return dict(error)


async def assert_error(response: ClientResponse, status: int, code: str) -> dict[str, Any]:
    """A JSON error response with the expected status and stable code."""
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == "application/json", text
    return check_error_body(text, code)


def http_signal(
    client: Client, path: str, headers: dict[str, str], responses: list[ClientResponse]
) -> Signal:
    """Signal an offer by POSTing it to `path`; the 201 response is kept in `responses`."""

    async def exchange(offer: str) -> str:
        response = await client.post(path, data=offer, headers={**SDP, **headers})
        body = await response.text()
        assert response.status == 201, body
        responses.append(response)
        return body

    return exchange


async def show_state(client: Client, show_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/shows/{show_id}")
    assert response.status == 200, await response.text()
    return dict(await response.json())


def watchable(client: Client, show_id: str) -> Callable[[], bool]:
    """Live, and the publisher's tracks are known (what a WHEP POST needs)."""
    media = relay(client.app)

    def check() -> bool:
        broadcast = media.broadcast(show_id)
        return media.is_live(show_id) and broadcast is not None and bool(broadcast.tracks)

    return check


async def publish_until_watchable(
    client: Client, show_id: str, key: str, publisher: TestPublisher
) -> ClientResponse:
    """Publish over WHIP until viewers can join; returns the 201 response."""
    responses: list[ClientResponse] = []
    await publisher.connect(http_signal(client, f"/whip/{show_id}", bearer(key), responses))
    await wait_for(watchable(client, show_id), 10, "the publisher to go live")
    return responses[0]


async def watch(client: Client, show_id: str, viewer: TestViewer) -> ClientResponse:
    """Watch over WHEP; returns the 201 response."""
    responses: list[ClientResponse] = []
    await viewer.connect(http_signal(client, f"/whep/{show_id}", {}, responses))
    return responses[0]


@dataclasses.dataclass
class OnAir:
    """A live show with one publisher and one viewer that receives its video."""

    show_id: str
    key: str
    publisher: TestPublisher
    viewer: TestViewer
    whip: ClientResponse
    whep: ClientResponse

    @property
    def whip_location(self) -> str:
        return str(self.whip.headers["Location"])

    @property
    def whep_location(self) -> str:
        return str(self.whep.headers["Location"])


@asynccontextmanager
async def on_air(client: Client, title: str) -> AsyncIterator[OnAir]:
    """Create a show, publish video to it over WHIP and watch it over WHEP; hang up after."""
    show, key = await client.app[SERVICES].storage.shows.create(title)
    publisher = TestPublisher(keyframe_every=60, audio=False)
    viewer = TestViewer()
    try:
        whip = await publish_until_watchable(client, show.id, key, publisher)
        whep = await watch(client, show.id, viewer)
        await wait_for(lambda: len(viewer.video_frames()) > 5, 10, "video over WHEP")
        yield OnAir(show.id, key, publisher, viewer, whip, whep)
    finally:
        await viewer.close()
        await publisher.close()


async def local_offer(pc: RTCPeerConnection) -> str:
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


async def recvonly_offer() -> str:
    """A viewer's offer (audio and video, receive only)."""
    viewer = TestViewer()
    try:
        return await local_offer(viewer.pc)
    finally:
        await viewer.close()


async def sendonly_offer() -> str:
    """A publisher's offer (VP8 video and Opus audio, send only)."""
    publisher = TestPublisher()
    try:
        return await publisher.offer()
    finally:
        await publisher.close()


async def datachannel_offer() -> str:
    """A well-formed offer whose only section is `m=application` (a data channel)."""
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    try:
        pc.createDataChannel("chat")
        return await local_offer(pc)
    finally:
        await pc.close()


async def h264_only_offer() -> str:
    """A send-only video offer listing only H.264 (as OBS sends)."""
    pc = RTCPeerConnection(NO_ICE_SERVERS)
    try:
        transceiver = pc.addTransceiver("video", direction="sendonly")
        codecs = RTCRtpSender.getCapabilities("video").codecs
        transceiver.setCodecPreferences(
            [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
        )
        offer = await local_offer(pc)
    finally:
        await pc.close()
    assert "H264" in offer
    assert "VP8" not in offer
    return offer


def sdp_lines(sdp: str, prefix: str) -> list[str]:
    return [line for line in sdp.split("\r\n") if line.startswith(prefix)]
