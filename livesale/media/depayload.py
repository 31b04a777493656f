"""Encoded frames from a publisher's RTP packets, for the recorder.

Video packets are put back in sequence order (a retransmission may arrive a
little late), joined at the marker bit or a timestamp change, and stripped of
their payload headers: VP8's descriptor (RFC 7741) or H.264's aggregation and
fragmentation (RFC 6184, to Annex B). A hole that no retransmission fills in
time drops its frame, and the track then waits for the next keyframe: a frame
that refers to a lost one would decode as garbage. Every Opus packet is a frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiortc.codecs.h264 import h264_depayload
from aiortc.codecs.vpx import vp8_depayload

from livesale.media.keyframes import detector_for

# How long a hole in the sequence may wait for its retransmission (NACK -> RTX).
GAP_WAIT_SECONDS = 0.25
# Packets held behind a hole, at most: a publisher's burst beyond this gives up the wait.
MAX_HELD_PACKETS = 2048


@dataclass(frozen=True, slots=True)
class Frame:
    """One encoded frame, as the encoder made it."""

    data: bytes
    timestamp: int  # RTP timestamp, unwrapped so it never goes back at a 32-bit wrap
    arrival: float  # monotonic time its first packet reached the relay
    keyframe: bool
    size: int  # RTP payload bytes it was made of (what the recording queue counted)


def _unwrap(last: int, value: int, bits: int) -> int:
    """The extended value nearest to `last` whose low `bits` are `value`."""
    half = 1 << (bits - 1)
    return last + ((value - last + half) & ((1 << bits) - 1)) - half


class AudioAssembler:
    """Opus: one packet is one frame; late packets are dropped so time only moves on."""

    def __init__(self) -> None:
        self._timestamp: int | None = None
        self._frames: list[Frame] = []
        self.dropped_bytes = 0

    def push(self, payload: bytes, _sequence: int, timestamp: int, _marker: int, at: float) -> None:
        """Take one packet."""
        if self._timestamp is None:
            extended = timestamp
        else:
            extended = _unwrap(self._timestamp, timestamp, 32)
            if extended <= self._timestamp:
                self.dropped_bytes += len(payload)
                return
        self._timestamp = extended
        self._frames.append(Frame(payload, extended, at, True, len(payload)))

    def pop_frames(self, _now: float, _final: bool = False) -> list[Frame]:
        """The frames completed since the last call."""
        frames, self._frames = self._frames, []
        return frames


class VideoAssembler:
    """VP8 or H.264: packets in sequence order, joined into frames, from a keyframe on."""

    def __init__(self, mime_type: str, wait_seconds: float = GAP_WAIT_SECONDS) -> None:
        self._depayload: Callable[[bytes], bytes] = (
            h264_depayload if mime_type.lower() == "video/h264" else vp8_depayload
        )
        self._starts_keyframe = detector_for(mime_type)
        self._opens_keyframe = (
            _h264_opens_access_unit if mime_type.lower() == "video/h264" else self._starts_keyframe
        )
        self._wait = wait_seconds
        self._held: dict[int, tuple[bytes, int, int, float]] = {}
        # The next extended sequence number to consume: set at the first pop, from the
        # lowest held, so packets reordered at the very start are not taken as late.
        self._next: int | None = None
        self._highest: int | None = None
        self._timestamp = 0  # extended timestamp of the last frame started
        self._payloads: list[bytes] = []
        self._frame_size = 0
        self._frame_timestamp = -1  # raw RTP timestamp of the frame being joined
        self._frame_arrival = 0.0
        self._frame_key = False
        self._resync = False  # dropping until a marker: a hole cut the frame in progress
        self.waiting_for_keyframe = True
        self.holes = 0  # holes given up on
        self.dropped_bytes = 0

    def push(self, payload: bytes, sequence: int, timestamp: int, marker: int, at: float) -> None:
        """Hold one packet until the packets before it are in."""
        if self._highest is None:
            self._highest = extended = sequence
            self._timestamp = timestamp
        else:
            extended = _unwrap(self._highest, sequence, 16)
            if (self._next is not None and extended < self._next) or extended in self._held:
                # Late (its hole was given up on) or a duplicate retransmission.
                self.dropped_bytes += len(payload)
                return
            self._highest = max(self._highest, extended)
        self._held[extended] = (payload, timestamp, marker, at)

    def pop_frames(self, now: float, final: bool = False) -> list[Frame]:
        """Frames completed by the packets held so far; `final` gives up on every hole."""
        frames: list[Frame] = []
        held = self._held
        if self._next is None and held:
            self._next = min(held)
        while held:
            assert self._next is not None
            packet = held.pop(self._next, None)
            if packet is None:
                first = min(held)
                waited = now - held[first][3]
                if not final and waited < self._wait and len(held) < MAX_HELD_PACKETS:
                    break  # the retransmission may still come
                self._give_up_hole(first)
                continue
            self._next += 1
            self._take(packet, frames)
        if final:
            self._drop_frame()
        return frames

    def _give_up_hole(self, resume_at: int) -> None:
        """Skip to `resume_at`: the frame in progress is lost, and so is sync."""
        self.holes += 1
        self._next = resume_at
        self._drop_frame()
        self._resync = True
        self.waiting_for_keyframe = True

    def _take(self, packet: tuple[bytes, int, int, float], frames: list[Frame]) -> None:
        payload, timestamp, marker, at = packet
        if self._resync:
            if timestamp != self._frame_timestamp and self._opens_keyframe(payload):
                self._resync = False
            else:
                # The packets after a hole may be the middle of a frame: resume after its end.
                self.dropped_bytes += len(payload)
                self._resync = not marker
                return
        if self._payloads and timestamp != self._frame_timestamp:
            self._end_frame(frames)  # a sender that did not mark the frame's end
        if not self._payloads:
            self._frame_timestamp = timestamp
            self._frame_arrival = at
            self._frame_key = self._starts_keyframe(payload)
        self._payloads.append(payload)
        self._frame_size += len(payload)
        if marker:
            self._end_frame(frames)

    def _end_frame(self, frames: list[Frame]) -> None:
        payloads, size = self._payloads, self._frame_size
        self._payloads, self._frame_size = [], 0
        if self.waiting_for_keyframe and not self._frame_key:
            self.dropped_bytes += size
            return
        try:
            data = b"".join(self._depayload(p) for p in payloads)
        except (ValueError, IndexError):
            # A malformed payload header: treat it as a hole.
            self.dropped_bytes += size
            self.waiting_for_keyframe = True
            self.holes += 1
            return
        self.waiting_for_keyframe = False
        self._timestamp = _unwrap(self._timestamp, self._frame_timestamp, 32)
        frames.append(Frame(data, self._timestamp, self._frame_arrival, self._frame_key, size))

    def _drop_frame(self) -> None:
        self.dropped_bytes += self._frame_size
        self._payloads, self._frame_size = [], 0


def _h264_opens_access_unit(payload: bytes) -> bool:
    """An SPS first: the start of an IDR access unit (an IDR slice may be a later slice)."""
    if len(payload) < 4:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == 24:  # STAP-A: [header][size16][first NAL]...
        nal_type = payload[3] & 0x1F
    return nal_type == 7


Assembler = AudioAssembler | VideoAssembler


def assembler_for(kind: str, mime_type: str) -> Assembler:
    """The assembler of one publisher track."""
    return VideoAssembler(mime_type) if kind == "video" else AudioAssembler()
