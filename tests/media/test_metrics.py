"""Media metrics move when media moves, with real peers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from livesale.config import MediaSettings
from livesale.media.service import MediaService
from tests.support.peers import TestPublisher, TestViewer, wait_for

SHOW = "metrics-show"


def sample(name: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


@pytest.fixture
async def media() -> AsyncIterator[MediaService]:
    service = MediaService(MediaSettings(publisher_timeout_seconds=1.0))
    yield service
    await service.close()


async def test_gauges_counters_and_latency_follow_the_show(media: MediaService) -> None:
    publishers = sample("livesale_media_publishers")
    viewers = sample("livesale_media_viewers")
    forwarded = sample("livesale_media_packets_forwarded_total", kind="video")
    frames = sample("livesale_media_relay_latency_seconds_count", kind="video")
    started = sample("livesale_media_sessions_started_total", role="viewer")

    publisher = TestPublisher(keyframe_every=60, audio=False)

    async def publish(offer: str) -> str:
        return (await media.publish(SHOW, offer)).answer_sdp

    async def view(offer: str) -> str:
        return (await media.view(SHOW, offer)).answer_sdp

    await publisher.connect(publish)
    await wait_for(lambda: media.is_live(SHOW), 10, "live")
    assert sample("livesale_media_publishers") == publishers + 1
    viewer = TestViewer()
    await viewer.connect(view)
    assert sample("livesale_media_viewers") == viewers + 1
    assert sample("livesale_media_sessions_started_total", role="viewer") == started + 1
    await wait_for(lambda: len(viewer.video_frames()) >= 20, 10, "video")
    assert sample("livesale_media_packets_forwarded_total", kind="video") >= forwarded + 20
    assert sample("livesale_media_relay_latency_seconds_count", kind="video") >= frames + 20

    # A publisher whose connection drops leaves the gauge, though its show stays.
    await publisher.close()
    await wait_for(
        lambda: sample("livesale_media_publishers") == publishers, 10, "the gauge to drop"
    )
    await viewer.close()
    await wait_for(lambda: sample("livesale_media_viewers") == viewers, 10, "viewer gone")
