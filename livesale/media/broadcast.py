"""One show's live broadcast: the publisher's tracks fanned out to every viewer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

from aiortc import RTCRtpReceiver
from aiortc.clock import current_ntp_time
from aiortc.rtp import RtpPacket, unwrap_rtx

from livesale.media.forwarder import ViewerStream
from livesale.media.hooks import request_keyframe
from livesale.media.keyframes import KeyframeDetector, detector_for
from livesale.metrics import (
    MEDIA_BURST_FANOUT,
    MEDIA_BYTES_FORWARDED,
    MEDIA_KEYFRAME_REQUESTS,
    MEDIA_PACKETS_FORWARDED,
    MEDIA_RELAY_LATENCY,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackCodec:
    """The codec a publisher sends on one track, as negotiated."""

    kind: str
    mime_type: str
    clock_rate: int
    channels: int | None
    parameters: tuple[tuple[str, str], ...]

    @property
    def key(self) -> tuple[str, int, tuple[tuple[str, str], ...]]:
        """What must match between a publisher and a viewer."""
        return (self.mime_type.lower(), self.clock_rate, self.parameters)


# What TrackFanout queues per packet: ViewerStream.forward's arguments.
_Forward = tuple[bytes, int, int, int, bool, int, float, int]
# A recording's tap: (payload, sequence number, timestamp, marker, monotonic arrival).
PacketRecorder = Callable[[bytes, int, int, int, float], None]

# A video track silent this long whose next packet skips sequence numbers lost
# packets that NACKs will not bring back in time (the publisher's network
# dropped): viewers need a keyframe, and the relay asks for it at once rather
# than wait for every viewer's decoder to notice.
STALL_SECONDS = 1.0


class TrackFanout:
    """Fans one publisher track out to its viewers' streams.

    Packets are not sent the moment they arrive: they queue until the event
    loop has drained what the socket holds (a keyframe arrives as a burst of
    packets), then go out viewer by viewer. Each viewer then has a whole
    frame after its own share of the work, instead of every viewer waiting
    for the burst's last packet to be copied to everyone.
    """

    __slots__ = (
        "_batch",
        "_batch_bytes",
        "_burst_started",
        "_bytes_forwarded",
        "_detect",
        "_fanout",
        "_flush_scheduled",
        "_forwarded",
        "_frame_started",
        "_frame_starts",
        "_frame_timestamp",
        "_header_bytes",
        "_last_media_at",
        "_last_media_sequence",
        "_latency",
        "_loop",
        "_media_ssrc",
        "_payload_type",
        "_rtx_payload_type",
        "broadcast",
        "codec",
        "kind",
        "recorder",
        "streams",
    )

    def __init__(self, broadcast: Broadcast, codec: TrackCodec) -> None:
        self.broadcast = broadcast
        self.kind = codec.kind
        self.codec = codec
        self.streams: list[ViewerStream] = []
        self.recorder: PacketRecorder | None = None  # set while a recording part taps this track
        self._header_bytes = 0  # the streams' RTP header sizes, summed
        self._detect: KeyframeDetector = detector_for(codec.mime_type)
        self._payload_type = -1
        self._rtx_payload_type = -1
        self._media_ssrc = 0
        self._frame_timestamp = -1
        self._frame_started = 0.0
        self._last_media_at = 0.0  # when the last video packet (not RTX) arrived
        self._last_media_sequence = 0
        self._batch: list[_Forward] = []
        self._batch_bytes = 0  # payload bytes in the batch
        # When each frame that ends in the batch started (video only).
        self._frame_starts: list[float] = []
        self._burst_started = 0.0
        self._flush_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._forwarded = MEDIA_PACKETS_FORWARDED.labels(codec.kind)
        self._bytes_forwarded = MEDIA_BYTES_FORWARDED.labels(codec.kind)
        self._latency = MEDIA_RELAY_LATENCY.labels(codec.kind)
        self._fanout = MEDIA_BURST_FANOUT.labels(codec.kind)

    def add(self, stream: ViewerStream) -> None:
        """Start forwarding to `stream`."""
        self.streams.append(stream)
        self._header_bytes += stream.header_bytes

    def remove(self, stream: ViewerStream) -> None:
        """Stop forwarding to `stream`."""
        if stream in self.streams:
            # Copy-on-write: a fan-out loop in progress keeps its own list.
            self.streams = [s for s in self.streams if s is not stream]
            self._header_bytes -= stream.header_bytes

    def clear(self) -> None:
        """Stop forwarding to every stream."""
        self.streams = []
        self._header_bytes = 0

    def bind(self, payload_type: int, rtx_payload_type: int | None) -> None:
        """Use the payload types the current publisher negotiated."""
        self._payload_type = payload_type
        self._rtx_payload_type = -1 if rtx_payload_type is None else rtx_payload_type
        self._media_ssrc = 0
        self._last_media_at = 0.0

    @property
    def media_ssrc(self) -> int:
        """The publisher's SSRC for this track (0 before the first packet)."""
        return self._media_ssrc

    def ingest(self, packet: RtpPacket) -> None:
        """Queue one publisher packet for every viewer of this track."""
        payload_type = packet.payload_type
        if payload_type == self._payload_type:
            self._media_ssrc = packet.ssrc
        elif payload_type == self._rtx_payload_type and self._media_ssrc:
            if len(packet.payload) < 2:
                return
            packet = unwrap_rtx(packet, payload_type=self._payload_type, ssrc=self._media_ssrc)
        else:
            return
        started = perf_counter()
        broadcast = self.broadcast
        broadcast.last_packet_at = now = time.monotonic()
        if self.kind == "video" and payload_type == self._payload_type:
            sequence_number = packet.sequence_number
            if (
                self._last_media_at
                and now - self._last_media_at >= STALL_SECONDS
                and sequence_number != (self._last_media_sequence + 1) & 0xFFFF
            ):
                broadcast.request_keyframe()
            self._last_media_at = now
            self._last_media_sequence = sequence_number
        payload = packet.payload
        if not payload:
            return  # padding-only probes carry nothing for viewers
        marker = packet.marker
        timestamp = packet.timestamp
        recorder = self.recorder
        if recorder is not None:
            recorder(payload, packet.sequence_number, timestamp, marker, now)
        if timestamp != self._frame_timestamp:
            self._frame_timestamp = timestamp
            self._frame_started = started
        self._batch_bytes += len(payload)
        self._batch.append(
            (
                payload,
                marker,
                packet.sequence_number,
                timestamp,
                self._detect(payload),
                broadcast.epoch,
                now,
                current_ntp_time() if marker else 0,
            )
        )
        if marker and self.kind == "video":
            self._frame_starts.append(self._frame_started)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._burst_started = started
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            # call_soon runs after the loop has handed over every datagram it read.
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Send the queued packets, viewer by viewer."""
        self._flush_scheduled = False
        batch, self._batch = self._batch, []
        batch_bytes, self._batch_bytes = self._batch_bytes, 0
        frame_starts, self._frame_starts = self._frame_starts, []
        streams = self.streams
        if not streams or not batch:
            return
        observe = self._latency.observe
        for stream in streams:
            forward = stream.forward
            for item in batch:
                forward(*item)
            if frame_starts:
                # Per viewer and frame: the frame's first packet in -> its last copy out.
                done = perf_counter()
                for frame_started in frame_starts:
                    observe(done - frame_started)
        done = perf_counter()
        if self.kind == "audio":
            # Every audio packet is a frame; observing the last viewer keeps it cheap.
            observe(done - self._burst_started)
        self._forwarded.inc(len(streams) * len(batch))
        self._bytes_forwarded.inc(len(streams) * batch_bytes + len(batch) * self._header_bytes)
        self._fanout.observe(done - self._burst_started)


class Broadcast:
    """The relay state of one show: at most one publisher, many viewers."""

    def __init__(self, show_id: str, keyframe_interval: float) -> None:
        self.show_id = show_id
        self.epoch = 0
        self.tracks: dict[str, TrackFanout] = {}
        self.last_packet_at = 0.0
        self._keyframe_interval = keyframe_interval
        self._last_keyframe_request = -keyframe_interval
        self._pending_keyframe: asyncio.TimerHandle | None = None
        self._video_receiver: RTCRtpReceiver | None = None
        self.keyframe_requests_sent = 0

    def codec_for(self, kind: str) -> TrackCodec | None:
        """The codec viewers of this broadcast receive on `kind`, once known."""
        track = self.tracks.get(kind)
        return None if track is None else track.codec

    def attach_publisher_track(
        self,
        codec: TrackCodec,
        payload_type: int,
        rtx_payload_type: int | None,
        receiver: RTCRtpReceiver,
    ) -> Callable[[RtpPacket], None]:
        """Bind a (new) publisher track and return the packet sink for its receiver."""
        track = self.tracks.get(codec.kind)
        if track is None:
            track = self.tracks[codec.kind] = TrackFanout(self, codec)
        track.bind(payload_type, rtx_payload_type)
        if codec.kind == "video":
            self._video_receiver = receiver
        return track.ingest

    def new_publisher(self) -> None:
        """A publisher (re)joined: viewers re-base on its first keyframe."""
        self.epoch += 1
        self.last_packet_at = time.monotonic()
        self._last_keyframe_request = -self._keyframe_interval

    def publisher_gone(self) -> None:
        """Forget the publisher's receiver; viewers stay for a reconnect."""
        self._video_receiver = None
        self._cancel_pending_keyframe()

    def add_stream(self, kind: str, stream: ViewerStream) -> None:
        """Start forwarding `kind` to a viewer's stream."""
        self.tracks[kind].add(stream)
        if kind == "video":
            self.request_keyframe()

    def remove_stream(self, kind: str, stream: ViewerStream) -> None:
        """Stop forwarding to a viewer's stream."""
        track = self.tracks.get(kind)
        if track is not None:
            track.remove(stream)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe, at most once per interval."""
        if self._video_receiver is None:
            return
        now = time.monotonic()
        wait = self._last_keyframe_request + self._keyframe_interval - now
        if wait <= 0:
            self._send_keyframe_request(now)
        elif self._pending_keyframe is None:
            # Coalesce: one deferred request serves everyone asking meanwhile.
            loop = asyncio.get_running_loop()
            self._pending_keyframe = loop.call_later(wait, self._deferred_keyframe_request)

    def _deferred_keyframe_request(self) -> None:
        self._pending_keyframe = None
        if self._video_receiver is not None:
            self._send_keyframe_request(time.monotonic())

    def _send_keyframe_request(self, now: float) -> None:
        receiver = self._video_receiver
        track = self.tracks.get("video")
        if receiver is None or track is None or not track.media_ssrc:
            return
        self._last_keyframe_request = now
        self.keyframe_requests_sent += 1
        MEDIA_KEYFRAME_REQUESTS.inc()
        task = asyncio.get_running_loop().create_task(request_keyframe(receiver, track.media_ssrc))
        task.add_done_callback(_log_failure)

    def _cancel_pending_keyframe(self) -> None:
        if self._pending_keyframe is not None:
            self._pending_keyframe.cancel()
            self._pending_keyframe = None

    def viewer_count(self) -> int:
        """Viewers currently receiving video or audio."""
        return max((len(t.streams) for t in self.tracks.values()), default=0)

    def close(self) -> None:
        """Drop every stream (the sessions close their own peer connections)."""
        self._cancel_pending_keyframe()
        for track in self.tracks.values():
            track.clear()
        self._video_receiver = None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.debug("keyframe request failed: %s", task.exception())
