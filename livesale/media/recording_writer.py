"""The thread that writes one recording part: queued RTP packets in, a muxed file out.

The event loop only appends packets to `PartWriter.queue` (see `recording`).
This thread wakes every `DRAIN_SECONDS`, assembles the packets into frames,
and muxes them with PyAV into WebM (VP8) or fragmented MP4 (H.264) as they
are: no encoder or decoder is ever opened. Clusters and fragments close about
every second and go straight to the file, so a killed process leaves a file
that plays up to its last second or so. Disk writes happen here only, through
`os.write`, which releases the GIL: a slow disk slows this thread, never the relay.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import stat
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av

from livesale.domain.recordings import Container
from livesale.media.depayload import Assembler, Frame, VideoAssembler, assembler_for
from livesale.media.recording_clock import CLOCK_RATES, PartTimeline
from livesale.media.recording_codecs import (
    h264_parameter_sets,
    h264_size,
    opus_template,
    vp8_size,
)
from livesale.metrics import (
    RECORDING_BYTES,
    RECORDING_FRAMES,
    RECORDING_QUEUE_BYTES,
    RecordingFailure,
)

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 0.05
DISK_CHECK_SECONDS = 2.0
KEYFRAME_REQUEST_SECONDS = 2.0
# Muxer options: a cluster or fragment about every second, each written as soon
# as it closes; the interleaver holds a packet at most a second for the other track.
MUX_OPTIONS: dict[Container, dict[str, str]] = {
    Container.WEBM: {
        "cluster_time_limit": "1000",
        "flush_packets": "1",
        "max_interleave_delta": "1000000",
    },
    Container.MP4: {
        "movflags": "frag_keyframe+empty_moov+default_base_moof",
        "frag_duration": "1000000",
        "flush_packets": "1",
        "max_interleave_delta": "1000000",
    },
}
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

# What the event loop queues per packet: track index, payload, sequence number,
# RTP timestamp, marker bit, monotonic arrival time.
QueuedPacket = tuple[int, bytes, int, int, int, float]


@dataclass(frozen=True)
class WriterResult:
    """How a part's writer ended."""

    opened: bool  # a file was created
    failure: RecordingFailure | None  # disk_full, write_error, mux_error (None: closed cleanly)
    duration_ms: int
    size_bytes: int


class WriterListener(Protocol):
    """What the writer tells its part; called on the writer thread (must be thread-safe)."""

    def started(self, zero: float) -> None:
        """The part begins: its first frame (a keyframe) is at monotonic time `zero`."""

    def finished(self, result: WriterResult) -> None:
        """The thread is done; nothing more will be written."""

    def wants_keyframe(self) -> None:
        """Video lost a frame and waits for a keyframe."""


class _Stop(Exception):
    """Stop writing for `reason`."""

    def __init__(self, reason: RecordingFailure) -> None:
        super().__init__(reason)
        self.reason: RecordingFailure = reason


class _FileSink:
    """The output file for PyAV: complete writes through os.write, which drops the GIL."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.position = 0
        self.size = 0
        # A pipe or a device cannot seek: the muxer then writes no back-patched header.
        self._seekable = stat.S_ISREG(os.fstat(fd).st_mode)

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        self.position += len(data)
        self.size = max(self.size, self.position)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.position = os.lseek(self.fd, offset, whence)
        return self.position

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return self._seekable

    def writable(self) -> bool:
        return True


class PartWriter:
    """Assembles and muxes one part on its own thread; the loop only calls the public methods."""

    def __init__(self, kinds: Sequence[str], min_free_bytes: int, listener: WriterListener) -> None:
        self.kinds = tuple(sorted(kinds, key=lambda k: k != "video"))  # video first
        self.queue: deque[QueuedPacket] = deque()
        self.enqueued = 0  # payload bytes queued (written by the loop only)
        self.settled = 0  # of those, muxed or dropped (written by this thread only)
        self.duration_ms = 0
        self.size_bytes = 0
        self._mimes: dict[int, str] = {}
        self._channels = 2
        self._min_free = min_free_bytes
        self._listener = listener
        self._wake = threading.Event()
        self._stopping = False
        self._cancelled = False
        self._target: tuple[Path, Container] | None = None
        self._assemblers: dict[int, Assembler] = {}
        self._timeline = PartTimeline(self.kinds, self._can_start)
        self._streams: list[Any] = []
        self._time_bases = [Fraction(1, CLOCK_RATES[kind]) for kind in self.kinds]
        self._sink: _FileSink | None = None
        self._output: Any = None
        self._next_disk_check = 0.0
        self._next_keyframe_request = 0.0
        self._gauge = 0
        self._thread = threading.Thread(target=self._main, name="recording-writer", daemon=True)

    # -- the event loop's side ---------------------------------------------

    def track_index(self, kind: str, mime_type: str, channels: int | None) -> int:
        """Register a track's codec before its first packet; returns its queue index."""
        index = self.kinds.index(kind)
        self._mimes[index] = mime_type
        if kind == "audio" and channels:
            self._channels = channels
        return index

    def mime_type(self, kind: str) -> str | None:
        """The codec of a registered track."""
        return self._mimes.get(self.kinds.index(kind)) if kind in self.kinds else None

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def open(self, path: Path, container: Container) -> None:
        """Write the part's frames to `path` (its row exists now)."""
        self._target = (path, container)
        self._wake.set()

    def stop(self) -> None:
        """Write what is queued, close the file (trailer, cues) and end."""
        self._stopping = True
        self._wake.set()

    def cancel(self) -> None:
        """End without writing anything more (the show is not recorded, or the queue overflowed)."""
        self._cancelled = True
        self._wake.set()

    # -- the thread --------------------------------------------------------

    def _main(self) -> None:
        result = WriterResult(False, "mux_error", 0, 0)
        try:
            result = self._run()
        except Exception:
            logger.exception("the recording writer failed")
        finally:
            self._report_gauge(0)
            self._listener.finished(result)

    def _run(self) -> WriterResult:
        failure: RecordingFailure | None = None
        try:
            while not self._cancelled:
                self._wake.wait(DRAIN_SECONDS)
                self._wake.clear()
                stopping = self._stopping
                now = time.monotonic()
                self._drain(now, final=stopping)
                if self._cancelled:
                    break
                timeline = self._timeline
                if timeline.fix(now, final=stopping):
                    assert timeline.zero is not None
                    self._listener.started(timeline.zero)
                self._settle_dropped()
                if self._output is None and self._target is not None:
                    self._open(*self._target)
                if self._output is not None:
                    self._mux_pending()
                    self._check_disk()
                self._report_gauge(self.enqueued - self.settled)
                # A part that has started waits for its file even when stopping.
                if stopping and (timeline.zero is None or self._output is not None):
                    break
        except _Stop as stop:
            failure = stop.reason
        except Exception as exc:
            failure = _failure_reason(exc)
            if failure == "mux_error":
                logger.warning("recording stopped: %s", exc, exc_info=True)
        # The first failure is the reason; closing after it often fails the same way.
        closing_failure = self._close()
        failure = failure or closing_failure
        return WriterResult(self._sink is not None, failure, self.duration_ms, self.size_bytes)

    def _drain(self, now: float, final: bool) -> None:
        queue = self.queue
        popped = 0
        while queue:
            index, payload, sequence, timestamp, marker, at = queue.popleft()
            popped += len(payload)
            assembler = self._assemblers.get(index)
            if assembler is None:
                kind = self.kinds[index]
                assembler = self._assemblers[index] = assembler_for(kind, self._mimes[index])
            assembler.push(payload, sequence, timestamp, marker, at)
        if popped:
            RECORDING_BYTES.inc(popped)
        for index, assembler in self._assemblers.items():
            for frame in assembler.pop_frames(now, final):
                self._timeline.admit(index, frame)
            if (
                isinstance(assembler, VideoAssembler)
                and assembler.waiting_for_keyframe
                and assembler.dropped_bytes
            ):
                # Frames are being thrown away until a keyframe: a browser sends one
                # only when asked (the broadcast coalesces requests with its viewers').
                self._ask_for_keyframe(now)

    def _settle_dropped(self) -> None:
        """What the assemblers and the timeline dropped leaves the queue's count."""
        dropped = self._timeline.dropped_bytes
        for assembler in self._assemblers.values():
            dropped += assembler.dropped_bytes
            assembler.dropped_bytes = 0
        self._timeline.dropped_bytes = 0
        self.settled += dropped

    def _can_start(self, index: int, frame: Frame) -> bool:
        """Video starts on a keyframe whose header gives the picture size (and H.264's SPS/PPS)."""
        if self.kinds[index] != "video":
            return True
        if self._mimes[index].lower() == "video/h264":
            return h264_parameter_sets(frame.data) and h264_size(frame.data) is not None
        return vp8_size(frame.data) is not None

    def _ask_for_keyframe(self, now: float) -> None:
        if now >= self._next_keyframe_request:
            self._next_keyframe_request = now + KEYFRAME_REQUEST_SECONDS
            self._listener.wants_keyframe()

    def _open(self, path: Path, container: Container) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._check_disk(force=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        self._sink = _FileSink(fd)
        # Held while the part is written: crash repair at start-up leaves a locked file alone.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._output = av.open(
            self._sink, "w", format=container.value, container_options=MUX_OPTIONS[container]
        )
        self._add_streams()

    def _add_streams(self) -> None:
        """Every stream before the header, with codec parameters only (no codec is opened)."""
        start = self._timeline.start_frame
        assert start is not None
        output = self._output
        for index, kind in enumerate(self.kinds):
            if kind == "video":
                h264 = self._mimes.get(index, "").lower() == "video/h264"
                size = h264_size(start.data) if h264 else vp8_size(start.data)
                width, height = size or (0, 0)
                codec = "h264" if h264 else "vp8"
                stream = output.add_mux_stream(codec, width=width, height=height)
            else:
                template = opus_template(self._channels)
                stream = output.add_stream_from_template(template, opaque=True)
            stream.time_base = self._time_bases[index]
            self._streams.append(stream)

    def _mux_pending(self) -> None:
        timed = self._timeline.take()
        counts = [0] * len(self.kinds)
        output = self._output
        for position, (index, frame, pts) in enumerate(timed):
            if self._cancelled:
                # A slow disk made the queue overflow meanwhile: stop writing now.
                self.settled += sum(f.size for _i, f, _pts in timed[position:])
                break
            packet = av.Packet(frame.data)
            packet.stream = self._streams[index]
            # The track's RTP clock; the muxer rescales to its own (WebM counts milliseconds).
            packet.time_base = self._time_bases[index]
            packet.pts = packet.dts = pts
            packet.is_keyframe = frame.keyframe
            output.mux(packet)
            self.settled += frame.size
            counts[index] += 1
        self._settle_dropped()
        self.duration_ms = self._timeline.duration_ms()
        if self._sink is not None:
            self.size_bytes = self._sink.size
        for index, count in enumerate(counts):
            if count:
                RECORDING_FRAMES.labels(self.kinds[index]).inc(count)

    def _check_disk(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_disk_check:
            return
        self._next_disk_check = now + DISK_CHECK_SECONDS
        if self._target is not None:
            free = shutil.disk_usage(self._target[0].parent).free
            if free < self._min_free:
                raise _Stop("disk_full")

    def _close(self) -> RecordingFailure | None:
        """Close the muxer (trailer: cues, duration) and the file; the failure closing met."""
        failure: RecordingFailure | None = None
        # What never reaches the file counts as settled, so the queue gauge returns to zero.
        self.settled = self.enqueued
        if self._output is not None:
            try:
                self._output.close()
            except Exception as exc:
                failure = _failure_reason(exc)
            self._output = None
        if self._sink is not None:
            self.size_bytes = self._sink.size
            os.close(self._sink.fd)
        return failure

    def _report_gauge(self, queued: int) -> None:
        """Move the process's queue gauge by this part's change (several parts add up)."""
        if queued != self._gauge:
            RECORDING_QUEUE_BYTES.inc(queued - self._gauge)
            self._gauge = queued


def _failure_reason(exc: BaseException) -> RecordingFailure:
    """The metric reason for what stopped a writer."""
    if isinstance(exc, av.error.FFmpegError):
        return "mux_error"  # file I/O is ours (`_FileSink`): FFmpeg's own errors are muxing
    if isinstance(exc, OSError):
        return "disk_full" if exc.errno in _DISK_FULL_ERRNOS else "write_error"
    return "mux_error"
