"""A show's analytics report as the HTTP API returns it (times as ms since the show went live)."""

from __future__ import annotations

from typing import Any

from livesale.domain import analytics, analytics_chart
from livesale.live.analytics import AnalyticsReport, LiveReport

# The replay's per-pin figures: what a pin sold when the replay played it.
REPLAY_PIN_FIELDS = ("buy_taps", "holds", "orders", "units", "revenue", "net")


def report_json(report: AnalyticsReport) -> dict[str, Any]:
    """The whole report: the totals, then the live figures (zeros before the show went live)."""
    show, totals = report.show, report.totals
    body: dict[str, Any] = {
        "show": {
            "id": show.id,
            "title": show.title,
            "status": show.status.value,
            "live_at": show.live_at,
            "ended_at": show.ended_at,
        },
        "as_of": report.as_of,
        "likes": totals[analytics.LIKE],
        "chat_messages": report.chat_messages,
        "buy_taps": totals[analytics.BUY_TAP],
        "cart_adds": totals[analytics.CART_ADD],
        "holds": totals[analytics.HOLD],
        "orders": sales_json(report.sales),
    }
    if report.live is None:
        body.update(_not_live_yet())
    else:
        body.update(_live_json(report.live, report))
    return body


def sales_json(figures: analytics.Sales) -> dict[str, Any]:
    """Sold and refunded orders and their money per currency."""
    return {
        "sold": figures.sold,
        "revenue": money_json(figures.revenue),
        "refunded": figures.refunded,
        "refunded_amount": money_json(figures.refunded_amount),
        "net": money_json(figures.net),
    }


def money_json(money: analytics.Money) -> list[dict[str, Any]]:
    """[{currency, amount_minor}] sorted by currency."""
    return [
        {"currency": currency, "amount_minor": amount}
        for currency, amount in sorted(money.amounts.items())
    ]


def pin_figures_json(figures: analytics.PinFigures, live_at: float) -> dict[str, Any]:
    """What a pin did; its times as ms since the show went live."""
    span = figures.span
    return {
        "pin_id": span.pin_id,
        "product_id": span.product_id,
        "flash_sale": span.flash_sale,
        "from_ms": round((span.start - live_at) * 1000),
        "to_ms": round((span.end - live_at) * 1000),
        "seconds_on_screen": round(span.end - span.start, 3),
        "viewers_reached": figures.viewers_reached,
        "buyers": figures.buyers,
        "buy_taps": figures.buy_taps,
        "cart_adds": figures.cart_adds,
        "holds": figures.holds,
        "orders": len(figures.order_ids),
        "units": figures.units,
        "revenue": money_json(figures.takings.revenue),
        "net": money_json(figures.takings.net),
        "conversion": analytics.conversion(figures.buyers, figures.viewers_reached),
    }


def point_json(point: analytics_chart.Point, live_at: float) -> dict[str, Any]:
    """One chart bucket; its start as ms since the show went live."""
    return {
        "offset_ms": round((point.start - live_at) * 1000),
        "viewers_average": round(point.viewers_average, 3),
        "viewers_peak": point.viewers_peak,
        "likes": point.likes,
        "chat_messages": point.chat_messages,
        "buy_taps": point.buy_taps,
        "orders": point.orders,
    }


def _live_json(live: LiveReport, report: AnalyticsReport) -> dict[str, Any]:
    start, crowd = live.live_at, live.audience
    return {
        "live_seconds": round(live.end - start, 3),
        "viewers": {
            "peak": crowd.peak,
            "peak_at_ms": None if crowd.peak_at is None else round((crowd.peak_at - start) * 1000),
            "average": round(crowd.average, 3),
            "unique": crowd.unique,
            "watch_minutes": round(crowd.watch_seconds / 60, 3),
            "buyers": live.buyers,
        },
        "conversion": analytics.conversion(live.buyers, crowd.unique),
        "pins": [
            {
                **pin_figures_json(pin.live, start),
                "title": pin.title,
                "replay": _replay_pin_json(pin.replay),
            }
            for pin in live.pins
        ],
        "chart": {
            "bucket_seconds": live.bucket_seconds,
            "points": [point_json(point, start) for point in live.points],
        },
        "replay": {
            "viewers": {
                "unique": live.replay_viewers,
                "watch_minutes": round(live.replay_watch_seconds / 60, 3),
            },
            "buy_taps": report.totals[analytics.REPLAY_BUY_TAP],
            "holds": report.totals[analytics.REPLAY_HOLD],
            "orders": sales_json(report.replay_sales),
        },
    }


def _replay_pin_json(figures: analytics.PinFigures) -> dict[str, Any]:
    full = pin_figures_json(figures, 0.0)
    return {key: full[key] for key in REPLAY_PIN_FIELDS}


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
            "orders": sales_json(analytics.sales([])),
        },
    }
