"""Loud failures if an aiortc upgrade moves the private internals the relay hooks into."""

from __future__ import annotations

import inspect

import aiortc
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.rtcdtlstransport import RTCDtlsTransport

from livesale.media.hooks import IdleTrack


def test_aiortc_version_is_the_pinned_one() -> None:
    assert aiortc.__version__ == "1.16.0", "re-check livesale/media/hooks.py, then re-pin"


def test_receiver_internals_exist() -> None:
    assert hasattr(RTCRtpReceiver, "_handle_rtp_packet")
    assert hasattr(RTCRtpReceiver, "_RTCRtpReceiver__stop_decoder")
    assert hasattr(RTCRtpReceiver, "_send_rtcp_pli")
    params = inspect.signature(RTCRtpReceiver._handle_rtp_packet).parameters
    assert list(params) == ["self", "packet", "arrival_time_ms"]


def test_sender_internals_exist() -> None:
    assert hasattr(RTCRtpSender, "_handle_rtcp_packet")
    source = inspect.getsource(RTCRtpSender.__init__)
    for name in ("__ntp_timestamp", "__rtp_timestamp", "__packet_count", "__octet_count"):
        assert f"self.{name}" in source, name
    assert "self._ssrc" in source


def test_transport_internals_exist() -> None:
    source = inspect.getsource(RTCDtlsTransport)
    assert "self._tx_srtp" in source
    assert "self._rx_srtp" in source
    import aioice

    assert "_nominated" in inspect.getsource(aioice.Connection.__init__)
    # ice_gave_up: aioice marks a connection it is closing, and ICE keeps its `_connection`.
    assert "self._closing = True" in inspect.getsource(aioice.Connection.close)
    from aiortc.rtcicetransport import RTCIceTransport

    assert "self._connection" in inspect.getsource(RTCIceTransport.__init__)


def test_ice_check_internals_exist() -> None:
    import aioice

    # cap_learnt_candidates: every incoming check goes through the instance's
    # check_incoming (requests and early checks alike), which learns from
    # `_remote_candidates` keyed by `_network_host` and port.
    params = inspect.signature(aioice.Connection.check_incoming).parameters
    assert list(params) == ["self", "message", "addr", "protocol"]
    assert "self.check_incoming(" in inspect.getsource(aioice.Connection.request_received)
    assert "self.check_incoming(*early_check)" in inspect.getsource(aioice.Connection.connect)
    assert "self._remote_candidates: list[Candidate]" in inspect.getsource(
        aioice.Connection.__init__
    )
    assert "c._network_host == addr[0]" in inspect.getsource(aioice.Connection.check_incoming)


async def test_idle_track_ends_the_senders_loop_when_stopped() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    track = IdleTrack("video")
    pc.addTrack(track)
    track.stop()
    assert track.readyState == "ended"
    await pc.close()


def test_pylibsrtp_internals_exist() -> None:
    import os

    import pylibsrtp
    from pylibsrtp._binding import ffi, lib

    assert pylibsrtp.__version__ == "1.0.0"
    session = pylibsrtp.Session(
        policy=pylibsrtp.Policy(key=os.urandom(30), ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND)
    )
    packet = bytes([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7]) + b"payload"
    buffer = ffi.new("char[]", 256)
    length = ffi.new("int *")
    ffi.memmove(buffer, packet, len(packet))
    length[0] = len(packet)
    assert lib.srtp_protect(session._srtp[0], buffer, length) == 0
    assert length[0] > len(packet)
