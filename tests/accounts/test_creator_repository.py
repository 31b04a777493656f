"""CreatorRepository on SQLite and PostgreSQL: sessions expire, hashes upgrade, argon2 off-loop."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from livesale.config import AuthSettings, Settings
from livesale.domain.errors import EmailTaken, InvalidCredentials, NotFound, ValidationFailed
from livesale.storage.creators import CreatorRepository
from livesale.storage.database import Database
from tests.support.clocks import FakeClock

PASSWORD = "a long enough password"


@pytest.fixture
def db(database: Database) -> Database:
    """This test's record, on its engine."""
    return database


async def session_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM creator_sessions")
    assert row is not None
    return int(row[0])


async def test_sessions_expire_and_are_pruned(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    repo = CreatorRepository(db, settings.auth, clock=clock)
    creator = await repo.sign_up("a@example.com", PASSWORD, "A")
    token = await repo.create_session(creator.id)
    ttl = settings.auth.session_ttl_seconds

    clock.advance(ttl - 1)
    assert await repo.session_creator(token) == creator
    clock.advance(1)
    assert await repo.session_creator(token) is None
    assert await session_count(db) == 0  # pruned on sight

    # Expired sessions of a creator go when they next log in; others' stay.
    old = await repo.create_session(creator.id)
    other = await repo.sign_up("b@example.com", PASSWORD, "B")
    await repo.create_session(other.id)
    clock.advance(ttl)
    await repo.create_session(creator.id)
    assert await session_count(db) == 2
    assert await repo.session_creator(old) is None
    assert await repo.prune_expired_sessions() == 1
    assert await session_count(db) == 1


async def test_log_in_and_get(db: Database, settings: Settings) -> None:
    repo = CreatorRepository(db, settings.auth)
    creator = await repo.sign_up(" Mixed@Example.com ", PASSWORD, "M")
    assert creator.email == "Mixed@Example.com"
    assert await repo.log_in("mixed@example.com", PASSWORD, "127.0.0.1") == creator
    assert await repo.get(creator.id) == creator
    with pytest.raises(NotFound):
        await repo.get("missing")
    with pytest.raises(InvalidCredentials):
        await repo.log_in("mixed@example.com", PASSWORD.upper(), None)
    with pytest.raises(InvalidCredentials):
        await repo.log_in("missing@example.com", PASSWORD, None)
    with pytest.raises(ValidationFailed):
        await repo.log_in(None, PASSWORD, None)
    with pytest.raises(EmailTaken):
        await repo.sign_up("MIXED@example.com", PASSWORD, "Again")


async def test_a_corrupt_stored_hash_is_a_wrong_password(db: Database, settings: Settings) -> None:
    repo = CreatorRepository(db, settings.auth)
    await repo.sign_up("c@example.com", PASSWORD, "C")
    async with db.transaction() as conn:
        await conn.execute("UPDATE creators SET password_hash = 'garbage'")
    with pytest.raises(InvalidCredentials):
        await repo.log_in("c@example.com", PASSWORD, None)


async def test_hash_is_upgraded_when_costs_change(db: Database, settings: Settings) -> None:
    cheap = CreatorRepository(db, settings.auth)
    await cheap.sign_up("r@example.com", PASSWORD, "R")
    before = await db.fetchone("SELECT password_hash FROM creators")
    assert before is not None
    assert "m=8,t=1,p=1" in before[0]

    stronger = dataclasses.replace(settings.auth, password_memory_kib=16, password_time_cost=2)
    await CreatorRepository(db, stronger).log_in("r@example.com", PASSWORD, None)
    after = await db.fetchone("SELECT password_hash FROM creators")
    assert after is not None
    assert "m=16,t=2,p=1" in after[0]
    # The old repository (old costs) still accepts it: the hash names its own costs.
    await cheap.log_in("r@example.com", PASSWORD, None)


async def test_default_costs_work_without_blocking_the_loop(db: Database) -> None:
    defaults = AuthSettings()
    repo = CreatorRepository(db, defaults)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    ticking = asyncio.create_task(ticker())
    try:
        creator = await repo.sign_up("real@example.com", PASSWORD, "Real")
        assert await repo.log_in("real@example.com", PASSWORD, None) == creator
    finally:
        done.set()
        await ticking
    stored = await db.fetchone("SELECT password_hash FROM creators")
    assert stored is not None
    m, t, p = (
        defaults.password_memory_kib,
        defaults.password_time_cost,
        defaults.password_parallelism,
    )
    assert stored[0].startswith(f"$argon2id$v=19$m={m},t={t},p={p}$")
    # Two ~100 ms hashes ran in threads: the loop kept running meanwhile.
    assert ticks > 5
