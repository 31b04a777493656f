"""Show lifecycle with real SQLite and Redis: live, publisher lost, ended after the grace time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from livesale.config import ShowSettings
from livesale.domain.pins import TimelineKind
from livesale.domain.shows import ShowStatus
from livesale.live.lifecycle import ShowLifecycle, publisher_key
from livesale.live.sale_gate import SaleGate
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database
from livesale.storage.stock import StockStore
from livesale.storage.timeline import TimelineRepository

GRACE_SECONDS = 60.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """Collects what the lifecycle publishes to rooms and to every process."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.control: list[dict[str, Any]] = []

    async def publish(self, show_id: str, message: dict[str, Any]) -> None:
        self.messages.append((show_id, message))

    async def publish_control(self, message: dict[str, Any]) -> None:
        self.control.append(message)

    def on_control(self, kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Nothing comes back: this recorder is the only process."""


async def test_a_show_whose_publisher_never_returns_ends_after_the_grace_time(
    db: Database, redis: Redis
) -> None:
    clock = Clock()
    shows = ShowRepository(db, clock)
    timeline = TimelineRepository(db, clock)
    publishing: set[str] = set()
    recorder = Recorder()
    lifecycle = ShowLifecycle(
        shows, timeline, redis, recorder, publishing.__contains__,
        ShowSettings(end_after_publisher_lost_seconds=GRACE_SECONDS), clock,
        gate=SaleGate(StockStore(redis), recorder),
    )  # fmt: skip
    show, _key = await shows.create("Crashy")
    publishing.add(show.id)
    await lifecycle.went_live(show.id)
    assert (await shows.get(show.id)).status == ShowStatus.LIVE
    assert recorder.messages[-1][1]["show"]["status"] == "live"
    await timeline.append(show.id, TimelineKind.PIN, 10, None)

    # Publishing: ticks keep the show live however long it runs.
    clock.now += 3 * GRACE_SECONDS
    await lifecycle.tick()
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # The publisher's browser crashes; its key expires (deleted here for speed).
    publishing.discard(show.id)
    await redis.delete(publisher_key(show.id))
    await lifecycle.tick()
    clock.now += GRACE_SECONDS - 1
    await lifecycle.tick()
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # The creator comes back in time: the lost time is forgotten.
    publishing.add(show.id)
    await lifecycle.went_live(show.id)
    clock.now += GRACE_SECONDS * 2
    await lifecycle.tick()
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # Gone again, for good this time.
    publishing.discard(show.id)
    await redis.delete(publisher_key(show.id))
    await lifecycle.tick()
    clock.now += GRACE_SECONDS
    await lifecycle.tick()
    ended = await shows.get(show.id)
    assert ended.status == ShowStatus.ENDED
    assert ended.ended_at == clock.now
    kinds = [e.kind for e in await timeline.events(show.id)]
    assert kinds == [TimelineKind.PIN, TimelineKind.UNPIN]
    assert [m["type"] for _, m in recorder.messages[-2:]] == ["unpin", "show"]
    assert recorder.messages[-1][1]["show"]["status"] == "ended"
    assert recorder.control == [{"kind": "show_changed", "show_id": show.id}]


def publisher_news(recorder: Recorder) -> list[str]:
    """What the lifecycle told the room about the publisher, in order."""
    shows = [m["show"] for _, m in recorder.messages if m["type"] == "show"]
    return [show["publisher"] for show in shows if "publisher" in show]


async def test_viewers_hear_once_when_the_publisher_drops_and_comes_back(
    db: Database, redis: Redis
) -> None:
    clock = Clock()
    shows = ShowRepository(db, clock)
    timeline = TimelineRepository(db, clock)
    settings = ShowSettings(end_after_publisher_lost_seconds=GRACE_SECONDS)
    # Two processes share Redis: `media` holds the publisher, `shop` only sweeps.
    publishing: set[str] = set()
    media_room, shop_room = Recorder(), Recorder()
    media = ShowLifecycle(
        shows, timeline, redis, media_room, publishing.__contains__, settings, clock,
        gate=SaleGate(StockStore(redis), media_room),
    )  # fmt: skip
    shop = ShowLifecycle(
        shows, timeline, redis, shop_room, lambda _id: False, settings, clock,
        gate=SaleGate(StockStore(redis), shop_room),
    )  # fmt: skip
    show, _key = await shows.create("Blippy")
    publishing.add(show.id)
    await media.went_live(show.id)
    assert publisher_news(media_room) == ["on_air"]
    assert await shop.publisher_state(show.id) == "on_air"
    for _ in range(2):
        await media.tick()
        await shop.tick()
    assert publisher_news(media_room) + publisher_news(shop_room) == ["on_air"]

    # The publisher is gone: the key goes at once (no TTL wait), and one process says so.
    publishing.discard(show.id)
    await media.tick()
    assert not await redis.exists(publisher_key(show.id))
    await shop.tick()
    await media.tick()
    assert publisher_news(media_room) + publisher_news(shop_room) == ["on_air", "reconnecting"]
    assert await shop.publisher_state(show.id) == "reconnecting"
    assert (await shows.get(show.id)).status == ShowStatus.LIVE

    # The same session sends again (a network blip, no new WHIP POST): back on air, said once.
    publishing.add(show.id)
    await shop.tick()  # the shop process sees nothing new yet: the key is the media's to renew
    await media.tick()
    await shop.tick()
    news = publisher_news(media_room) + publisher_news(shop_room)
    assert news == ["on_air", "reconnecting", "on_air"]
    assert await media.publisher_state(show.id) == "on_air"

    # Dropped again, then a new WHIP session: on air again; the show never ended.
    publishing.discard(show.id)
    await media.tick()
    publishing.add(show.id)
    await media.went_live(show.id)
    await shop.tick()
    assert publisher_news(media_room)[-2:] == ["reconnecting", "on_air"]
    assert (await shows.get(show.id)).status == ShowStatus.LIVE


async def test_a_process_never_deletes_a_publisher_key_another_process_holds(
    db: Database, redis: Redis
) -> None:
    clock = Clock()
    shows = ShowRepository(db, clock)
    timeline = TimelineRepository(db, clock)
    settings = ShowSettings(end_after_publisher_lost_seconds=GRACE_SECONDS)
    first_room, second_room = Recorder(), Recorder()
    on_second: set[str] = set()
    # The creator first published through `first`, whose publisher then died...
    first = ShowLifecycle(
        shows, timeline, redis, first_room, lambda _id: False, settings, clock,
        gate=SaleGate(StockStore(redis), first_room),
    )  # fmt: skip
    second = ShowLifecycle(
        shows, timeline, redis, second_room, on_second.__contains__, settings, clock,
        gate=SaleGate(StockStore(redis), second_room),
    )  # fmt: skip
    show, _key = await shows.create("Moved")
    await first.went_live(show.id)
    # ...and came back through `second` before `first` noticed.
    on_second.add(show.id)
    await second.went_live(show.id)
    await first.tick()
    assert await redis.exists(publisher_key(show.id))
    await second.tick()
    assert "reconnecting" not in publisher_news(first_room) + publisher_news(second_room)
