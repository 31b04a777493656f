"""Image uploads over HTTP: accepted types served back, every refusal leaves nothing behind."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from tests.catalogue.images import MAKE, SVG, TEXT, make_image, make_photo_with_exif, png_bomb
from tests.catalogue.uploads import error_of, nothing_stored, upload, upload_form
from tests.support.clients import Client, origin, sign_up

LIMIT = 204_800  # the `client` fixture's images.max_bytes


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
async def test_upload_and_serve(client: Client, fmt: str, content_type: str) -> None:
    await sign_up(client)
    # The client's Content-Type is ignored: Pillow decides what the bytes are.
    response = await upload(client, make_image(fmt, (30, 10)), "application/octet-stream")
    assert response.status == 201, await response.text()
    image = (await response.json())["image"]
    assert set(image) == {"id", "url", "width", "height", "content_type", "size_bytes"}
    assert (image["width"], image["height"], image["content_type"]) == (30, 10, content_type)
    assert image["url"] == f"/images/{image['id']}"

    served = await client.get(image["url"])
    assert served.status == 200
    assert served.headers["Content-Type"] == content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'"
    body = await served.read()
    assert len(body) == image["size_bytes"]
    with Image.open(io.BytesIO(body)) as reread:
        assert reread.format == fmt
        assert reread.size == (30, 10)


async def test_multipart_upload_with_a_lying_file_name(client: Client) -> None:
    await sign_up(client)
    response = await upload_form(
        client, make_image("JPEG"), filename="cat.gif", content_type="image/gif"
    )
    assert response.status == 201, await response.text()
    image = (await response.json())["image"]
    assert image["content_type"] == "image/jpeg"
    served = await client.get(image["url"])
    assert served.headers["Content-Type"] == "image/jpeg"


async def test_exif_is_stripped_over_http(client: Client) -> None:
    await sign_up(client)
    response = await upload(client, make_photo_with_exif("JPEG"), "image/jpeg")
    image = (await response.json())["image"]
    assert (image["width"], image["height"]) == (20, 40)  # orientation applied
    body = await (await client.get(image["url"])).read()
    assert b"SpyCam" not in body
    with Image.open(io.BytesIO(body)) as reread:
        assert MAKE not in reread.getexif()


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (TEXT, "image/png", 400, "invalid_image"),
        (SVG, "image/svg+xml", 400, "invalid_image"),
        (make_image("GIF"), "image/png", 415, "unsupported_image_type"),
        (png_bomb(50_000, 50_000), "image/png", 400, "image_too_large"),
        (png_bomb(2001, 2000), "image/png", 400, "image_too_large"),
        (b"", "image/png", 400, "invalid_image"),
    ],
)
async def test_refused_uploads_leave_nothing(
    client: Client, data: bytes, content_type: str, status: int, code: str
) -> None:
    await sign_up(client)
    error = await error_of(await upload(client, data, content_type), status)
    assert error["code"] == code
    error = await error_of(await upload_form(client, data, filename="x.png"), status)
    assert error["code"] == code
    assert await nothing_stored(client)


async def test_a_bomb_reports_the_pixel_limit(client: Client) -> None:
    await sign_up(client)
    error = await error_of(await upload(client, png_bomb(2001, 2000)), 400)
    assert error["details"]["max_pixels"] == 4_000_000


async def test_oversized_bodies_are_refused_with_413(client: Client) -> None:
    await sign_up(client)
    big = b"\x89PNG" + bytes(LIMIT)  # one byte per pixel would not matter: size decides

    error = await error_of(await upload(client, big), 413)
    assert error["code"] == "payload_too_large"
    assert error["details"]["max_bytes"] == LIMIT

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the server must count while it reads.
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    response = await client.post(
        "/api/images", data=chunks(), headers={**origin(client), "Content-Type": "image/png"}
    )
    assert (await error_of(response, 413))["details"]["max_bytes"] == LIMIT

    assert (await error_of(await upload_form(client, big), 413))["code"] == "payload_too_large"
    assert await nothing_stored(client)


async def test_upload_needs_a_signed_in_creator_and_same_origin(client: Client) -> None:
    error = await error_of(await upload(client, make_image("PNG")), 401)
    assert error["code"] == "not_signed_in"
    await sign_up(client)
    response = await client.post("/api/images", data=make_image("PNG"))
    assert (await error_of(response, 403))["code"] == "cross_site_refused"
    assert await nothing_stored(client)


async def test_multipart_needs_the_file_field(client: Client) -> None:
    await sign_up(client)
    error = await error_of(await upload_form(client, make_image("PNG"), field="image"), 400)
    assert error["details"]["field"] == "file"
    assert await nothing_stored(client)


async def test_unknown_image(client: Client) -> None:
    error = await error_of(await client.get("/images/nope"), 404)
    assert error["code"] == "image_not_found"
    error = await error_of(await client.get("/images/..%2F..%2Fetc%2Fpasswd"), 404)
    assert error["code"] in {"image_not_found", "not_found"}


async def test_products_use_only_their_creators_images(
    client: Client, other_client: Client
) -> None:
    await sign_up(client)
    await sign_up(other_client, email="bob@example.com", display_name="Bob")
    mine = (await (await upload(client, make_image("PNG"))).json())["image"]
    theirs = (await (await upload(other_client, make_image("PNG"))).json())["image"]
    variant = {"sku": "A", "price_minor": 100, "currency": "EUR", "stock": 1}
    response = await client.post(
        "/api/products",
        json={"title": "T", "variants": [variant], "image_ids": [mine["id"]]},
        headers=origin(client),
    )
    assert response.status == 201
    product = (await response.json())["product"]
    assert product["images"] == [{"id": mine["id"], "url": mine["url"]}]
    response = await client.patch(
        f"/api/products/{product['id']}",
        json={"image_ids": [mine["id"], theirs["id"]]},
        headers=origin(client),
    )
    assert (await error_of(response, 400))["details"]["field"] == "image_ids[1]"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary given"),
        ("multipart/form-data; boundary=xyz", b"garbage without the boundary"),
    ],
)
async def test_broken_multipart_is_a_bad_request(
    client: Client, content_type: str, body: bytes
) -> None:
    await sign_up(client)
    response = await client.post(
        "/api/images", data=body, headers={**origin(client), "Content-Type": content_type}
    )
    error = await error_of(response, 400)
    assert error["code"] == "bad_request"
    assert error["details"]["field"] == "file"
    assert await nothing_stored(client)
