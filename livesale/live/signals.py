"""Viewer signals for the "For you" feed, taken in as they happen and added to taste profiles.

Watch sessions end on the room's hot path, Buy-now taps and holds inside the
checkout and purchases inside settlement, so none waits: events go on a bounded
queue and one task here resolves each show's creator and title and updates the
viewer's profile in Redis. A viewer who turned personalisation off is skipped;
a full queue drops (and counts) the newest events rather than growing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from livesale import metrics
from livesale.domain.analytics import BUY_TAP, HOLD, REPLAY_BUY_TAP, REPLAY_HOLD
from livesale.domain.errors import LivesaleError
from livesale.domain.feed import taste_categories
from livesale.domain.orders import Order
from livesale.storage.follows import FollowRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.taste import (
    HOLD_WEIGHT,
    TAP_WEIGHT,
    Bought,
    Interested,
    TasteStore,
    Watched,
)
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

QUEUE_SIZE = 10_000

# The counted kinds that tell of a viewer's interest, by signal name and weight.
INTEREST = {
    BUY_TAP: ("tap", TAP_WEIGHT),
    REPLAY_BUY_TAP: ("tap", TAP_WEIGHT),
    HOLD: ("hold", HOLD_WEIGHT),
    REPLAY_HOLD: ("hold", HOLD_WEIGHT),
}


@dataclass(frozen=True, slots=True)
class _Interest:
    viewer_id: str
    show_id: str
    kind: str  # an analytics kind in INTEREST
    at: float


_Event = tuple[str, str, float, float] | Order | _Interest


class Signals:
    """Turns watch sessions, Buy-now taps and holds, and paid orders into profile updates,
    one at a time, in order."""

    def __init__(
        self,
        taste: TasteStore,
        shows: ShowRepository,
        follows: FollowRepository,
        min_watch_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._min_watch = min_watch_seconds
        self._taste = taste
        self._shows = shows
        self._follows = follows
        self._clock = clock
        self._queue: asyncio.Queue[_Event] = asyncio.Queue(QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None

    def watch_ended(self, viewer_id: str, show_id: str, seconds: float) -> None:
        """A known guest stopped watching a show (live or replay) after `seconds`."""
        if seconds >= self._min_watch:
            self._put((viewer_id, show_id, seconds, self._clock()))

    def counted(self, viewer_id: str, show_id: str, kind: str) -> None:
        """A guest's counted event in a show (only Buy-now taps and holds teach the feed)."""
        if kind in INTEREST:
            self._put(_Interest(viewer_id, show_id, kind, self._clock()))

    def order_paid(self, order: Order) -> None:
        """A guest's order was paid."""
        self._put(order)

    def _put(self, event: _Event) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            metrics.FEED_SIGNALS_DROPPED.inc()

    def start(self) -> None:
        """Start applying events."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Apply what is queued, then stop."""
        await self.drain()
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def drain(self) -> None:
        """Apply every queued event now (also what `stop` does first)."""
        while not self._queue.empty():
            await self._apply_logged(self._queue.get_nowait())

    async def _run(self) -> None:
        while True:
            await self._apply_logged(await self._queue.get())

    async def _apply_logged(self, event: _Event) -> None:
        # One event that cannot be applied (Redis away) must not stop the others.
        try:
            await self._apply(event)
        except Exception:
            logger.exception("a feed signal was not applied")

    async def _apply(self, event: _Event) -> None:
        if isinstance(event, Order):
            await self._bought(event)
            return
        if isinstance(event, _Interest):
            await self._interested(event)
            return
        viewer_id, show_id, seconds, at = event
        if not await self._follows.personalised(viewer_id):
            return
        try:
            show = await self._shows.get(show_id)
        except LivesaleError:
            return  # deleted since
        if show.creator_id is None:
            return
        await self._taste.watched(
            Watched(
                viewer_id,
                show.id,
                show.creator_id,
                show.title,
                seconds,
                at,
                taste_categories(show.category),
            )
        )
        metrics.FEED_SIGNALS.labels("watch").inc()

    async def _bought(self, order: Order) -> None:
        if not order.lines or not await self._follows.personalised(order.viewer_id):
            return
        at = order.paid_at if order.paid_at is not None else self._clock()
        title = order.lines[0].title
        try:
            categories = taste_categories((await self._shows.get(order.show_id)).category)
        except LivesaleError:
            categories = ()  # the show is gone; the purchase still counts
        await self._taste.bought(Bought(order.viewer_id, order.creator_id, title, at, categories))
        metrics.FEED_SIGNALS.labels("purchase").inc()

    async def _interested(self, event: _Interest) -> None:
        if not await self._follows.personalised(event.viewer_id):
            return
        try:
            show = await self._shows.get(event.show_id)
        except LivesaleError:
            return  # deleted since
        if show.creator_id is None:
            return
        name, weight = INTEREST[event.kind]
        categories = taste_categories(show.category)
        await self._taste.interested(
            Interested(event.viewer_id, show.creator_id, weight, event.at, categories)
        )
        metrics.FEED_SIGNALS.labels(name).inc()
