"""A SHOP-role app forwards WHIP/WHEP to the media process over its unix socket.

Both processes live in this test process: the media side is `create_app` in
the ALL role on `media_socket_path(settings)`, the shop side is
`create_app(settings, Role.SHOP)` behind a test client. Real aiortc peers
publish and watch through the shop side.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES, RemoteVideo
from livesale.config import IceServer, Settings
from livesale.roles import Role, media_socket_path
from tests.support.clients import Client, cheap_auth, origin, sign_up
from tests.support.ice_links import STUN, TURN_SECRET, TURN_TTL, TURN_URLS, assert_ice_links
from tests.support.peers import TestPublisher, TestViewer, wait_for, wait_until
from tests.support.services import relay
from tests.support.whip import (
    SDP,
    SDP_TYPE,
    TRICKLE,
    TRICKLE_TYPE,
    assert_error,
    bearer,
    http_signal,
    sendonly_offer,
    show_state,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Cheap passwords, and ICE servers so `Link` headers have something to carry."""
    media = dataclasses.replace(
        settings.media,
        ice_servers=(IceServer(urls=(STUN,)),),
        turn_urls=TURN_URLS,
        turn_secret=TURN_SECRET,
        turn_credential_ttl_seconds=TURN_TTL,
    )
    return dataclasses.replace(cheap_auth(settings), media=media)


@asynccontextmanager
async def media_process(settings: Settings) -> AsyncIterator[web.Application]:
    """The full app listening only on the media socket, as the media child runs it."""
    app = create_app(settings, Role.MEDIA)
    runner = web.AppRunner(app)
    await runner.setup()
    path = media_socket_path(settings)
    try:
        site = web.UnixSite(runner, str(path))
        await site.start()
        yield app
    finally:
        await runner.cleanup()
        path.unlink(missing_ok=True)


@pytest.fixture
async def media(settings: Settings) -> AsyncIterator[web.Application]:
    """A running media process."""
    async with media_process(settings) as app:
        yield app


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[Client]:
    """A client of a shop process."""
    async with TestClient(TestServer(create_app(settings, Role.SHOP))) as client:
        yield client


def watchable(media: web.Application, show_id: str) -> Callable[[], bool]:
    """The media process relays the show and knows its tracks (what WHEP needs)."""
    media_service = relay(media)

    def check() -> bool:
        broadcast = media_service.broadcast(show_id)
        return media_service.is_live(show_id) and broadcast is not None and bool(broadcast.tracks)

    return check


async def test_publish_watch_and_end_through_a_shop_process(
    media: web.Application, shop: Client
) -> None:
    assert isinstance(shop.app[SERVICES].video, RemoteVideo), "a shop process relays nothing"
    show, key = await media[SERVICES].storage.shows.create("Proxied")
    publisher = TestPublisher(keyframe_every=60, audio=False)
    viewer = TestViewer()
    try:
        whip: list[ClientResponse] = []
        await publisher.connect(http_signal(shop, f"/whip/{show.id}", bearer(key), whip))
        created = whip[0]
        # The media process's answer, headers and all, on the shop's port.
        location = created.headers["Location"]
        assert re.fullmatch(rf"/whip/{show.id}/[^/]+", location), location
        assert created.content_type == SDP_TYPE
        assert created.headers["Accept-Patch"] == TRICKLE_TYPE
        assert created.headers["ETag"] == f'"{location.rsplit("/", 1)[1]}"'
        assert created.headers["Access-Control-Allow-Origin"] == "*"
        assert_ice_links(created)
        assert (await show_state(shop, show.id))["live"] is True
        await wait_for(watchable(media, show.id), 10, "the publisher's tracks")

        whep: list[ClientResponse] = []
        await viewer.connect(http_signal(shop, f"/whep/{show.id}", {}, whep))
        viewer_location = whep[0].headers["Location"]
        assert re.fullmatch(rf"/whep/{show.id}/[^/]+", viewer_location), viewer_location
        await wait_for(lambda: len(viewer.video_frames()) > 5, 10, "video through the shop")

        # Every method of the session routes goes through, errors included.
        options = await shop.options(viewer_location)
        assert options.status == 204
        assert options.headers["Accept-Patch"] == TRICKLE_TYPE
        wrong_type = await shop.patch(viewer_location, data="a=x", headers=SDP)
        await assert_error(wrong_type, 415, "unsupported_media_type")
        trickle = await shop.patch(viewer_location, data="a=end-of-candidates\r\n", headers=TRICKLE)
        assert trickle.status == 204, await trickle.text()
        assert (await shop.delete(viewer_location)).status == 200
        await wait_for(lambda: relay(media).viewer_count(show.id) == 0, 5, "viewer gone")

        assert (await shop.delete(location)).status == 200
        state = await show_state(shop, show.id)
        assert state["status"] == "ended"
        assert state["live"] is False
        assert not relay(media).is_live(show.id)
    finally:
        await viewer.close()
        await publisher.close()


async def test_errors_come_back_as_the_media_process_sent_them(
    media: web.Application, shop: Client
) -> None:
    show, _key = await media[SERVICES].storage.shows.create("Errors")
    unauthorized = await shop.post(f"/whip/{show.id}", data="v=0", headers=SDP)
    await assert_error(unauthorized, 401, "unauthorized")
    assert unauthorized.headers["WWW-Authenticate"].startswith("Bearer")
    await assert_error(await shop.get(f"/whip/{show.id}"), 405, "method_not_allowed")
    await assert_error(await shop.post(f"/whep/{show.id}", data="v=0", headers=SDP), 409,
                       "show_not_live")  # fmt: skip
    await assert_error(await shop.delete(f"/whep/{show.id}/nope"), 404, "session_not_found")
    # The same request id in both processes' logs and in the answer.
    tagged = await shop.options(f"/whep/{show.id}", headers={"X-Request-ID": "trace-42"})
    assert tagged.headers["X-Request-ID"] == "trace-42"


async def test_a_creator_ends_a_show_through_a_shop_process(
    media: web.Application, shop: Client
) -> None:
    await sign_up(shop)
    response = await shop.post("/api/shows", json={"title": "Ended"}, headers=origin(shop))
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    show_id, key = created["show"]["id"], created["stream_key"]
    publisher = TestPublisher(keyframe_every=60, audio=False)
    try:
        await publisher.connect(http_signal(shop, f"/whip/{show_id}", bearer(key), []))
        await wait_for(watchable(media, show_id), 10, "the publisher to go live")
        ended = await shop.post(f"/api/shows/{show_id}/end", headers=origin(shop))
        assert ended.status == 200, await ended.text()
        body = await ended.json()
        assert body["status"] == "ended"
        assert body["live"] is False
        # The media process hung up the publisher it held.
        assert not relay(media).is_live(show_id)
        await wait_for(lambda: publisher.pc.connectionState == "closed" or
                       publisher.pc.iceConnectionState in ("closed", "failed"), 10,
                       "the publisher to be hung up")  # fmt: skip
    finally:
        await publisher.close()


async def test_a_rotated_key_disconnects_the_publisher_through_a_shop_process(
    media: web.Application, shop: Client
) -> None:
    await sign_up(shop)
    response = await shop.post("/api/shows", json={"title": "Hijacked"}, headers=origin(shop))
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    show_id, key = created["show"]["id"], created["stream_key"]
    hijacker = TestPublisher(keyframe_every=60, audio=False)
    try:
        await hijacker.connect(http_signal(shop, f"/whip/{show_id}", bearer(key), []))
        await wait_for(watchable(media, show_id), 10, "the hijacker to go live")
        rotated = await shop.post(
            f"/api/shows/{show_id}/stream-key",
            json={"disconnect_publisher": True},
            headers=origin(shop),
        )
        assert rotated.status == 200, await rotated.text()
        assert (await rotated.json())["publisher_disconnected"] is True
        # The media process hung up the publisher it held; the show stays live.
        assert not relay(media).is_live(show_id)
        await wait_for(lambda: hijacker.pc.connectionState in ("closed", "failed"), 10,
                       "the hijacker to be hung up")  # fmt: skip
        assert (await show_state(shop, show_id))["status"] == "live"
        again = await shop.post(
            f"/whip/{show_id}", data=await sendonly_offer(), headers={**SDP, **bearer(key)}
        )
        await assert_error(again, 401, "unauthorized")
    finally:
        await hijacker.close()


async def test_a_missing_media_process_is_a_503(settings: Settings, shop: Client) -> None:
    path = media_socket_path(settings)
    # No socket file at all, then one a crashed media process left behind.
    for leftover in (False, True):
        if leftover:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
                dead.bind(str(path))
        assert path.exists() is leftover
        cross_origin = {"Origin": "https://player.example"}
        for method, target in [("POST", "/whip/any"), ("OPTIONS", "/whep/any"),
                               ("DELETE", "/whep/any/session")]:  # fmt: skip
            response = await shop.request(method, target, headers=cross_origin)
            await assert_error(response, 503, "service_unavailable")
            # A browser player can read why.
            assert response.headers["Access-Control-Allow-Origin"] == "*"
    path.unlink()

    # The rest of the shop process works on: its pages, its API, ICE servers.
    assert (await shop.get("/healthz")).status == 200
    ice = await shop.get("/api/ice-servers")
    assert (await ice.json())["iceServers"][0] == {"urls": [STUN]}
    await sign_up(shop)
    response = await shop.post("/api/shows", json={"title": "Waiting"}, headers=origin(shop))
    show_id = (await response.json())["show"]["id"]
    assert (await show_state(shop, show_id))["live"] is False
    # Ending needs the media process (it may hold the publisher): refused, nothing changed.
    ended = await shop.post(f"/api/shows/{show_id}/end", headers=origin(shop))
    await assert_error(ended, 503, "service_unavailable")
    assert (await show_state(shop, show_id))["status"] == "scheduled"
    # A key rotation still gives the creator the new key (nothing can publish meanwhile).
    rotated = await shop.post(
        f"/api/shows/{show_id}/stream-key",
        json={"disconnect_publisher": True},
        headers=origin(shop),
    )
    assert rotated.status == 200, await rotated.text()
    assert (await rotated.json())["publisher_disconnected"] is False


async def test_a_restarted_media_process_is_found_again(settings: Settings, shop: Client) -> None:
    async with media_process(settings) as first:
        show, _key = await first[SERVICES].storage.shows.create("Restart")
        assert (await shop.options(f"/whip/{show.id}")).status == 204
    await assert_error(await shop.options(f"/whip/{show.id}"), 503, "service_unavailable")
    async with media_process(settings):

        async def answers() -> bool:
            return (await shop.options(f"/whip/{show.id}")).status == 204

        await wait_until(answers, 5, "the new media process to answer")
