"""WHIP/WHEP (RFC 9725) end to end over HTTP: real aiortc peers against `create_app`.

1. the happy path: publish, watch, end;
2. bad input is refused with the JSON error shape and changes nothing;
3. one publisher per show, and replacing a dropped one;
4. OPTIONS, CORS, and ICE servers (Link headers, TURN credentials);
5. trickle ICE by PATCH;
6. viewer caps.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from aiortc import RTCSessionDescription
from yarl import URL

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import IceServer, Settings
from tests.support.clients import Client
from tests.support.ice_flood import without_lines
from tests.support.ice_links import (
    STUN,
    TURN_SECRET,
    TURN_TTL,
    TURN_URLS,
    assert_ice_links,
    verify_turn,
)
from tests.support.peers import (
    TestPublisher,
    TestViewer,
    wait_for,
    wait_until,
)
from tests.support.services import relay
from tests.support.whip import (
    SDP,
    SDP_TYPE,
    TRICKLE,
    TRICKLE_TYPE,
    assert_error,
    bearer,
    check_error_body,
    datachannel_offer,
    h264_only_offer,
    http_signal,
    on_air,
    publish_until_watchable,
    recvonly_offer,
    sdp_lines,
    sendonly_offer,
    serve,
    show_state,
    watch,
    watchable,
)

# -- helpers ---------------------------------------------------------------


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    """A request body without Content-Length (chunked transfer encoding)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def answered_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server sends anything (or closes) within `seconds`."""
    try:
        await asyncio.wait_for(reader.read(1), seconds)
    except TimeoutError:
        return False
    return True


# -- 1. the happy path -----------------------------------------------------


async def test_publish_watch_and_end_over_http(app_client: Client) -> None:
    show, key = await app_client.app[SERVICES].storage.shows.create("Spring collection")
    media = relay(app_client.app)
    before = await show_state(app_client, show.id)
    assert before["status"] == "scheduled"
    assert before["live"] is False
    # The show advertises the endpoints this test then uses.
    assert URL(before["whip_url"]).path == f"/whip/{show.id}"
    assert URL(before["whep_url"]).path == f"/whep/{show.id}"

    publisher = TestPublisher(keyframe_every=60)
    whip: list[ClientResponse] = []
    await publisher.connect(http_signal(app_client, f"/whip/{show.id}", bearer(key), whip))
    response = whip[0]
    assert response.status == 201
    location = response.headers["Location"]
    match = re.fullmatch(rf"/whip/{show.id}/([^/]+)", location)
    assert match, location
    assert response.content_type == SDP_TYPE
    assert response.headers["Accept-Patch"] == TRICKLE_TYPE
    etag = response.headers["ETag"]
    assert len(etag) > 2
    assert etag.startswith('"')
    assert etag.endswith('"')
    answer = publisher.pc.remoteDescription.sdp
    assert answer.startswith("v=0")
    assert sdp_lines(answer, "a=fingerprint:")
    assert sdp_lines(answer, "a=ice-ufrag:")
    # The relay only receives from a publisher.
    assert "a=recvonly" in answer
    assert "a=sendonly" not in answer

    async def live() -> bool:
        state = await show_state(app_client, show.id)
        return state["live"] is True and state["status"] == "live"

    await wait_until(live, 10, "GET /api/shows/{id} to say live")
    # `live` flips when DTLS is up; viewers also need the publisher's tracks started.
    await wait_for(watchable(app_client, show.id), 5, "the publisher's tracks")

    viewer = TestViewer()
    whep = await watch(app_client, show.id, viewer)
    viewer_location = whep.headers["Location"]
    assert re.fullmatch(rf"/whep/{show.id}/[^/]+", viewer_location), viewer_location
    assert viewer_location.rsplit("/", 1)[1] != match.group(1)
    assert whep.content_type == SDP_TYPE
    assert whep.headers["Accept-Patch"] == TRICKLE_TYPE
    assert whep.headers["ETag"]
    await wait_for(lambda: len(viewer.video_frames()) > 10, 10, "video over WHEP")
    sent = set(publisher.video.sent)
    assert all(data in sent for _at, data in viewer.video_frames())
    assert media.viewer_count(show.id) == 1

    deleted = await app_client.delete(viewer_location)
    assert deleted.status == 200, await deleted.text()
    assert media.viewer_count(show.id) == 0
    await assert_error(await app_client.delete(viewer_location), 404, "session_not_found")
    # Ending one viewer leaves the broadcast on air.
    assert media.is_live(show.id)

    ended = await app_client.delete(location)
    assert ended.status == 200, await ended.text()
    state = await show_state(app_client, show.id)
    assert state["status"] == "ended"
    assert state["live"] is False
    assert media.peer_connection_count() == 0
    await assert_error(await app_client.delete(location), 404, "session_not_found")

    offer = await recvonly_offer()
    await assert_error(
        await app_client.post(f"/whep/{show.id}", data=offer, headers=SDP), 409, "show_not_live"
    )
    again = await sendonly_offer()
    await assert_error(
        await app_client.post(f"/whip/{show.id}", data=again, headers={**SDP, **bearer(key)}),
        409,
        "show_ended",
    )
    assert media.peer_connection_count() == 0
    await viewer.close()
    await publisher.close()


# -- 2. bad input changes nothing --------------------------------------------

OVERSIZED = b"v=0\r\n" + b"a=x-padding\r\n" * 1400  # > 16384, the default max_sdp_bytes
NOT_UTF8 = b"v=0\r\no=- 1 1 IN IP4 \xff\xfe\xfd\r\ns=-\r\n"
RANDOM_BYTES = random.Random(20240601).randbytes(2000)


@pytest.mark.parametrize(
    ("path", "headers", "body", "status", "code"),
    [
        pytest.param("{show}", {}, b"v=0", 401, "unauthorized", id="no-authorization"),
        pytest.param("{show}", {"Authorization": "Basic {key}"}, b"v=0", 401, "unauthorized",
                     id="not-bearer"),
        pytest.param("{show}", {"Authorization": "Bearer "}, b"v=0", 401, "unauthorized",
                     id="empty-bearer"),
        pytest.param("{show}", {"Authorization": "Bearer wrong"}, b"v=0", 401, "unauthorized",
                     id="wrong-key"),
        pytest.param("{show}", {"Authorization": "Bearer {other}"}, b"v=0", 401, "unauthorized",
                     id="another-shows-key"),
        # The stream key is checked against the show, so an unknown show is
        # 404 once a bearer token is sent, and 401 without one.
        pytest.param("nope", {"Authorization": "Bearer {key}"}, b"v=0", 404, "show_not_found",
                     id="unknown-show"),
        pytest.param("nope", {}, b"v=0", 401, "unauthorized", id="unknown-show-no-auth"),
        pytest.param("{show}", {"Authorization": "Bearer {key}", "Content-Type": "text/plain"},
                     b"v=0", 415, "unsupported_media_type", id="text-plain"),
        pytest.param("{show}", {"Authorization": "Bearer {key}",
                                "Content-Type": "application/octet-stream"},
                     b"v=0", 415, "unsupported_media_type", id="octet-stream"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, OVERSIZED, 413,
                     "payload_too_large", id="oversized-with-content-length"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, b"hello", 400, "invalid_sdp",
                     id="hello"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, b"", 400, "invalid_sdp",
                     id="empty"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, b"v=0\r\n", 400,
                     "invalid_sdp", id="v0-only"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, RANDOM_BYTES, 400,
                     "invalid_sdp", id="random-bytes"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, NOT_UTF8, 400, "invalid_sdp",
                     id="not-utf8"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"}, b"v=0\r\ns=\x00\r\n", 400,
                     "invalid_sdp", id="nul-byte"),
        pytest.param("{show}", {"Authorization": "Bearer {key}"},
                     b"v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", 400,
                     "invalid_sdp", id="bare-m-application"),
    ],
)  # fmt: skip
async def test_bad_whip_posts_are_refused_and_change_nothing(
    app_client: Client,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
    code: str,
) -> None:
    shows = app_client.app[SERVICES].storage.shows
    media = relay(app_client.app)
    show, key = await shows.create("Bad input")
    _other, other_key = await shows.create("Another show")
    headers = {
        name: value.format(key=key, other=other_key) for name, value in {**SDP, **headers}.items()
    }
    connections = media.peer_connection_count()
    response = await app_client.post(
        f"/whip/{path.format(show=show.id)}", data=body, headers=headers
    )
    await assert_error(response, status, code)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert media.peer_connection_count() == connections
    assert (await shows.get(show.id)).status.value == "scheduled"
    assert (await show_state(app_client, show.id))["live"] is False
    assert (await app_client.get("/healthz")).status == 200


async def raw_chunked_post(
    client: Client, path: str, headers: dict[str, str], first: bytes, rest: bytes
) -> tuple[bool, bytes]:
    """POST `first` as one chunk, check for an early answer, then send `rest`.

    Returns whether the server answered before `rest` was sent, and the raw response.
    """
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"{head}Connection: close\r\n\r\n".encode())
        writer.write(b"%x\r\n%s\r\n" % (len(first), first))
        await writer.drain()
        # A bounded observation window: a server that has the whole body must not answer yet.
        early = await answered_within(reader, 0.5)
        if not early:
            for start in range(0, len(rest), 1000):
                piece = rest[start : start + 1000]
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        response = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return early, response


async def test_chunked_offers_are_read_whole_and_capped(app_client: Client) -> None:
    # Regression: the handler used to read only the bytes that had arrived so far.
    show, key = await app_client.app[SERVICES].storage.shows.create("Slow encoder")
    media = relay(app_client.app)
    offer = (await sendonly_offer()).encode()
    early, response = await raw_chunked_post(
        app_client, f"/whip/{show.id}", {**SDP, **bearer(key)}, offer[:200], offer[200:]
    )
    assert not early, "the server answered before the body was complete"
    assert response.startswith(b"HTTP/1.1 201 "), response[:400]
    assert b"\r\nv=0\r\n" in response  # the SDP answer
    assert media.peer_connection_count() == 1

    # Without a Content-Length the cap is enforced while reading.
    other, other_key = await app_client.app[SERVICES].storage.shows.create("Slow and too big")
    early, response = await raw_chunked_post(
        app_client, f"/whip/{other.id}", {**SDP, **bearer(other_key)}, b"v=0\r\n", OVERSIZED
    )
    assert not early, "the server answered before the body was complete"
    assert response.startswith(b"HTTP/1.1 413 "), response[:400]
    error = check_error_body(response.split(b"\r\n\r\n", 1)[1].decode(), "payload_too_large")
    assert error["details"]["limit"] == app_client.app[SERVICES].settings.media.max_sdp_bytes
    assert media.peer_connection_count() == 1
    assert (await app_client.app[SERVICES].storage.shows.get(other.id)).status.value == "scheduled"
    assert (await app_client.get("/healthz")).status == 200


async def test_well_formed_offers_of_the_wrong_shape_are_invalid_sdp(app_client: Client) -> None:
    show, key = await app_client.app[SERVICES].storage.shows.create("Wrong shape")
    media = relay(app_client.app)
    publisher_offer = await sendonly_offer()
    video_section = publisher_offer[
        publisher_offer.index("m=video") : publisher_offer.index("m=audio")
    ]
    offers = {
        "recvonly on WHIP": await recvonly_offer(),
        "data channel only": await datachannel_offer(),
        "no ICE credentials": without_lines(publisher_offer, "a=ice-ufrag:", "a=ice-pwd:"),
        "no fingerprint": without_lines(publisher_offer, "a=fingerprint:"),
        "two video sections": publisher_offer + video_section,
    }
    for what, offer in offers.items():
        response = await app_client.post(
            f"/whip/{show.id}", data=offer, headers={**SDP, **bearer(key)}
        )
        assert response.status == 400, (what, await response.text())
        await assert_error(response, 400, "invalid_sdp")
    assert media.peer_connection_count() == 0
    assert (await app_client.app[SERVICES].storage.shows.get(show.id)).status.value == "scheduled"


async def test_an_h264_only_publisher_is_refused_when_h264_is_off(settings: Settings) -> None:
    offer = await h264_only_offer()
    async with serve(settings, h264=False) as client:
        show, key = await client.app[SERVICES].storage.shows.create("No H.264")
        response = await client.post(f"/whip/{show.id}", data=offer, headers={**SDP, **bearer(key)})
        error = await assert_error(response, 400, "unsupported_codec")
        assert "VP8" in error["message"]
        assert relay(client.app).peer_connection_count() == 0
        assert (await client.app[SERVICES].storage.shows.get(show.id)).status.value == "scheduled"
    async with serve(settings, h264=True) as client:
        show, key = await client.app[SERVICES].storage.shows.create("H.264")
        response = await client.post(f"/whip/{show.id}", data=offer, headers={**SDP, **bearer(key)})
        assert response.status == 201, await response.text()
        assert "H264" in await response.text()


async def test_requests_without_a_live_show_or_session(app_client: Client) -> None:
    show, _key = await app_client.app[SERVICES].storage.shows.create("Not live yet")
    media = relay(app_client.app)
    offer = await recvonly_offer()
    await assert_error(
        await app_client.post("/whep/nope", data=offer, headers=SDP), 404, "show_not_found"
    )
    await assert_error(
        await app_client.post(f"/whep/{show.id}", data=offer, headers=SDP), 409, "show_not_live"
    )
    for kind in ("whip", "whep"):
        session = f"/{kind}/{show.id}/nope"
        await assert_error(await app_client.delete(session), 404, "session_not_found")
        await assert_error(
            await app_client.patch(session, data="a=end-of-candidates\r\n", headers=TRICKLE),
            404,
            "session_not_found",
        )
        # The body's type is checked before the session is looked up.
        await assert_error(
            await app_client.patch(session, data="a=end-of-candidates\r\n", headers=SDP),
            415,
            "unsupported_media_type",
        )
    error = await assert_error(await app_client.get(f"/whip/{show.id}"), 405, "method_not_allowed")
    assert "POST" in error["details"]["allowed"]
    for path in ("/nothing-here", "/whip", f"/whip/{show.id}/a/b"):
        await assert_error(await app_client.get(path), 404, "not_found")
    assert media.peer_connection_count() == 0
    assert (await app_client.get("/healthz")).status == 200


async def test_bad_requests_against_a_live_show_disturb_nothing(app_client: Client) -> None:
    media = relay(app_client.app)
    other, other_key = await app_client.app[SERVICES].storage.shows.create("Other")
    async with on_air(app_client, "Live and poked at") as air:
        assert media.peer_connection_count() == 2
        whep = f"/whep/{air.show_id}"
        whip = f"/whip/{air.show_id}"
        whep_location = air.whep_location
        limit = app_client.app[SERVICES].settings.media.max_sdp_bytes
        viewer_ufrag = sdp_lines(air.viewer.pc.localDescription.sdp, "a=ice-ufrag:")[0]

        sendonly = await sendonly_offer()
        recvonly = await recvonly_offer()
        datachannel = await datachannel_offer()
        restart = "a=ice-ufrag:restart\r\na=ice-pwd:restartrestartrestartrestart\r\n"
        whip_path_of_viewer = whep_location.replace("/whep/", "/whip/")
        other_show_viewer = whep_location.replace(air.show_id, other.id)
        own_key = {**SDP, **bearer(air.key)}
        post, patch, delete = app_client.post, app_client.patch, app_client.delete
        bad: list[tuple[Callable[[], Awaitable[ClientResponse]], int, str]] = [
            (lambda: post(whep, data=sendonly, headers=SDP), 400, "invalid_sdp"),
            (lambda: post(whep, data=datachannel, headers=SDP), 400, "invalid_sdp"),
            (lambda: post(whep, data=b"hello", headers=SDP), 400, "invalid_sdp"),
            (lambda: post(whep, data=RANDOM_BYTES, headers=SDP), 400, "invalid_sdp"),
            (lambda: post(whep, data="v=0", headers={"Content-Type": "text/plain"}), 415,
             "unsupported_media_type"),
            (lambda: post(whep, data=OVERSIZED, headers=SDP), 413, "payload_too_large"),
            (lambda: post(whep, data=chunked(OVERSIZED), headers=SDP), 413,
             "payload_too_large"),
            (lambda: post(whip, data=sendonly, headers={**SDP, **bearer(other_key)}), 401,
             "unauthorized"),
            (lambda: post(whip, data=recvonly, headers=own_key), 400, "invalid_sdp"),
            (lambda: post(whip, data=sendonly, headers=own_key), 409, "publisher_exists"),
            (lambda: patch(whep_location, data="a=end-of-candidates", headers=SDP), 415,
             "unsupported_media_type"),
            (lambda: patch(whep_location, data="hello", headers=TRICKLE), 400, "invalid_sdp"),
            (lambda: patch(whep_location, data="a=candidate:garbage\r\n", headers=TRICKLE), 400,
             "invalid_sdp"),
            (lambda: patch(whep_location, data="a=x\r\n" * limit, headers=TRICKLE), 413,
             "payload_too_large"),
            (lambda: patch(whep_location, data=restart, headers=TRICKLE), 422,
             "ice_restart_unsupported"),
            (lambda: patch(whep_location, data=restart.split("\r\n")[1], headers=TRICKLE), 422,
             "ice_restart_unsupported"),
            # A new password without a new ufrag is no restart, just wrong.
            (lambda: patch(whep_location, data=f"{viewer_ufrag}\r\na=ice-pwd:{'x' * 24}\r\n",
                           headers=TRICKLE), 400, "invalid_sdp"),
            # A viewer's session is not a publisher's, and not another show's.
            (lambda: patch(whip_path_of_viewer, data=viewer_ufrag, headers=TRICKLE), 404,
             "session_not_found"),
            (lambda: delete(whip_path_of_viewer), 404, "session_not_found"),
            (lambda: delete(air.whip_location.replace("/whip/", "/whep/")), 404,
             "session_not_found"),
            (lambda: delete(other_show_viewer), 404, "session_not_found"),
        ]  # fmt: skip
        for request, status, code in bad:
            await assert_error(await request(), status, code)
            assert media.peer_connection_count() == 2

        # Same ICE credentials, no candidates: a harmless PATCH is accepted.
        ok = await patch(whep_location, data=f"{viewer_ufrag}\r\n", headers=TRICKLE)
        assert ok.status == 204, await ok.text()
        received = len(air.viewer.video_frames())
        await wait_for(
            lambda: len(air.viewer.video_frames()) > received + 10, 10, "video to keep flowing"
        )
        assert media.is_live(air.show_id)
        assert media.viewer_count(air.show_id) == 1
        assert (await show_state(app_client, air.show_id))["live"] is True
        assert (await app_client.get("/healthz")).status == 200


# -- 3. one publisher per show, and replacing a dropped one --------------------


async def test_a_dropped_publisher_is_replaced_and_viewers_resume(settings: Settings) -> None:
    async with (
        serve(settings, publisher_timeout_seconds=1.0) as client,
        on_air(client, "Reconnect") as air,
    ):
        media = relay(client.app)
        whip = f"/whip/{air.show_id}"
        second = TestPublisher(keyframe_every=60, audio=False)
        offer = await second.offer()
        headers = {**SDP, **bearer(air.key)}
        await assert_error(
            await client.post(whip, data=offer, headers=headers), 409, "publisher_exists"
        )
        assert media.peer_connection_count() == 2

        await air.publisher.close()  # the creator's network drops: no DELETE
        accepted: list[ClientResponse] = []

        async def replaced() -> bool:
            response = await client.post(whip, data=offer, headers=headers)
            if response.status == 201:
                accepted.append(response)
                return True
            await assert_error(response, 409, "publisher_exists")
            return False

        await wait_until(replaced, 10, "a new WHIP session to be accepted")
        switched_at = time.monotonic()
        assert accepted[0].headers["Location"].startswith(f"{whip}/")
        answer = await accepted[0].text()
        await second.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        await wait_for(lambda: media.is_live(air.show_id), 10, "the second publisher")

        def new_frames() -> list[bytes]:
            return [data for at, data in air.viewer.video_frames() if at > switched_at]

        await wait_for(lambda: len(new_frames()) > 10, 10, "frames from the second publisher")
        sent = set(second.video.sent)
        assert all(data in sent for data in new_frames())
        assert new_frames()[0][0] & 0x01 == 0, "the viewer resumes on a keyframe"
        # The same viewer session carried on: no reconnect.
        assert air.viewer.pc.connectionState == "connected"
        assert media.viewer_count(air.show_id) == 1
        assert media.peer_connection_count() == 2
        assert (await show_state(client, air.show_id))["live"] is True
        await second.close()


# -- 4. OPTIONS, CORS and ICE servers ------------------------------------------


@pytest.fixture
async def ice_client(settings: Settings) -> AsyncIterator[Client]:
    async with serve(
        settings,
        ice_servers=(IceServer(urls=(STUN,)),),
        turn_urls=TURN_URLS,
        turn_secret=TURN_SECRET,
        turn_credential_ttl_seconds=TURN_TTL,
    ) as client:
        yield client


async def test_options_advertise_the_endpoint(ice_client: Client) -> None:
    show, _key = await ice_client.app[SERVICES].storage.shows.create("Options")
    for kind in ("whip", "whep"):
        response = await ice_client.options(f"/{kind}/{show.id}")
        assert response.status == 204, await response.text()
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert {"POST", "OPTIONS"} <= allowed
        assert response.headers["Accept-Post"] == SDP_TYPE
        assert_ice_links(response)
        session = await ice_client.options(f"/{kind}/{show.id}/some-session")
        assert session.status == 204
        assert {"PATCH", "DELETE"} <= {m.strip() for m in session.headers["Allow"].split(",")}
        assert session.headers["Accept-Patch"] == TRICKLE_TYPE


async def test_cors_preflight_and_cross_origin_errors(ice_client: Client) -> None:
    show, key = await ice_client.app[SERVICES].storage.shows.create("CORS")
    origin = {"Origin": "https://player.example"}
    for kind in ("whip", "whep"):
        preflight = await ice_client.options(
            f"/{kind}/{show.id}",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed_headers
        assert "content-type" in allowed_headers
        assert "Link" not in preflight.headers, "ICE servers are not for preflights"

    for response, status, code in [
        (await ice_client.post(f"/whip/{show.id}", data="v=0", headers={**SDP, **origin}), 401,
         "unauthorized"),
        (await ice_client.post(f"/whip/{show.id}", data="hello",
                               headers={**SDP, **origin, **bearer(key)}), 400, "invalid_sdp"),
        (await ice_client.post(f"/whep/{show.id}", data="v=0", headers={**SDP, **origin}), 409,
         "show_not_live"),
    ]:  # fmt: skip
        await assert_error(response, status, code)
        # A browser may only read the error if it carries CORS headers.
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Location" in response.headers["Access-Control-Expose-Headers"]


async def test_cors_with_a_list_of_origins(settings: Settings) -> None:
    server = dataclasses.replace(settings.server, cors_origins=("https://shop.example",))
    async with TestClient(
        TestServer(create_app(dataclasses.replace(settings, server=server)))
    ) as client:
        allowed = await client.post("/whep/nope", headers={"Origin": "https://shop.example"})
        assert allowed.status == 404
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "Origin" in allowed.headers["Vary"]
        other = await client.post("/whep/nope", headers={"Origin": "https://evil.example"})
        assert other.status == 404
        assert "Access-Control-Allow-Origin" not in other.headers


async def test_ice_servers_in_links_and_the_api(ice_client: Client) -> None:
    async with on_air(ice_client, "ICE servers") as air:
        assert_ice_links(air.whip)
        assert_ice_links(air.whep)

    response = await ice_client.get("/api/ice-servers")
    assert response.status == 200
    servers = (await response.json())["iceServers"]
    assert servers[0] == {"urls": [STUN]}
    turn = servers[1]
    assert set(turn) == {"urls", "username", "credential"}
    assert turn["urls"] == list(TURN_URLS)
    verify_turn(turn["username"], turn["credential"], TURN_SECRET, TURN_TTL)
    assert len(servers) == 2


async def test_no_ice_servers_configured_means_no_links(app_client: Client) -> None:
    response = await app_client.options("/whip/any")
    assert response.status == 204
    assert response.headers.getall("Link", []) == []
    assert await (await app_client.get("/api/ice-servers")).json() == {"iceServers": []}


# -- 5. trickle ICE --------------------------------------------------------------


async def test_trickled_candidates_connect_the_publisher(settings: Settings) -> None:
    # The publisher's candidates are this machine's own addresses, which only a
    # LAN setting lets the relay check (the answer is stripped below: nothing
    # else can connect).
    async with serve(settings, allow_private_candidates=True) as client:
        await trickle_a_publisher(client)


async def trickle_a_publisher(app_client: Client) -> None:
    show, key = await app_client.app[SERVICES].storage.shows.create("Trickle")
    media = relay(app_client.app)
    publisher = TestPublisher(keyframe_every=60, audio=False)
    offer = await publisher.offer()
    candidates = sdp_lines(offer, "a=candidate:")
    assert candidates
    ufrag = sdp_lines(offer, "a=ice-ufrag:")[0]
    pwd = sdp_lines(offer, "a=ice-pwd:")[0]
    mid = sdp_lines(offer, "a=mid:")[0]
    response = await app_client.post(
        f"/whip/{show.id}",
        data=without_lines(offer, "a=candidate:", "a=end-of-candidates"),
        headers={**SDP, **bearer(key)},
    )
    assert response.status == 201, await response.text()
    location = response.headers["Location"]
    # Strip the server's candidates from the answer too: neither side can reach
    # the other (not even by learning a peer-reflexive address) until the PATCH.
    answer = without_lines(await response.text(), "a=candidate:", "a=end-of-candidates")
    await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    # The server side's ICE transport (public aiortc API; the session is private state).
    ice = media._publishers[show.id].pc.getTransceivers()[0].receiver.transport.transport
    assert ice.getRemoteCandidates() == []
    assert not media.is_live(show.id)

    # An ICE restart (new credentials) is refused as RFC 9725 says, and adds nothing.
    restart = f"a=ice-ufrag:other\r\na=ice-pwd:otherpassword1234567890\r\n{mid}\r\n"
    await assert_error(
        await app_client.patch(location, data=f"{restart}{candidates[0]}\r\n", headers=TRICKLE),
        422,
        "ice_restart_unsupported",
    )
    assert ice.getRemoteCandidates() == []

    half = len(candidates) // 2 or 1
    first = "\r\n".join([ufrag, pwd, mid, *candidates[:half]]) + "\r\n"
    patched = await app_client.patch(location, data=first, headers=TRICKLE)
    assert patched.status == 204, await patched.text()
    # aioice keeps the end-of-candidates flag privately; nothing public shows it.
    assert not ice._connection._remote_candidates_end
    # The rest as a browser sends it (RFC 8840): with the media section's m= line.
    media_line = "m=video 9 UDP/TLS/RTP/SAVPF 96"
    rest = [ufrag, pwd, media_line, mid, *candidates[half:], "a=end-of-candidates"]
    patched = await app_client.patch(location, data="\r\n".join(rest) + "\r\n", headers=TRICKLE)
    assert patched.status == 204, await patched.text()
    assert ice._connection._remote_candidates_end

    def address(line: str) -> tuple[str, int]:
        fields = line.split()
        return fields[4], int(fields[5])

    trickled = {address(line) for line in candidates}
    await wait_for(lambda: media.is_live(show.id), 15, "ICE over the trickled candidates")
    known = {(c.ip, c.port) for c in ice.getRemoteCandidates() if c.type != "prflx"}
    assert known == trickled
    assert (await show_state(app_client, show.id))["live"] is True
    viewer = TestViewer()
    await watch(app_client, show.id, viewer)
    await wait_for(lambda: len(viewer.video_frames()) > 5, 10, "video from a trickled publisher")
    await viewer.close()
    await publisher.close()


# -- 6. viewer caps ----------------------------------------------------------------


async def assert_no_seat(client: Client, show_id: str, limit: int) -> None:
    """A new viewer's WHEP POST is refused: a viewer cap of `limit` is reached."""
    offer = await recvonly_offer()
    response = await client.post(f"/whep/{show_id}", data=offer, headers=SDP)
    error = await assert_error(response, 503, "capacity_reached")
    assert error["details"]["limit"] == limit


async def test_viewers_per_show_cap(settings: Settings) -> None:
    async with (
        serve(settings, max_viewers_per_show=1) as client,
        on_air(client, "Capped show") as air,
    ):
        media = relay(client.app)
        await assert_no_seat(client, air.show_id, limit=1)
        assert media.viewer_count(air.show_id) == 1
        assert media.peer_connection_count() == 2
        # A freed seat can be taken again.
        assert (await client.delete(air.whep_location)).status == 200
        second = TestViewer()
        try:
            await watch(client, air.show_id, second)
            await wait_for(lambda: len(second.video_frames()) > 3, 10, "video for the second")
        finally:
            await second.close()


async def test_viewers_per_process_cap(settings: Settings) -> None:
    async with (
        serve(settings, max_viewers_per_process=1) as client,
        on_air(client, "One") as one,
    ):
        media = relay(client.app)
        two, two_key = await client.app[SERVICES].storage.shows.create("Two")
        publisher = TestPublisher(keyframe_every=60, audio=False)
        try:
            await publish_until_watchable(client, two.id, two_key, publisher)
            await assert_no_seat(client, two.id, limit=1)
            assert media.viewer_count() == 1
            assert media.viewer_count(one.show_id) == 1
            assert media.peer_connection_count() == 3
        finally:
            await publisher.close()
