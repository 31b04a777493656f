"""Image decoding is bounded by pixels and memory, one at a time per process.

The request that broke it: a 3 KB PNG of 5000x5000 1-bit pixels took ~70 MB
to decode; 8 uploaded at once took a shop process from 91 MB to 665 MB, and
the memory stayed taken.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from livesale.app import create_app
from livesale.config import ImageSettings, Settings
from livesale.storage.images import PER_CREATOR_IN_FLIGHT, WAITING_PER_DECODE
from tests.catalogue.uploads import error_of, nothing_stored, upload
from tests.support.clients import Client, sign_up
from tests.support.processes import rss_bytes
from tests.support.stage import Actor, Stage, stage

MIB = 1024 * 1024


def png(mode: str, size: tuple[int, int], colour: int | tuple[int, int, int] = 0) -> bytes:
    """A PNG that compresses to almost nothing, whatever its size in pixels."""
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


async def _upload_all(running: Stage, uploads: list[tuple[Actor, bytes]]) -> tuple[list[int], int]:
    """Send every upload at once; their statuses and the server's RSS growth at its peak."""
    assert running.process is not None
    pid = running.process.pid
    before = peak = rss_bytes(pid)

    async def one(actor: Actor, data: bytes) -> int:
        headers = {"Origin": running.base, "Content-Type": "image/png"}
        async with actor.session.post(
            f"{running.base}/api/images", data=data, headers=headers
        ) as response:
            await response.read()
            return response.status

    tasks = [asyncio.create_task(one(actor, data)) for actor, data in uploads]
    while not all(task.done() for task in tasks):
        peak = max(peak, rss_bytes(pid))
        await asyncio.wait(tasks, timeout=0.01)
    return [task.result() for task in tasks], peak - before


async def test_eight_one_bit_bombs_at_once_stay_within_a_memory_bound() -> None:
    bomb = png("1", (5000, 5000))
    assert len(bomb) < 4096  # the exact file: about 3 KB
    async with stage(server__shop_processes="0") as running:
        assert running.process is not None
        creators = [Actor(running.base) for _ in range(4)]
        try:
            for creator in creators:
                await creator.sign_up()
            start = rss_bytes(running.process.pid)
            # The exact request: 8 at once from one creator. Two are taken at a time.
            statuses, _ = await _upload_all(running, [(creators[0], bomb)] * 8)
            assert set(statuses) <= {201, 429}
            assert statuses.count(201) >= 2
            # 8 at once that are all decoded: from four creators, two each.
            statuses, grew = await _upload_all(running, [(c, bomb) for c in creators] * 2)
            kept = rss_bytes(running.process.pid) - start
        finally:
            for creator in creators:
                await creator.close()
    # Decoded one at a time, at one byte a pixel, and the memory handed back after.
    assert statuses == [201] * 8
    assert grew < 64 * MIB, f"peak grew {grew / MIB:.0f} MiB"
    assert kept < 24 * MIB, f"kept {kept / MIB:.0f} MiB"


@asynccontextmanager
async def _client(settings: Settings, images: ImageSettings) -> AsyncIterator[Client]:
    """A signed-in creator's client of an app with these image settings."""
    app = create_app(dataclasses.replace(settings, images=images))
    async with TestClient(TestServer(app)) as client:
        await sign_up(client)
        yield client


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[Client]:
    """Images with a 4 MiB decode budget and one decode at a time."""
    images = ImageSettings(max_decode_bytes=4 * MIB, parallel_decodes=1)
    async with TestClient(
        TestServer(create_app(dataclasses.replace(settings, images=images)))
    ) as c:
        await sign_up(c)
        yield c


async def test_the_decode_budget_is_checked_from_the_header(tight: Client) -> None:
    # 2000x2000 grey: 4 MB at one byte a pixel, within budget.
    assert (await upload(tight, png("L", (2000, 2000)))).status == 201
    # The same pixels in colour: four bytes a pixel in memory, refused before decoding.
    error = await error_of(await upload(tight, png("RGB", (2000, 2000), (9, 9, 9))), 400)
    assert error["code"] == "image_too_large"
    assert error["details"]["max_decode_bytes"] == 4 * MIB
    assert error["details"]["needed_bytes"] == 2000 * 2000 * 4


async def test_a_refused_decode_stores_nothing(tight: Client) -> None:
    palette = png("P", (1500, 1500), 3)  # converted to RGB: 1 + 4 bytes a pixel
    error = await error_of(await upload(tight, palette), 400)
    assert error["details"]["needed_bytes"] == 1500 * 1500 * 5
    assert await nothing_stored(tight)


async def test_one_creator_cannot_fill_the_line(settings: Settings) -> None:
    async with _client(settings, ImageSettings()) as c:
        slow = png("RGB", (3000, 3000), (200, 10, 10))
        answers = await asyncio.gather(*(upload(c, slow) for _ in range(6)))
        statuses = Counter(a.status for a in answers)
        assert statuses[201] >= PER_CREATOR_IN_FLIGHT
        assert set(statuses) == {201, 429}
        busy = next(a for a in answers if a.status == 429)
        assert busy.headers["Retry-After"] == "1"
        error = await error_of(busy, 429)
        assert error["code"] == "rate_limited"
        assert error["details"]["limit"] == PER_CREATOR_IN_FLIGHT


async def test_uploads_past_the_waiting_line_get_429(settings: Settings) -> None:
    many = dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, signups_per_address=100)
    )
    server = TestServer(create_app(dataclasses.replace(many, images=ImageSettings())))
    async with server:
        creators: list[Client] = []
        try:
            for number in range(WAITING_PER_DECODE + 4):
                client: Client = TestClient(server)
                await client.start_server()
                creators.append(client)
                await sign_up(client, f"c{number}@example.com")
            slow = png("RGB", (3000, 3000), (200, 10, 10))
            answers = await asyncio.gather(*(upload(c, slow) for c in creators))
            statuses = Counter(a.status for a in answers)
            # A full line decoding and waiting; the rest told to come back.
            assert statuses[201] >= WAITING_PER_DECODE
            assert statuses[429] >= 1
            assert set(statuses) == {201, 429}
            busy = next(a for a in answers if a.status == 429)
            assert busy.headers["Retry-After"] == "2"
        finally:
            for client in creators:
                await client.close()
