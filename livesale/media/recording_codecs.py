"""What a muxer must know about a recorded codec, read from the encoded bytes themselves.

The recorder never opens an encoder or a decoder: the picture size comes from
the VP8 keyframe header or the H.264 sequence parameter set, and Opus gets its
`OpusHead` from a template stream (PyAV lets a mux-only stream take extradata
only from another stream).
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Iterator
from typing import Any

import av

_START_CODE = b"\x00\x00\x01"
H264_SPS, H264_PPS, H264_IDR = 7, 8, 5
# Profiles whose SPS carries chroma format and bit depths (ITU-T H.264 7.3.2.1.1).
_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def vp8_size(frame: bytes) -> tuple[int, int] | None:
    """Width and height from a VP8 keyframe (RFC 6386 9.1), or None for another frame."""
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != b"\x9d\x01\x2a":
        return None
    width, height = struct.unpack_from("<HH", frame, 6)
    return width & 0x3FFF, height & 0x3FFF


def h264_nal_units(annex_b: bytes) -> Iterator[bytes]:
    """The NAL units of an Annex B byte stream, without start codes."""
    start = annex_b.find(_START_CODE)
    while start != -1:
        start += 3
        end = annex_b.find(_START_CODE, start)
        if end == -1:
            yield annex_b[start:]
            return
        # A 4-byte start code leaves its leading zero on the unit before it.
        yield annex_b[start : end - 1 if annex_b[end - 1] == 0 else end]
        start = end


def h264_parameter_sets(annex_b: bytes) -> bool:
    """Whether an access unit carries both an SPS and a PPS (a muxer needs them first)."""
    types = {nal[0] & 0x1F for nal in h264_nal_units(annex_b) if nal}
    return H264_SPS in types and H264_PPS in types


def h264_size(annex_b: bytes) -> tuple[int, int] | None:
    """Width and height from the first SPS of an access unit, or None without one."""
    for nal in h264_nal_units(annex_b):
        if nal and nal[0] & 0x1F == H264_SPS:
            try:
                return _sps_size(nal)
            except IndexError:
                return None  # a truncated SPS: wait for another
    return None


class _Bits:
    """An RBSP bit reader with Exp-Golomb codes."""

    def __init__(self, data: bytes) -> None:
        # Emulation prevention: 00 00 03 is 00 00 in the payload.
        self._data = data.replace(b"\x00\x00\x03", b"\x00\x00")
        self._position = 0

    def bit(self) -> int:
        byte = self._data[self._position >> 3]
        value = (byte >> (7 - (self._position & 7))) & 1
        self._position += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = value << 1 | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value & 1 else -(value // 2)


def _sps_size(nal: bytes) -> tuple[int, int]:
    bits = _Bits(nal[1:])
    profile = bits.bits(8)
    bits.bits(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    chroma_format = 1
    separate_planes = 0
    if profile in _HIGH_PROFILES:
        chroma_format = bits.ue()
        if chroma_format == 3:
            separate_planes = bits.bit()
        bits.ue()  # bit_depth_luma_minus8
        bits.ue()  # bit_depth_chroma_minus8
        bits.bit()  # qpprime_y_zero_transform_bypass_flag
        if bits.bit():  # seq_scaling_matrix_present_flag
            for index in range(8 if chroma_format != 3 else 12):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if index < 6 else 64)
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.bit()
        bits.se()
        bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue()  # max_num_ref_frames
    bits.bit()  # gaps_in_frame_num_value_allowed_flag
    width_mbs = bits.ue() + 1
    height_units = bits.ue() + 1
    frame_mbs_only = bits.bit()
    if not frame_mbs_only:
        bits.bit()  # mb_adaptive_frame_field_flag
    bits.bit()  # direct_8x8_inference_flag
    width = width_mbs * 16
    height = (2 - frame_mbs_only) * height_units * 16
    if bits.bit():  # frame_cropping_flag
        left, right, top, bottom = bits.ue(), bits.ue(), bits.ue(), bits.ue()
        # Crop units are chroma samples: 4:2:0 halves both ways, 4:2:2 only across.
        array_type = 0 if separate_planes else chroma_format
        sub_width = 2 if array_type in (1, 2) else 1
        sub_height = 2 if array_type == 1 else 1
        width -= sub_width * (left + right)
        height -= sub_height * (2 - frame_mbs_only) * (top + bottom)
    return width, height


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last = next_scale = 8
    for _ in range(size):
        if next_scale:
            next_scale = (last + bits.se() + 256) % 256
        last = next_scale or last


def opus_head(channels: int) -> bytes:
    """The Opus identification header (RFC 7845 5.1); RTP Opus has no pre-skip."""
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, 0, 48_000, 0, 0)


@functools.cache
def opus_template(channels: int) -> Any:
    """An Opus stream carrying `OpusHead`, to copy into an output with add_stream_from_template.

    It is read from a three-page Ogg file built here: no codec is opened.
    The container stays open (cached) because its stream is the template.
    """
    tags = b"OpusTags" + struct.pack("<I", 8) + b"livesale" + struct.pack("<I", 0)
    silence = b"\xf8\xff\xfe"  # one 20 ms Opus frame of silence: the demuxer wants a packet
    ogg = (
        _ogg_page(opus_head(channels), 0, 0x02, 0)
        + _ogg_page(tags, 1, 0x00, 0)
        + _ogg_page(silence, 2, 0x04, 960)
    )
    container = av.open(io.BytesIO(ogg), format="ogg")
    return container.streams.audio[0]


def _ogg_page(data: bytes, sequence: int, flags: int, granule: int) -> bytes:
    """One Ogg page holding one packet (RFC 3533)."""
    lacing = [255] * (len(data) // 255) + [len(data) % 255]
    header = (
        b"OggS"
        + bytes([0, flags])
        + struct.pack("<qII", granule, 1, sequence)
        + b"\x00\x00\x00\x00"
        + bytes([len(lacing), *lacing])
    )
    page = header + data
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


@functools.cache
def _ogg_crc_table() -> tuple[int, ...]:
    table = []
    for index in range(256):
        value = index << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7 if value & 0x80000000 else value << 1) & 0xFFFFFFFF
        table.append(value)
    return tuple(table)


def _ogg_crc(page: bytes) -> int:
    table = _ogg_crc_table()
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ byte]
    return crc
