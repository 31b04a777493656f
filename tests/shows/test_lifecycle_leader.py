"""The live-show sweep runs in the process holding the `show_lifecycle` lease, and only there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from tests.support.clocks import FakeClock

GRACE_SECONDS = 60.0


class Room:
    """What one process's lifecycle tells the room (this test's only listener)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def publish(self, show_id: str, message: dict[str, Any]) -> None:
        self.messages.append(message)

    async def publish_control(self, message: dict[str, Any]) -> None:
        """Control messages between processes: none matter here."""

    def on_control(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Nothing comes back: this is the only listener."""

    def publisher_news(self) -> list[str]:
        """What it said of the publisher, in order."""
        shows = [m["show"] for m in self.messages if m["type"] == "show"]
        return [show["publisher"] for show in shows if "publisher" in show]


async def test_only_the_lease_holder_tells_and_ends_a_show_whose_publisher_left(
    db: Database, redis: Redis
) -> None:
    clock = FakeClock()
    shows = ShowRepository(db, clock)
    timeline = TimelineRepository(db, clock)
    settings = ShowSettings(end_after_publisher_lost_seconds=GRACE_SECONDS)
    publishing: set[str] = set()

    def node(leadership: Leadership, room: Room) -> ShowLifecycle:
        return ShowLifecycle(
            shows, timeline, redis, room, publishing.__contains__, settings, clock,
            gate=SaleGate(StockStore(redis), room), leadership=leadership,
        )  # fmt: skip

    leader_lease, follower_lease = (Leadership(redis, "show_lifecycle") for _ in range(2))
    assert await leader_lease.claim()
    assert not await follower_lease.claim()
    leader_room, follower_room = Room(), Room()
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
    assert follower_room.publisher_news() == ["on_air"]
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # The leader sweeps: it tells the room, then ends the show after the grace time.
    await leader.tick()
    assert leader_room.publisher_news() == ["reconnecting"]
    clock.now += GRACE_SECONDS
    await leader.tick()
    assert (await shows.get(show.id)).status == ShowStatus.ENDED
    await leader_lease.close()
