"""Recording live broadcasts: one part per publisher session, written off the event loop.

The relay calls a part's tap once per publisher packet (`TrackFanout.ingest`).
The tap appends the packet to the part's queue and counts its bytes: no
parsing, no lock, no I/O. A `PartWriter` thread does everything else. Past
`recording.max_queue_bytes` of unwritten media (a disk that stalls) the part
stops as `queue_full` and the show goes on. Parts are rows of the recordings
table: created at the part's first keyframe, finished when the publisher
goes (complete) or the writer fails (failed, with the duration it reached).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from livesale.config import RecordingSettings
from livesale.domain.errors import LivesaleError
from livesale.domain.recordings import Container, Recording, RecordingStatus, container_for
from livesale.domain.shows import Show
from livesale.media.recording_writer import PartWriter, WriterResult
from livesale.metrics import RECORDINGS_ACTIVE, RecordingFailure, count_recording_failure

if TYPE_CHECKING:
    from livesale.media.broadcast import PacketRecorder, TrackFanout

logger = logging.getLogger(__name__)

# How long server shutdown waits for parts to write their trailers; a part still
# open then stays `recording` and is repaired at the next start.
SHUTDOWN_SECONDS = 5.0

ShowLookup = Callable[[str], Awaitable[Show]]


class RecordingStore(Protocol):
    """Where parts are listed (`storage.recordings.RecordingRepository`)."""

    async def start_part(
        self, show_id: str, container: Container, started_at: float, offset_ms: int
    ) -> Recording:
        """A new part after the show's last one."""

    async def finish(
        self,
        recording_id: str,
        status: RecordingStatus,
        duration_ms: int | None,
        size_bytes: int | None,
        error: str | None = None,
    ) -> None:
        """Record how a part ended."""

    async def with_status(self, status: RecordingStatus) -> list[Recording]:
        """Every part in `status`."""


class PartRecorder:
    """One publisher session's part: its taps on the relay, its writer, its row."""

    def __init__(
        self,
        show_id: str,
        kinds: Iterable[str],
        recordings: Recordings,
        request_keyframe: Callable[[], None],
    ) -> None:
        self.show_id = show_id
        self._recordings = recordings
        self._loop = asyncio.get_running_loop()
        self._request_keyframe = request_keyframe
        self._started: asyncio.Future[float | None] = self._loop.create_future()
        self._outcome: asyncio.Future[WriterResult] = self._loop.create_future()
        self._taps: list[tuple[TrackFanout, PacketRecorder]] = []
        self.writer = PartWriter(list(kinds), recordings.settings.min_free_bytes, self)
        self.writer.start()
        self.task = self._loop.create_task(self._run(), name=f"recording-{show_id}")

    # -- the relay's side (event loop) ---------------------------------------

    def attach(self, track: TrackFanout) -> None:
        """Tap a bound publisher track (once its codec is known)."""
        if track.kind not in self.writer.kinds or self._outcome.done():
            return
        codec = track.codec
        index = self.writer.track_index(track.kind, codec.mime_type, codec.channels)
        writer = self.writer
        append = writer.queue.append
        limit = self._recordings.settings.max_queue_bytes
        overflow = self._overflow

        # The hot path: one call per publisher packet, before the relay fans it out.
        def record(payload: bytes, sequence: int, timestamp: int, marker: int, at: float) -> None:
            writer.enqueued += len(payload)
            if writer.enqueued - writer.settled > limit:
                overflow()
                return
            append((index, payload, sequence, timestamp, marker, at))

        track.recorder = record
        self._taps.append((track, record))

    def stop(self) -> None:
        """The publisher is gone: close the part (its task finishes it)."""
        self._detach()
        self.writer.stop()

    def _detach(self) -> None:
        for track, record in self._taps:
            if track.recorder is record:
                track.recorder = None
        self._taps.clear()

    def _overflow(self) -> None:
        """The writer fell `max_queue_bytes` behind: stop the part, keep the show."""
        self._detach()
        self.writer.cancel()
        if not self._outcome.done():
            writer = self.writer
            self._outcome.set_result(
                WriterResult(True, "queue_full", writer.duration_ms, writer.size_bytes)
            )
        if not self._started.done():
            self._started.set_result(None)
            _count_failure(self.show_id, None, "queue_full")

    # -- the writer's side (WriterListener; called on its thread) ----------

    def started(self, zero: float) -> None:
        """The part begins at monotonic time `zero` (its first keyframe)."""
        started_at = time.time() - (time.monotonic() - zero)
        self._call_soon(self._resolve_started, started_at)

    def finished(self, result: WriterResult) -> None:
        """The writer thread ended."""
        self._call_soon(self._resolve_finished, result)

    def wants_keyframe(self) -> None:
        """Ask the publisher for a keyframe (the broadcast rate-limits requests)."""
        self._call_soon(self._request_keyframe)

    def _call_soon(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: the process is exiting
            self._loop.call_soon_threadsafe(callback, *args)

    def _resolve_started(self, started_at: float) -> None:
        if not self._started.done():
            self._started.set_result(started_at)

    def _resolve_finished(self, result: WriterResult) -> None:
        self._detach()
        if not self._started.done():
            self._started.set_result(None)
        if not self._outcome.done():
            self._outcome.set_result(result)

    # -- the part's life -----------------------------------------------------

    async def _run(self) -> None:
        started_at = await self._started
        if started_at is None:
            return  # ended before its first keyframe: no part
        try:
            recording = await self._create_row(started_at)
        except BaseException:
            self._detach()
            self.writer.cancel()
            raise
        if recording is None:
            self._detach()
            self.writer.cancel()
            return
        self.writer.open(self._recordings.folder / recording.file_name, recording.container)
        RECORDINGS_ACTIVE.inc()
        try:
            result = await self._outcome
        finally:
            RECORDINGS_ACTIVE.dec()
        status = RecordingStatus.COMPLETE
        if result.failure is not None:
            status = RecordingStatus.FAILED
            _count_failure(self.show_id, recording.part, result.failure)
        else:
            logger.info(
                "recorded part %d of show %s: %.1f s, %d bytes",
                recording.part,
                self.show_id,
                result.duration_ms / 1000,
                result.size_bytes,
            )
        await self._recordings.store.finish(
            recording.id, status, result.duration_ms, result.size_bytes, result.failure
        )

    async def _create_row(self, started_at: float) -> Recording | None:
        """The part's row, or None when the show is not to be recorded."""
        try:
            show = await self._recordings.shows(self.show_id)
        except LivesaleError as exc:
            logger.warning("not recording show %s: %s", self.show_id, exc)
            return None
        if not show.record:
            return None
        container = container_for(self.writer.mime_type("video"))
        return await self._recordings.store.start_part(
            show.id, container, started_at, show.offset_ms(started_at)
        )


def _count_failure(show_id: str, part: int | None, reason: RecordingFailure) -> None:
    count_recording_failure(reason)
    logger.warning(
        "recording of show %s (part %s) stopped: %s; the broadcast goes on",
        show_id,
        part if part is not None else "-",
        reason,
    )


class Recordings:
    """Records the publisher sessions of this process whose shows have recording on."""

    def __init__(
        self,
        settings: RecordingSettings,
        folder: Path,
        store: RecordingStore,
        shows: ShowLookup,
        shutdown_seconds: float = SHUTDOWN_SECONDS,
    ) -> None:
        self.settings = settings
        self.folder = folder
        self.store = store
        self.shows = shows
        self._shutdown_seconds = shutdown_seconds
        self._parts: dict[str, PartRecorder] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(
        self,
        session_id: str,
        show_id: str,
        kinds: Iterable[str],
        request_keyframe: Callable[[], None],
    ) -> None:
        """A publisher session began: its part starts at its first keyframe."""
        part = PartRecorder(show_id, kinds, self, request_keyframe)
        self._parts[session_id] = part
        self._tasks.add(part.task)
        part.task.add_done_callback(self._part_done)

    def attach(self, session_id: str, track: TrackFanout) -> None:
        """A session's track is bound: tap it."""
        part = self._parts.get(session_id)
        if part is not None:
            part.attach(track)

    def stop(self, session_id: str) -> None:
        """A publisher session ended: close its part."""
        part = self._parts.pop(session_id, None)
        if part is not None:
            part.stop()

    def _part_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a recording part failed", exc_info=task.exception())

    async def close(self) -> None:
        """Close every part, waiting a bounded time for their trailers and rows."""
        for session_id in list(self._parts):
            self.stop(session_id)
        tasks = set(self._tasks)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=self._shutdown_seconds)
        for task in pending:
            logger.warning("a recording part did not close in time; it is repaired at next start")
            task.cancel()
        if pending:
            await asyncio.wait(pending)
