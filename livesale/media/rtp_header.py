"""RTP header extension encoding (RFC 8285 one-byte form)."""

from __future__ import annotations


def one_byte_extension(extension_id: int, value: bytes) -> bytes:
    """Encode a single one-byte-header extension element, padded to 32 bits."""
    if not 1 <= extension_id <= 14:
        raise ValueError(f"one-byte extension id out of range: {extension_id}")
    if not 1 <= len(value) <= 16:
        raise ValueError("one-byte extension value must be 1..16 bytes")
    element = bytes([(extension_id << 4) | (len(value) - 1)]) + value
    element += b"\x00" * (-len(element) % 4)
    return b"\xbe\xde" + (len(element) // 4).to_bytes(2, "big") + element
