"""The only module that reaches into private internals: aiortc 1.16.0, aioice and pylibsrtp 1.0.

aiortc decodes every received track and encodes every sent one. A forwarding
relay needs neither, so we hook in at three places:

* a publisher's `RTCRtpReceiver`: its decoder thread is stopped and every
  incoming RTP packet is handed to the relay before aiortc's own handling
  (which still sends NACKs, REMB and receiver reports to the publisher);
* a viewer's `RTCRtpSender`: it idles on a track that never yields, while the
  relay writes RTP straight to the viewer's SRTP session and UDP socket;
  RTCP from the viewer (NACK, PLI/FIR) is routed back to the relay;
* the sender's RTCP sender reports, which we feed with our own counters so
  browsers can sync audio and video.

And one in aioice: its handling of incoming connectivity checks, so a session
learns only a few peer-reflexive addresses.

Every hook is covered by `tests/media/test_hooks.py`, which fails loudly when
an aiortc upgrade moves these internals.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpReceiveParameters, RTCRtpSendParameters
from aiortc.rtp import (
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtpPacket,
)
from pylibsrtp._binding import ffi as srtp_ffi
from pylibsrtp._binding import lib as srtp_lib

PacketSink = Callable[[RtpPacket], None]


class IdleTrack(MediaStreamTrack):
    """A track that never yields a frame: the relay sends on the sender's behalf."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._stopped: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def recv(self) -> Any:
        """Wait until stopped, then end the sender's loop."""
        await asyncio.shield(self._stopped)
        raise MediaStreamError

    def stop(self) -> None:
        """Stop the track and release the sender's loop."""
        if not self._stopped.done():
            self._stopped.set_result(None)
        super().stop()


def tap_receiver(
    receiver: RTCRtpReceiver,
    sink: PacketSink,
    on_parameters: Callable[[RTCRtpReceiveParameters], None],
) -> None:
    """Send every RTP packet of `receiver` to `sink`, and never decode it."""
    hooked: Any = receiver  # private attributes: see the module docstring
    original_receive = hooked.receive
    original_handle = hooked._handle_rtp_packet

    async def receive(parameters: RTCRtpReceiveParameters) -> None:
        await original_receive(parameters)
        # receive() starts a decoder thread synchronously; stopping it before
        # the next await means no packet is ever queued for decoding.
        hooked._RTCRtpReceiver__stop_decoder()
        on_parameters(parameters)

    async def handle_rtp_packet(packet: RtpPacket, arrival_time_ms: int) -> None:
        # Forward first: viewers should not wait for aiortc's bookkeeping.
        sink(packet)
        await original_handle(packet, arrival_time_ms)

    hooked.receive = receive
    hooked._handle_rtp_packet = handle_rtp_packet


async def request_keyframe(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send a PLI for `media_ssrc` to the publisher behind `receiver`."""
    hooked: Any = receiver
    await hooked._send_rtcp_pli(media_ssrc)


class ViewerFeedback(Protocol):
    """What a viewer's RTCP asks of the relay."""

    def retransmit(self, sequence_number: int) -> None:
        """Resend one packet from history, if it is still there."""

    def keyframe_requested(self) -> None:
        """The viewer lost picture: ask the publisher for a keyframe."""


def on_sender_started(
    sender: RTCRtpSender, callback: Callable[[RTCRtpSendParameters], None]
) -> None:
    """Call `callback` with the negotiated parameters once `sender` has started.

    aiortc starts a sender only after its DTLS transport is connected, so this
    is the moment a viewer can be fed: the SRTP session and the parameters
    both exist. (The peer connection's "connected" event may fire earlier.)
    """
    hooked: Any = sender
    original_send = hooked.send

    async def send(parameters: RTCRtpSendParameters) -> None:
        await original_send(parameters)
        callback(parameters)

    hooked.send = send


def route_viewer_rtcp(sender: RTCRtpSender, feedback: ViewerFeedback) -> None:
    """Answer a viewer's NACK and PLI/FIR from the relay instead of an encoder."""
    hooked: Any = sender
    original = hooked._handle_rtcp_packet

    async def handle_rtcp_packet(packet: Any) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            for sequence_number in packet.lost:
                feedback.retransmit(sequence_number)
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            feedback.keyframe_requested()
        else:
            # Receiver reports keep aiortc's round-trip and loss statistics.
            await original(packet)

    hooked._handle_rtcp_packet = handle_rtcp_packet


def sender_report_updater(sender: RTCRtpSender) -> Callable[[int, int, int, int], None]:
    """Return `update(ntp, rtp_timestamp, packets, octets)` feeding the sender's RTCP SR."""

    hooked: Any = sender

    def update(ntp_timestamp: int, rtp_timestamp: int, packets: int, octets: int) -> None:
        hooked._RTCRtpSender__ntp_timestamp = ntp_timestamp
        hooked._RTCRtpSender__rtp_timestamp = rtp_timestamp
        hooked._RTCRtpSender__packet_count = packets
        hooked._RTCRtpSender__octet_count = octets

    return update


# Room for the largest RTP packet we forward plus libsrtp's trailer (auth tag).
_SRTP_BUFFER_BYTES = 2048
_SRTP_TRAILER_BYTES = 148  # libsrtp's SRTP_MAX_TRAILER_LEN


class SrtpUdpEndpoint:
    """Protect and send RTP on a connected viewer's transport, with no coroutine per packet.

    `send` is a closure, not a method: it runs once per packet per viewer, and
    closure variables are the cheapest state Python can read. It calls libsrtp
    through pylibsrtp's cffi binding directly, because `Session.protect`
    spends a third of its time copying in and out of its own buffer.
    """

    __slots__ = ("_session", "_transport", "send")

    def __init__(self, sender: RTCRtpSender) -> None:
        dtls: Any = sender.transport
        # The DTLS handshake has finished (aiortc starts senders only then), so
        # the SRTP session exists. Holding it keeps its C context alive.
        self._session: Any = dtls._tx_srtp
        self._transport: Any = None
        # aioice keeps one dict of nominated pairs for the connection's life.
        nominated: dict[int, Any] = dtls.transport._connection._nominated
        srtp_context = self._session._srtp[0]
        buffer = srtp_ffi.new("char[]", _SRTP_BUFFER_BYTES)
        view = srtp_ffi.buffer(buffer)
        length = srtp_ffi.new("int *")
        memmove = srtp_ffi.memmove
        protect = srtp_lib.srtp_protect
        limit = _SRTP_BUFFER_BYTES - _SRTP_TRAILER_BYTES
        current_pair: Any = None
        write: Callable[[bytes], object] = _not_connected

        def send(data: bytes) -> bool:
            """Send one RTP packet; False when it cannot be sent (the caller skips ahead)."""
            nonlocal current_pair, write
            pair = nominated.get(1)
            if pair is None:
                return False
            if pair is not current_pair:
                current_pair = pair
                write = self._writer_for(pair)
            size = len(data)
            if size > limit:
                return False
            memmove(buffer, data, size)
            length[0] = size
            if protect(srtp_context, buffer, length):
                return False
            try:
                write(view[0 : length[0]])
            except OSError:
                # Socket buffer full (BlockingIOError) or the viewer's port is
                # gone (ICMP unreachable on a connected socket).
                return False
            return True

        self.send: Callable[[bytes], bool] = send

    def _writer_for(self, pair: Any) -> Callable[[bytes], object]:
        """The cheapest way to send to the nominated pair's remote address.

        After nomination the pair's socket talks to one peer only, so we
        connect it: the kernel caches the route and a plain write() sends,
        with no address to convert per packet. A TURN-relayed pair has no
        socket of its own and keeps going through its transport.
        """
        transport = pair.protocol.transport
        self._transport = transport
        address = pair.remote_addr
        sock = transport.get_extra_info("socket")
        if sock is None:
            sendto = transport.sendto
            return lambda data: sendto(data, address)
        fd = sock.fileno()
        with socket.socket(fileno=os.dup(fd)) as connected:
            # The duplicate shares the socket: connecting it connects aioice's.
            connected.connect(address)
        self._transport = None  # writes bypass the transport: nothing buffers there
        return functools.partial(os.write, fd)

    def buffered_bytes(self) -> int:
        """Bytes waiting in a transport's user-space buffer (TURN-relayed pairs only)."""
        transport = self._transport
        return 0 if transport is None else int(transport.get_write_buffer_size())


def _not_connected(_data: bytes) -> object:
    """Placeholder until ICE has a nominated pair."""


# Addresses remembered per session only to count each refused one once.
_REFUSED_MEMORY = 1000


def cap_learnt_candidates(pc: Any, limit: int, on_refused: Callable[[], None]) -> None:
    """Let `pc`'s ICE agent learn at most `limit` peer-reflexive addresses (RFC 8445 7.3.1.3).

    aioice turns every new address an authenticated check arrives from into a
    remote candidate and sends it checks of its own. Signalled candidates are
    filtered before aiortc sees them (`livesale.media.candidates`); this caps
    the other way in, so a session never checks more than a few addresses.
    The check is still answered (STUN answers go to where a request came from).
    """
    for transceiver in pc.getTransceivers():
        connection: Any = transceiver.receiver.transport.transport._connection
        if getattr(connection, "_livesale_learnt_cap", None) is not None:
            continue  # bundled transceivers share one transport
        connection._livesale_learnt_cap = limit
        _cap_connection(connection, limit, on_refused)


def _cap_connection(connection: Any, limit: int, on_refused: Callable[[], None]) -> None:
    original = connection.check_incoming
    learnt = 0
    refused: set[tuple[str, int]] = set()

    def check_incoming(message: Any, addr: tuple[str, int], protocol: Any) -> None:
        nonlocal learnt
        known = any(
            c._network_host == addr[0] and c.port == addr[1] for c in connection._remote_candidates
        )
        if not known:
            if learnt >= limit:
                if addr not in refused:
                    if len(refused) < _REFUSED_MEMORY:
                        refused.add(addr)
                    on_refused()
                return
            learnt += 1
        original(message, addr, protocol)

    connection.check_incoming = check_incoming


def ice_gave_up(pc: Any) -> bool:
    """Whether aioice closed `pc`'s connection on its own (consent to send expired, RFC 7675).

    Then DTLS reports "closed" before ICE reports "failed", so the connection
    state alone would read as the client hanging up. Our own close stops the
    ICE transport first (its state is "closed"); a client's close_notify
    leaves aioice's connection open.
    """
    for transceiver in pc.getTransceivers():
        ice: Any = getattr(transceiver.receiver.transport, "transport", None)
        connection = getattr(ice, "_connection", None)
        if connection is not None and connection._closing and ice.state != "closed":
            return True
    return False


def on_state_change(pc: Any, callback: Callable[[str], Awaitable[None]]) -> None:
    """Call `callback(state)` on every connection state change of `pc`."""

    @pc.on("connectionstatechange")  # type: ignore[untyped-decorator]
    async def _changed() -> None:
        await callback(pc.connectionState)
