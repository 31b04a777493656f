"""In-process aiortc peers for relay tests: a publisher of known encoded frames, lean viewers."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import vp8_depayload
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket, RtpPacket

from livesale.media import hooks
from livesale.media.keyframes import vp8_starts_keyframe
from tests.support.polling import poll_until

Signal = Callable[[str], Awaitable[str]]
NO_ICE_SERVERS = RTCConfiguration(iceServers=[])
VIDEO_RATE = 30


class EncodedVideoTrack(MediaStreamTrack):
    """Yields VP8 `av.Packet`s it encoded itself, so the bytes sent are known."""

    kind = "video"

    def __init__(
        self,
        width: int = 320,
        height: int = 240,
        keyframe_every: int = 300,
        max_frames: int | None = None,
        bit_rate: int = 400_000,
        noise: bool = False,
        camera_clock: bool = False,
    ) -> None:
        super().__init__()
        self.codec = av.CodecContext.create("libvpx", "w")
        self.codec.width, self.codec.height = width, height
        self.codec.pix_fmt = "yuv420p"
        self.codec.time_base = fractions.Fraction(1, VIDEO_RATE)
        self.codec.framerate = Fraction(VIDEO_RATE)
        self.codec.bit_rate = bit_rate
        # After this many frames the track goes quiet (the connection stays up).
        self.max_frames = max_frames
        # Random pictures: the encoder cannot compress them, so the bit rate is real.
        self.noise = noise
        # Stamp frames with when they are sent, as a camera stamps capture time, rather
        # than with their index: on a busy machine the RTP clock then follows real time.
        self.camera_clock = camera_clock
        self.sent_at: list[float] = []  # when each frame of `sent` was handed to the sender
        self._quiet = asyncio.Event()
        self.codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        self.keyframe_every = keyframe_every
        self.force_keyframe = False
        self.sent: list[bytes] = []
        self.sent_keyframes = 0
        self._index = 0
        self._start: float | None = None
        self._pending: list[av.Packet[Any]] = []

    async def recv(self) -> av.Packet[Any]:
        while not self._pending:
            if self.max_frames is not None and self._index >= self.max_frames:
                await _forever(self._quiet)
            if self._start is None:
                self._start = time.monotonic()
            # Pace like a camera: this is the media clock, not synchronisation.
            due = self._start + self._index / VIDEO_RATE
            delay = due - time.monotonic()
            # Behind the camera's pace (a loaded machine), still let the rest of the
            # test's loop run before the next frame: never a burst that starves it.
            await asyncio.sleep(max(delay, 0))
            frame = av.VideoFrame(self.codec.width, self.codec.height, "yuv420p")
            shade = (self._index * 7) % 256
            for plane in frame.planes:
                if self.noise:
                    plane.update(os.urandom(plane.buffer_size))
                else:
                    plane.update(bytes([shade]) * plane.buffer_size)
            frame.pts = self._index
            frame.time_base = self.codec.time_base
            if self.force_keyframe or self._index % self.keyframe_every == 0:
                frame.pict_type = av.video.frame.PictureType.I
                self.force_keyframe = False
            self._index += 1
            self._pending = list(self.codec.encode(frame))
        packet = self._pending.pop(0)
        data = bytes(packet)
        self.sent.append(data)
        self.sent_at.append(time.monotonic())
        if packet.is_keyframe:
            self.sent_keyframes += 1
        if self.camera_clock and self._start is not None:
            packet.time_base = fractions.Fraction(1, 90000)
            packet.pts = round((self.sent_at[-1] - self._start) * 90000)
        return packet


class EncodedAudioTrack(MediaStreamTrack):
    """Yields Opus `av.Packet`s of a tone, 20 ms each."""

    kind = "audio"

    def __init__(self, max_frames: int | None = None, camera_clock: bool = False) -> None:
        super().__init__()
        # After this many packets the track goes quiet (the connection stays up).
        self.max_frames = max_frames
        self.camera_clock = camera_clock  # as EncodedVideoTrack's
        self._quiet = asyncio.Event()
        self.codec = av.CodecContext.create("libopus", "w")
        self.codec.sample_rate = 48000
        self.codec.layout = "stereo"
        self.codec.format = "s16"
        self.codec.time_base = fractions.Fraction(1, 48000)
        self.sent: list[bytes] = []
        self._index = 0
        self._start: float | None = None
        self._pending: list[av.Packet[Any]] = []

    async def recv(self) -> av.Packet[Any]:
        while not self._pending:
            if self.max_frames is not None and len(self.sent) >= self.max_frames:
                await _forever(self._quiet)
            if self._start is None:
                self._start = time.monotonic()
            delay = self._start + self._index * 0.02 - time.monotonic()
            await asyncio.sleep(max(delay, 0))  # never a burst that starves the loop
            frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
            frame.sample_rate = 48000
            tone = bytes((i * 13 + self._index) % 256 for i in range(256))
            for plane in frame.planes:
                plane.update((tone * (plane.buffer_size // 256 + 1))[: plane.buffer_size])
            frame.pts = self._index * 960
            self._index += 1
            self._pending = [p for p in self.codec.encode(frame) if p.size > 0]
        packet = self._pending.pop(0)
        if packet.pts is None or packet.pts < 0:
            packet.pts = 0
        if self.camera_clock and self._start is not None:
            packet.time_base = fractions.Fraction(1, 48000)
            packet.pts = round((time.monotonic() - self._start) * 48000)
        self.sent.append(bytes(packet))
        return packet


class EncodedH264Track(MediaStreamTrack):
    """Yields H.264 (constrained baseline, Annex B) `av.Packet`s it encoded itself."""

    kind = "video"

    def __init__(self, keyframe_every: int = 30, max_frames: int | None = None) -> None:
        super().__init__()
        self.codec = av.CodecContext.create("libx264", "w")
        self.codec.width, self.codec.height = 320, 240
        self.codec.pix_fmt = "yuv420p"
        self.codec.time_base = fractions.Fraction(1, VIDEO_RATE)
        self.codec.framerate = Fraction(VIDEO_RATE)
        self.codec.bit_rate = 400_000
        self.codec.profile = "Baseline"
        self.codec.options = {"tune": "zerolatency", "preset": "ultrafast"}
        self.keyframe_every = keyframe_every
        self.max_frames = max_frames
        self.sent: list[bytes] = []
        self._index = 0
        self._start: float | None = None
        self._quiet = asyncio.Event()

    async def recv(self) -> av.Packet[Any]:
        while True:
            if self.max_frames is not None and self._index >= self.max_frames:
                await _forever(self._quiet)
            if self._start is None:
                self._start = time.monotonic()
            delay = self._start + self._index / VIDEO_RATE - time.monotonic()
            # The camera's pace, not synchronisation; behind it, still yield to the loop.
            await asyncio.sleep(max(delay, 0))
            frame = av.VideoFrame(320, 240, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(self._index * 9) % 256]) * plane.buffer_size)
            frame.pts = self._index
            frame.time_base = self.codec.time_base
            if self._index % self.keyframe_every == 0:
                frame.pict_type = av.video.frame.PictureType.I
            self._index += 1
            packets = list(self.codec.encode(frame))
            if packets:
                data = b"".join(bytes(p) for p in packets)
                self.sent.append(data)
                packet = av.Packet(data)
                packet.pts = packets[0].pts
                packet.time_base = self.codec.time_base
                return packet


async def _forever(event: asyncio.Event) -> None:
    """Wait until the track is stopped (the sender cancels this)."""
    await event.wait()


class TestPublisher:
    """An aiortc publisher whose video track honours keyframe requests (PLI/FIR)."""

    __test__ = False

    def __init__(
        self,
        keyframe_every: int = 300,
        audio: bool = True,
        seconds: float | None = None,
        bit_rate: int = 400_000,
        noise: bool = False,
        camera_clock: bool = False,
        size: tuple[int, int] = (320, 240),
    ) -> None:
        self.pc = RTCPeerConnection(NO_ICE_SERVERS)
        # `seconds`: send that much video and audio, then go quiet with the connection up.
        # `size`: the picture's width and height (a phone held upright sends it taller than wide).
        self.video = EncodedVideoTrack(
            width=size[0],
            height=size[1],
            keyframe_every=keyframe_every,
            max_frames=None if seconds is None else round(seconds * VIDEO_RATE),
            bit_rate=bit_rate,
            noise=noise,
            camera_clock=camera_clock,
        )
        self.audio = (
            EncodedAudioTrack(
                max_frames=None if seconds is None else round(seconds / 0.02),
                camera_clock=camera_clock,
            )
            if audio
            else None
        )
        self.keyframe_requests = 0
        video_sender = self.pc.addTransceiver(self.video, direction="sendonly").sender
        if self.audio is not None:
            self.pc.addTransceiver(self.audio, direction="sendonly")
        original: Any = video_sender._handle_rtcp_packet

        async def on_rtcp(packet: Any) -> None:
            if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
                self.keyframe_requests += 1
                self.video.force_keyframe = True
            await original(packet)

        video_sender._handle_rtcp_packet = on_rtcp  # type: ignore[method-assign]

    async def offer(self) -> str:
        """Create and gather the offer."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def connect(self, signal: Signal) -> None:
        """Publish through `signal` (offer in, answer out)."""
        answer = await signal(await self.offer())
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    async def close(self) -> None:
        """Hang up."""
        await self.pc.close()


@dataclass
class Received:
    """One RTP packet as a viewer got it."""

    at: float
    payload_type: int
    sequence_number: int
    timestamp: int
    marker: int
    payload: bytes


@dataclass
class TestViewer:
    """A lean aiortc viewer: it captures RTP and never decodes."""

    __test__ = False

    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(NO_ICE_SERVERS))
    video: list[Received] = field(default_factory=list)
    audio: list[Received] = field(default_factory=list)
    connected_at: float | None = None

    def __post_init__(self) -> None:
        for kind in ("video", "audio"):
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            sink = self.video if kind == "video" else self.audio
            hooks.tap_receiver(transceiver.receiver, self._collector(sink), lambda _p: None)

        @self.pc.on("connectionstatechange")
        async def _changed() -> None:
            if self.pc.connectionState == "connected":
                self.connected_at = time.monotonic()

    @staticmethod
    def _collector(sink: list[Received]) -> Callable[[RtpPacket], None]:
        def collect(packet: RtpPacket) -> None:
            sink.append(
                Received(
                    time.monotonic(),
                    packet.payload_type,
                    packet.sequence_number,
                    packet.timestamp,
                    packet.marker,
                    bytes(packet.payload),
                )
            )

        return collect

    async def connect(self, signal: Signal) -> None:
        """Watch through `signal` (offer in, answer out)."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await signal(str(self.pc.localDescription.sdp))
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    def video_frames(self) -> list[tuple[float, bytes]]:
        """Complete VP8 frames (arrival of the last packet, depayloaded bytes)."""
        frames: list[tuple[float, bytes]] = []
        current: list[Received] = []
        for packet in sorted(self.video, key=lambda p: _unwrap_order(p, self.video)):
            if packet.payload_type not in _video_payload_types(self.video):
                continue
            if current and packet.timestamp != current[0].timestamp:
                current = []
            current.append(packet)
            if packet.marker:
                if _contiguous(current) and vp8_starts_descriptor(current[0].payload):
                    frames.append(
                        (
                            max(p.at for p in current),
                            b"".join(vp8_depayload(p.payload) for p in current),
                        )
                    )
                current = []
        return frames

    def first_keyframe_at(self) -> float | None:
        """When the first complete keyframe arrived."""
        for at, data in self.video_frames():
            if data and data[0] & 0x01 == 0:
                return at
        return None

    async def close(self) -> None:
        """Hang up."""
        await self.pc.close()


def vp8_starts_descriptor(payload: bytes) -> bool:
    """True when the payload starts partition 0 of a frame."""
    return bool(payload) and bool(payload[0] & 0x10) and payload[0] & 0x07 == 0


def is_vp8_keyframe_packet(payload: bytes) -> bool:
    """Re-export for tests."""
    return vp8_starts_keyframe(payload)


def _video_payload_types(packets: list[Received]) -> set[int]:
    # RTX retransmissions (if any) use another payload type: the most common is media.
    counts: dict[int, int] = {}
    for packet in packets:
        counts[packet.payload_type] = counts.get(packet.payload_type, 0) + 1
    return {max(counts, key=lambda pt: counts[pt])} if counts else set()


def _unwrap_order(packet: Received, all_packets: list[Received]) -> int:
    # Extended sequence number relative to the first packet, tolerant of wrap.
    base = all_packets[0].sequence_number
    return (packet.sequence_number - base) & 0xFFFF


def _contiguous(packets: list[Received]) -> bool:
    return all(
        (b.sequence_number - a.sequence_number) & 0xFFFF == 1
        for a, b in itertools.pairwise(packets)
    )


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until true or fail after `timeout` seconds."""
    await poll_until(condition, timeout, what)


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll an async `condition` (an HTTP request, say) until true or fail after `timeout` s."""
    await poll_until(condition, timeout, what)
