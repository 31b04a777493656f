"""A show's lifecycle: live when WHIP publishes, ended on WHIP DELETE or a long absence.

Several server processes may share one show table. The process that holds a
show's publisher keeps a short-lived Redis key alive, and deletes it as soon
as the publisher is gone; one process across the cluster (the holder of the
`show_lifecycle` lease, see storage/leases.py) sweeps the live shows and ends one
whose publisher key has been missing for `shows.end_after_publisher_lost_seconds`,
so a creator whose browser crashed has time to come back and a show never
stays "live" for ever. Meanwhile the room hears `publisher: "reconnecting"`
(and `"on_air"` when the creator is back), once, from whichever process saw it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livesale.config import ShowSettings
from livesale.domain.pins import TimelineKind
from livesale.domain.shows import Show, ShowStatus
from livesale.live.events import publisher_message, show_state, unpin_message
from livesale.live.sale_gate import SaleGate
from livesale.storage.leases import Leadership
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
# The key outlives a few missed heartbeats, so a busy loop never looks like a dead publisher.
PUBLISHER_KEY_TTL_SECONDS = 10
ENDING_LOCK_SECONDS = 60
# What the room's `show` event says of a live show's publisher.
ON_AIR = "on_air"
RECONNECTING = "reconnecting"


class EventPublisher(Protocol):
    """Sends an event to every viewer of a show, in every process."""

    async def publish(self, show_id: str, message: dict[str, Any]) -> None:
        """Publish `message` to the show's room."""


def publisher_key(show_id: str) -> str:
    """Redis key that exists while some process holds the show's publisher."""
    return f"livesale:show:{{{show_id}}}:publisher"


def publisher_lost_key(show_id: str) -> str:
    """Redis key holding when a live show's publisher was first seen missing."""
    return f"livesale:show:{{{show_id}}}:publisher_lost_at"


def ending_key(show_id: str) -> str:
    """Redis lock so only one process ends a show."""
    return f"livesale:show:{{{show_id}}}:ending"


class ShowLifecycle:
    """Moves shows scheduled -> live -> ended and tells the room."""

    def __init__(
        self,
        shows: ShowRepository,
        timeline: TimelineRepository,
        redis: Redis,
        events: EventPublisher,
        is_publishing: Callable[[str], bool],
        settings: ShowSettings,
        clock: Callable[[], float] = time.time,
        *,
        gate: SaleGate,
        leadership: Leadership | None = None,
    ) -> None:
        self._gate = gate
        # Who sweeps the live shows; without one this lifecycle is the only sweeper.
        self._leadership = leadership
        self._shows = shows
        self._timeline = timeline
        self._redis = redis
        self._events = events
        self._is_publishing = is_publishing
        self._settings = settings
        self._clock = clock
        self._local: set[str] = set()
        # Written into the publisher keys this process holds, so it never deletes another's.
        self._token = secrets.token_hex(8)
        self._task: asyncio.Task[None] | None = None

    async def went_live(self, show_id: str) -> Show:
        """A publisher connected: mark the show live (once) and announce it."""
        show = await self._shows.mark_live(show_id)
        self._local.add(show_id)
        await self._redis.set(publisher_key(show_id), self._token, ex=PUBLISHER_KEY_TTL_SECONDS)
        await self._redis.delete(publisher_lost_key(show_id))
        await self._events.publish(show_id, publisher_message(show, ON_AIR))
        return show

    async def publisher_state(self, show_id: str) -> str:
        """`reconnecting` while the live show's publisher is missing, else `on_air`."""
        lost = await self._redis.exists(publisher_lost_key(show_id))
        return RECONNECTING if lost else ON_AIR

    async def end(self, show_id: str) -> Show:
        """End the show: close the pin on the timeline, mark it ended, announce it."""
        show = await self._shows.get(show_id)
        self._local.discard(show_id)
        if show.status == ShowStatus.ENDED:
            return show
        # Live purchases stop on every process before the show is marked ended.
        await self._gate.close_show(show.creator_id, show_id)
        pin = await self._timeline.current_pin(show_id)
        if pin is not None:
            await self._gate.close_sale(show.creator_id, pin)
            # The replay must know when the card left the screen: at the end.
            unpin = await self._timeline.append(
                show_id, TimelineKind.UNPIN, show.offset_ms(self._clock()), pin.product_id
            )
            await self._events.publish(show_id, unpin_message(pin, unpin))
        show = await self._shows.mark_ended(show_id)
        await self._redis.delete(publisher_key(show_id), publisher_lost_key(show_id))
        await self._gate.changed(show_id)
        await self._events.publish(show_id, {"type": "show", "show": show_state(show)})
        logger.info("show %s ended", show_id)
        return show

    def start(self) -> None:
        """Start the heartbeat-and-sweep loop (and the claim on the sweep's lease)."""
        if self._leadership is not None:
            self._leadership.start()
        self._task = asyncio.create_task(self._run(), name="show-lifecycle")

    async def close(self) -> None:
        """Stop the loop and give the sweep's lease up."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._leadership is not None:
            await self._leadership.close()

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except RedisError as exc:
                # Redis may be restarting; the next tick tries again.
                logger.warning("show lifecycle tick failed: %s", exc)
            except Exception:
                logger.exception("show lifecycle tick failed")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def tick(self) -> None:
        """Refresh this process's publisher keys; then, if it leads the sweep, sweep."""
        await self.heartbeat()
        if self._leadership is None or self._leadership.leading:
            await self.sweep()

    async def heartbeat(self) -> None:
        """Keep the publisher keys of this process's publishers alive, drop those that left."""
        for show_id in list(self._local):
            key = publisher_key(show_id)
            if self._is_publishing(show_id):
                await self._redis.set(key, self._token, ex=PUBLISHER_KEY_TTL_SECONDS)
            elif await self._redis.get(key) in (self._token, self._token.encode()):
                # Our publisher is gone: viewers hear it now, not when the key expires.
                await self._redis.delete(key)

    async def sweep(self) -> None:
        """Tell the room of live shows whose publisher is missing; end those gone too long."""
        now = self._clock()
        for show in await self._shows.list_recent(500, status=ShowStatus.LIVE):
            if await self._redis.exists(publisher_key(show.id)):
                if await self._redis.delete(publisher_lost_key(show.id)):
                    # Back on the same session (a network blip): only the deleter says so.
                    await self._events.publish(show.id, publisher_message(show, ON_AIR))
                continue
            if await self._redis.set(publisher_lost_key(show.id), str(now), nx=True, ex=86_400):
                await self._events.publish(show.id, publisher_message(show, RECONNECTING))
            lost_at = float(await self._redis.get(publisher_lost_key(show.id)) or now)
            if now - lost_at < self._settings.end_after_publisher_lost_seconds:
                continue
            if await self._redis.set(ending_key(show.id), "1", nx=True, ex=ENDING_LOCK_SECONDS):
                logger.info("show %s has had no publisher since %.0f; ending it", show.id, lost_at)
                await self.end(show.id)
