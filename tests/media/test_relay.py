"""The forwarding relay with real aiortc peers over loopback: no re-encode, keyframes, isolation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import cast

import av
import pytest

from livesale.config import MediaSettings
from livesale.domain.errors import PublisherExists, ShowNotLive
from livesale.media.service import MediaService
from tests.support.peers import Signal, TestPublisher, TestViewer, wait_for

SHOW = "show-1"


@pytest.fixture
async def media() -> AsyncIterator[MediaService]:
    service = MediaService(MediaSettings(publisher_timeout_seconds=1.0))
    yield service
    await service.close()


def publish_signal(service: MediaService, show_id: str = SHOW) -> Signal:
    async def signal(offer: str) -> str:
        return (await service.publish(show_id, offer)).answer_sdp

    return signal


def view_signal(service: MediaService, show_id: str = SHOW) -> Signal:
    async def signal(offer: str) -> str:
        return (await service.view(show_id, offer)).answer_sdp

    return signal


async def publish_to(service: MediaService, publisher: TestPublisher) -> None:
    await publisher.connect(publish_signal(service))
    await wait_for(lambda: service.is_live(SHOW), 10, "the publisher to be live")


async def test_viewers_receive_the_publishers_exact_encoded_bytes(media: MediaService) -> None:
    publisher = TestPublisher(keyframe_every=60)
    await publish_to(media, publisher)
    viewers = [TestViewer() for _ in range(3)]
    await asyncio.gather(*(v.connect(view_signal(media)) for v in viewers))
    await wait_for(
        lambda: all(len(v.video_frames()) >= 45 and len(v.audio) >= 50 for v in viewers),
        15,
        "three viewers to receive 1.5 s of video and 1 s of audio",
    )
    sent_video = set(publisher.video.sent)
    assert publisher.audio is not None
    sent_audio = set(publisher.audio.sent)
    for viewer in viewers:
        frames = [data for _at, data in viewer.video_frames()]
        # Byte-identical frames prove the relay neither decoded nor re-encoded.
        assert all(frame in sent_video for frame in frames)
        assert frames[0][0] & 0x01 == 0, "a viewer's first frame must be a keyframe"
        audio_payloads = [p.payload for p in viewer.audio]
        assert all(payload in sent_audio for payload in audio_payloads)
    # Every viewer saw the same stream of frames from its first keyframe on.
    common_start = max(publisher.video.sent.index(v.video_frames()[0][1]) for v in viewers)
    expected = publisher.video.sent[common_start : common_start + 30]
    for viewer in viewers:
        frames = [data for _at, data in viewer.video_frames()]
        start = frames.index(expected[0])
        assert frames[start : start + 30] == expected
    await asyncio.gather(*(v.close() for v in viewers))
    await publisher.close()


async def test_a_late_viewer_gets_a_decodable_frame_within_a_second(media: MediaService) -> None:
    # Keyframes only every 20 s: the viewer's frame must come from a PLI.
    publisher = TestPublisher(keyframe_every=600, audio=False)
    await publish_to(media, publisher)
    early = TestViewer()
    await early.connect(view_signal(media))
    await wait_for(lambda: len(early.video_frames()) >= 30, 10, "the first viewer's video")
    requests_before = publisher.keyframe_requests
    late = TestViewer()
    await late.connect(view_signal(media))
    await wait_for(lambda: late.connected_at is not None, 10, "the late viewer to connect")
    await wait_for(lambda: late.first_keyframe_at() is not None, 2, "a keyframe")
    first_at = late.first_keyframe_at()
    assert late.connected_at is not None
    assert first_at is not None
    assert first_at - late.connected_at < 1.0
    assert publisher.keyframe_requests > requests_before
    decoder = av.CodecContext.create("vp8", "r")
    _at, keyframe = late.video_frames()[0]
    decoded = decoder.decode(av.Packet(keyframe))
    assert decoded
    assert decoded[0].width == 320
    await late.close()
    await early.close()
    await publisher.close()


async def test_keyframe_requests_are_rate_limited(media: MediaService) -> None:
    publisher = TestPublisher(keyframe_every=600, audio=False)
    await publish_to(media, publisher)
    viewers = [TestViewer() for _ in range(4)]
    await asyncio.gather(*(v.connect(view_signal(media)) for v in viewers))
    await wait_for(
        lambda: all(v.first_keyframe_at() is not None for v in viewers), 5, "keyframes for all"
    )
    broadcast = media.broadcast(SHOW)
    assert broadcast is not None
    # Four joins within a second cost at most two PLIs (one now, one deferred).
    assert broadcast.keyframe_requests_sent <= 3
    await asyncio.gather(*(v.close() for v in viewers))
    await publisher.close()


async def test_a_stalled_viewer_does_not_delay_the_others(media: MediaService) -> None:
    publisher = TestPublisher(keyframe_every=60, audio=False)
    await publish_to(media, publisher)
    healthy, stalled = TestViewer(), TestViewer()
    await asyncio.gather(healthy.connect(view_signal(media)), stalled.connect(view_signal(media)))
    await wait_for(
        lambda: len(healthy.video_frames()) >= 15 and len(stalled.video_frames()) >= 15,
        10,
        "both viewers playing",
    )
    # The stalled viewer stops reading its socket: the kernel queue fills up.
    stalled_connection = stalled.pc.getTransceivers()[0].receiver.transport.transport._connection
    # A selector datagram transport can pause reading, though asyncio's type does not say so.
    stalled_socket = cast(
        asyncio.ReadTransport, stalled_connection._nominated[1].protocol.transport
    )
    stalled_socket.pause_reading()
    before = len(healthy.video_frames())
    window_start = time.monotonic()
    await wait_for(lambda: len(healthy.video_frames()) >= before + 60, 6, "two more seconds")
    elapsed = time.monotonic() - window_start
    assert elapsed < 2.6, f"healthy viewer slowed down: 60 frames took {elapsed:.2f} s"
    # The relay holds a bounded history per viewer and never queues for it.
    viewer_sessions = list(media._viewers.values())
    for session in viewer_sessions:
        stream = session.streams["video"]
        assert stream.history_bytes() <= 128 * 1500
        assert stream.endpoint.buffered_bytes() <= media.settings.viewer_buffer_bytes
    stalled_socket.resume_reading()
    await healthy.close()
    await stalled.close()
    await publisher.close()


async def test_viewers_resume_when_the_publisher_reconnects(media: MediaService) -> None:
    first = TestPublisher(keyframe_every=60, audio=False)
    await publish_to(media, first)
    viewer = TestViewer()
    await viewer.connect(view_signal(media))
    await wait_for(lambda: len(viewer.video_frames()) >= 15, 10, "video from the first publisher")
    # A second publisher is refused while the first is healthy.
    intruder = TestPublisher(audio=False)
    with pytest.raises(PublisherExists):
        await media.publish(SHOW, await intruder.offer())
    await intruder.close()
    # The creator's connection drops without a WHIP DELETE ...
    await first.close()
    await wait_for(lambda: not media.is_live(SHOW), 10, "the relay to notice the drop")
    frames_before = len(viewer.video_frames())
    # ... and they publish again with the same key: the viewer needs no reload.
    second = TestPublisher(keyframe_every=60, audio=False)
    await publish_to(media, second)
    await wait_for(
        lambda: any(data in set(second.video.sent) for _at, data in viewer.video_frames()),
        5,
        "frames from the second publisher",
    )
    assert len(viewer.video_frames()) > frames_before
    assert viewer.pc.connectionState == "connected"
    await viewer.close()
    await second.close()


async def test_viewers_are_refused_until_the_show_is_live(media: MediaService) -> None:
    viewer = TestViewer()
    with pytest.raises(ShowNotLive):
        await viewer.connect(view_signal(media))
    await viewer.close()
    assert media.peer_connection_count() == 0


async def test_leaving_viewers_free_everything(media: MediaService) -> None:
    publisher = TestPublisher(keyframe_every=60, audio=True)
    await publish_to(media, publisher)
    viewers = [TestViewer() for _ in range(3)]
    answers = []
    for viewer in viewers:

        async def signal(offer: str) -> str:
            answer = await media.view(SHOW, offer)
            answers.append(answer.session_id)
            return answer.answer_sdp

        await viewer.connect(signal)
    broadcast = media.broadcast(SHOW)
    assert broadcast is not None
    await wait_for(lambda: broadcast.viewer_count() == 3, 10, "three streams")
    for session_id in answers:
        await media.end_viewer(SHOW, session_id)
    assert broadcast.viewer_count() == 0
    assert media.viewer_count() == 0
    assert media.peer_connection_count() == 1
    for viewer in viewers:
        await viewer.close()
    await publisher.close()
