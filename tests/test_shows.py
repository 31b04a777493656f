"""Shows: ids, keys, titles and the repository."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from livesale.domain.errors import BadRequest, ShowNotFound, Unauthorized
from livesale.domain.shows import (
    ShowStatus,
    hash_stream_key,
    new_show_id,
    new_stream_key,
    validate_title,
)
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.connect(tmp_path / "db.sqlite3")
    yield database
    await database.close()


def test_ids_and_keys_are_random_and_url_safe() -> None:
    ids = {new_show_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 and i.isalnum() for i in ids)
    key = new_stream_key()
    assert len(key) >= 43
    assert key != new_stream_key()
    assert len(hash_stream_key(key)) == 64


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_bad_titles(title: str) -> None:
    with pytest.raises(BadRequest) as info:
        validate_title(title)
    assert info.value.code == "validation_failed"
    assert info.value.details["field"] == "title"


def test_title_is_stripped() -> None:
    assert validate_title("  Spring sale  ") == "Spring sale"
    assert validate_title("x" * 200) == "x" * 200


async def test_create_get_and_verify(db: Database) -> None:
    repo = ShowRepository(db)
    show, key = await repo.create("  Spring sale ")
    assert show.title == "Spring sale"
    assert show.status is ShowStatus.SCHEDULED
    assert await repo.get(show.id) == show
    assert await repo.verify_stream_key(show.id, key) == show


async def test_only_the_hash_is_stored(db: Database) -> None:
    show, key = await ShowRepository(db).create("Show")
    row = await db.fetchone("SELECT * FROM shows WHERE id = ?", (show.id,))
    assert row is not None
    assert key not in [str(v) for v in tuple(row)]
    assert row["stream_key_hash"] == hash_stream_key(key)


async def test_wrong_key_and_unknown_show(db: Database) -> None:
    repo = ShowRepository(db)
    show, key = await repo.create("Show")
    with pytest.raises(Unauthorized):
        await repo.verify_stream_key(show.id, key + "x")
    with pytest.raises(ShowNotFound):
        await repo.verify_stream_key("nosuchshow00", key)
    with pytest.raises(ShowNotFound):
        await repo.get("nosuchshow00")


async def test_lifecycle(db: Database) -> None:
    times = iter([1.0, 2.0, 3.0, 4.0])
    repo = ShowRepository(db, clock=lambda: next(times))
    show, _ = await repo.create("Show")
    live = await repo.mark_live(show.id)
    assert (live.status, live.live_at) == (ShowStatus.LIVE, 2.0)
    again = await repo.mark_live(show.id)
    assert again == live  # live stays live, live_at unchanged
    ended = await repo.mark_ended(show.id)
    assert (ended.status, ended.ended_at) == (ShowStatus.ENDED, 3.0)
    assert await repo.mark_ended(show.id) == ended
    assert await repo.mark_live(show.id) == ended  # an ended show never goes live again
    with pytest.raises(ShowNotFound):
        await repo.mark_live("nosuchshow00")


async def test_list_recent(db: Database) -> None:
    times = iter([1.0, 2.0, 3.0])
    repo = ShowRepository(db, clock=lambda: next(times))
    made = [(await repo.create(f"Show {i}"))[0] for i in range(3)]
    assert [s.id for s in await repo.list_recent(2)] == [made[2].id, made[1].id]
    with pytest.raises(BadRequest):
        await repo.list_recent(0)
