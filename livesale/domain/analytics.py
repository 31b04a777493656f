"""Show analytics from recorded events: audience, pins and sales (pure, no I/O).

Every figure is computed from what was recorded (watch sessions, the
timeline, counters, chat messages, orders), never from live state, so a
report read after a restart says what one read before it said.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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

SOLD_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})


@dataclass(frozen=True)
class WatchSession:
    """One room connection: who (a stable audience key) and when, in epoch seconds.

    `viewer_id` is the connection's guest identity, if it had one: it says which
    audience (browser) the guest's orders came from.
    """

    audience_key: str
    started_at: float
    ended_at: float
    viewer_id: str | None = None


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
    """A line of an order of the show, with the pin it was bought from and its buyer."""

    order_id: str
    status: OrderStatus
    currency: str
    created_at: float
    pin_id: int | None
    quantity: int
    line_total_minor: int
    buyer_id: str | None = None  # the guest viewer who placed the order


@dataclass
class Money:
    """Amounts per currency (minor units), in a stable order."""

    amounts: dict[str, int] = field(default_factory=dict)

    def add(self, currency: str, minor: int) -> None:
        """Add an amount."""
        self.amounts[currency] = self.amounts.get(currency, 0) + minor


@dataclass
class Takings:
    """Money of order lines: what buyers paid, what went back, and what is kept."""

    revenue: Money = field(default_factory=Money)  # every payment taken, refunded ones too
    refunded_amount: Money = field(default_factory=Money)

    def add(self, line: SoldLine) -> None:
        """Count a line: paid (or fulfilled) lines are revenue; a refunded order's lines
        are revenue given back (a refund always follows a payment, even one that came
        after its order was canceled). Unpaid lines are no money."""
        if line.status in SOLD_STATUSES:
            self.revenue.add(line.currency, line.line_total_minor)
        elif line.status is OrderStatus.REFUNDED:
            self.revenue.add(line.currency, line.line_total_minor)
            self.refunded_amount.add(line.currency, line.line_total_minor)

    @property
    def net(self) -> Money:
        """Revenue minus the money given back, per currency."""
        kept = Money(dict(self.revenue.amounts))
        for currency, amount in self.refunded_amount.amounts.items():
            kept.add(currency, -amount)
        return kept


@dataclass(frozen=True)
class Audience:
    """Who watched during a window."""

    peak: int
    peak_at: float | None
    average: float
    unique: int
    watch_seconds: float


def audience_key(viewer_id: str | None, visitor_id: str | None) -> str:
    """Who is watching, for unique-viewer counts: the browser, else the guest, else nobody known."""
    if visitor_id is not None:
        return "visitor:" + visitor_id
    if viewer_id is not None:
        return "viewer:" + viewer_id
    return "connection:" + uuid.uuid4().hex


def clip(sessions: Iterable[WatchSession], start: float, end: float) -> list[WatchSession]:
    """The sessions' parts inside [start, end); sessions wholly outside are dropped."""
    clipped = []
    for session in sessions:
        begin, finish = max(session.started_at, start), min(session.ended_at, end)
        if finish > begin:
            clipped.append(WatchSession(session.audience_key, begin, finish, session.viewer_id))
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


def conversion(buyers: int, viewers: int) -> float | None:
    """Buyers per unique viewer (None when nobody watched); at most 1 for buyers among viewers."""
    return buyers / viewers if viewers else None


def audiences_of_buyers(sessions: Iterable[WatchSession]) -> dict[str, set[str]]:
    """For each guest viewer seen in the room, the audience keys (browsers) it watched from."""
    keys: dict[str, set[str]] = {}
    for session in sessions:
        if session.viewer_id is not None:
            keys.setdefault(session.viewer_id, set()).add(session.audience_key)
    return keys


def buying_audience(
    lines: Iterable[SoldLine], audiences: dict[str, set[str]], pin_id: int | None = None
) -> set[str]:
    """Audience keys whose guest paid for a line (of one pin, when `pin_id` is given).

    A buyer who never opened the show's room is not a viewer, so has no key here.
    """
    found: set[str] = set()
    for line in lines:
        if line.status not in SOLD_STATUSES or line.buyer_id is None:
            continue
        if pin_id is None or line.pin_id == pin_id:
            found |= audiences.get(line.buyer_id, set())
    return found


def buyers_among(reached: Iterable[WatchSession], buying: set[str]) -> int:
    """How many of the audiences in `reached` bought: never more than were reached."""
    return len({session.audience_key for session in reached} & buying)


@dataclass
class PinFigures:
    """What one pin did while it was on screen."""

    span: PinSpan
    viewers_reached: int = 0
    buyers: int = 0
    buy_taps: int = 0
    cart_adds: int = 0
    holds: int = 0
    order_ids: set[str] = field(default_factory=set)
    units: int = 0
    takings: Takings = field(default_factory=Takings)


def pin_figures(
    spans: Sequence[PinSpan],
    sessions: Sequence[WatchSession],
    counts: Sequence[ActivityCount],
    lines: Sequence[SoldLine],
    *,
    replay: bool = False,
) -> list[PinFigures]:
    """Per pin: viewers reached and the buyers among them, taps, holds, and the sold
    orders bought from it.

    With `replay`, the taps and holds made while watching the replay (the caller
    passes the replay's sessions and order lines).
    """
    tap_kind, hold_kind = (REPLAY_BUY_TAP, REPLAY_HOLD) if replay else (BUY_TAP, HOLD)
    figures = {span.pin_id: PinFigures(span) for span in spans}
    audiences = audiences_of_buyers(sessions)
    for figure in figures.values():
        reached = clip(sessions, figure.span.start, figure.span.end)
        figure.viewers_reached = len({s.audience_key for s in reached})
        buying = buying_audience(lines, audiences, figure.span.pin_id)
        figure.buyers = buyers_among(reached, buying)
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
        if bought_from is None:
            continue
        bought_from.takings.add(line)
        if line.status in SOLD_STATUSES:
            bought_from.order_ids.add(line.order_id)
            bought_from.units += line.quantity
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


@dataclass
class Sales(Takings):
    """A show's orders: how many were sold and refunded, and their money."""

    sold: int = 0  # paid or fulfilled orders
    refunded: int = 0  # refunded orders


def sales(lines: Sequence[SoldLine]) -> Sales:
    """Sold and refunded orders, revenue (every paid order), refunds and net per currency."""
    sold: set[str] = set()
    refunded: set[str] = set()
    figures = Sales()
    for line in lines:
        figures.add(line)
        if line.status in SOLD_STATUSES:
            sold.add(line.order_id)
        elif line.status is OrderStatus.REFUNDED:
            refunded.add(line.order_id)
    figures.sold, figures.refunded = len(sold), len(refunded)
    return figures
