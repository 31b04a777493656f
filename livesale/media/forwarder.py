"""Per-viewer RTP rewriting: the relay's hot path, one call per packet per viewer.

A viewer's stream maps the publisher's sequence numbers and timestamps onto
its own with fixed offsets, so gaps from the publisher stay visible (the
viewer NACKs them and late retransmissions land in place). When the relay
must drop packets for one viewer, or the publisher changes, the stream waits
for the next keyframe and re-bases its offsets there, so the viewer sees a
contiguous sequence and never decodes a frame with holes in it.
"""

from __future__ import annotations

import random
import struct
import time
from collections.abc import Callable
from typing import Protocol

from livesale.media.rtp_header import one_byte_extension
from livesale.metrics import MEDIA_BYTES_DROPPED, MEDIA_FRAMES_SKIPPED, MEDIA_PACKETS_DROPPED

_HISTORY_SIZE = 128  # like aiortc's sender: about half a second of video
_AUDIO_CHECK_EVERY = 25  # half a second of 20 ms Opus packets
_REPORT_EVERY_FRAMES = 16
_SEQ_MASK = 0xFFFF
_TS_MASK = 0xFFFFFFFF


class Endpoint(Protocol):
    """Where a viewer's packets go (SRTP + UDP in production)."""

    def send(self, data: bytes) -> bool:
        """Send one RTP packet."""

    def buffered_bytes(self) -> int:
        """Bytes waiting to be written."""


SenderReport = Callable[[int, int, int, int], None]


class ViewerStream:
    """One viewer's copy of one publisher track (video or audio)."""

    __slots__ = (
        "_behind",
        "_behind_bytes",
        "_behind_counters",
        "_behind_packets",
        "_buffer_limit",
        "_clock_rate",
        "_dropped_counter",
        "_ext",
        "_failed_counters",
        "_first_byte",
        "_frames_since_report",
        "_header",
        "_history",
        "_on_keyframe_needed",
        "_payload_type",
        "_report",
        "_send",
        "_ssrc",
        "dropped_frames",
        "endpoint",
        "epoch",
        "header_bytes",
        "last_sent_at",
        "last_seq",
        "last_ts",
        "octets",
        "packets",
        "seq_offset",
        "ts_offset",
        "waiting_for_keyframe",
    )

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        ssrc: int,
        payload_type: int,
        clock_rate: int,
        mid: str | None,
        mid_extension_id: int | None,
        keep_history: bool,
        buffer_limit: int,
        on_keyframe_needed: Callable[[], None],
        sender_report: SenderReport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._send = endpoint.send  # looked up once: this runs per packet per viewer
        self._ssrc = ssrc
        self._payload_type = payload_type
        self._clock_rate = clock_rate
        self._ext = (
            one_byte_extension(mid_extension_id, mid.encode()) if mid and mid_extension_id else b""
        )
        self._first_byte = 0x90 if self._ext else 0x80
        # One pack per packet: the constant extension block is part of the format.
        self._header = struct.Struct(f"!BBHII{len(self._ext)}s")
        self.header_bytes = self._header.size  # what each packet adds to its payload
        self._history: list[bytes | None] | None = [None] * _HISTORY_SIZE if keep_history else None
        self._buffer_limit = buffer_limit
        self._on_keyframe_needed = on_keyframe_needed
        self._report = sender_report
        # The first frame reports at once: a viewer can sync from its first SR.
        self._frames_since_report = _REPORT_EVERY_FRAMES - 1
        kind = "video" if keep_history else "audio"
        self._dropped_counter = MEDIA_FRAMES_SKIPPED.labels(kind)
        self._behind_counters = (
            MEDIA_PACKETS_DROPPED.labels(kind, "behind"),
            MEDIA_BYTES_DROPPED.labels(kind, "behind"),
        )
        self._failed_counters = (
            MEDIA_PACKETS_DROPPED.labels(kind, "send_failed"),
            MEDIA_BYTES_DROPPED.labels(kind, "send_failed"),
        )
        # True from falling behind until the next keyframe: what is skipped
        # then counts as dropped (not the wait for a first keyframe or a new
        # publisher's). Sums are kept here and counted per skip, not per packet.
        self._behind = False
        self._behind_packets = 0
        self._behind_bytes = 0
        # Random origins, as RFC 3550 asks; re-based on the first keyframe.
        self.last_seq = random.randrange(0, 1 << 15)
        self.last_ts = random.randrange(0, 1 << 32)
        self.last_sent_at = time.monotonic()
        self.seq_offset = 0
        self.ts_offset = 0
        self.epoch = -1
        self.waiting_for_keyframe = True
        self.packets = 0
        self.octets = 0
        self.dropped_frames = 0

    def forward(
        self,
        payload: bytes,
        marker: int,
        sequence_number: int,
        timestamp: int,
        starts_keyframe: bool,
        epoch: int,
        now: float,
        ntp: int,
    ) -> None:
        """Rewrite one publisher packet for this viewer and send it."""
        if epoch != self.epoch or self.waiting_for_keyframe:
            if not starts_keyframe:
                if self._behind:
                    self._behind_packets += 1
                    self._behind_bytes += self.header_bytes + len(payload)
                return
            self._rebase(sequence_number, timestamp, epoch, now)
        seq = (sequence_number + self.seq_offset) & _SEQ_MASK
        ts = (timestamp + self.ts_offset) & _TS_MASK
        data = (
            self._header.pack(
                self._first_byte,
                (marker << 7) | self._payload_type,
                seq,
                ts,
                self._ssrc,
                self._ext,
            )
            + payload
        )
        endpoint = self.endpoint
        if not self._send(data):
            # This packet is lost for this viewer: rather than let it decode a
            # frame with a hole, move it to the next keyframe.
            self._send_failed(len(data))
            return
        if self._history is not None:
            self._history[seq % _HISTORY_SIZE] = data
        if (seq - self.last_seq) & _SEQ_MASK < 0x8000:
            self.last_seq = seq
            self.last_ts = ts
            self.last_sent_at = now
        self.packets += 1
        self.octets += len(payload)
        if marker:
            self._frames_since_report += 1
            if self._report is not None and self._frames_since_report >= _REPORT_EVERY_FRAMES:
                # RTCP sender reports go out about once a second: refreshing
                # their clock pair every few frames is plenty.
                self._frames_since_report = 0
                self._report(ntp, ts, self.packets, self.octets)
            # Checked once per video frame, not per packet: the backlog may
            # overshoot the limit by at most one frame, and the hot loop stays
            # lean. Audio (every packet is a frame) shares the bundled socket,
            # so it checks only now and then.
            if (
                self._history is not None or self.packets % _AUDIO_CHECK_EVERY == 0
            ) and endpoint.buffered_bytes() > self._buffer_limit:
                # The viewer cannot keep up: skip to the next keyframe rather
                # than queue without bound.
                self._fall_behind()

    def _send_failed(self, size: int) -> None:
        packets, octets = self._failed_counters
        packets.inc()
        octets.inc(size)
        self._fall_behind()

    def _fall_behind(self) -> None:
        self.waiting_for_keyframe = True
        self._behind = True
        self.dropped_frames += 1
        self._dropped_counter.inc()
        self._on_keyframe_needed()

    def flush_drops(self) -> None:
        """Add the packets skipped while behind to the dropped counters."""
        if self._behind_packets:
            packets, octets = self._behind_counters
            packets.inc(self._behind_packets)
            octets.inc(self._behind_bytes)
            self._behind_packets = self._behind_bytes = 0

    def _rebase(self, sequence_number: int, timestamp: int, epoch: int, now: float) -> None:
        self.seq_offset = (self.last_seq + 1 - sequence_number) & _SEQ_MASK
        if epoch != self.epoch:
            # A new publisher has its own clock: continue ours from where the
            # viewer left off, advanced by the wall time that passed.
            elapsed = int((now - self.last_sent_at) * self._clock_rate)
            self.ts_offset = (self.last_ts + max(elapsed, 1) - timestamp) & _TS_MASK
            self.epoch = epoch
        self.waiting_for_keyframe = False
        if self._behind:
            self._behind = False
            self.flush_drops()  # the skip is over: count it whole

    def retransmit(self, sequence_number: int) -> None:
        """Resend a packet the viewer reported lost, if still in history."""
        if self._history is None:
            return
        data = self._history[sequence_number % _HISTORY_SIZE]
        if data is not None and int.from_bytes(data[2:4], "big") == sequence_number:
            self.endpoint.send(data)

    def keyframe_requested(self) -> None:
        """The viewer reported picture loss."""
        self._on_keyframe_needed()

    def history_bytes(self) -> int:
        """Bytes held for retransmission (bounded by the history size)."""
        if self._history is None:
            return 0
        return sum(len(item) for item in self._history if item is not None)
