"""A go-live's notifications are written a chunk per transaction: another write (a buyer's
order, here a claim) waiting for the single writer gets in before the fan-out is done,
for the rows stored and for those counted past the quiet limit (on both engines)."""

from __future__ import annotations

import asyncio
import secrets

from livesale.domain.notifications import NotificationKind
from livesale.storage.database import Database
from livesale.storage.notifications import CHUNK, NotificationRepository

FANS = 12 * CHUNK
PARAMS = {"show_id": "shw_1", "title": "Knit night", "creator": "Alice"}


async def _fans(db: Database) -> list[str]:
    ids = [f"vwr_{index:05d}" for index in range(FANS)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO viewers (id, token_hash, display_name, created_at) VALUES (?, ?, ?, ?)",
            [(viewer, secrets.token_hex(16), "Fan", 0.0) for viewer in ids],
        )
    return ids


async def _gets_in_before(
    fan_out: asyncio.Task[object], repository: NotificationRepository
) -> None:
    """Another write, queued while the fan-out holds the writer, is done before it."""
    other = asyncio.create_task(repository.claim("ord_1", NotificationKind.SHIPPED))
    assert await other is True
    assert not fan_out.done()
    await fan_out


async def test_storing_a_fan_out_lets_other_writes_in(database: Database) -> None:
    fans = await _fans(database)
    repository = NotificationRepository(database)
    fan_out = asyncio.create_task(repository.add(fans, NotificationKind.LIVE, PARAMS))
    await _gets_in_before(fan_out, repository)
    stored = await database.scalar("SELECT COUNT(*) FROM notifications")
    assert stored == FANS


async def test_counting_a_fan_out_past_the_quiet_limit_lets_other_writes_in(
    database: Database,
) -> None:
    fans = await _fans(database)
    repository = NotificationRepository(database)
    await repository.add(fans, NotificationKind.LIVE, PARAMS)
    fan_out = asyncio.create_task(repository.fold(fans, NotificationKind.LIVE))
    await _gets_in_before(fan_out, repository)
    more = await database.fetchall("SELECT more, COUNT(*) FROM notifications GROUP BY more")
    assert [tuple(row) for row in more] == [(1, FANS)]
