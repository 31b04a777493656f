"""Media session accounting: how sessions end, which layer failed, how full viewers' queues are."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Literal

from aiortc import RTCPeerConnection

from livesale.media import hooks
from livesale.media.forwarder import ViewerStream
from livesale.metrics import (
    MEDIA_VIEWER_SEND_QUEUE,
    MediaRole,
    SessionOutcome,
    count_session_end,
    count_session_failure,
)

Role = MediaRole
Outcome = SessionOutcome

SAMPLE_INTERVAL_SECONDS = 1.0


def outcome_of_state(state: str, pc: RTCPeerConnection) -> Outcome:
    """The outcome of a session whose connection became `state` ("failed" or "closed").

    "closed" that the server did not cause means the client hung up (its peer
    connection sent a DTLS close_notify, as browsers do instead of a DELETE),
    unless ICE closed it because the client stopped answering consent checks.
    """
    if state == "failed" or hooks.ice_gave_up(pc):
        return "failed"
    return "deleted"


def count_end(role: Role, outcome: Outcome, pc: RTCPeerConnection) -> None:
    """Count one session's end, and why it failed; call once per session, before `pc.close()`."""
    count_session_end(role, outcome)
    if outcome == "failed":
        count_session_failure(role, failed_layer(pc))
    elif outcome == "never_connected":
        count_session_failure(role, "timeout")


def failed_layer(pc: RTCPeerConnection) -> Literal["ice", "dtls"]:
    """Which layer failed a "failed" connection: ICE (no path, or consent lost), else DTLS."""
    return "ice" if pc.iceConnectionState == "failed" or hooks.ice_gave_up(pc) else "dtls"


class ViewerSampler:
    """Once a second, for every viewer: its send queue into the histogram, its drops counted.

    One timer for the whole process, not one per viewer; it runs only while
    there are viewers (`start` is cheap to call on every join).
    """

    def __init__(self, viewers: Callable[[], Iterable[Iterable[ViewerStream]]]) -> None:
        self._viewers = viewers  # each viewer's streams
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Sample every second from now on, unless already sampling."""
        if self._handle is None:
            self._schedule()

    def stop(self) -> None:
        """Stop sampling."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(SAMPLE_INTERVAL_SECONDS, self._sample)

    def _sample(self) -> None:
        self._handle = None
        observe = MEDIA_VIEWER_SEND_QUEUE.observe
        anyone = False
        for streams in self._viewers():
            anyone = True
            queued = -1
            for stream in streams:
                stream.flush_drops()
                # A viewer's tracks share one bundled transport: one queue per viewer.
                queued = max(queued, stream.endpoint.buffered_bytes())
            if queued >= 0:  # no stream yet means no socket to sample
                observe(queued)
        if anyone:
            self._schedule()
