"""Recordings of live broadcasts and how a replay maps video time to the show (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RecordingStatus(StrEnum):
    """Where a recording part is in its life."""

    RECORDING = "recording"  # being written (or cut short by a crash, until repaired)
    COMPLETE = "complete"  # closed cleanly or repaired: playable and seekable
    FAILED = "failed"  # stopped by a disk or write error; what was written may still play
    DELETED = "deleted"  # the file is gone (by the creator or the retention policy)


class Container(StrEnum):
    """The file format a part is muxed into, chosen by the video codec."""

    WEBM = "webm"  # VP8 video, Opus audio
    MP4 = "mp4"  # H.264 video, Opus audio (fragmented, so a cut file still plays)

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type of the file."""
        return "video/webm" if self is Container.WEBM else "video/mp4"


def container_for(video_codec: str | None) -> Container:
    """WebM for VP8 (or audio only), MP4 for H.264."""
    if video_codec is not None and video_codec.lower() == "video/h264":
        return Container.MP4
    return Container.WEBM


@dataclass(frozen=True)
class Recording:
    """One part of a show's recording: a publisher session's frames in one file."""

    id: str
    show_id: str
    part: int
    file_name: str
    container: Container
    status: RecordingStatus
    started_at: float
    offset_ms: int
    duration_ms: int | None
    size_bytes: int | None
    error: str | None
    updated_at: float

    @property
    def playable(self) -> bool:
        """Whether the replay may offer this part."""
        return self.status in (RecordingStatus.COMPLETE, RecordingStatus.FAILED) and bool(
            self.duration_ms
        )


def recording_file_name(show_id: str, part: int, container: Container) -> str:
    """The part's file name inside the recordings folder (ids are URL-safe already)."""
    return f"{show_id}-{part:03d}.{container.value}"


def show_offset(parts: list[Recording], part: int, video_ms: int) -> int | None:
    """The show offset (ms since it went live) at `video_ms` into `part`, if it exists."""
    for recording in parts:
        if recording.part == part:
            return recording.offset_ms + video_ms
    return None
