"""Uploaded images: checked and re-encoded with Pillow, stored as files, recorded in SQLite.

Decoding is the costly part, and a tiny file can claim a huge picture: a
3 KB PNG of 5000x5000 1-bit pixels took ~70 MB to decode, and 8 at once
took a shop process from 91 MB to 665 MB, kept long after. So an upload is
refused from its header alone when its decoded pixels would pass
`images.max_pixels` or `images.max_decode_bytes`; decodes run one at a time
(`images.parallel_decodes`) on threads of their own, with no needless copy
of the pixels; and the memory a decode used is handed back to the system
when it ends.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import io
import logging
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from livesale.config import ImageSettings
from livesale.data_folder import PRIVATE_DIR, PRIVATE_FILE
from livesale.domain.errors import (
    ImageNotFound,
    ImageTooLarge,
    InvalidImage,
    LivesaleError,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedImageType,
)
from livesale.domain.products import ImageInfo, is_valid_id, new_image_id
from livesale.storage.database import Database

logger = logging.getLogger(__name__)

# Pillow format name -> what we serve it as. Decided by Pillow's own detection,
# never by the client's Content-Type or file name.
ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Phone cameras write multi-picture JPEGs (depth maps, previews) that Pillow
# names MPO; they are JPEGs, and only the first picture is kept.
_SAME_AS = {"MPO": "JPEG"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
_QUALITY = 90
# Uploads waiting for a decode thread, per decode thread, before more get 429.
WAITING_PER_DECODE = 16
# Uploads of one creator decoding or waiting at once, so one creator's flood cannot fill
# the line for everyone (the console uploads a creator's files one after another).
PER_CREATOR_IN_FLIGHT = 2
# Bytes Pillow keeps per pixel in memory: one band of 8 bits, 16-bit grey, or four bytes
# (every multi-band mode, and 32-bit integer and float pixels).
_ONE_BYTE_MODES = frozenset({"1", "L", "P"})
# EXIF orientations that turn the picture a quarter or flip it: a second copy of the pixels.
_UPRIGHT = 1
_ORIENTATION_TAG = 0x0112
_COLUMNS = "id, creator_id, content_type, width, height, size_bytes, created_at"


@dataclass(frozen=True)
class _Encoded:
    data: bytes
    content_type: str
    width: int
    height: int


class ImageStore:
    """Accepts uploads (JPEG, PNG, WebP), strips their metadata and serves them back."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        settings: ImageSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._folder = folder
        self._settings = settings
        self._clock = clock
        self._decoder = ThreadPoolExecutor(
            max_workers=settings.parallel_decodes, thread_name_prefix="image-decode"
        )
        self._waiting = 0
        self._in_flight: dict[str, int] = {}

    def close(self) -> None:
        """Stop the decode threads (waiting decodes are finished first)."""
        self._decoder.shutdown(wait=False, cancel_futures=True)

    @property
    def max_bytes(self) -> int:
        """The largest upload accepted, in bytes."""
        return self._settings.max_bytes

    async def save(self, creator_id: str, data: bytes) -> ImageInfo:
        """Check, re-encode and store an upload of `creator_id`; nothing is kept if it fails."""
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(
                f"an image may be at most {self.max_bytes} bytes", max_bytes=self.max_bytes
            )
        if not data:
            raise InvalidImage("the upload is empty")
        encoded = await self._decode(creator_id, data)
        info = ImageInfo(
            id=new_image_id(),
            creator_id=creator_id,
            content_type=encoded.content_type,
            width=encoded.width,
            height=encoded.height,
            size_bytes=len(encoded.data),
            created_at=self._clock(),
        )
        path = self.path_of(info)
        # The file first, then the row: a row never points at a missing file.
        await asyncio.to_thread(_write_atomically, path, encoded.data)
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    f"INSERT INTO images ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        info.id,
                        info.creator_id,
                        info.content_type,
                        info.width,
                        info.height,
                        info.size_bytes,
                        info.created_at,
                    ),
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return info

    async def _decode(self, creator_id: str, data: bytes) -> _Encoded:
        """Re-encode `data` on a decode thread; 429 when the creator or the line is full."""
        mine = self._in_flight.get(creator_id, 0)
        if mine >= PER_CREATOR_IN_FLIGHT:
            raise TooManyRequests(
                f"at most {PER_CREATOR_IN_FLIGHT} of your images are processed at once;"
                " upload the next when one is done",
                retry_after_seconds=1,
                limit=PER_CREATOR_IN_FLIGHT,
            )
        if self._waiting >= self._settings.parallel_decodes * WAITING_PER_DECODE:
            raise TooManyRequests(
                "the server is busy with other images; try again in a moment",
                retry_after_seconds=2,
            )
        self._waiting += 1
        self._in_flight[creator_id] = mine + 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._decoder, _reencode, data, self._settings)
        finally:
            self._waiting -= 1
            left = self._in_flight.pop(creator_id) - 1
            if left:
                self._in_flight[creator_id] = left

    async def get(self, image_id: str) -> ImageInfo:
        """The image record, or ImageNotFound."""
        row = None
        if is_valid_id(image_id):
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM images WHERE id = ?", (image_id,)
            )
        if row is None:
            raise ImageNotFound("no image has this id", image_id=image_id[:64])
        return ImageInfo(
            id=str(row["id"]),
            creator_id=str(row["creator_id"]),
            content_type=str(row["content_type"]),
            width=int(row["width"]),
            height=int(row["height"]),
            size_bytes=int(row["size_bytes"]),
            created_at=float(row["created_at"]),
        )

    async def open(self, image_id: str) -> tuple[ImageInfo, Path]:
        """The record and the file of an image that can be served, or ImageNotFound."""
        info = await self.get(image_id)
        path = self.path_of(info)
        if not await asyncio.to_thread(path.is_file):
            logger.warning("image %s is recorded but its file %s is missing", info.id, path)
            raise ImageNotFound("no image has this id", image_id=image_id)
        return info, path

    async def delete(self, image_ids: list[str]) -> None:
        """Forget these images: rows first, then files (a row never points at a missing file)."""
        infos = []
        for image_id in image_ids:
            try:
                infos.append(await self.get(image_id))
            except ImageNotFound:
                continue
        if not infos:
            return
        async with self._db.transaction() as conn:
            for info in infos:
                await conn.execute("DELETE FROM images WHERE id = ?", (info.id,))
        for info in infos:
            await asyncio.to_thread(self.path_of(info).unlink, missing_ok=True)

    def path_of(self, info: ImageInfo) -> Path:
        """Where the image's file lives (the id is ours and alphanumeric: no traversal)."""
        return self._folder / f"{info.id}{EXTENSIONS[info.content_type]}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    partial = path.with_name(f".{path.name}.partial")
    try:
        # Owner-only whatever the umask: the server reads them, nobody else need.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _reencode(data: bytes, settings: ImageSettings) -> _Encoded:
    """Decode an upload and encode it afresh, without EXIF/XMP, upright (runs in a thread)."""
    try:
        return _checked_reencode(data, settings)
    finally:
        # Pillow's buffers go back to the C allocator, which keeps them: give them back.
        release_free_memory()


def _checked_reencode(data: bytes, settings: ImageSettings) -> _Encoded:
    max_pixels = settings.max_pixels
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (2x its default limit) fires before ours can.
        raise ImageTooLarge(
            f"an image may have at most {max_pixels} pixels", max_pixels=max_pixels
        ) from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage("the upload is not a JPEG, PNG or WebP image") from exc
    except Exception as exc:
        raise InvalidImage("the image cannot be read") from exc
    with image:
        detected = _SAME_AS.get(image.format or "", image.format or "unknown")
        if detected not in ACCEPTED_FORMATS:
            raise UnsupportedImageType(
                f"{detected} images are not accepted: upload JPEG, PNG or WebP",
                detected=detected,
                accepted=sorted(ACCEPTED_FORMATS.values()),
            )
        width, height = image.size
        # Only the header is read so far: refuse before decoding a single pixel.
        if width * height > max_pixels:
            raise ImageTooLarge(
                f"an image may have at most {max_pixels} pixels ({width}x{height} given)",
                max_pixels=max_pixels,
                width=width,
                height=height,
            )
        needed = decode_bytes(image, detected)
        if needed > settings.max_decode_bytes:
            raise ImageTooLarge(
                f"decoding this {width}x{height} image would take {needed} bytes of memory,"
                f" more than the {settings.max_decode_bytes} allowed",
                max_decode_bytes=settings.max_decode_bytes,
                needed_bytes=needed,
                width=width,
                height=height,
            )
        try:
            return _encode(image, detected)
        except LivesaleError:
            raise
        except Exception as exc:
            # Truncated or corrupt pixel data, odd modes, decoder errors: all "not an image".
            raise InvalidImage("the image data is damaged or cannot be decoded") from exc


def decode_bytes(image: Image.Image, detected: str) -> int:
    """The most memory re-encoding `image` holds for pixels at once, from its header alone."""
    pixels = image.width * image.height
    source = _bytes_per_pixel(image.mode)
    held = pixels * source
    if _turns(image):
        held += pixels * source  # the upright copy
    target = _target_mode(image.mode, detected, image.info.get("transparency") is not None)
    if target != image.mode:
        held += pixels * _bytes_per_pixel(target)
    return held


def _bytes_per_pixel(mode: str) -> int:
    if mode in _ONE_BYTE_MODES:
        return 1
    return 2 if mode.startswith("I;16") else 4


def _turns(image: Image.Image) -> bool:
    try:
        return bool(image.getexif().get(_ORIENTATION_TAG, _UPRIGHT) != _UPRIGHT)
    except Exception:
        return False  # unreadable EXIF: exif_transpose will not turn it either


def _target_mode(mode: str, detected: str, has_transparency: bool) -> str:
    """The mode the image is saved in: kept when the format can store it as it is."""
    if detected == "JPEG":
        return "L" if mode in ("L", "1") else "RGB"
    if detected == "PNG" and mode in ("1", "L") and not has_transparency:
        return mode  # grey and 1-bit PNGs stay one byte a pixel
    if mode in ("RGB", "RGBA") and not (mode == "RGB" and has_transparency):
        return mode
    return "RGBA" if has_transparency or "A" in mode else "RGB"


def _encode(image: Image.Image, detected: str) -> _Encoded:
    # Colour profiles are kept (photos would shift colour without them); they
    # say nothing about who took the picture, unlike EXIF, GPS or XMP.
    icc_profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image) if _turns(image) else image
    target = _target_mode(upright.mode, detected, upright.has_transparency_data)
    # convert() copies the pixels; an image already in its mode is saved as it is.
    out = upright.convert(target) if target != upright.mode else upright
    # No metadata rides along into save() (convert() would have copied `info`).
    out.info = {}
    buffer = io.BytesIO()
    extra = {"icc_profile": icc_profile} if isinstance(icc_profile, bytes) else {}
    if detected == "JPEG":
        out.save(buffer, "JPEG", quality=_QUALITY, optimize=True, **extra)
    elif detected == "PNG":
        out.save(buffer, "PNG", **extra)
    else:
        out.save(buffer, "WEBP", quality=_QUALITY, **extra)
    return _Encoded(
        data=buffer.getvalue(),
        content_type=ACCEPTED_FORMATS[detected],
        width=out.width,
        height=out.height,
    )


def release_free_memory() -> None:
    """Hand memory the C allocator holds but does not use back to the system (glibc only)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc (musl has no malloc_trim): its memory stays as it is
    return trim


_malloc_trim = _find_malloc_trim()
