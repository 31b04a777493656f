"""Media sessions of every show in this process: WHIP publishers and WHEP viewers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aiortc import (
    RTCIceCandidate,
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCSessionDescription,
)
from aiortc.rtcpeerconnection import is_codec_compatible
from aiortc.rtcrtpparameters import (
    RTCRtpCodecParameters,
    RTCRtpReceiveParameters,
    RTCRtpSendParameters,
)
from aiortc.sdp import SessionDescription, candidate_from_sdp

from livesale.config import MediaSettings
from livesale.domain.errors import (
    CapacityReached,
    IceRestartUnsupported,
    InvalidSdp,
    PublisherExists,
    SessionNotFound,
    ShowNotLive,
    TooManyRequests,
    UnsupportedCodec,
)
from livesale.media import hooks
from livesale.media.broadcast import Broadcast, TrackCodec
from livesale.media.candidates import CandidatePolicy, SessionCandidates, parse_candidate
from livesale.media.forwarder import ViewerStream
from livesale.media.ice import server_rtc_configuration
from livesale.media.recording import Recordings
from livesale.media.sdp import TrickleFragment, parse_offer
from livesale.media.session_metrics import Outcome, ViewerSampler, count_end, outcome_of_state
from livesale.media.sessions import PublisherSession, StreamFeedback, ViewerSession
from livesale.metrics import (
    MEDIA_PUBLISHERS,
    MEDIA_VIEWERS,
    count_candidate_refused,
    count_session_started,
)
from livesale.process_tuning import note_garbage

logger = logging.getLogger(__name__)

MID_EXTENSION_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
# What a closed aiortc peer connection leaves for the cycle collector, measured.
PEER_CONNECTION_BYTES = 256 * 1024
_RTX = RTCRtpCodecCapability(mimeType="video/rtx", clockRate=90000)
_VP8 = RTCRtpCodecCapability(mimeType="video/VP8", clockRate=90000)
_OPUS = RTCRtpCodecCapability(mimeType="audio/opus", clockRate=48000, channels=2)
_H264 = [
    RTCRtpCodecCapability(
        mimeType="video/H264",
        clockRate=90000,
        parameters={
            "level-asymmetry-allowed": "1",
            "packetization-mode": "1",
            "profile-level-id": profile,
        },
    )
    for profile in ("42e01f", "42001f")
]

PublisherListener = Callable[[str, bool], Awaitable[None]]


@dataclass(frozen=True)
class SessionAnswer:
    """What a WHIP/WHEP POST returns: the session id and the SDP answer."""

    session_id: str
    answer_sdp: str


class MediaService:
    """Owns every peer connection of this process and the broadcasts they feed."""

    def __init__(self, settings: MediaSettings, recordings: Recordings | None = None) -> None:
        self.settings = settings
        self._recordings = recordings  # None: this process records nothing
        self._rtc_config = server_rtc_configuration(settings)
        self._candidate_policy = CandidatePolicy(settings.allow_private_candidates)
        self._broadcasts: dict[str, Broadcast] = {}
        self._publishers: dict[str, PublisherSession] = {}
        self._viewers: dict[str, ViewerSession] = {}
        self._negotiating: dict[str, ViewerSession] = {}  # offers being answered
        self._timers: set[asyncio.TimerHandle] = set()
        self._sampler = ViewerSampler(self._viewer_streams)
        self._closing = False
        self._pc_closes: set[RTCPeerConnection] = set()  # peer connections closing now

    # -- queries -----------------------------------------------------------

    def is_live(self, show_id: str) -> bool:
        """True while a healthy publisher sends media for `show_id`."""
        publisher = self._publishers.get(show_id)
        return publisher is not None and publisher.state == "connected" and self._alive(publisher)

    def holds_publisher(self, show_id: str) -> bool:
        """True while `show_id` has a publisher here that sends media or is still connecting."""
        publisher = self._publishers.get(show_id)
        return publisher is not None and self._alive(publisher)

    def viewer_count(self, show_id: str | None = None) -> int:
        """Viewer sessions of one show, or of the whole process."""
        if show_id is None:
            return len(self._viewers)
        return sum(1 for v in self._viewers.values() if v.show_id == show_id)

    def broadcast(self, show_id: str) -> Broadcast | None:
        """The relay state of a show, if it has been published to."""
        return self._broadcasts.get(show_id)

    def peer_connection_count(self) -> int:
        """Open peer connections (publishers and viewers)."""
        return len(self._publishers) + len(self._viewers)

    # -- publishing --------------------------------------------------------

    async def publish(self, show_id: str, offer_sdp: str) -> SessionAnswer:
        """Accept a WHIP offer; replaces a dead publisher, refuses a live one."""
        offer = parse_offer(offer_sdp, publishing=True)
        existing = self._publishers.get(show_id)
        if existing is not None:
            if self._alive(existing):
                raise PublisherExists(
                    "this show already has a live publisher; end it first or wait until it "
                    f"has been silent for {self.settings.publisher_timeout_seconds:g} s"
                )
            await self._close_publisher(existing, "replaced")
        broadcast = self._broadcasts.get(show_id)
        if broadcast is None:
            broadcast = Broadcast(show_id, self.settings.keyframe_request_interval_seconds)
            self._broadcasts[show_id] = broadcast
        elif broadcast.viewer_count() == 0:
            # Nobody depends on the old codecs: let the new publisher choose.
            broadcast.tracks.clear()
        candidates = self._session_candidates()
        offer_sdp = candidates.filter_sdp(offer_sdp)
        pc = RTCPeerConnection(self._rtc_config)
        session = PublisherSession(
            show_id=show_id, pc=pc, broadcast=broadcast, candidates=candidates
        )
        try:
            for kind in offer.kinds:
                transceiver = pc.addTransceiver(kind, direction="recvonly")
                transceiver.setCodecPreferences(
                    self._publisher_codecs(kind, broadcast, offer.codecs[kind])
                )
                self._tap(session, kind, transceiver.receiver)
            answer = await self._negotiate(pc, offer_sdp, "publisher")
        except BaseException:
            await self._close_pc(pc)
            raise
        session.ufrag, session.pwd = _ice_credentials(offer_sdp)
        broadcast.new_publisher()
        self._publishers[show_id] = session
        session.counted = True
        MEDIA_PUBLISHERS.inc()
        count_session_started("publisher")
        hooks.on_state_change(pc, lambda state: self._publisher_state(session, state))
        self._expire_if_not_connected(
            session.pc, lambda: self._close_publisher(session, "never_connected")
        )
        if self._recordings is not None:
            # A new session, a new part: a reconnecting creator's show gets part 2, 3, ...
            self._recordings.start(session.id, show_id, offer.kinds, broadcast.request_keyframe)
        logger.info("publisher %s connected to show %s", session.id, show_id)
        return SessionAnswer(session.id, answer)

    def _publisher_codecs(
        self, kind: str, broadcast: Broadcast, offered: list[RTCRtpCodecParameters]
    ) -> list[RTCRtpCodecCapability]:
        """Exactly one codec (and its RTX): the relay forwards one payload format."""
        established = broadcast.codec_for(kind)
        if established is not None:
            # Viewers are decoding this codec: a reconnecting publisher must keep it.
            candidates = [_capability(established)]
        elif kind == "audio":
            candidates = [_OPUS]
        else:
            candidates = [_VP8, *(_H264 if self.settings.h264 else [])]
        chosen = next(
            (
                c
                for c in candidates
                if any(is_codec_compatible(_as_parameters(c), o) for o in offered)
            ),
            None,
        )
        if chosen is None:
            # Let aiortc's negotiation fail and report the codecs we take.
            chosen = candidates[0]
        return [chosen, *([_RTX] if kind == "video" else [])]

    def _tap(self, session: PublisherSession, kind: str, receiver: Any) -> None:
        sink: list[Callable[[Any], None]] = [_drop]

        def on_parameters(parameters: RTCRtpReceiveParameters) -> None:
            if self._publishers.get(session.show_id) is not session:
                return
            primary, rtx_payload_type = _primary_codec(parameters.codecs)
            codec = TrackCodec(
                kind=kind,
                mime_type=primary.mimeType,
                clock_rate=primary.clockRate,
                channels=primary.channels,
                parameters=tuple(sorted((k, str(v)) for k, v in primary.parameters.items())),
            )
            assert primary.payloadType is not None  # negotiated codecs always have one
            sink[0] = session.broadcast.attach_publisher_track(
                codec, primary.payloadType, rtx_payload_type, receiver
            )
            if self._recordings is not None:
                self._recordings.attach(session.id, session.broadcast.tracks[kind])

        hooks.tap_receiver(receiver, lambda packet: sink[0](packet), on_parameters)

    async def _publisher_state(self, session: PublisherSession, state: str) -> None:
        if state in ("failed", "closed") and self._publishers.get(session.show_id) is session:
            # Keep the broadcast and its viewers: the creator may publish again.
            session.broadcast.publisher_gone()
            self._stop_recording(session)
            self._count_end(session, outcome_of_state(state, session.pc))
            logger.info("publisher %s of show %s is %s", session.id, session.show_id, state)
            if state == "failed":
                await self._close_pc(session.pc)

    async def end_publisher(self, show_id: str, session_id: str) -> None:
        """WHIP DELETE: end the broadcast and every viewer session of the show."""
        session = self._publishers.get(show_id)
        if session is None or session.id != session_id:
            raise SessionNotFound("no such publishing session")
        await self._end_broadcast(show_id, "deleted", "broadcast_ended")

    async def end_broadcast(self, show_id: str) -> None:
        """Close the publisher and all viewers of `show_id`."""
        await self._end_broadcast(show_id, "broadcast_ended", "broadcast_ended")

    async def disconnect_publisher(self, show_id: str) -> bool:
        """Hang up the show's publisher but keep the broadcast; False when there was none.

        For a rotated stream key: whoever published with the old key is cut off,
        viewers stay connected and resume when the creator publishes again (with
        the new key), as after a dropped connection.
        """
        session = self._publishers.get(show_id)
        if session is None:
            return False
        logger.info("publisher %s of show %s disconnected: key rotated", session.id, show_id)
        await self._close_publisher(session, "key_rotated")
        return True

    async def _end_broadcast(
        self, show_id: str, publisher_outcome: Outcome, viewer_outcome: Outcome
    ) -> None:
        session = self._publishers.get(show_id)
        if session is not None:
            await self._close_publisher(session, publisher_outcome)
        viewers = [v for v in self._viewers.values() if v.show_id == show_id]
        await asyncio.gather(*(self._close_viewer(v, viewer_outcome) for v in viewers))
        broadcast = self._broadcasts.pop(show_id, None)
        if broadcast is not None:
            broadcast.close()

    async def _close_publisher(self, session: PublisherSession, outcome: Outcome) -> None:
        if self._publishers.get(session.show_id) is session:
            del self._publishers[session.show_id]
            session.broadcast.publisher_gone()
        self._stop_recording(session)
        self._count_end(session, outcome)
        await self._close_pc(session.pc)

    def _stop_recording(self, session: PublisherSession) -> None:
        """Close the session's recording part, if it has one (writing ends off the loop)."""
        if self._recordings is not None:
            self._recordings.stop(session.id)

    def _count_end(self, session: PublisherSession, outcome: Outcome) -> None:
        """Count a publisher's end once, however it ends: out of the gauge, into the outcomes."""
        if session.counted:
            session.counted = False
            MEDIA_PUBLISHERS.dec()
            count_end("publisher", outcome, session.pc)

    def _alive(self, session: PublisherSession) -> bool:
        return session.is_alive(
            time.monotonic(),
            self.settings.publisher_timeout_seconds,
            self.settings.session_setup_timeout_seconds,
        )

    # -- viewing -----------------------------------------------------------

    async def view(self, show_id: str, offer_sdp: str, client: str | None = None) -> SessionAnswer:
        """Accept a WHEP offer for a live show from `client` (its address, when known)."""
        kinds = parse_offer(offer_sdp, publishing=False).kinds
        publisher = self._publishers.get(show_id)
        broadcast = self._broadcasts.get(show_id)
        if publisher is None or broadcast is None or not self.is_live(show_id):
            raise ShowNotLive("the show is not live right now")
        if not broadcast.tracks:
            # DTLS is up but aiortc has not started the publisher's receivers yet.
            raise ShowNotLive("the show is starting; try again in a moment")
        self._check_viewer_caps(show_id, client)
        candidates = self._session_candidates()
        offer_sdp = candidates.filter_sdp(offer_sdp)
        pc = RTCPeerConnection(self._rtc_config)
        session = ViewerSession(
            show_id=show_id, pc=pc, broadcast=broadcast, client=client, candidates=candidates
        )
        # The session holds its seat while its answer is made: offers arriving
        # together must not all pass the caps before any of them is counted.
        self._negotiating[session.id] = session
        senders: dict[str, Any] = {}
        try:
            for kind in kinds:
                codec = broadcast.codec_for(kind)
                if codec is None:
                    continue  # the publisher sends no such track: that m-line goes inactive
                transceiver = pc.addTransceiver(hooks.IdleTrack(kind), direction="sendonly")
                transceiver.setCodecPreferences(
                    [_capability(codec), *([_RTX] if kind == "video" else [])]
                )
                sender = transceiver.sender
                senders[kind] = sender
                feedback = session.feedback[kind] = StreamFeedback()
                hooks.route_viewer_rtcp(sender, feedback)
                hooks.on_sender_started(sender, self._stream_starter(session, kind, sender))
            if not senders:
                raise UnsupportedCodec("the offer asks for no track this show sends")
            answer = await self._negotiate(pc, offer_sdp, "viewer", broadcast)
        except BaseException:
            await self._close_pc(pc)
            raise
        finally:
            del self._negotiating[session.id]
        session.ufrag, session.pwd = _ice_credentials(offer_sdp)
        self._viewers[session.id] = session
        MEDIA_VIEWERS.inc()
        count_session_started("viewer")
        self._sampler.start()

        async def on_state(state: str) -> None:
            if state in ("failed", "closed"):
                await self._close_viewer(session, outcome_of_state(state, pc))

        hooks.on_state_change(pc, on_state)
        self._expire_if_not_connected(pc, lambda: self._close_viewer(session, "never_connected"))
        return SessionAnswer(session.id, answer)

    def _check_viewer_caps(self, show_id: str, client: str | None) -> None:
        """Raise when the show, this process or the client's address has no seat left."""
        seated = [*self._viewers.values(), *self._negotiating.values()]
        if sum(1 for v in seated if v.show_id == show_id) >= self.settings.max_viewers_per_show:
            raise CapacityReached(
                "this show has reached its viewer limit",
                limit=self.settings.max_viewers_per_show,
            )
        if len(seated) >= self.settings.max_viewers_per_process:
            raise CapacityReached(
                "this server has reached its viewer limit",
                limit=self.settings.max_viewers_per_process,
            )
        per_address = self.settings.max_viewers_per_address
        # One address must not take every seat: each offer costs a peer connection
        # and its sockets until it connects or `session_setup_timeout_seconds` passes.
        if client and per_address and sum(1 for v in seated if v.client == client) >= per_address:
            raise TooManyRequests(
                "too many viewer sessions from your address; end one first",
                limit=per_address,
            )

    def _stream_starter(
        self, session: ViewerSession, kind: str, sender: Any
    ) -> Callable[[RTCRtpSendParameters], None]:
        def start(params: RTCRtpSendParameters) -> None:
            broadcast = session.broadcast
            if self._viewers.get(session.id) is not session or kind not in broadcast.tracks:
                return  # the session ended while DTLS was completing
            payload_type = params.codecs[0].payloadType
            assert payload_type is not None  # negotiated codecs always have one
            mid_id = next(
                (e.id for e in params.headerExtensions if e.uri == MID_EXTENSION_URI), None
            )
            stream = ViewerStream(
                hooks.SrtpUdpEndpoint(sender),
                ssrc=sender._ssrc,
                payload_type=payload_type,
                clock_rate=params.codecs[0].clockRate,
                mid=params.muxId,
                mid_extension_id=mid_id,
                keep_history=kind == "video",
                buffer_limit=self.settings.viewer_buffer_bytes,
                on_keyframe_needed=broadcast.request_keyframe,
                sender_report=hooks.sender_report_updater(sender),
            )
            session.streams[kind] = stream
            session.feedback[kind].stream = stream
            broadcast.add_stream(kind, stream)

        return start

    async def end_viewer(self, show_id: str, session_id: str) -> None:
        """WHEP DELETE: end one viewer session."""
        session = self._viewers.get(session_id)
        if session is None or session.show_id != show_id:
            raise SessionNotFound("no such viewing session")
        await self._close_viewer(session, "deleted")

    async def _close_viewer(self, session: ViewerSession, outcome: Outcome) -> None:
        # Only the first close of a session counts: closing the peer connection
        # below fires its "closed" state, which calls this again.
        if self._viewers.get(session.id) is session:
            del self._viewers[session.id]
            MEDIA_VIEWERS.dec()
            count_end("viewer", outcome, session.pc)
        for kind, stream in session.streams.items():
            stream.flush_drops()
            session.broadcast.remove_stream(kind, stream)
        session.streams.clear()
        for feedback in session.feedback.values():
            feedback.stream = None
        await self._close_pc(session.pc)

    # -- shared ------------------------------------------------------------

    async def _close_pc(self, pc: RTCPeerConnection) -> None:
        """Close `pc`; until it is closed, `close()` waits for it too.

        A session ending by itself (the peer hung up, ICE failed) closes its
        connection from a state-change task that no one else awaits; a server
        stopping meanwhile must not leave it half-closed with its sockets open.
        """
        self._pc_closes.add(pc)
        try:
            await pc.close()
        finally:
            self._pc_closes.discard(pc)

    async def _negotiate(
        self, pc: RTCPeerConnection, offer_sdp: str, role: str, broadcast: Broadcast | None = None
    ) -> str:
        hooks.cap_learnt_candidates(
            pc,
            self.settings.max_remote_candidates,
            lambda: count_candidate_refused("too_many"),
        )
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except Exception as exc:
            # aiortc raises OperationError when no codec is common, and
            # assorted errors for offers its parser let through.
            if "send parameters" in str(exc) or "receive parameters" in str(exc):
                names = (
                    ", ".join(t.codec.mime_type for t in broadcast.tracks.values())
                    if broadcast is not None
                    else "VP8 or H.264 (constrained baseline) with Opus"
                )
                raise UnsupportedCodec(
                    f"the {role}'s offer has no codec the relay can use; it needs {names}"
                ) from exc
            raise InvalidSdp("the offer could not be applied") from exc
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        for transceiver in pc.getTransceivers():
            for local in transceiver.receiver.transport.transport.iceGatherer.getLocalCandidates():
                if local.type == "srflx":
                    # The relay's public address behind a NAT: no interface shows it.
                    self._candidate_policy.local.learn(local.ip)
        return str(pc.localDescription.sdp)

    def _session_candidates(self) -> SessionCandidates:
        """A new session's record of the remote candidates it accepts."""
        return SessionCandidates(self._candidate_policy, self.settings.max_remote_candidates)

    async def add_candidates(
        self, show_id: str, session_id: str, fragment: TrickleFragment, publishing: bool
    ) -> None:
        """Trickle ICE (RFC 8840 fragment): add the client's late candidates."""
        session: PublisherSession | ViewerSession | None
        if publishing:
            session = self._publishers.get(show_id)
            if session is not None and session.id != session_id:
                session = None
        else:
            session = self._viewers.get(session_id)
            if session is not None and session.show_id != show_id:
                session = None
        if session is None:
            raise SessionNotFound("no such session")
        if (fragment.ufrag and fragment.ufrag != session.ufrag) or (
            fragment.pwd and not fragment.ufrag
        ):
            raise IceRestartUnsupported("ICE restarts are not supported; start a new session")
        if fragment.pwd and session.pwd and fragment.pwd != session.pwd:
            # RFC 8839: a new password comes only with a new ufrag (a restart).
            raise InvalidSdp(
                "a=ice-pwd does not match this session's; an ICE restart needs a new ufrag"
            )
        transceivers = session.pc.getTransceivers()
        default_mid = transceivers[0].mid if transceivers else None
        admitted = session.candidates
        for mid, line in fragment.candidates:
            if admitted.admit(parse_candidate(line)) is not None:
                continue  # dropped and counted; the client's own checks may still connect
            candidate: RTCIceCandidate = candidate_from_sdp(line)
            candidate.sdpMid = mid or default_mid
            await session.pc.addIceCandidate(candidate)
        if fragment.end_of_candidates and not admitted.refused_any:
            # After a refusal, end-of-candidates would let aioice give up before
            # the client's own checks reveal its address (see filter_sdp).
            await session.pc.addIceCandidate(None)

    def _expire_if_not_connected(
        self, pc: RTCPeerConnection, close: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        """Close a session whose ICE/DTLS never completes, so no connection leaks."""
        loop = asyncio.get_running_loop()

        def check() -> None:
            self._timers.discard(handle)
            if pc.connectionState != "connected" and not self._closing:
                task = loop.create_task(close())
                task.add_done_callback(_log_failure)

        handle = loop.call_later(self.settings.session_setup_timeout_seconds, check)
        self._timers.add(handle)

        @pc.on("connectionstatechange")
        def _closed() -> None:
            # A session hung up before the timeout lets its peer connection go now:
            # the pending timer would keep it (~250 KB) alive until then, so WHEP
            # POST + DELETE in a loop could pile up memory past the viewer caps.
            if pc.connectionState == "closed":
                handle.cancel()
                self._timers.discard(handle)
                # Frozen by the GC policy if it lived a few seconds: many of these
                # (viewers leaving a big show) bring the next full pass forward.
                note_garbage(PEER_CONNECTION_BYTES)

    def _viewer_streams(self) -> Iterator[Iterable[ViewerStream]]:
        """Each viewer's streams, for the once-a-second sampler."""
        return (session.streams.values() for session in self._viewers.values())

    async def close(self) -> None:
        """Close every peer connection (server shutdown).

        `pc.close()` sends each peer a DTLS close_notify, so browsers and
        other clients see the session end now, not when ICE consent runs out.
        """
        self._closing = True
        self._sampler.stop()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        await asyncio.gather(
            *(self._end_broadcast(s, "shutdown", "shutdown") for s in list(self._broadcasts))
        )
        # Sessions of no broadcast should not exist; close them all the same.
        await asyncio.gather(
            *(self._close_viewer(v, "shutdown") for v in list(self._viewers.values()))
        )
        await asyncio.gather(
            *(self._close_publisher(p, "shutdown") for p in list(self._publishers.values()))
        )
        # Sessions that ended by themselves just before may still be closing.
        # (A second close() of a peer connection waits for the first to finish.)
        await asyncio.gather(*(pc.close() for pc in list(self._pc_closes)))
        if self._recordings is not None:
            # Bounded: the parts' trailers are written before the process exits.
            await self._recordings.close()


def _capability(codec: TrackCodec) -> RTCRtpCodecCapability:
    return RTCRtpCodecCapability(
        mimeType=codec.mime_type,
        clockRate=codec.clock_rate,
        channels=codec.channels,
        parameters=dict(codec.parameters),
    )


def _as_parameters(capability: RTCRtpCodecCapability) -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(
        mimeType=capability.mimeType,
        clockRate=capability.clockRate,
        channels=capability.channels,
        parameters=dict(capability.parameters),
    )


def _primary_codec(codecs: list[RTCRtpCodecParameters]) -> tuple[RTCRtpCodecParameters, int | None]:
    primary = next(c for c in codecs if c.mimeType.lower() != "video/rtx")
    rtx = next(
        (
            c.payloadType
            for c in codecs
            if c.mimeType.lower() == "video/rtx" and c.parameters.get("apt") == primary.payloadType
        ),
        None,
    )
    return primary, rtx


def _ice_credentials(sdp: str) -> tuple[str | None, str | None]:
    description = SessionDescription.parse(sdp)
    for media in description.media:
        if media.ice is not None and media.ice.usernameFragment:
            return str(media.ice.usernameFragment), media.ice.password
    return None, None


def _drop(_packet: Any) -> None:
    """Packets before the track's parameters are known have nowhere to go."""


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("closing a session failed", exc_info=task.exception())
