"""SDP checks that run before aiortc sees client input."""

from __future__ import annotations

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from livesale.domain.errors import InvalidSdp, PayloadTooLarge
from livesale.media.sdp import decode_sdp, parse_offer, parse_trickle_fragment


async def _offer(direction: str) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction=direction)
    pc.addTransceiver("audio", direction=direction)
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


async def test_a_browser_style_offer_passes() -> None:
    offer = parse_offer(await _offer("sendonly"), publishing=True)
    assert offer.kinds == ["video", "audio"]
    assert any(c.mimeType == "video/VP8" for c in offer.codecs["video"])
    assert parse_offer(await _offer("recvonly"), publishing=False).kinds == ["video", "audio"]


async def test_wrong_direction_is_refused() -> None:
    with pytest.raises(InvalidSdp, match="cannot send"):
        parse_offer(await _offer("recvonly"), publishing=True)
    with pytest.raises(InvalidSdp, match="cannot receive"):
        parse_offer(await _offer("sendonly"), publishing=False)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "v=0\r\n",
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
        "v=0\r\nm=video x UDP 96\r\n",
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111\r\n",
        "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
    ],
)
def test_junk_is_invalid_sdp(text: str) -> None:
    with pytest.raises(InvalidSdp):
        parse_offer(text, publishing=True)


async def test_missing_ice_or_fingerprint_is_refused() -> None:
    offer = await _offer("sendonly")
    without_ice = "\r\n".join(
        line for line in offer.split("\r\n") if not line.startswith("a=ice-pwd")
    )
    with pytest.raises(InvalidSdp, match="ice"):
        parse_offer(without_ice, publishing=True)
    without_dtls = "\r\n".join(
        line for line in offer.split("\r\n") if not line.startswith("a=fingerprint")
    )
    with pytest.raises(InvalidSdp, match="fingerprint"):
        parse_offer(without_dtls, publishing=True)


def test_size_and_encoding_limits() -> None:
    with pytest.raises(PayloadTooLarge):
        decode_sdp(b"v=0\r\n" * 10, max_bytes=20)
    with pytest.raises(InvalidSdp):
        decode_sdp(b"v=0\xff\xfe", max_bytes=100)
    with pytest.raises(InvalidSdp):
        decode_sdp(b"v=0\x00", max_bytes=100)
    assert decode_sdp(b"v=0\r\n", max_bytes=100) == "v=0\r\n"


def test_trickle_fragments() -> None:
    fragment = parse_trickle_fragment(
        "a=ice-ufrag:abcd\r\na=ice-pwd:secretsecretsecretsecret\r\nm=audio 9 RTP/AVP 0\r\n"
        "a=mid:0\r\n"
        "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n"
    )
    assert fragment.ufrag == "abcd"
    assert fragment.end_of_candidates
    assert fragment.candidates == (("0", "1 1 udp 2130706431 127.0.0.1 50000 typ host"),)
    with pytest.raises(InvalidSdp):
        parse_trickle_fragment("a=candidate:nonsense\r\n")
    with pytest.raises(InvalidSdp):
        parse_trickle_fragment("hello\r\n")
