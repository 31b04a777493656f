"""Crash repair: parts a killed process left `recording` are remuxed and closed at start-up.

A part's file is playable up to its last closed cluster or fragment, but has
no cues, duration or index. Stream copy (demux until the end or the first
damaged packet, mux into a new file of the same format) gives it those; the
copy replaces the original atomically. Nothing is decoded or encoded. Files
run on a thread of their own, so start-up and serving never wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av

from livesale.domain.recordings import Container, Recording, RecordingStatus
from livesale.media.recording import RecordingStore
from livesale.media.recording_writer import MUX_OPTIONS
from livesale.metrics import RECORDINGS_REPAIRED

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Repaired:
    """What a part's file holds after repair (`error` set: nothing could be read)."""

    duration_ms: int | None
    size_bytes: int | None
    error: str | None = None


class FileBusy(Exception):
    """Another process (or part) is still writing this file."""


def remux(path: Path, container: Container) -> Repaired:
    """Copy every readable packet of `path` into a fresh file and put it in its place."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return Repaired(None, None, "missing")
    with handle:
        try:
            # A live writer holds this lock for as long as it writes the part.
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise FileBusy(str(path)) from exc
        size = os.fstat(handle.fileno()).st_size
        temporary = path.with_name(path.name + ".repair")
        try:
            duration_ms = _copy(path, temporary, container)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            temporary.unlink(missing_ok=True)
            logger.warning("cannot repair %s: %s", path.name, exc)
            return Repaired(None, size, "unreadable")
        if duration_ms is None:
            temporary.unlink(missing_ok=True)
            return Repaired(None, size, "unreadable")
        _replace(temporary, path)
        return Repaired(duration_ms, path.stat().st_size)


def _copy(source: Path, target: Path, container: Container) -> int | None:
    """Stream-copy `source` into `target`; the duration copied, or None if no packet was."""
    end = 0
    copied = 0
    with av.open(str(source)) as reader:
        streams = [s for s in reader.streams if s.type in ("video", "audio")]
        if not streams:
            return None
        with av.open(
            str(target), "w", format=container.value, container_options=MUX_OPTIONS[container]
        ) as writer:
            outputs: dict[int, Any] = {
                s.index: writer.add_stream_from_template(s, opaque=True) for s in streams
            }
            # A cut file ends in the middle of a cluster or fragment: keep what reads.
            with contextlib.suppress(av.error.FFmpegError):
                for packet in reader.demux(*streams):
                    if packet.dts is None or packet.pts is None:
                        continue  # the demuxer's end-of-stream marker
                    source_stream = packet.stream
                    packet.stream = outputs[source_stream.index]
                    time_base = packet.time_base or source_stream.time_base or Fraction(1, 1000)
                    finish = packet.pts + (packet.duration or 0)
                    end = max(end, int(finish * time_base * 1000))
                    writer.mux(packet)
                    copied += 1
    return end if copied else None


def _replace(temporary: Path, path: Path) -> None:
    """Put the repaired file in place atomically, durable across a power cut."""
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


async def in_thread(function: Callable[[], T]) -> T:
    """Run `function` on a daemon thread of its own (never delaying the loop's shutdown)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def resolve(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result = function()
        except BaseException as exc:
            outcome: tuple[T | None, BaseException | None] = (None, exc)
        else:
            outcome = (result, None)
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(resolve, *outcome)

    threading.Thread(target=run, name="recording-repair", daemon=True).start()
    return await future


async def repair_cut_parts(store: RecordingStore, folder: Path, before: float) -> int:
    """Repair the parts started before `before` that are still `recording`; returns how many."""
    repaired = 0
    for part in await store.with_status(RecordingStatus.RECORDING):
        if part.started_at >= before:
            continue  # this process is writing it
        repaired += await _repair(store, folder, part)
    return repaired


async def _repair(store: RecordingStore, folder: Path, part: Recording) -> int:
    path = folder / part.file_name
    try:
        result = await in_thread(lambda: remux(path, part.container))
    except FileBusy:
        logger.info("part %d of show %s is being written elsewhere", part.part, part.show_id)
        return 0
    if result.error is not None:
        logger.warning(
            "part %d of show %s was cut by a crash and is %s",
            part.part,
            part.show_id,
            result.error,
        )
        await store.finish(part.id, RecordingStatus.FAILED, None, result.size_bytes, result.error)
        return 0
    await store.finish(part.id, RecordingStatus.COMPLETE, result.duration_ms, result.size_bytes)
    RECORDINGS_REPAIRED.inc()
    logger.info(
        "repaired part %d of show %s, cut by a crash: %.1f s",
        part.part,
        part.show_id,
        (result.duration_ms or 0) / 1000,
    )
    return 1


class CutPartRepair:
    """Runs `repair_cut_parts` once in the background of a starting process."""

    def __init__(self, store: RecordingStore, folder: Path) -> None:
        self._store = store
        self._folder = folder
        self._task: asyncio.Task[int] | None = None

    def start(self) -> None:
        """Begin; serving does not wait for it."""
        self._task = asyncio.create_task(
            repair_cut_parts(self._store, self._folder, time.time()), name="recording-repair"
        )
        self._task.add_done_callback(_log_failure)

    async def wait(self) -> int:
        """The number of parts repaired, once done."""
        assert self._task is not None
        return await self._task

    async def close(self) -> None:
        """Stop waiting for a repair in progress (an unfinished part is repaired next time)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("repairing recordings failed", exc_info=task.exception())
