"""The live-show sweep runs in the process holding the `show_lifecycle` lease, and only there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from livesale.config import ShowSettings
from livesale.domain.shows import ShowStatus
from livesale.live.lifecycle import ShowLifecycle, publisher_key
from livesale.live.sale_gate import SaleGate
from livesale.storage.leases import Leadership
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database
from livesale.storage.stock import StockStore
from livesale.storage.timeline import TimelineRepository
from tests.shows.test_lifecycle import Clock, Recorder, publisher_news

GRACE_SECONDS = 60.0


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "shows.sqlite3")
    yield database
    await database.close()


async def test_only_the_lease_holder_tells_and_ends_a_show_whose_publisher_left(
    db: Database, redis: Redis
) -> None:
    clock = Clock()
    shows = ShowRepository(db, clock)
    timeline = TimelineRepository(db, clock)
    settings = ShowSettings(end_after_publisher_lost_seconds=GRACE_SECONDS)
    publishing: set[str] = set()

    def node(leadership: Leadership, room: Recorder) -> ShowLifecycle:
        return ShowLifecycle(
            shows, timeline, redis, room, publishing.__contains__, settings, clock,
            gate=SaleGate(StockStore(redis), room), leadership=leadership,
        )  # fmt: skip

    leader_lease, follower_lease = (Leadership(redis, "show_lifecycle") for _ in range(2))
    assert await leader_lease.claim()
    assert not await follower_lease.claim()
    leader_room, follower_room = Recorder(), Recorder()
    leader, follower = node(leader_lease, leader_room), node(follower_lease, follower_room)
    show, _key = await shows.create("Two nodes")
    publishing.add(show.id)
    await follower.went_live(show.id)  # the publisher landed on the follower's node

    # The publisher leaves; the follower drops its key, but never sweeps.
    publishing.discard(show.id)
    await follower.tick()
    assert not await redis.exists(publisher_key(show.id))
    clock.now += GRACE_SECONDS * 2
    await follower.tick()
    assert publisher_news(follower_room) == ["on_air"]
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # The leader sweeps: it tells the room, then ends the show after the grace time.
    await leader.tick()
    assert publisher_news(leader_room) == ["reconnecting"]
    clock.now += GRACE_SECONDS
    await leader.tick()
    assert (await shows.get(show.id)).status == ShowStatus.ENDED
    await leader_lease.close()
