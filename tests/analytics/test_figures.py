"""The analytics arithmetic on a scripted show whose every event is known."""

from __future__ import annotations

import pytest

from livesale.domain import analytics, analytics_chart
from livesale.domain.analytics import (
    ActivityCount,
    SoldLine,
    WatchSession,
)
from livesale.domain.orders import OrderStatus
from livesale.domain.pins import FlashSale, TimelineEvent, TimelineKind
from livesale.web.analytics_json import money_json, pin_figures_json, point_json

LIVE_AT = 1000.0
END = 1100.0

# visitor a watches from before the show went live (anonymous), leaves, comes
# back as guest va; b (guest vb) stays to the end; c drops by. Watch time inside
# the show: 50 + 90 + 20 + 10 = 170 s.
SESSIONS = [
    WatchSession("a", 990.0, 1050.0),
    WatchSession("b", 1010.0, 1100.0, "vb"),
    WatchSession("a", 1060.0, 1080.0, "va"),
    WatchSession("c", 1020.0, 1030.0),
    WatchSession("late", 1200.0, 1300.0, "vlate"),  # after the show: not in any figure
]
SALE = FlashSale(
    sale_price_minor=1500, currency="USD", quantity=5, per_buyer_limit=1, duration_seconds=60
)
TIMELINE = [
    TimelineEvent(1, "s", TimelineKind.PIN, 5000, "p1", None, 1005.0),
    TimelineEvent(2, "s", TimelineKind.PIN, 40000, "p2", SALE, 1040.0),
    TimelineEvent(3, "s", TimelineKind.UNPIN, 70000, None, None, 1070.0),
]
COUNTS = [
    ActivityCount(1000.0, analytics.LIKE, 0, 7),
    ActivityCount(1010.0, analytics.BUY_TAP, 1, 5),
    ActivityCount(1010.0, analytics.HOLD, 1, 3),
    ActivityCount(1040.0, analytics.BUY_TAP, 2, 4),
    ActivityCount(1040.0, analytics.HOLD, 2, 2),
    ActivityCount(1040.0, analytics.CART_ADD, 2, 1),
    ActivityCount(1090.0, analytics.LIKE, 0, 3),
    ActivityCount(980.0, analytics.LIKE, 0, 9),  # before the show went live
]
LINES = [
    SoldLine("o1", OrderStatus.PAID, "USD", 1012.0, 1, 2, 1000, "va"),
    SoldLine("o2", OrderStatus.REFUNDED, "USD", 1015.0, 1, 1, 500, "vb"),
    SoldLine("o3", OrderStatus.FULFILLED, "USD", 1045.0, 2, 1, 1500, "vb"),
    SoldLine("o3", OrderStatus.FULFILLED, "USD", 1045.0, None, 1, 200, "vb"),
    SoldLine("o4", OrderStatus.PENDING_PAYMENT, "USD", 1050.0, 2, 1, 1500, "va"),
]


def test_audience_of_the_show() -> None:
    crowd = analytics.audience(SESSIONS, LIVE_AT, END)
    assert crowd.watch_seconds == pytest.approx(170.0)
    assert crowd.average == pytest.approx(1.7)
    assert crowd.unique == 3
    # At 1020 a, b and c all watch; never more.
    assert (crowd.peak, crowd.peak_at) == (3, 1020.0)


def test_a_reconnect_at_the_same_instant_is_not_two_viewers() -> None:
    sessions = [WatchSession("a", 0.0, 10.0), WatchSession("a", 10.0, 20.0)]
    crowd = analytics.audience(sessions, 0.0, 20.0)
    assert (crowd.peak, crowd.unique, crowd.average) == (1, 1, 1.0)


def test_nobody_watching() -> None:
    crowd = analytics.audience([], LIVE_AT, END)
    assert (crowd.peak, crowd.peak_at, crowd.unique, crowd.average) == (0, None, 0, 0.0)


def test_pins_run_until_the_next_pin_or_unpin_or_the_end() -> None:
    spans = analytics.pin_spans(TIMELINE, END)
    assert [(s.pin_id, s.product_id, s.flash_sale, s.start, s.end) for s in spans] == [
        (1, "p1", False, 1005.0, 1040.0),
        (2, "p2", True, 1040.0, 1070.0),
    ]
    still_pinned = analytics.pin_spans(TIMELINE[:2], END)
    assert still_pinned[-1].end == END


def test_per_pin_figures() -> None:
    spans = analytics.pin_spans(TIMELINE, END)
    first, second = analytics.pin_figures(spans, SESSIONS, COUNTS, LINES)
    assert pin_figures_json(first, LIVE_AT) == {
        "pin_id": 1,
        "product_id": "p1",
        "flash_sale": False,
        "from_ms": 5000,
        "to_ms": 40000,
        "seconds_on_screen": 35.0,
        "viewers_reached": 3,  # a, b, c were there between 1005 and 1040
        # a bought o1 from this pin (as va, a name it took later); b's o2 was refunded.
        "buyers": 1,
        "buy_taps": 5,
        "cart_adds": 0,
        "holds": 3,
        "orders": 1,  # o2 was refunded
        "units": 2,
        # o1 and the refunded o2 were paid; o2's money went back.
        "revenue": [{"currency": "USD", "amount_minor": 1500}],
        "net": [{"currency": "USD", "amount_minor": 1000}],
        "conversion": pytest.approx(1 / 3),
    }
    assert pin_figures_json(second, LIVE_AT) == {
        "pin_id": 2,
        "product_id": "p2",
        "flash_sale": True,
        "from_ms": 40000,
        "to_ms": 70000,
        "seconds_on_screen": 30.0,
        "viewers_reached": 2,  # a (twice) and b
        "buyers": 1,  # b (o3); a's o4 is not paid
        "buy_taps": 4,
        "cart_adds": 1,
        "holds": 2,
        "orders": 1,  # o4 is not paid; o3's unpinned line is not this pin's
        "units": 1,
        "revenue": [{"currency": "USD", "amount_minor": 1500}],
        "net": [{"currency": "USD", "amount_minor": 1500}],
        "conversion": 0.5,
    }


def test_sales_of_the_show() -> None:
    figures = analytics.sales(LINES)
    assert (figures.sold, figures.refunded) == (2, 1)
    # Revenue is every payment taken (the refunded o2 too); net is what is kept.
    assert money_json(figures.revenue) == [{"currency": "USD", "amount_minor": 3200}]
    assert money_json(figures.refunded_amount) == [{"currency": "USD", "amount_minor": 500}]
    assert money_json(figures.net) == [{"currency": "USD", "amount_minor": 2700}]


def test_net_revenue_is_kept_per_currency() -> None:
    lines = [
        SoldLine("o1", OrderStatus.REFUNDED, "EUR", 1010.0, None, 1, 900, "v1"),
        SoldLine("o2", OrderStatus.PAID, "USD", 1011.0, None, 1, 2500, "v2"),
        SoldLine("o3", OrderStatus.REFUNDED, "USD", 1012.0, None, 2, 5000, "v3"),
    ]
    figures = analytics.sales(lines)
    assert money_json(figures.net) == [
        {"currency": "EUR", "amount_minor": 0},
        {"currency": "USD", "amount_minor": 2500},
    ]
    assert money_json(figures.revenue) == [
        {"currency": "EUR", "amount_minor": 900},
        {"currency": "USD", "amount_minor": 7500},
    ]


def test_a_buyer_who_orders_twice_is_one_buyer() -> None:
    # Mia watches the pin and orders twice: 2 orders from 1 viewer, 100% not 200%.
    sessions = [WatchSession("visitor:mia", 1000.0, 1100.0, "mia")]
    lines = [
        SoldLine("o1", OrderStatus.PAID, "USD", 1010.0, 1, 1, 2500, "mia"),
        SoldLine("o2", OrderStatus.PAID, "USD", 1020.0, 1, 1, 2500, "mia"),
    ]
    spans = analytics.pin_spans(TIMELINE[:1], END)
    (pin,) = analytics.pin_figures(spans, sessions, [], lines)
    figures = pin_figures_json(pin, LIVE_AT)
    assert (figures["orders"], figures["buyers"], figures["viewers_reached"]) == (2, 1, 1)
    assert figures["conversion"] == 1.0


def test_a_buyer_who_never_watched_is_not_a_converted_viewer() -> None:
    # Bought through the API without opening the room: an order, not a viewer.
    sessions = [WatchSession("visitor:a", 1000.0, 1100.0)]
    lines = [SoldLine("o1", OrderStatus.PAID, "USD", 1010.0, 1, 1, 2500, "stranger")]
    audiences = analytics.audiences_of_buyers(sessions)
    buying = analytics.buying_audience(lines, audiences)
    assert analytics.buyers_among(sessions, buying) == 0
    spans = analytics.pin_spans(TIMELINE[:1], END)
    (pin,) = analytics.pin_figures(spans, sessions, [], lines)
    assert (len(pin.order_ids), pin.buyers, pin.viewers_reached) == (1, 0, 1)
    assert pin_figures_json(pin, LIVE_AT)["conversion"] == 0.0


def test_conversion_of_the_show_counts_each_buying_browser_once() -> None:
    audiences = analytics.audiences_of_buyers(SESSIONS)
    assert audiences == {"va": {"a"}, "vb": {"b"}, "vlate": {"late"}}
    buying = analytics.buying_audience(LINES, audiences)
    assert buying == {"a", "b"}  # o2 refunded, but b also paid o3; o4 unpaid
    in_show = analytics.clip(SESSIONS, LIVE_AT, END)
    buyers = analytics.buyers_among(in_show, buying)
    assert buyers == 2
    assert analytics.conversion(buyers, analytics.audience(SESSIONS, LIVE_AT, END).unique) == (
        pytest.approx(2 / 3)
    )


def test_money_in_several_currencies_is_kept_apart() -> None:
    money = analytics.Money()
    money.add("USD", 100)
    money.add("EUR", 50)
    money.add("USD", 1)
    assert money_json(money) == [
        {"currency": "EUR", "amount_minor": 50},
        {"currency": "USD", "amount_minor": 101},
    ]


def test_chart_series() -> None:
    size, points = analytics_chart.series(
        LIVE_AT, END, SESSIONS, COUNTS, [1001.0, 1002.0, 1095.0, 990.0], LINES
    )
    assert size == 10
    assert len(points) == 10
    charted = [point_json(point, LIVE_AT) for point in points]
    assert [p["offset_ms"] for p in charted] == list(range(0, 100_000, 10_000))
    # 1000-1010: a only; 1020-1030: a, b, c; 1090-1100: b only.
    assert (charted[0]["viewers_average"], charted[0]["viewers_peak"]) == (1.0, 1)
    assert (charted[2]["viewers_average"], charted[2]["viewers_peak"]) == (3.0, 3)
    assert charted[9]["viewers_average"] == 1.0
    assert [p["likes"] for p in charted] == [7, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    assert [p["chat_messages"] for p in charted] == [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [p["buy_taps"] for p in charted] == [0, 5, 0, 0, 4, 0, 0, 0, 0, 0]
    assert [p["orders"] for p in charted] == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert sum(p["viewers_average"] for p in charted) * size == pytest.approx(170.0)


@pytest.mark.parametrize(
    ("length", "size"),
    [(0, 10), (1200, 10), (1201, 30), (3600, 30), (7200, 60), (36_000, 300), (500_000, 7200)],
)
def test_bucket_sizes_keep_charts_small(length: float, size: int) -> None:
    assert analytics_chart.bucket_seconds(length) == size
    assert length / size <= analytics_chart.MAX_POINTS


def test_conversion_without_viewers_is_unknown() -> None:
    assert analytics.conversion(3, 0) is None
    assert analytics.conversion(1, 4) == 0.25


def test_orders_after_the_end_belong_to_the_replay() -> None:
    late = SoldLine("o5", OrderStatus.PAID, "USD", 1200.0, 2, 2, 3000)
    live, replay = analytics.split_at([*LINES, late], END)
    assert [line.order_id for line in replay] == ["o5"]
    assert len(live) == len(LINES)
    assert analytics.split_at(LINES, None) == (LINES, [])


def test_replay_figures_of_a_pin_use_the_replay_counters() -> None:
    counts = [
        *COUNTS,
        ActivityCount(1300.0, analytics.REPLAY_BUY_TAP, 2, 6),
        ActivityCount(1300.0, analytics.REPLAY_HOLD, 2, 1),
        ActivityCount(1300.0, analytics.CART_ADD, 2, 4),  # a live-only kind: not the replay's
    ]
    late = SoldLine("o5", OrderStatus.PAID, "USD", 1300.0, 2, 2, 3000)
    spans = analytics.pin_spans(TIMELINE, END)
    _first, second = analytics.pin_figures(spans, [], counts, [late], replay=True)
    assert (second.buy_taps, second.holds, second.cart_adds) == (6, 1, 0)
    assert (len(second.order_ids), second.units) == (1, 2)
    assert money_json(second.takings.revenue) == [{"currency": "USD", "amount_minor": 3000}]


def test_replay_watch_totals_take_sessions_whole() -> None:
    sessions = [WatchSession("a", 2000.0, 2060.0), WatchSession("a", 3000.0, 3030.0)]
    assert analytics.watch_totals(sessions) == (1, 90.0)
