"""Publisher and viewer sessions: one aiortc peer connection each."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from aiortc import RTCPeerConnection

from livesale.media.broadcast import Broadcast
from livesale.media.candidates import SessionCandidates
from livesale.media.forwarder import ViewerStream

LIVE_STATES = frozenset({"new", "connecting", "connected"})


def new_session_id() -> str:
    """An unguessable session id: the WHIP/WHEP resource URL is its only credential."""
    return secrets.token_urlsafe(18)


@dataclass(eq=False)
class PublisherSession:
    """The creator's WHIP session of one show."""

    show_id: str
    pc: RTCPeerConnection
    broadcast: Broadcast
    candidates: SessionCandidates  # the remote candidates its ICE agent may check
    id: str = field(default_factory=new_session_id)
    created_at: float = field(default_factory=time.monotonic)
    ufrag: str | None = None
    pwd: str | None = field(default=None, repr=False)
    counted: bool = False  # in the publishers gauge

    @property
    def state(self) -> str:
        """aiortc's connection state."""
        return str(self.pc.connectionState)

    def is_alive(self, now: float, timeout: float, setup_timeout: float) -> bool:
        """False once the connection failed, or media stopped for `timeout` seconds."""
        state = self.state
        if state not in LIVE_STATES:
            return False
        if state != "connected":
            return now - self.created_at < setup_timeout
        return now - self.broadcast.last_packet_at < timeout


class StreamFeedback:
    """Routes a viewer's RTCP to its stream once the stream exists."""

    __slots__ = ("stream",)

    def __init__(self) -> None:
        self.stream: ViewerStream | None = None

    def retransmit(self, sequence_number: int) -> None:
        """Resend from the stream's history."""
        if self.stream is not None:
            self.stream.retransmit(sequence_number)

    def keyframe_requested(self) -> None:
        """Pass the viewer's PLI/FIR to the broadcast's rate limiter."""
        if self.stream is not None:
            self.stream.keyframe_requested()


@dataclass(eq=False)
class ViewerSession:
    """One WHEP viewer of one show."""

    show_id: str
    pc: RTCPeerConnection
    broadcast: Broadcast
    candidates: SessionCandidates  # the remote candidates its ICE agent may check
    id: str = field(default_factory=new_session_id)
    created_at: float = field(default_factory=time.monotonic)
    streams: dict[str, ViewerStream] = field(default_factory=dict)
    feedback: dict[str, StreamFeedback] = field(default_factory=dict)
    ufrag: str | None = None
    pwd: str | None = field(default=None, repr=False)
    client: str | None = None  # the viewer's address, for `max_viewers_per_address`
