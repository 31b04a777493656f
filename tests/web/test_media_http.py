"""WHIP/WHEP over HTTP with real peers: the happy path, and bad input that changes nothing."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiortc import RTCSessionDescription

from livesale import keys
from livesale.app import create_app
from livesale.config import IceServer, Settings
from tests.media.peers import Signal, TestPublisher, TestViewer, wait_for

Client = TestClient[web.Request, web.Application]
SDP = {"Content-Type": "application/sdp"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    media = dataclasses.replace(
        settings.media,
        publisher_timeout_seconds=1.0,
        ice_servers=(IceServer(urls=("stun:stun.example.test:3478",)),),
        turn_urls=("turn:turn.example.test:3478?transport=udp",),
        turn_secret="turn-test-secret",
    )
    async with TestClient(TestServer(create_app(dataclasses.replace(settings, media=media)))) as c:
        yield c


def signal(client: Client, path: str, headers: dict[str, str], into: dict[str, Any]) -> Signal:
    async def exchange(offer: str) -> str:
        response = await client.post(path, data=offer, headers={**SDP, **headers})
        body = await response.text()
        assert response.status == 201, body
        into["response"] = response
        return body

    return exchange


async def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status == status, await response.text()
    body = await response.json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)


async def test_publish_watch_and_end_over_http(client: Client) -> None:
    show, key = await client.app[keys.SHOWS].create("HTTP show")
    publisher = TestPublisher(keyframe_every=60)
    whip: dict[str, Any] = {}
    await publisher.connect(
        signal(client, f"/whip/{show.id}", {"Authorization": f"Bearer {key}"}, whip)
    )
    response = whip["response"]
    location = response.headers["Location"]
    assert location.startswith(f"/whip/{show.id}/")
    assert response.headers["Content-Type"].startswith("application/sdp")
    assert response.headers["Accept-Patch"] == "application/trickle-ice-sdpfrag"
    assert response.headers["ETag"]
    links = response.headers.getall("Link")
    assert any(link.startswith("<stun:stun.example.test:3478>") for link in links)
    turn = next(link for link in links if link.startswith("<turn:"))
    assert 'rel="ice-server"' in turn and 'credential-type="password"' in turn

    async def live() -> bool:
        state = await (await client.get(f"/api/shows/{show.id}")).json()
        return bool(state["live"]) and state["status"] == "live"

    deadline = time.monotonic() + 10
    while not await live():
        assert time.monotonic() < deadline, "the show never went live"
        await wait_for(lambda: True, 0.1, "tick")

    viewer = TestViewer()
    whep: dict[str, Any] = {}
    await viewer.connect(signal(client, f"/whep/{show.id}", {}, whep))
    await wait_for(lambda: len(viewer.video_frames()) > 10, 10, "video over WHEP")
    viewer_location = whep["response"].headers["Location"]
    assert (await client.delete(viewer_location)).status == 200
    await assert_error(await client.delete(viewer_location), 404, "session_not_found")

    assert (await client.delete(location)).status == 200
    state = await (await client.get(f"/api/shows/{show.id}")).json()
    assert state["status"] == "ended" and state["live"] is False
    assert client.app[keys.MEDIA].peer_connection_count() == 0
    late = TestViewer()
    offer = await late_offer(late)
    await assert_error(
        await client.post(f"/whep/{show.id}", data=offer, headers=SDP), 409, "show_not_live"
    )
    again = TestPublisher()
    response = await client.post(
        f"/whip/{show.id}",
        data=await again.offer(),
        headers={**SDP, "Authorization": f"Bearer {key}"},
    )
    await assert_error(response, 409, "show_ended")
    for peer in (viewer, late):
        await peer.close()
    await again.close()
    await publisher.close()


async def late_offer(viewer: TestViewer) -> str:
    await viewer.pc.setLocalDescription(await viewer.pc.createOffer())
    return str(viewer.pc.localDescription.sdp)


async def test_a_second_publisher_is_refused_until_the_first_is_gone(client: Client) -> None:
    show, key = await client.app[keys.SHOWS].create("Reconnect show")
    auth = {"Authorization": f"Bearer {key}"}
    first = TestPublisher(keyframe_every=60, audio=False)
    await first.connect(signal(client, f"/whip/{show.id}", auth, {}))
    media = client.app[keys.MEDIA]
    await wait_for(lambda: media.is_live(show.id), 10, "live")
    viewer = TestViewer()
    await viewer.connect(signal(client, f"/whep/{show.id}", {}, {}))
    await wait_for(lambda: len(viewer.video_frames()) > 5, 10, "video")

    second = TestPublisher(keyframe_every=60, audio=False)
    offer = await second.offer()
    refused = await client.post(f"/whip/{show.id}", data=offer, headers={**SDP, **auth})
    await assert_error(refused, 409, "publisher_exists")

    await first.close()  # the creator's network drops: no DELETE
    await wait_for(lambda: not media.is_live(show.id), 10, "the drop to be noticed")
    accepted = await client.post(f"/whip/{show.id}", data=offer, headers={**SDP, **auth})
    assert accepted.status == 201
    await second.pc.setRemoteDescription(RTCSessionDescription(await accepted.text(), "answer"))
    await wait_for(
        lambda: any(data in set(second.video.sent) for _at, data in viewer.video_frames()),
        10,
        "frames from the new publisher",
    )
    await viewer.close()
    await second.close()


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, b"v=0", 401, "unauthorized"),
        ({"Authorization": "Basic abc"}, b"v=0", 401, "unauthorized"),
        ({"Authorization": "Bearer wrong"}, b"v=0", 401, "unauthorized"),
        ({"Authorization": "Bearer KEY", "Content-Type": "text/plain"}, b"v=0", 415,
         "unsupported_media_type"),
        ({"Authorization": "Bearer KEY"}, b"hello", 400, "invalid_sdp"),
        ({"Authorization": "Bearer KEY"}, b"v=0\r\n", 400, "invalid_sdp"),
        ({"Authorization": "Bearer KEY"}, b"v=0\r\n\xff\xfe\x00", 400, "invalid_sdp"),
        ({"Authorization": "Bearer KEY"}, os.urandom(2000), 400, "invalid_sdp"),
        ({"Authorization": "Bearer KEY"},
         b"v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", 400, "invalid_sdp"),
        ({"Authorization": "Bearer KEY"}, b"v=0\r\n" + b"a=x\r\n" * 5000, 413,
         "payload_too_large"),
    ],
)  # fmt: skip
async def test_bad_whip_requests_change_nothing(
    client: Client, headers: dict[str, str], body: bytes, status: int, code: str
) -> None:
    show, key = await client.app[keys.SHOWS].create("Bad input")
    headers = {k: v.replace("KEY", key) for k, v in {**SDP, **headers}.items()}
    response = await client.post(f"/whip/{show.id}", data=body, headers=headers)
    await assert_error(response, status, code)
    assert client.app[keys.MEDIA].peer_connection_count() == 0
    assert (await client.get(f"/api/shows/{show.id}")).status == 200
    assert (await client.app[keys.SHOWS].get(show.id)).status.value == "scheduled"
    assert (await client.get("/healthz")).status == 200


async def test_more_bad_requests(client: Client) -> None:
    show, key = await client.app[keys.SHOWS].create("More bad input")
    other, _other_key = await client.app[keys.SHOWS].create("Other")
    media = client.app[keys.MEDIA]
    offerer = TestViewer()
    recvonly = await late_offer(offerer)
    auth = {**SDP, "Authorization": f"Bearer {key}"}
    # Another show's key, a receive-only offer on WHIP, an unknown show.
    await assert_error(
        await client.post(f"/whip/{other.id}", data="v=0", headers=auth), 401, "unauthorized"
    )
    await assert_error(
        await client.post(f"/whip/{show.id}", data=recvonly, headers=auth), 400, "invalid_sdp"
    )
    await assert_error(
        await client.post("/whep/nope", data=recvonly, headers=SDP), 404, "show_not_found"
    )
    await assert_error(
        await client.post(f"/whep/{show.id}", data=recvonly, headers=SDP), 409, "show_not_live"
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"a=padding-line-to-exceed-the-cap\r\n" * 10

    await assert_error(
        await client.post(f"/whip/{show.id}", data=chunks(), headers=auth), 413, "payload_too_large"
    )
    # Sessions that do not exist, repeated, or with the wrong body type.
    await assert_error(await client.delete(f"/whip/{show.id}/nope"), 404, "session_not_found")
    await assert_error(await client.delete(f"/whep/{show.id}/nope"), 404, "session_not_found")
    frag = {"Content-Type": "application/trickle-ice-sdpfrag"}
    await assert_error(
        await client.patch(f"/whep/{show.id}/nope", data="a=end-of-candidates", headers=frag),
        404,
        "session_not_found",
    )
    await assert_error(
        await client.patch(f"/whep/{show.id}/nope", data="x", headers=SDP),
        415,
        "unsupported_media_type",
    )
    await assert_error(await client.get(f"/whip/{show.id}"), 405, "method_not_allowed")
    await assert_error(await client.get("/nothing-here"), 404, "not_found")
    assert media.peer_connection_count() == 0
    await offerer.close()


async def test_options_cors_and_ice_servers(client: Client) -> None:
    response = await client.options("/whip/any")
    assert response.status == 204
    assert "POST" in response.headers["Allow"]
    assert response.headers["Accept-Post"] == "application/sdp"
    assert response.headers.getall("Link")
    preflight = await client.options(
        "/whep/any",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    error = await client.post("/whip/any", headers={"Origin": "https://shop.example"})
    assert error.status == 401 and error.headers["Access-Control-Allow-Origin"] == "*"

    servers = (await (await client.get("/api/ice-servers")).json())["iceServers"]
    assert servers[0] == {"urls": ["stun:stun.example.test:3478"]}
    turn = servers[1]
    expiry, _user = turn["username"].split(":", 1)
    assert abs(int(expiry) - (time.time() + 3600)) < 60
    expected = hmac.new(b"turn-test-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()


async def test_viewer_caps(settings: Settings) -> None:
    media = dataclasses.replace(settings.media, max_viewers_per_show=1)
    async with TestClient(
        TestServer(create_app(dataclasses.replace(settings, media=media)))
    ) as client:
        show, key = await client.app[keys.SHOWS].create("Capped")
        publisher = TestPublisher(keyframe_every=60, audio=False)
        await publisher.connect(
            signal(client, f"/whip/{show.id}", {"Authorization": f"Bearer {key}"}, {})
        )
        await wait_for(lambda: client.app[keys.MEDIA].is_live(show.id), 10, "live")
        first = TestViewer()
        await first.connect(signal(client, f"/whep/{show.id}", {}, {}))
        second = TestViewer()
        response = await client.post(f"/whep/{show.id}", data=await late_offer(second), headers=SDP)
        await assert_error(response, 503, "capacity_reached")
        assert client.app[keys.MEDIA].viewer_count(show.id) == 1
        for peer in (first, second):
            await peer.close()
        await publisher.close()


async def test_trickle_ice_candidates_arrive_by_patch(client: Client) -> None:
    show, key = await client.app[keys.SHOWS].create("Trickle")
    publisher = TestPublisher(keyframe_every=60, audio=False)
    full = await publisher.offer()
    lines = full.split("\r\n")
    candidates = [line for line in lines if line.startswith("a=candidate:")]
    ufrag = next(line for line in lines if line.startswith("a=ice-ufrag:"))
    pwd = next(line for line in lines if line.startswith("a=ice-pwd:"))
    mid = next(line for line in lines if line.startswith("a=mid:"))
    assert candidates
    bare = "\r\n".join(
        line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates"))
    )
    response = await client.post(
        f"/whip/{show.id}", data=bare, headers={**SDP, "Authorization": f"Bearer {key}"}
    )
    assert response.status == 201
    location = response.headers["Location"]
    await publisher.pc.setRemoteDescription(RTCSessionDescription(await response.text(), "answer"))
    frag = {"Content-Type": "application/trickle-ice-sdpfrag"}
    # An ICE restart (new credentials) is refused as RFC 9725 says.
    restart = f"a=ice-ufrag:other\r\na=ice-pwd:otherpassword1234567890\r\n{mid}\r\n"
    await assert_error(await client.patch(location, data=restart, headers=frag), 422,
                       "ice_restart_unsupported")  # fmt: skip
    await assert_error(await client.patch(location, data="hello", headers=frag), 400, "invalid_sdp")
    body = "\r\n".join([ufrag, pwd, "m=video 9 UDP/TLS/RTP/SAVPF 0", mid, *candidates])
    body += "\r\na=end-of-candidates\r\n"
    connection = remote_ice(client, show.id)

    def signalled() -> list[Any]:
        # Peer-reflexive candidates are learnt from incoming checks, not signalled.
        return [c for c in connection._remote_candidates if c.type != "prflx"]

    assert signalled() == []
    patched = await client.patch(location, data=body, headers=frag)
    assert patched.status == 204, await patched.text()
    # The server's ICE agent now has exactly the candidates that were trickled.
    assert len(signalled()) == len(candidates)
    assert connection._remote_candidates_end
    await wait_for(
        lambda: client.app[keys.MEDIA].is_live(show.id), 15, "ICE over trickled candidates"
    )
    await publisher.close()


def remote_ice(client: Client, show_id: str) -> Any:
    """The server-side aioice connection of a show's publisher."""
    session = client.app[keys.MEDIA]._publishers[show_id]
    return session.pc.getTransceivers()[0].receiver.transport.transport._connection
