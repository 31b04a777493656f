"""A publisher whose network drops for a while: the relay asks it for a keyframe when it is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from livesale.config import MediaSettings
from livesale.media.broadcast import STALL_SECONDS
from livesale.media.service import MediaService
from tests.support.network_cut import NetworkCut
from tests.support.peers import TestPublisher, TestViewer, wait_for

SHOW = "show-stall"


@pytest.fixture
async def media() -> AsyncIterator[MediaService]:
    service = MediaService(MediaSettings(keyframe_request_interval_seconds=0.2))
    yield service
    await service.close()


async def on_air(media: MediaService) -> tuple[TestPublisher, TestViewer]:
    """A video-only publisher that sends keyframes only on request, and one viewer."""
    # Keyframes only on request: after an outage, only a PLI brings one.
    publisher = TestPublisher(keyframe_every=100_000, audio=False)

    async def publish(offer: str) -> str:
        return (await media.publish(SHOW, offer)).answer_sdp

    async def view(offer: str) -> str:
        return (await media.view(SHOW, offer)).answer_sdp

    await publisher.connect(publish)
    await wait_for(lambda: media.is_live(SHOW), 10, "the publisher to be live")
    viewer = TestViewer()
    await viewer.connect(view)
    return publisher, viewer


async def test_a_publisher_back_from_a_network_outage_is_asked_for_a_keyframe(
    media: MediaService,
) -> None:
    publisher, viewer = await on_air(media)
    await wait_for(lambda: viewer.first_keyframe_at() is not None, 10, "the first keyframe")
    cut = NetworkCut(publisher.pc)
    cut.down = True
    # The outage itself: packets are dropped both ways for this long.
    await asyncio.sleep(STALL_SECONDS + 1.0)
    requests_before = publisher.keyframe_requests
    cut.down = False
    back_at = time.monotonic()
    assert cut.dropped_out > 0
    await wait_for(lambda: publisher.keyframe_requests > requests_before, 3, "a keyframe request")

    def new_keyframe_seen() -> bool:
        sent_after = {
            data
            for data, at in zip(publisher.video.sent, publisher.video.sent_at, strict=True)
            if at >= back_at and data[0] & 0x01 == 0
        }
        return any(at >= back_at and data in sent_after for at, data in viewer.video_frames())

    await wait_for(new_keyframe_seen, 3, "the viewer to get the new keyframe")
    await viewer.close()
    await publisher.close()


async def test_a_steady_publisher_is_not_asked_for_keyframes(media: MediaService) -> None:
    publisher, viewer = await on_air(media)
    await wait_for(lambda: len(viewer.video_frames()) >= 10, 10, "video")
    requests = publisher.keyframe_requests
    started = len(publisher.video.sent)
    await wait_for(
        lambda: len(publisher.video.sent) >= started + 2 * 30 * STALL_SECONDS,
        10,
        "two stall windows of steady video",
    )
    assert publisher.keyframe_requests == requests
    await viewer.close()
    await publisher.close()
