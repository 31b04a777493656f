"""Uploaded images: checked and re-encoded with Pillow, stored as files, recorded in SQLite."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from livesale.config import ImageSettings
from livesale.domain.errors import (
    ImageNotFound,
    ImageTooLarge,
    InvalidImage,
    LivesaleError,
    PayloadTooLarge,
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
# Each decode may hold max_pixels * 4 bytes; bound how many run at once.
_PARALLEL_DECODES = 2
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
        self._decodes = asyncio.Semaphore(_PARALLEL_DECODES)

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
        async with self._decodes:
            encoded = await asyncio.to_thread(_reencode, data, self._settings.max_pixels)
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

    def path_of(self, info: ImageInfo) -> Path:
        """Where the image's file lives (the id is ours and alphanumeric: no traversal)."""
        return self._folder / f"{info.id}{EXTENSIONS[info.content_type]}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _reencode(data: bytes, max_pixels: int) -> _Encoded:
    """Decode an upload and encode it afresh, without EXIF/XMP, upright (runs in a thread)."""
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
        try:
            return _encode(image, detected)
        except LivesaleError:
            raise
        except Exception as exc:
            # Truncated or corrupt pixel data, odd modes, decoder errors: all "not an image".
            raise InvalidImage("the image data is damaged or cannot be decoded") from exc


def _encode(image: Image.Image, detected: str) -> _Encoded:
    # Colour profiles are kept (photos would shift colour without them); they
    # say nothing about who took the picture, unlike EXIF, GPS or XMP.
    icc_profile = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    if detected == "JPEG":
        out = upright.convert("L" if upright.mode == "L" else "RGB")
    else:
        has_alpha = upright.has_transparency_data
        out = upright.convert("RGBA" if has_alpha else "RGB")
    # convert() copies `info`; clear it so no metadata rides along into save().
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
