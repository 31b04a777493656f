"""Keyframe detection on RTP payloads, so viewers start and resume on a decodable frame."""

from __future__ import annotations

from collections.abc import Callable

# A detector answers: does this RTP payload start a keyframe?
KeyframeDetector = Callable[[bytes], bool]


def vp8_starts_keyframe(payload: bytes) -> bool:
    """True for the first packet of a VP8 keyframe (RFC 7741 descriptor + P bit)."""
    if not payload:
        return False
    first = payload[0]
    start_of_partition = first & 0x10
    partition_index = first & 0x07
    if not start_of_partition or partition_index != 0:
        return False
    offset = 1
    if first & 0x80:  # X: extension octet follows
        if len(payload) < 2:
            return False
        ext = payload[1]
        offset = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= offset:
                return False
            offset += 2 if payload[offset] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            offset += 1
        if ext & 0x30:  # T or K: TID/Y/KEYIDX octet
            offset += 1
    if len(payload) <= offset:
        return False
    # VP8 payload header: P bit (inverse keyframe flag) is bit 0 of the first octet.
    return payload[offset] & 0x01 == 0


_H264_KEY_NAL_TYPES = frozenset({5, 7})  # IDR slice, SPS (sent right before an IDR)


def h264_starts_keyframe(payload: bytes) -> bool:
    """True when an H.264 RTP payload (RFC 6184) opens an IDR access unit."""
    if not payload:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in _H264_KEY_NAL_TYPES:
        return True
    if nal_type == 24:  # STAP-A: [hdr][size16][nal]...
        offset = 1
        while offset + 2 < len(payload):
            size = int.from_bytes(payload[offset : offset + 2], "big")
            if size == 0 or offset + 2 + size > len(payload):
                return False  # a corrupt aggregate: do not start a viewer on it
            inner = payload[offset + 2] & 0x1F
            if inner in _H264_KEY_NAL_TYPES:
                return True
            offset += 2 + size
        return False
    if nal_type == 28:  # FU-A: the start fragment carries the real type
        return (
            len(payload) >= 2
            and bool(payload[1] & 0x80)
            and (payload[1] & 0x1F) in _H264_KEY_NAL_TYPES
        )
    return False


def every_packet(_payload: bytes) -> bool:
    """Audio: any packet is a fine place to start."""
    return True


def detector_for(mime_type: str) -> KeyframeDetector:
    """The keyframe detector for a negotiated codec."""
    lowered = mime_type.lower()
    if lowered == "video/vp8":
        return vp8_starts_keyframe
    if lowered == "video/h264":
        return h264_starts_keyframe
    return every_packet
