"""The activity recorder: batched writes to a real SQLite file, and sessions a crash left open."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from livesale.config import AnalyticsSettings
from livesale.domain.analytics import BUY_TAP, LIKE, NO_PIN, WatchSession
from livesale.storage.activity import ActivityRecorder, ActivityRepository
from livesale.storage.migrations import MIGRATIONS, render
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database

SETTINGS = AnalyticsSettings(flush_interval_seconds=60.0, heartbeat_seconds=30.0)
# The schema as it was before watch sessions kept their guest (migration 6).
MIGRATIONS_BEFORE_GUESTS = MIGRATIONS[:5]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database file."""
    database = await Database.connect(tmp_path / "analytics.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def show_id(db: Database) -> str:
    """A show to record against."""
    show, _key = await ShowRepository(db).create("Recorded")
    return show.id


async def test_nothing_is_written_until_a_flush(db: Database, show_id: str) -> None:
    clock = Clock(1000.0)
    recorder = ActivityRecorder(db, SETTINGS, clock)
    repo = ActivityRepository(db, SETTINGS)
    session = recorder.session_started(show_id, "visitor:a")
    recorder.count(show_id, LIKE, NO_PIN, 4)
    assert await repo.sessions(show_id, 1000.0) == []
    await recorder.flush()
    clock.now = 1012.0
    recorder.count(show_id, LIKE, NO_PIN, 2)
    recorder.count(show_id, LIKE, NO_PIN, 1)
    recorder.count(show_id, BUY_TAP, 7)
    recorder.session_ended(session)
    await recorder.flush()
    assert await repo.sessions(show_id, 2000.0) == [WatchSession("visitor:a", 1000.0, 1012.0)]
    counts = [(c.slot_start, c.kind, c.pin_id, c.count) for c in await repo.counts(show_id)]
    assert sorted(counts) == [
        (1000.0, LIKE, NO_PIN, 4),
        (1010.0, BUY_TAP, 7, 1),
        (1010.0, LIKE, NO_PIN, 3),
    ]


async def test_counts_of_the_same_slot_add_up_across_flushes(db: Database, show_id: str) -> None:
    recorder = ActivityRecorder(db, SETTINGS, Clock(1000.0))
    for _ in range(3):
        recorder.count(show_id, LIKE, NO_PIN, 5)
        await recorder.flush()
    counts = await ActivityRepository(db, SETTINGS).counts(show_id)
    assert [(c.kind, c.count) for c in counts] == [(LIKE, 15)]


async def test_a_session_left_open_by_a_crash_ends_at_its_last_heartbeat(
    db: Database, show_id: str
) -> None:
    clock = Clock(1000.0)
    crashed = ActivityRecorder(db, SETTINGS, clock)
    crashed.session_started(show_id, "visitor:a")
    await crashed.flush()
    clock.now = 1031.0  # past the heartbeat interval: the next flush vouches for it
    await crashed.flush()
    # The process dies here: no session_ended, no stop().
    repo = ActivityRepository(db, SETTINGS)
    # Within two heartbeats the session may still be open in a live process: it runs to now.
    assert await repo.sessions(show_id, 1050.0) == [WatchSession("visitor:a", 1000.0, 1050.0)]
    # Later, it ends where its process last vouched for it.
    assert await repo.sessions(show_id, 5000.0) == [WatchSession("visitor:a", 1000.0, 1031.0)]


async def test_stop_writes_what_is_pending(db: Database, show_id: str) -> None:
    recorder = ActivityRecorder(db, SETTINGS, Clock(1000.0))
    recorder.start()
    session = recorder.session_started(show_id, "viewer:v1")
    recorder.session_ended(session)
    await recorder.stop()
    sessions = await ActivityRepository(db, SETTINGS).sessions(show_id, 1000.0)
    assert [s.audience_key for s in sessions] == ["viewer:v1"]


async def test_events_wait_while_sqlite_refuses_them(db: Database, show_id: str) -> None:
    clock = Clock(1000.0)
    recorder = ActivityRecorder(db, SETTINGS, clock)
    repo = ActivityRepository(db, SETTINGS)
    session = recorder.session_started(show_id, "visitor:a")
    recorder.count(show_id, LIKE, NO_PIN, 2)
    async with db.transaction() as conn:
        await conn.execute("ALTER TABLE show_activity RENAME TO show_activity_away")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await recorder.flush()
    # One transaction: the session of the failed batch was not written either.
    assert await repo.sessions(show_id, 1000.0) == []
    clock.now = 1005.0
    recorder.session_ended(session)
    recorder.count(show_id, LIKE, NO_PIN, 1)
    async with db.transaction() as conn:
        await conn.execute("ALTER TABLE show_activity_away RENAME TO show_activity")
    await recorder.flush()
    assert await repo.sessions(show_id, 1000.0) == [WatchSession("visitor:a", 1000.0, 1005.0)]
    assert [(c.kind, c.count) for c in await repo.counts(show_id)] == [(LIKE, 3)]


async def test_a_session_keeps_its_guest_and_older_ones_get_it_from_their_key(
    tmp_path: Path,
) -> None:
    # A file from before sessions kept their guest: one keyed by its guest, one by its browser.
    path = tmp_path / "older.sqlite3"
    with sqlite3.connect(path) as older:
        for sql in MIGRATIONS_BEFORE_GUESTS:
            older.executescript(render(sql, "sqlite"))
        older.execute(f"PRAGMA user_version = {len(MIGRATIONS_BEFORE_GUESTS)}")
        older.execute(
            "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
            " VALUES ('old', 'Old', 'ended', 'h', 1.0)"
        )
        older.executemany(
            "INSERT INTO watch_sessions (id, show_id, audience_key, process_id, started_at,"
            " seen_at, ended_at) VALUES (?, 'old', ?, 'p', 1000.0, 1010.0, 1010.0)",
            [("s1", "viewer:v-mia"), ("s2", "visitor:browser-1")],
        )
    db = await Database.connect(path)
    try:
        repo = ActivityRepository(db, SETTINGS)
        assert await repo.sessions("old", 2000.0) == [
            WatchSession("viewer:v-mia", 1000.0, 1010.0, "v-mia"),
            WatchSession("visitor:browser-1", 1000.0, 1010.0, None),
        ]
        recorder = ActivityRecorder(db, SETTINGS, Clock(3000.0))
        recorder.session_ended(recorder.session_started("old", "visitor:b2", viewer_id="v-bo"))
        await recorder.flush()
        assert (await repo.sessions("old", 4000.0))[-1] == WatchSession(
            "visitor:b2", 3000.0, 3000.0, "v-bo"
        )
    finally:
        await db.close()
