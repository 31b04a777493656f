"""Rotating a stream key can cut off whoever publishes with the old one, keeping the show live.

The finding: rotating the key of a live show did not disconnect a hijacker
who had the old key; their WHIP session went on broadcasting. Real aiortc
peers publish and watch over HTTP against `create_app`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client, cheap_auth, origin
from tests.support.peers import TestPublisher, TestViewer, wait_for
from tests.support.services import relay
from tests.support.whip import (
    SDP,
    assert_error,
    bearer,
    publish_until_watchable,
    sendonly_offer,
    show_state,
    watch,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Cheap password hashing: these tests sign creators up."""
    return cheap_auth(settings)


def ended(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "livesale_media_sessions_ended_total", {"role": "publisher", "outcome": outcome}
    )
    return value or 0.0


async def create_show(client: Client) -> tuple[str, str]:
    """A show of the signed-in creator; its id and stream key."""
    response = await client.post("/api/shows", json={"title": "Rotated"}, headers=origin(client))
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created["show"]["id"], created["stream_key"]


async def rotate(client: Client, show_id: str, **body: Any) -> dict[str, Any]:
    """POST the rotation (with `body` as JSON when given); the 200 answer."""
    path = f"/api/shows/{show_id}/stream-key"
    if body:
        response = await client.post(path, json=body, headers=origin(client))
    else:
        response = await client.post(path, headers=origin(client))
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def hung_up(publisher: TestPublisher) -> bool:
    return publisher.pc.connectionState in ("closed", "failed")


async def test_rotating_with_disconnect_cuts_off_the_old_publisher(alice: Client) -> None:
    show_id, old_key = await create_show(alice)
    media = relay(alice.app)
    hijacker = TestPublisher(keyframe_every=30, audio=False)
    creator = TestPublisher(keyframe_every=30, audio=False)
    viewer = TestViewer()
    try:
        await publish_until_watchable(alice, show_id, old_key, hijacker)
        await watch(alice, show_id, viewer)
        await wait_for(lambda: len(viewer.video_frames()) > 5, 15, "the hijacker's video")
        before = ended("key_rotated")

        answer = await rotate(alice, show_id, disconnect_publisher=True)
        assert answer["publisher_disconnected"] is True
        new_key = answer["stream_key"]
        assert new_key != old_key
        assert answer["host_url_with_key"].endswith(f"#key={new_key}")
        assert not media.is_live(show_id)
        await wait_for(lambda: hung_up(hijacker), 15, "the hijacker to be hung up")
        cut_at = time.monotonic()
        assert ended("key_rotated") == before + 1
        # The show is still live, its viewer still connected: the creator comes back.
        assert (await show_state(alice, show_id))["status"] == "live"
        assert media.viewer_count(show_id) == 1

        # The old key publishes nothing any more.
        refused = await alice.post(
            f"/whip/{show_id}", data=await sendonly_offer(), headers={**SDP, **bearer(old_key)}
        )
        await assert_error(refused, 401, "unauthorized")

        # The creator publishes with the new key; the same viewer session gets its video.
        await publish_until_watchable(alice, show_id, new_key, creator)

        def creators_frames() -> int:
            # Both publishers encode the same pictures: count what arrived since the cut.
            sent = set(creator.video.sent)
            return sum(1 for at, data in viewer.video_frames() if at > cut_at and data in sent)

        await wait_for(
            lambda: creators_frames() > 5, 15, "the creator's video on the viewer's same session"
        )
        assert (await show_state(alice, show_id))["status"] == "live"
    finally:
        await viewer.close()
        await creator.close()
        await hijacker.close()


async def test_rotating_without_the_flag_leaves_the_broadcast_alone(alice: Client) -> None:
    show_id, old_key = await create_show(alice)
    media = relay(alice.app)
    publisher = TestPublisher(keyframe_every=30, audio=False)
    try:
        await publish_until_watchable(alice, show_id, old_key, publisher)
        for body in ({}, {"disconnect_publisher": False}):
            answer = await rotate(alice, show_id, **body)
            assert answer["publisher_disconnected"] is False
        # A body of `{}` (what the console's post() sends) means the same.
        response = await alice.post(
            f"/api/shows/{show_id}/stream-key", json={}, headers=origin(alice)
        )
        assert response.status == 200
        assert (await response.json())["publisher_disconnected"] is False
        assert media.is_live(show_id)
        assert publisher.pc.connectionState == "connected"
    finally:
        await publisher.close()


async def test_disconnecting_when_nobody_publishes_is_no_error(alice: Client) -> None:
    show_id, old_key = await create_show(alice)
    answer = await rotate(alice, show_id, disconnect_publisher=True)
    assert answer["publisher_disconnected"] is False
    assert answer["stream_key"] != old_key
    assert (await show_state(alice, show_id))["status"] == "scheduled"


async def test_bad_rotations_change_nothing(alice: Client, bob: Client) -> None:
    show_id, key = await create_show(alice)
    media = relay(alice.app)
    shows = alice.app[SERVICES].storage.shows
    publisher = TestPublisher(keyframe_every=30, audio=False)
    path = f"/api/shows/{show_id}/stream-key"
    try:
        await publish_until_watchable(alice, show_id, key, publisher)
        for body in (
            {"disconnect_publisher": "yes"},
            {"disconnect_publisher": 1},
            {"disconnect_publisher": None},
            {"disconnect": True},
            [True],
        ):
            response = await alice.post(path, json=body, headers=origin(alice))
            await assert_error(response, 400, "validation_failed")
        response = await alice.post(
            path, data="disconnect_publisher=true", headers={**origin(alice),
            "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        await assert_error(response, 415, "unsupported_media_type")
        # Another creator, and a cross-site request, may not rotate or disconnect.
        response = await bob.post(path, json={"disconnect_publisher": True}, headers=origin(bob))
        await assert_error(response, 403, "not_owner")
        response = await alice.post(path, json={"disconnect_publisher": True})
        await assert_error(response, 403, "cross_site_refused")

        assert (await shows.verify_stream_key(show_id, key)).id == show_id
        assert media.is_live(show_id)
        assert publisher.pc.connectionState == "connected"
    finally:
        await publisher.close()
