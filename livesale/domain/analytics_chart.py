"""The show's chart: its live part cut into buckets of viewers, likes, chat, taps, orders."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from livesale.domain.analytics import (
    BUY_TAP,
    LIKE,
    SLOT_SECONDS,
    SOLD_STATUSES,
    ActivityCount,
    SoldLine,
    WatchSession,
    audience,
)

# Chart buckets: the smallest of these that draws the show in MAX_POINTS or fewer.
BUCKET_CHOICES = (10, 30, 60, 300, 600, 1800, 3600)
MAX_POINTS = 120


def bucket_seconds(length: float) -> int:
    """The chart's bucket size for a window of `length` seconds."""
    for choice in BUCKET_CHOICES:
        if length <= choice * MAX_POINTS:
            return choice
    return math.ceil(length / MAX_POINTS / BUCKET_CHOICES[-1]) * BUCKET_CHOICES[-1]


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
