"""The data folder and every file in it are owner-only, in every process of `livesale serve`.

What broke: the data folder (SQLite with buyers' addresses and password
hashes, the Redis AOF, recordings, images) was created world-readable.
"""

from __future__ import annotations

import dataclasses
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from PIL import Image

from livesale.config import Settings, SqliteSettings
from livesale.data_folder import make_private
from tests.support.peers import TestPublisher
from tests.support.polling import poll
from tests.support.signalling import publish
from tests.support.stage import Actor, Stage, open_shop, stage

OPEN_UMASK = 0o022  # a usual login shell's


def _everything(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.rglob("*")


def _open_to_others(folder: Path) -> list[str]:
    found = []
    for path in _everything(folder):
        mode = path.lstat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(f"{path.relative_to(folder.parent)} {stat.filemode(mode)}")
    return found


async def test_everything_livesale_serve_writes_is_owner_only() -> None:
    previous = os.umask(OPEN_UMASK)  # livesale must not depend on the caller's umask
    try:
        async with stage() as running:
            await _exercise_every_writer(running)
            data = running.data_dir
            names = {p.name for p in _everything(data)}
            # The files the finding was about are all there to be checked.
            for expected in (
                "livesale.sqlite3",
                "livesale.sqlite3-wal",
                "redis",
                "images",
                "metrics",
                "media.sock",
            ):
                assert expected in names, expected
            assert any(name.endswith(".aof") for name in names)
            assert _open_to_others(data) == []
    finally:
        os.umask(previous)


async def _exercise_every_writer(running: Stage) -> None:
    """Accounts and orders (SQLite), stock (the Redis AOF), an image, a live broadcast's
    recording, the metrics of every process."""
    shop = await open_shop(running.base, 5)
    buyer = Actor(running.base)
    publisher = TestPublisher(audio=False)
    try:
        picture = io.BytesIO()
        Image.new("RGB", (16, 16), (1, 2, 3)).save(picture, "PNG")
        headers = {"Origin": running.base, "Content-Type": "image/png"}
        async with shop.creator.session.post(
            f"{running.base}/api/images", data=picture.getvalue(), headers=headers
        ) as uploaded:
            assert uploaded.status == 201
        await buyer.become_guest("Mia")
        body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": "owner-only-1"}
        await buyer.expect("POST", f"/api/shows/{shop.show_id}/buy", body, 201)
        async with aiohttp.ClientSession() as http:
            await publish(http, running.base, shop, publisher, 30)
            recordings = running.data_dir / "recordings"

            def recorded() -> bool:
                return any(p.is_file() and p.stat().st_size > 0 for p in recordings.rglob("*"))

            await poll(recorded, 30, "a recording file")
            async with http.get(f"{running.base}/metrics") as scraped:
                assert scraped.status == 200
    finally:
        await publisher.close()
        await buyer.close()
        await shop.creator.close()


def test_an_old_open_data_folder_is_closed_at_start(tmp_path: Path, settings: Settings) -> None:
    data = settings.data_dir
    (data / "images").mkdir(parents=True, mode=0o755)
    os.chmod(data, 0o755)
    os.chmod(data / "images", 0o755)
    previous = os.umask(OPEN_UMASK)
    try:
        make_private(settings)
        created_after = data / "later.txt"
        created_after.write_text("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "images").stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "recordings").stat().st_mode) == 0o700
    # The process's umask was 077 until restored: what it made meanwhile is private.
    assert stat.S_IMODE(created_after.stat().st_mode) == 0o600


def test_a_shared_folder_outside_the_data_folder_is_left_alone(
    tmp_path: Path, settings: Settings
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    elsewhere = dataclasses.replace(
        settings, sqlite=SqliteSettings(path=str(shared / "db.sqlite3"))
    )
    previous = os.umask(OPEN_UMASK)
    try:
        make_private(elsewhere)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
