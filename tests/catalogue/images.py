"""Images made with Pillow for upload tests, and hand-made hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# EXIF tags: Orientation, Make, GPSInfo (the IFD pointer).
ORIENTATION = 0x0112
MAKE = 0x010F
GPS_IFD = 0x8825
GPS_LATITUDE_REF = 1


def make_image(fmt: str, size: tuple[int, int] = (40, 20), colour: str = "red") -> bytes:
    """A small image in `fmt` (JPEG, PNG, WEBP, GIF, BMP...)."""
    mode = "RGB" if fmt in ("JPEG", "BMP") else "RGBA"
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt)
    return buffer.getvalue()


def make_photo_with_exif(fmt: str = "JPEG", orientation: int = 6) -> bytes:
    """A 40x20 image carrying EXIF: orientation, camera make and a GPS position."""
    image = Image.new("RGB", (40, 20), "blue")
    # Left half red so a rotation is visible in pixels, not only in the size.
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SpyCam"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE_REF] = "N"
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif.tobytes())
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb)."""
    real = make_image("PNG", (1, 1))
    # IHDR is the first chunk: 8-byte signature, length, type, 13 bytes of data, CRC.
    ihdr = bytearray(real[8 + 8 : 8 + 8 + 13])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF
    return real[:16] + bytes(ihdr) + struct.pack(">I", crc) + real[8 + 8 + 13 + 4 :]


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
TEXT = b"hello, I am a text file pretending to be a PNG\n"
