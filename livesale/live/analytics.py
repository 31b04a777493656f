"""A show's analytics for its creator, live and after, from what was recorded."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

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

    async def report(self, creator: Creator, show_id: str) -> dict[str, Any]:
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
        report: dict[str, Any] = {
            "show": _show_json(show),
            "as_of": now,
            "likes": totals[analytics.LIKE],
            "chat_messages": len(chat_times),
            "buy_taps": totals[analytics.BUY_TAP],
            "cart_adds": totals[analytics.CART_ADD],
            "holds": totals[analytics.HOLD],
            "orders": _orders_json(lines),
        }
        if show.live_at is None:
            report.update(_not_live_yet())
            return report
        start = show.live_at
        end = max(start, ended if ended is not None else now)
        sessions = await self._activity.sessions(show.id, now)
        crowd = analytics.audience(sessions, start, end)
        # Buyers are counted among the viewers, so conversion never passes 100%.
        buying = analytics.buying_audience(lines, analytics.audiences_of_buyers(sessions))
        buyers = analytics.buyers_among(analytics.clip(sessions, start, end), buying)
        spans = analytics.pin_spans(await self._timeline.events(show.id), end)
        pins = analytics.pin_figures(spans, sessions, counts, lines)
        replay_sessions = await self._activity.sessions(show.id, now, replay=True)
        replay_pins = analytics.pin_figures(spans, [], counts, replay_lines, replay=True)
        titles = await self._titles([span.product_id for span in spans])
        size, points = analytics_chart.series(start, end, sessions, counts, chat_times, lines)
        report["live_seconds"] = round(end - start, 3)
        report["viewers"] = {
            "peak": crowd.peak,
            "peak_at_ms": None if crowd.peak_at is None else round((crowd.peak_at - start) * 1000),
            "average": round(crowd.average, 3),
            "unique": crowd.unique,
            "watch_minutes": round(crowd.watch_seconds / 60, 3),
            "buyers": buyers,
        }
        report["conversion"] = analytics.conversion(buyers, crowd.unique)
        report["pins"] = [
            {
                **pin.as_json(start),
                "title": titles.get(pin.span.product_id, ""),
                "replay": _replay_pin_json(replayed),
            }
            for pin, replayed in zip(pins, replay_pins, strict=True)
        ]
        report["chart"] = {
            "bucket_seconds": size,
            "points": [point.as_json(start) for point in points],
        }
        unique, watch_seconds = analytics.watch_totals(replay_sessions)
        report["replay"] = {
            "viewers": {"unique": unique, "watch_minutes": round(watch_seconds / 60, 3)},
            "buy_taps": totals[analytics.REPLAY_BUY_TAP],
            "holds": totals[analytics.REPLAY_HOLD],
            "orders": _orders_json(replay_lines),
        }
        return report

    async def _titles(self, product_ids: list[str]) -> dict[str, str]:
        unique = list(dict.fromkeys(product_ids))
        return {product.id: product.title for product in await self._products.get_many(unique)}


def _show_json(show: Show) -> dict[str, Any]:
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "live_at": show.live_at,
        "ended_at": show.ended_at,
    }


def _orders_json(lines: list[SoldLine]) -> dict[str, Any]:
    figures = analytics.sales(lines)
    return {
        "sold": figures.sold,
        "revenue": figures.revenue.as_json(),
        "refunded": figures.refunded,
        "refunded_amount": figures.refunded_amount.as_json(),
        "net": figures.net.as_json(),
    }


def _replay_pin_json(figures: analytics.PinFigures) -> dict[str, Any]:
    full = figures.as_json(0.0)
    return {key: full[key] for key in ("buy_taps", "holds", "orders", "units", "revenue", "net")}


def _not_live_yet() -> dict[str, Any]:
    return {
        "live_seconds": 0,
        "viewers": {
            "peak": 0,
            "peak_at_ms": None,
            "average": 0.0,
            "unique": 0,
            "watch_minutes": 0.0,
            "buyers": 0,
        },
        "conversion": None,
        "pins": [],
        "chart": {"bucket_seconds": analytics_chart.BUCKET_CHOICES[0], "points": []},
        "replay": {
            "viewers": {"unique": 0, "watch_minutes": 0.0},
            "buy_taps": 0,
            "holds": 0,
            "orders": _orders_json([]),
        },
    }
