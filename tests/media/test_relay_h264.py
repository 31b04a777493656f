"""H.264 publishers (OBS's codec) are forwarded untouched to viewers that accept H.264."""

from __future__ import annotations

import asyncio
import fractions
from collections.abc import AsyncIterator, Awaitable, Callable

import av
import pytest
from aiortc import RTCRtpCodecCapability, RTCRtpSender, VideoStreamTrack
from aiortc.codecs.h264 import h264_depayload

from livesale.config import MediaSettings
from livesale.domain.errors import UnsupportedCodec
from livesale.media.keyframes import h264_starts_keyframe
from livesale.media.service import MediaService, SessionAnswer
from tests.support.peers import Signal, TestPublisher, TestViewer, wait_for

SHOW = "h264-show"


class PatternTrack(VideoStreamTrack):
    """A moving test pattern; aiortc encodes it (the publisher's one encode)."""

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(pts // 3000 * 9) % 256]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, 90000) if time_base is None else time_base
        return frame


def _only(kind_codec: str) -> list[RTCRtpCodecCapability]:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in codecs if c.mimeType == kind_codec] + [
        c for c in codecs if c.mimeType == "video/rtx"
    ]


@pytest.fixture
async def media() -> AsyncIterator[MediaService]:
    service = MediaService(MediaSettings())
    yield service
    await service.close()


@pytest.fixture
async def h264_publisher(media: MediaService) -> AsyncIterator[TestPublisher]:
    """A live publisher that offers only H.264, as OBS does."""
    publisher = TestPublisher(audio=False)
    transceiver = publisher.pc.getTransceivers()[0]
    transceiver.sender.replaceTrack(PatternTrack())
    transceiver.setCodecPreferences(_only("video/H264"))
    await publisher.connect(signal(media.publish))
    await wait_for(lambda: media.is_live(SHOW), 10, "the H.264 publisher")
    broadcast = media.broadcast(SHOW)
    assert broadcast is not None
    await wait_for(lambda: "video" in broadcast.tracks, 5, "the video track")
    yield publisher
    await publisher.close()


def signal(method: Callable[[str, str], Awaitable[SessionAnswer]]) -> Signal:
    """Offer in, answer out, through a MediaService method for SHOW."""

    async def exchange(offer: str) -> str:
        return (await method(SHOW, offer)).answer_sdp

    return exchange


async def test_h264_is_forwarded_without_reencoding(
    media: MediaService, h264_publisher: TestPublisher
) -> None:
    broadcast = media.broadcast(SHOW)
    assert broadcast is not None
    assert broadcast.tracks["video"].codec.mime_type.lower() == "video/h264"
    viewers = [TestViewer(), TestViewer()]
    await asyncio.gather(*(v.connect(signal(media.view)) for v in viewers))
    await wait_for(lambda: all(len(v.video) >= 40 for v in viewers), 10, "H.264 video")
    for viewer in viewers:
        assert h264_starts_keyframe(viewer.video[0].payload), "viewers start on an IDR"
    # Both viewers got byte-identical payloads: forwarded, not re-encoded per viewer.
    common = min(len(v.video) for v in viewers)
    first, second = ([p.payload for p in v.video[:common]] for v in viewers)
    offset = first.index(second[0]) if second[0] in first else 0
    overlap = min(len(first) - offset, len(second))
    assert overlap >= 20
    assert first[offset : offset + overlap] == second[:overlap]
    # And what they got decodes as H.264.
    decoder = av.CodecContext.create("h264", "r")
    stream = b"".join(h264_depayload(p.payload) for p in viewers[0].video[:30])
    frames = decoder.decode(av.Packet(stream))
    assert frames
    assert frames[0].width == 320
    for viewer in viewers:
        await viewer.close()


async def test_a_viewer_without_the_publishers_codec_is_refused(
    media: MediaService, h264_publisher: TestPublisher
) -> None:
    viewer = TestViewer()
    for candidate in viewer.pc.getTransceivers():
        if candidate.kind == "video":
            candidate.setCodecPreferences(_only("video/VP8"))
    with pytest.raises(UnsupportedCodec):
        await viewer.connect(signal(media.view))
    assert media.viewer_count(SHOW) == 0
    await viewer.close()
