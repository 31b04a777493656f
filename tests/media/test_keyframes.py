"""Keyframe detection on real encoder output and hand-built RTP payloads."""

from __future__ import annotations

import fractions

import av
import pytest
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder

from livesale.media.keyframes import (
    detector_for,
    every_packet,
    h264_starts_keyframe,
    vp8_starts_keyframe,
)


def _frames(count: int, key_at: set[int]) -> list[av.VideoFrame]:
    frames = []
    for index in range(count):
        frame = av.VideoFrame(160, 120, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([(index * 11) % 256]) * plane.buffer_size)
        frame.pts = index
        frame.time_base = fractions.Fraction(1, 30)
        frames.append(frame)
    return frames


def test_vp8_keyframes_from_aiortcs_packetizer() -> None:
    encoder = Vp8Encoder()
    results = []
    for index, frame in enumerate(_frames(4, {0})):
        payloads, _ts = encoder.encode(frame, force_keyframe=index == 2)
        results.append([vp8_starts_keyframe(p) for p in payloads])
    assert results[0][0] is True
    assert results[2][0] is True
    assert results[1][0] is False
    assert results[3][0] is False
    # Only the first packet of a keyframe starts it.
    assert all(not flag for flags in results for flag in flags[1:])


def test_h264_keyframes_from_aiortcs_packetizer() -> None:
    encoder = H264Encoder()
    flags = []
    for index, frame in enumerate(_frames(4, {0})):
        payloads, _ts = encoder.encode(frame, force_keyframe=index == 2)
        flags.append(any(h264_starts_keyframe(p) for p in payloads))
    assert flags[0]
    assert flags[2]
    assert not flags[1]
    assert not flags[3]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", False),
        (b"\x10", False),  # descriptor only, no VP8 header
        (b"\x90", False),  # X set but the extension octet is missing
        (b"\x90\x80", False),  # picture id announced but missing
        (b"\x90\x80\x05\x00", True),  # 7-bit picture id, then a keyframe header
        (b"\x90\x80\x85\x01\x00", True),  # 15-bit picture id
        (b"\x10\x01", False),  # P bit set: an interframe
        (b"\x00\x00", False),  # not the start of a partition
        (b"\x11\x00", False),  # start of partition 1, not 0
    ],
)
def test_vp8_descriptor_parsing(payload: bytes, expected: bool) -> None:
    assert vp8_starts_keyframe(payload) is expected


@pytest.mark.parametrize("payload", [b"", b"\x7c", b"\x78\x00", b"\x78\xff\xff\x67"])
def test_truncated_h264_payloads_are_not_keyframes(payload: bytes) -> None:
    assert not h264_starts_keyframe(payload)


def test_h264_fu_a_and_stap_a() -> None:
    assert h264_starts_keyframe(bytes([0x7C, 0x85]))  # FU-A start of an IDR
    assert not h264_starts_keyframe(bytes([0x7C, 0x05]))  # FU-A continuation
    stap = bytes([0x78]) + (2).to_bytes(2, "big") + bytes([0x67, 0x42])
    assert h264_starts_keyframe(stap)


def test_detector_choice() -> None:
    assert detector_for("video/VP8") is vp8_starts_keyframe
    assert detector_for("video/H264") is h264_starts_keyframe
    assert detector_for("audio/opus") is every_packet
