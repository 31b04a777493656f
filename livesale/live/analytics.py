"""A show's analytics for its creator, live and after, from what was recorded."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from livesale.domain import analytics, analytics_chart
from livesale.domain.accounts import Creator
from livesale.domain.analytics import SoldLine
from livesale.domain.errors import NotOwner
from livesale.domain.products import Product
from livesale.domain.shows import Show, ShowStatus
from livesale.storage.activity import ActivityRepository
from livesale.storage.chat import ChatRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository


class SoldLineSource(Protocol):
    """Reads the order lines of a show."""

    async def sold_lines(self, show_id: str) -> list[SoldLine]:
        """Every line of every order of the show, with its order's status."""


class ProductSource(Protocol):
    """Reads products by id."""

    async def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products that exist among `product_ids`, in that order."""


@dataclass(frozen=True, slots=True)
class PinReport:
    """What one pin did live, its product's title, and what it did in the replay."""

    live: analytics.PinFigures
    title: str
    replay: analytics.PinFigures


@dataclass(frozen=True, slots=True)
class LiveReport:
    """The figures of a show that went live: its audience, pins, chart and replay viewers."""

    live_at: float
    end: float
    audience: analytics.Audience
    buyers: int
    pins: list[PinReport]
    bucket_seconds: int
    points: list[analytics_chart.Point]
    replay_viewers: int
    replay_watch_seconds: float


@dataclass(frozen=True, slots=True)
class AnalyticsReport:
    """A show's analytics as of a moment; `live` is None until the show went live."""

    show: Show
    as_of: float
    totals: dict[str, int]  # activity counts by kind (analytics.ACTIVITY_KINDS)
    chat_messages: int
    sales: analytics.Sales
    replay_sales: analytics.Sales
    live: LiveReport | None


class ShowAnalytics:
    """Builds the analytics report of a show for its creator."""

    def __init__(
        self,
        shows: ShowRepository,
        timeline: TimelineRepository,
        activity: ActivityRepository,
        chat: ChatRepository,
        orders: SoldLineSource,
        products: ProductSource,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._shows = shows
        self._timeline = timeline
        self._activity = activity
        self._chat = chat
        self._orders = orders
        self._products = products
        self._clock = clock

    async def report(self, creator: Creator, show_id: str) -> AnalyticsReport:
        """The figures of the show, the live and its replay apart (NotOwner unless `creator`
        owns it)."""
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may see its analytics", show_id=show_id)
        now = self._clock()
        counts = await self._activity.counts(show.id)
        chat_times = await self._chat.times(show.id)
        ended = show.ended_at if show.status is ShowStatus.ENDED else None
        lines, replay_lines = analytics.split_at(await self._orders.sold_lines(show.id), ended)
        totals = {kind: 0 for kind in analytics.ACTIVITY_KINDS}
        for count in counts:
            totals[count.kind] = totals.get(count.kind, 0) + count.count
        live = None
        if show.live_at is not None:
            start = show.live_at
            end = max(start, ended if ended is not None else now)
            sessions = await self._activity.sessions(show.id, now)
            # Buyers are counted among the viewers, so conversion never passes 100%.
            buying = analytics.buying_audience(lines, analytics.audiences_of_buyers(sessions))
            spans = analytics.pin_spans(await self._timeline.events(show.id), end)
            pins = analytics.pin_figures(spans, sessions, counts, lines)
            replay_sessions = await self._activity.sessions(show.id, now, replay=True)
            replay_pins = analytics.pin_figures(spans, [], counts, replay_lines, replay=True)
            titles = await self._titles([span.product_id for span in spans])
            size, points = analytics_chart.series(start, end, sessions, counts, chat_times, lines)
            replay_viewers, replay_watch_seconds = analytics.watch_totals(replay_sessions)
            live = LiveReport(
                live_at=start,
                end=end,
                audience=analytics.audience(sessions, start, end),
                buyers=analytics.buyers_among(analytics.clip(sessions, start, end), buying),
                pins=[
                    PinReport(pin, titles.get(pin.span.product_id, ""), replayed)
                    for pin, replayed in zip(pins, replay_pins, strict=True)
                ],
                bucket_seconds=size,
                points=points,
                replay_viewers=replay_viewers,
                replay_watch_seconds=replay_watch_seconds,
            )
        return AnalyticsReport(
            show=show,
            as_of=now,
            totals=totals,
            chat_messages=len(chat_times),
            sales=analytics.sales(lines),
            replay_sales=analytics.sales(replay_lines),
            live=live,
        )

    async def _titles(self, product_ids: list[str]) -> dict[str, str]:
        unique = list(dict.fromkeys(product_ids))
        return {product.id: product.title for product in await self._products.get_many(unique)}
