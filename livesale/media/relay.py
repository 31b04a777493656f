"""Builds a relay: its recordings, and the repair of the parts a crash cut short."""

from __future__ import annotations

from contextlib import AsyncExitStack

from livesale.config import Settings
from livesale.media.recording import Recordings, RecordingStore, ShowLookup
from livesale.media.recording_repair import CutPartRepair
from livesale.media.service import MediaService


def open_relay(
    settings: Settings, store: RecordingStore, shows: ShowLookup, stack: AsyncExitStack
) -> MediaService:
    """The relay of a process that records (media, or the only one); `stack` closes it."""
    # Repair what a crash cut short, in the background, whether or not recording is on now.
    repair = CutPartRepair(store, settings.recordings_dir)
    repair.start()
    stack.push_async_callback(repair.close)
    recordings = None
    if settings.recording.enabled:
        recordings = Recordings(settings.recording, settings.recordings_dir, store, shows)
    media = MediaService(settings.media, recordings)
    stack.push_async_callback(media.close)
    return media
