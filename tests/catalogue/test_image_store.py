"""ImageStore with Pillow and real files: accepted types, refusals, metadata stripping."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from livesale.domain.errors import (
    ImageNotFound,
    ImageTooLarge,
    InvalidImage,
    LivesaleError,
    PayloadTooLarge,
    UnsupportedImageType,
)
from livesale.storage.database import Database
from livesale.storage.images import ImageStore
from tests.catalogue.images import (
    GPS_IFD,
    MAKE,
    ORIENTATION,
    SVG,
    TEXT,
    make_image,
    make_photo_with_exif,
    png_bomb,
)
from tests.support.world import ALICE


async def stored_nothing(db: Database, folder: Path) -> bool:
    row = await db.fetchone("SELECT COUNT(*) FROM images")
    assert row is not None
    files = list(folder.iterdir()) if folder.exists() else []
    return int(row[0]) == 0 and files == []


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
async def test_accepted_types_are_stored_and_recorded(
    images: ImageStore, db: Database, fmt: str, content_type: str
) -> None:
    info = await images.save(ALICE, make_image(fmt, (40, 20)))
    assert (info.content_type, info.width, info.height) == (content_type, 40, 20)
    assert info.creator_id == ALICE
    info2, path = await images.open(info.id)
    assert info2 == info
    assert path.stat().st_size == info.size_bytes
    with Image.open(path) as reread:
        assert reread.format == fmt
        assert reread.size == (40, 20)


async def test_transparency_survives(images: ImageStore) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 255, 0, 0)).save(buffer, "PNG")
    info = await images.save(ALICE, buffer.getvalue())
    _, path = await images.open(info.id)
    with Image.open(path) as reread:
        assert reread.mode == "RGBA"
        assert reread.getpixel((0, 0)) == (0, 255, 0, 0)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
async def test_exif_is_stripped_and_orientation_applied(images: ImageStore, fmt: str) -> None:
    upload = make_photo_with_exif(fmt, orientation=6)  # "rotate 90° clockwise to view"
    with Image.open(io.BytesIO(upload)) as original:
        exif = original.getexif()
        assert exif[MAKE] == "SpyCam"
        assert exif.get_ifd(GPS_IFD)
    info = await images.save(ALICE, upload)
    assert (info.width, info.height) == (20, 40)
    _, path = await images.open(info.id)
    data = path.read_bytes()
    assert b"SpyCam" not in data
    with Image.open(path) as reread:
        assert reread.size == (20, 40)
        stored_exif = reread.getexif()
        assert ORIENTATION not in stored_exif
        assert MAKE not in stored_exif
        assert not stored_exif.get_ifd(GPS_IFD)
        assert "exif" not in reread.info
        # The red left half of the landscape original is now the top half.
        top = reread.convert("RGB").getpixel((10, 5))
        assert isinstance(top, tuple)
        assert top[0] > 200
        assert top[2] < 60


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (TEXT, InvalidImage, "invalid_image"),
        (SVG, InvalidImage, "invalid_image"),
        (b"", InvalidImage, "invalid_image"),
        (make_image("PNG")[:60], InvalidImage, "invalid_image"),  # truncated pixel data
        (make_image("GIF"), UnsupportedImageType, "unsupported_image_type"),
        (make_image("BMP"), UnsupportedImageType, "unsupported_image_type"),
        (make_image("TIFF"), UnsupportedImageType, "unsupported_image_type"),
    ],
)
async def test_non_images_and_other_types_are_refused(
    images: ImageStore,
    db: Database,
    image_folder: Path,
    data: bytes,
    error: type[LivesaleError],
    code: str,
) -> None:
    with pytest.raises(error) as info:
        await images.save(ALICE, data)
    assert info.value.code == code
    assert await stored_nothing(db, image_folder)


async def test_unsupported_type_says_what_it_saw(images: ImageStore) -> None:
    with pytest.raises(UnsupportedImageType) as info:
        await images.save(ALICE, make_image("GIF"))
    assert info.value.status == 415
    assert info.value.details["detected"] == "GIF"
    assert info.value.details["accepted"] == ["image/jpeg", "image/png", "image/webp"]


@pytest.mark.parametrize(
    "data",
    [
        png_bomb(1001, 1000),  # just over our limit, far below Pillow's own
        png_bomb(20_000, 20_000),  # over Pillow's default bomb limit too
        png_bomb(2**31 - 1, 2**31 - 1),
    ],
)
async def test_decompression_bombs_are_refused_before_decoding(
    images: ImageStore, db: Database, image_folder: Path, data: bytes
) -> None:
    assert len(data) < 100
    with pytest.raises(ImageTooLarge) as info:
        await images.save(ALICE, data)
    assert info.value.code == "image_too_large"
    assert info.value.details["max_pixels"] == 1_000_000
    assert await stored_nothing(db, image_folder)


async def test_a_large_real_image_within_pixels_but_over_bytes(
    images: ImageStore, db: Database, image_folder: Path
) -> None:
    noise = Image.effect_noise((400, 400), 100).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > images.max_bytes
    with pytest.raises(PayloadTooLarge) as info:
        await images.save(ALICE, buffer.getvalue())
    assert info.value.details["max_bytes"] == 65_536
    assert await stored_nothing(db, image_folder)


async def test_unknown_and_malformed_ids(images: ImageStore) -> None:
    for image_id in ["missing", "../../etc/passwd", "a" * 200, ""]:
        with pytest.raises(ImageNotFound):
            await images.open(image_id)


async def test_a_missing_file_is_not_found(images: ImageStore) -> None:
    info = await images.save(ALICE, make_image("PNG"))
    images.path_of(info).unlink()
    with pytest.raises(ImageNotFound):
        await images.open(info.id)


async def test_multi_picture_jpegs_from_phones_are_jpegs(images: ImageStore) -> None:
    buffer = io.BytesIO()
    first, depth = Image.new("RGB", (30, 10), "red"), Image.new("RGB", (30, 10), "blue")
    first.save(buffer, "MPO", save_all=True, append_images=[depth])
    info = await images.save(ALICE, buffer.getvalue())
    assert info.content_type == "image/jpeg"
    _, path = await images.open(info.id)
    with Image.open(path) as reread:
        assert reread.format == "JPEG"
        assert getattr(reread, "n_frames", 1) == 1
