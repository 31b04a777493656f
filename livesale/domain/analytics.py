"""Show analytics from recorded events: audience, pins and sales (pure, no I/O).

Every figure is computed from what was recorded (watch sessions, the
timeline, counters, chat messages, orders), never from live state, so a
report read after a restart says what one read before it said.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livesale.domain.orders import OrderStatus
from livesale.domain.pins import TimelineEvent, TimelineKind

# Counter kinds recorded per show, per 10-second slot and per pin.
BUY_TAP = "buy_tap"
CART_ADD = "cart_add"
HOLD = "hold"
LIKE = "like"
# The same, made while watching the replay (counted apart from the live).
REPLAY_BUY_TAP = "replay_buy_tap"
REPLAY_HOLD = "replay_hold"
ACTIVITY_KINDS = frozenset({BUY_TAP, CART_ADD, HOLD, LIKE, REPLAY_BUY_TAP, REPLAY_HOLD})
SLOT_SECONDS = 10
NO_PIN = 0

# Chart buckets: the smallest of these that draws the show in MAX_POINTS or fewer.
BUCKET_CHOICES = (10, 30, 60, 300, 600, 1800, 3600)
MAX_POINTS = 120
SOLD_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})


@dataclass(frozen=True)
class WatchSession:
    """One room connection: who (a stable audience key) and when, in epoch seconds."""

    audience_key: str
    started_at: float
    ended_at: float


@dataclass(frozen=True)
class PinSpan:
    """A pin and the time it stayed on screen (epoch seconds)."""

    pin_id: int
    product_id: str
    flash_sale: bool
    start: float
    end: float


@dataclass(frozen=True)
class ActivityCount:
    """How many of one kind of event happened in a slot, under a pin (NO_PIN outside one)."""

    slot_start: float
    kind: str
    pin_id: int
    count: int


@dataclass(frozen=True)
class SoldLine:
    """A line of an order of the show, with the pin it was bought from."""

    order_id: str
    status: OrderStatus
    currency: str
    created_at: float
    pin_id: int | None
    quantity: int
    line_total_minor: int


@dataclass
class Money:
    """Amounts per currency (minor units), in a stable order."""

    amounts: dict[str, int] = field(default_factory=dict)

    def add(self, currency: str, minor: int) -> None:
        """Add an amount."""
        self.amounts[currency] = self.amounts.get(currency, 0) + minor

    def as_json(self) -> list[dict[str, Any]]:
        """[{currency, amount_minor}] sorted by currency."""
        return [
            {"currency": currency, "amount_minor": amount}
            for currency, amount in sorted(self.amounts.items())
        ]


@dataclass(frozen=True)
class Audience:
    """Who watched during a window."""

    peak: int
    peak_at: float | None
    average: float
    unique: int
    watch_seconds: float


def clip(sessions: Iterable[WatchSession], start: float, end: float) -> list[WatchSession]:
    """The sessions' parts inside [start, end); sessions wholly outside are dropped."""
    clipped = []
    for session in sessions:
        begin, finish = max(session.started_at, start), min(session.ended_at, end)
        if finish > begin:
            clipped.append(WatchSession(session.audience_key, begin, finish))
    return clipped


def audience(sessions: Sequence[WatchSession], start: float, end: float) -> Audience:
    """Peak (and when), average concurrent viewers, unique viewers and watch time in a window."""
    inside = clip(sessions, start, end)
    watch_seconds = sum(s.ended_at - s.started_at for s in inside)
    length = end - start
    peak, peak_at = _peak(inside)
    return Audience(
        peak=peak,
        peak_at=peak_at,
        average=watch_seconds / length if length > 0 else 0.0,
        unique=len({s.audience_key for s in inside}),
        watch_seconds=watch_seconds,
    )


def _peak(sessions: Sequence[WatchSession]) -> tuple[int, float | None]:
    # Ends sort before starts at the same instant: a reconnect is not two viewers.
    changes = sorted(
        [(s.started_at, 1) for s in sessions] + [(s.ended_at, -1) for s in sessions],
        key=lambda change: (change[0], change[1]),
    )
    current = peak = 0
    peak_at: float | None = None
    for at, delta in changes:
        current += delta
        if current > peak:
            peak, peak_at = current, at
    return peak, peak_at


def pin_spans(events: Sequence[TimelineEvent], show_end: float) -> list[PinSpan]:
    """Spans of the pins of a timeline (oldest event first).

    A pin stays on screen until the next pin or unpin, or the end of the show.
    """
    spans: list[PinSpan] = []
    current: TimelineEvent | None = None
    for event in events:
        if current is not None:
            spans.append(_span(current, event.created_at))
            current = None
        if event.kind is TimelineKind.PIN and event.product_id is not None:
            current = event
    if current is not None:
        spans.append(_span(current, show_end))
    return spans


def _span(pin: TimelineEvent, end: float) -> PinSpan:
    assert pin.product_id is not None
    return PinSpan(
        pin.id, pin.product_id, pin.flash_sale is not None, pin.created_at, max(end, pin.created_at)
    )


def bucket_seconds(length: float) -> int:
    """The chart's bucket size for a window of `length` seconds."""
    for choice in BUCKET_CHOICES:
        if length <= choice * MAX_POINTS:
            return choice
    return math.ceil(length / MAX_POINTS / BUCKET_CHOICES[-1]) * BUCKET_CHOICES[-1]


def conversion(orders: int, reached: int) -> float | None:
    """Orders per viewer reached (None when nobody was reached)."""
    return orders / reached if reached else None


@dataclass
class PinFigures:
    """What one pin did while it was on screen."""

    span: PinSpan
    viewers_reached: int = 0
    buy_taps: int = 0
    cart_adds: int = 0
    holds: int = 0
    order_ids: set[str] = field(default_factory=set)
    units: int = 0
    revenue: Money = field(default_factory=Money)

    def as_json(self, live_at: float) -> dict[str, Any]:
        """The pin's figures; times as ms since the show went live."""
        orders = len(self.order_ids)
        return {
            "pin_id": self.span.pin_id,
            "product_id": self.span.product_id,
            "flash_sale": self.span.flash_sale,
            "from_ms": round((self.span.start - live_at) * 1000),
            "to_ms": round((self.span.end - live_at) * 1000),
            "seconds_on_screen": round(self.span.end - self.span.start, 3),
            "viewers_reached": self.viewers_reached,
            "buy_taps": self.buy_taps,
            "cart_adds": self.cart_adds,
            "holds": self.holds,
            "orders": orders,
            "units": self.units,
            "revenue": self.revenue.as_json(),
            "conversion": conversion(orders, self.viewers_reached),
        }


def pin_figures(
    spans: Sequence[PinSpan],
    sessions: Sequence[WatchSession],
    counts: Sequence[ActivityCount],
    lines: Sequence[SoldLine],
    *,
    replay: bool = False,
) -> list[PinFigures]:
    """Per pin: viewers reached, taps, holds, and the sold orders bought from it.

    With `replay`, the taps and holds made while watching the replay (the caller
    passes the replay's sessions and order lines).
    """
    tap_kind, hold_kind = (REPLAY_BUY_TAP, REPLAY_HOLD) if replay else (BUY_TAP, HOLD)
    figures = {span.pin_id: PinFigures(span) for span in spans}
    for figure in figures.values():
        reached = clip(sessions, figure.span.start, figure.span.end)
        figure.viewers_reached = len({s.audience_key for s in reached})
    for count in counts:
        counted = figures.get(count.pin_id)
        if counted is None:
            continue
        if count.kind == tap_kind:
            counted.buy_taps += count.count
        elif count.kind == CART_ADD and not replay:
            counted.cart_adds += count.count
        elif count.kind == hold_kind:
            counted.holds += count.count
    for line in lines:
        bought_from = None if line.pin_id is None else figures.get(line.pin_id)
        if bought_from is not None and line.status in SOLD_STATUSES:
            bought_from.order_ids.add(line.order_id)
            bought_from.units += line.quantity
            bought_from.revenue.add(line.currency, line.line_total_minor)
    return [figures[span.pin_id] for span in spans]


def split_at(
    lines: Sequence[SoldLine], ended_at: float | None
) -> tuple[list[SoldLine], list[SoldLine]]:
    """Order lines placed during the live, and in the replay (placed after the show ended)."""
    if ended_at is None:
        return list(lines), []
    live = [line for line in lines if line.created_at <= ended_at]
    return live, [line for line in lines if line.created_at > ended_at]


def watch_totals(sessions: Sequence[WatchSession]) -> tuple[int, float]:
    """Unique viewers and watch seconds of sessions taken whole (a replay has no window)."""
    return len({s.audience_key for s in sessions}), sum(s.ended_at - s.started_at for s in sessions)


def sales(lines: Sequence[SoldLine]) -> tuple[int, Money, int, Money]:
    """Sold orders and their revenue; refunded orders and the money given back."""
    sold: set[str] = set()
    refunded: set[str] = set()
    revenue, given_back = Money(), Money()
    for line in lines:
        if line.status in SOLD_STATUSES:
            sold.add(line.order_id)
            revenue.add(line.currency, line.line_total_minor)
        elif line.status is OrderStatus.REFUNDED:
            refunded.add(line.order_id)
            given_back.add(line.currency, line.line_total_minor)
    return len(sold), revenue, len(refunded), given_back


@dataclass
class Point:
    """One chart bucket."""

    start: float
    viewers_average: float = 0.0
    viewers_peak: int = 0
    likes: int = 0
    chat_messages: int = 0
    buy_taps: int = 0
    orders: int = 0

    def as_json(self, live_at: float) -> dict[str, Any]:
        """The bucket's figures; its start as ms since the show went live."""
        return {
            "offset_ms": round((self.start - live_at) * 1000),
            "viewers_average": round(self.viewers_average, 3),
            "viewers_peak": self.viewers_peak,
            "likes": self.likes,
            "chat_messages": self.chat_messages,
            "buy_taps": self.buy_taps,
            "orders": self.orders,
        }


def series(
    start: float,
    end: float,
    sessions: Sequence[WatchSession],
    counts: Sequence[ActivityCount],
    chat_times: Sequence[float],
    lines: Sequence[SoldLine],
) -> tuple[int, list[Point]]:
    """The show cut into buckets for charts: viewers, likes, chat, Buy taps and orders."""
    size = bucket_seconds(end - start)
    total = max(1, math.ceil((end - start) / size))
    points = [Point(start + i * size) for i in range(total)]

    def index(at: float) -> int | None:
        position = math.floor((at - start) / size)
        return position if 0 <= position < total else None

    for point in points:
        window = audience(sessions, point.start, min(point.start + size, end))
        point.viewers_average, point.viewers_peak = window.average, window.peak
    for count in counts:
        if count.slot_start + SLOT_SECONDS <= start:
            continue  # before the show went live
        # A slot counts in the bucket where it starts: charts are exact to a slot (10 s).
        slot_index = index(max(count.slot_start, start))
        if slot_index is None:
            continue
        if count.kind == LIKE:
            points[slot_index].likes += count.count
        elif count.kind == BUY_TAP:
            points[slot_index].buy_taps += count.count
    for at in chat_times:
        chat_index = index(at)
        if chat_index is not None:
            points[chat_index].chat_messages += 1
    placed: dict[str, float] = {}
    for line in lines:
        if line.status in SOLD_STATUSES:
            placed[line.order_id] = line.created_at
    for at in placed.values():
        order_index = index(at)
        if order_index is not None:
            points[order_index].orders += 1
    return size, points
