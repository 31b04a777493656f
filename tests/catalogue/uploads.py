"""Uploading images through the API, and checking that a refusal stored nothing."""

from __future__ import annotations

from typing import Any

import aiohttp

from livesale.composition.services import SERVICES
from tests.support.clients import Client, origin


async def upload(client: Client, data: bytes, content_type: str = "image/png") -> Any:
    """POST raw bytes to /api/images."""
    return await client.post(
        "/api/images", data=data, headers={**origin(client), "Content-Type": content_type}
    )


async def upload_form(
    client: Client,
    data: bytes,
    *,
    field: str = "file",
    filename: str = "photo.png",
    content_type: str = "image/png",
) -> Any:
    """POST bytes to /api/images as multipart/form-data, like a browser form."""
    form = aiohttp.FormData()
    form.add_field(field, data, filename=filename, content_type=content_type)
    return await client.post("/api/images", data=form, headers=origin(client))


async def nothing_stored(client: Client) -> bool:
    """No image row and no image file: a refusal stored nothing."""
    row = await client.app[SERVICES].storage.database.fetchone("SELECT COUNT(*) FROM images")
    assert row is not None
    folder = client.app[SERVICES].settings.images_dir
    files = list(folder.iterdir()) if folder.exists() else []
    return int(row[0]) == 0 and files == []


async def error_of(response: Any, status: int) -> dict[str, Any]:
    """The error body of a response that must have `status`."""
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    return error
