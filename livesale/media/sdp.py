"""Checks on client SDP before it reaches aiortc, whose parser accepts almost anything."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.sdp import SessionDescription

from livesale.domain.errors import InvalidSdp, PayloadTooLarge
from livesale.media.candidates import parse_candidate

_SEND_DIRECTIONS = frozenset({"sendonly", "sendrecv"})
_RECV_DIRECTIONS = frozenset({"recvonly", "sendrecv"})
# RFC 8839 section 5.4: ice-ufrag = 4*256ice-char, ice-pwd = 22*256ice-char,
# ice-char = ALPHA / DIGIT / "+" / "/". The ufrag goes into every STUN request
# the relay sends, so nothing else may reach a packet through it.
_UFRAG = re.compile(r"[A-Za-z0-9+/]{4,256}")
_PWD = re.compile(r"[A-Za-z0-9+/]{22,256}")


def decode_sdp(body: bytes, max_bytes: int) -> str:
    """Decode an SDP body, enforcing the size cap."""
    if len(body) > max_bytes:
        raise PayloadTooLarge(
            f"SDP is {len(body)} bytes; the limit is {max_bytes}", limit=max_bytes
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSdp("SDP is not valid UTF-8") from exc
    if "\x00" in text:
        raise InvalidSdp("SDP contains NUL bytes")
    return text


@dataclass(frozen=True)
class Offer:
    """What the relay needs from a validated offer."""

    kinds: list[str]
    codecs: dict[str, list[RTCRtpCodecParameters]]


def check_ice_credentials(ufrag: str | None, pwd: str | None) -> None:
    """InvalidSdp unless each credential given matches RFC 8839's grammar."""
    if ufrag is not None and not _UFRAG.fullmatch(ufrag):
        raise InvalidSdp("a=ice-ufrag must be 4 to 256 letters, digits, '+' or '/'")
    if pwd is not None and not _PWD.fullmatch(pwd):
        raise InvalidSdp("a=ice-pwd must be 22 to 256 letters, digits, '+' or '/'")


# One check per kind of SDP line, in one pass: split up, the accepted grammar would scatter.
def parse_offer(text: str, *, publishing: bool) -> Offer:  # noqa: C901
    """Validate an SDP offer; return its media kinds in order and their codecs."""
    if not text.startswith("v=0"):
        raise InvalidSdp("SDP must start with v=0")
    for line in text.splitlines():
        # Every credential line, not only the one aiortc keeps of several.
        if line.startswith("a=ice-ufrag:"):
            check_ice_credentials(line[len("a=ice-ufrag:") :], None)
        elif line.startswith("a=ice-pwd:"):
            check_ice_credentials(None, line[len("a=ice-pwd:") :])
        elif line.startswith("a=candidate:"):
            parse_candidate(line[len("a=candidate:") :])
    try:
        description = SessionDescription.parse(text)
    except Exception as exc:  # aiortc's parser raises assorted types on junk
        raise InvalidSdp("SDP could not be parsed") from exc
    if not description.media:
        raise InvalidSdp("SDP offer has no media sections")
    kinds: list[str] = []
    codecs: dict[str, list[RTCRtpCodecParameters]] = {}
    mids: list[str] = []
    wanted = _SEND_DIRECTIONS if publishing else _RECV_DIRECTIONS
    for index, media in enumerate(description.media):
        # aiortc finds transceivers by mid and crashes (not an error we can map)
        # answering sections without one, or two with the same one.
        if not media.rtp.muxId or media.rtp.muxId in mids:
            raise InvalidSdp(f"m-line {index}: needs an a=mid of its own")
        mids.append(media.rtp.muxId)
        if media.kind not in ("audio", "video"):
            raise InvalidSdp(f"m-line {index}: only audio and video are supported", kind=media.kind)
        if media.kind in kinds:
            raise InvalidSdp(f"m-line {index}: at most one {media.kind} section is supported")
        if media.ice is None or not media.ice.usernameFragment or not media.ice.password:
            raise InvalidSdp(f"m-line {index}: missing a=ice-ufrag / a=ice-pwd")
        if media.dtls is None or not media.dtls.fingerprints:
            raise InvalidSdp(f"m-line {index}: missing a=fingerprint")
        if not media.rtp.codecs:
            raise InvalidSdp(f"m-line {index}: no codecs (a=rtpmap)")
        for codec in media.rtp.codecs:
            # RTP has 7 bits for it; aiortc would put a bigger one in its answer and crash.
            if codec.payloadType is None or not 0 <= codec.payloadType <= 127:
                raise InvalidSdp(f"m-line {index}: payload type {codec.payloadType} is not 0-127")
        # aiortc cannot answer a section without a direction attribute (browsers send one).
        direction = media.direction
        if direction is None:
            raise InvalidSdp(f"m-line {index}: missing a direction (a=sendonly, a=recvonly...)")
        if direction not in wanted:
            verb = "send" if publishing else "receive"
            raise InvalidSdp(
                f"m-line {index}: direction {direction} cannot {verb} media here",
                direction=direction,
            )
        kinds.append(media.kind)
        codecs[media.kind] = list(media.rtp.codecs)
    for group in description.group:
        # A BUNDLE naming an unknown mid leaves aiortc's transceivers without a transport.
        if group.semantic == "BUNDLE" and not set(map(str, group.items)) <= set(mids):
            raise InvalidSdp("a=group:BUNDLE names a mid no m-line has", mids=mids)
    return Offer(kinds, codecs)


@dataclass(frozen=True)
class TrickleFragment:
    """The content of a trickle-ICE PATCH (RFC 8840 sdpfrag)."""

    ufrag: str | None
    pwd: str | None
    candidates: tuple[tuple[str | None, str], ...]
    end_of_candidates: bool


def parse_trickle_fragment(text: str) -> TrickleFragment:
    """Parse an `application/trickle-ice-sdpfrag` body."""
    ufrag = pwd = None
    mid: str | None = None
    candidates: list[tuple[str | None, str]] = []
    end = False
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("a=ice-ufrag:"):
            ufrag = line.split(":", 1)[1]
        elif line.startswith("a=ice-pwd:"):
            pwd = line.split(":", 1)[1]
        elif line.startswith("a=mid:"):
            mid = line.split(":", 1)[1]
        elif line.startswith("a=candidate:"):
            value = line[len("a=candidate:") :]
            parse_candidate(value)
            candidates.append((mid, value))
        elif line == "a=end-of-candidates":
            end = True
        elif line.startswith(("m=", "a=", "c=")):
            continue  # other fragment lines carry nothing we act on
        else:
            raise InvalidSdp("unexpected line in trickle fragment", line=line[:200])
    check_ice_credentials(ufrag, pwd)
    return TrickleFragment(ufrag, pwd, tuple(candidates), end)
