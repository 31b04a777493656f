"""The recorder's frame assembly, fed with aiortc's own packetisation of real encoded frames."""

from __future__ import annotations

import fractions
import itertools
import random
from dataclasses import dataclass
from typing import cast

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder

from livesale.media.depayload import GAP_WAIT_SECONDS, AudioAssembler, Frame, VideoAssembler
from livesale.media.recording_codecs import h264_nal_units, h264_parameter_sets, h264_size, vp8_size


@dataclass(frozen=True)
class Packet:
    payload: bytes
    sequence: int
    timestamp: int
    marker: int
    at: float


def encoded(codec: str, count: int, keyframe_every: int) -> list[bytes]:
    """`count` frames from a real encoder; frame 0 and every `keyframe_every`-th are keyframes."""
    # A video encoder: `create` types a codec named at run time as any context.
    context = cast(av.VideoCodecContext, av.CodecContext.create(codec, "w"))
    context.width, context.height, context.pix_fmt = 320, 240, "yuv420p"
    context.time_base = fractions.Fraction(1, 30)
    context.framerate = fractions.Fraction(30)
    context.bit_rate = 600_000
    context.gop_size = keyframe_every  # no keyframe of the encoder's own choosing
    if codec == "libx264":
        context.options = {"tune": "zerolatency", "preset": "ultrafast"}
        context.profile = "Baseline"
    else:
        context.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = random.Random(5)
    frames: list[bytes] = []
    for index in range(count):
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane in frame.planes:
            plane.update(rng.randbytes(plane.buffer_size))  # noise: several packets a frame
        frame.pts = index
        frame.time_base = context.time_base
        if index % keyframe_every == 0:
            frame.pict_type = av.video.frame.PictureType.I
        frames.append(b"".join(bytes(p) for p in context.encode(frame)))
    return frames


def packetise(codec: str, frames: list[bytes], first_sequence: int = 100) -> list[Packet]:
    """aiortc's packetiser (what a publisher's sender does): 30 fps, a frame's packets together."""
    packer = Vp8Encoder() if codec == "libvpx" else H264Encoder()
    packets: list[Packet] = []
    sequence = first_sequence
    for index, data in enumerate(frames):
        packet = av.Packet(data)
        packet.pts = index
        packet.time_base = fractions.Fraction(1, 30)
        payloads, timestamp = packer.pack(packet)
        for position, payload in enumerate(payloads):
            at = index / 30 + 0.0001 * position
            last = int(position == len(payloads) - 1)
            packets.append(Packet(payload, sequence & 0xFFFF, timestamp, last, at))
            sequence += 1
    return packets


def assemble(assembler: VideoAssembler, packets: list[Packet], now: float) -> list[Frame]:
    for p in packets:
        assembler.push(p.payload, p.sequence, p.timestamp, p.marker, p.at)
    return assembler.pop_frames(now)


def test_vp8_frames_are_the_encoders_bytes_across_a_sequence_wrap() -> None:
    frames = encoded("libvpx", 40, keyframe_every=20)
    packets = packetise("libvpx", frames, first_sequence=65_500)
    assert len(packets) > 2 * len(frames), "noise takes several packets a frame"
    out = assemble(VideoAssembler("video/VP8"), packets, now=10.0)
    assert [f.data for f in out] == frames
    assert [f.keyframe for f in out] == [i % 20 == 0 for i in range(40)]
    assert all(b.timestamp - a.timestamp == 3000 for a, b in itertools.pairwise(out))
    assert vp8_size(out[0].data) == (320, 240)
    assert vp8_size(out[1].data) is None


def test_reordered_packets_and_a_late_retransmission_lose_nothing() -> None:
    frames = encoded("libvpx", 12, keyframe_every=30)
    packets = packetise("libvpx", frames)
    # Neighbours swapped everywhere (the very first two too), and one packet of frame 5
    # held back as a retransmission would be.
    shuffled = [p for pair in zip(packets[1::2], packets[0::2], strict=False) for p in pair]
    shuffled += packets[len(shuffled) :]
    hole = next(i for i, p in enumerate(shuffled) if p.at >= 5 / 30)
    late = shuffled.pop(hole)
    assembler = VideoAssembler("video/VP8")
    first = assemble(assembler, shuffled, now=shuffled[hole].at + GAP_WAIT_SECONDS / 2)
    assert [f.data for f in first] == frames[:5], "frames after the hole wait for it"
    rest = assemble(assembler, [late], now=late.at + GAP_WAIT_SECONDS / 2)
    assert [f.data for f in first + rest] == frames
    assert assembler.holes == 0


def test_a_lost_packet_drops_frames_until_the_next_keyframe() -> None:
    frames = encoded("libvpx", 30, keyframe_every=15)
    packets = packetise("libvpx", frames)
    lost = next(i for i, p in enumerate(packets) if p.at >= 4 / 30) + 1  # inside frame 4
    del packets[lost]
    assembler = VideoAssembler("video/VP8")
    out = assemble(assembler, packets, now=packets[lost].at + GAP_WAIT_SECONDS + 0.01)
    assert assembler.holes == 1
    assert [f.data for f in out] == frames[:4] + frames[15:]
    assert out[4].keyframe
    assert not assembler.waiting_for_keyframe
    assert assembler.dropped_bytes > 0


def test_a_hole_is_waited_for_only_so_long() -> None:
    frames = encoded("libvpx", 8, keyframe_every=30)
    packets = packetise("libvpx", frames)
    lost = next(i for i, p in enumerate(packets) if p.at >= 3 / 30) + 1  # inside frame 3
    del packets[lost]
    assembler = VideoAssembler("video/VP8")
    waiting = assemble(assembler, packets, now=packets[lost].at + GAP_WAIT_SECONDS / 2)
    assert assembler.holes == 0
    assert [f.data for f in waiting] == frames[:3]
    given_up = assembler.pop_frames(packets[lost].at + GAP_WAIT_SECONDS + 0.01)
    # No keyframe came after the hole: nothing more comes out, and it waits for one.
    assert assembler.holes == 1
    assert assembler.waiting_for_keyframe
    assert given_up == []


def test_h264_access_units_come_out_as_annex_b_with_the_encoders_nal_units() -> None:
    frames = encoded("libx264", 40, keyframe_every=20)
    packets = packetise("libx264", frames)
    out = assemble(VideoAssembler("video/H264"), packets, now=10.0)
    assert [list(h264_nal_units(f.data)) for f in out] == [list(h264_nal_units(f)) for f in frames]
    assert out[0].keyframe
    assert out[20].keyframe
    assert not out[1].keyframe
    assert h264_parameter_sets(out[0].data)
    assert h264_size(out[0].data) == (320, 240)


def test_audio_packets_are_frames_and_late_ones_are_dropped() -> None:
    assembler = AudioAssembler()
    for sequence, timestamp in ((1, 0), (2, 960), (4, 2880), (3, 1920), (5, 3840)):
        assembler.push(bytes([sequence]), sequence, timestamp, 0, sequence / 50)
    out = assembler.pop_frames(1.0)
    assert [f.data for f in out] == [b"\x01", b"\x02", b"\x04", b"\x05"]
    assert assembler.dropped_bytes == 1
