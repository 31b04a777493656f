"""Real Chromium: the analytics page's figures people can trust (buyers, conversion, refunds,
net) and charts with axes, units, the peak and values by keyboard and pointer, in English and
Chinese, on a laptop and a phone."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    ContextOptions,
    choose_language,
    collect_errors,
    create_product,
    create_show,
    screenshot,
    sign_up,
)
from tests.room.helpers import Browser as RoomClient
from tests.room.helpers import room
from tests.support.polling import poll_until

LIVE_FOR_SECONDS = 1800  # the show is made to have gone live half an hour ago
AUDIENCE = 24  # earlier viewers, spread over that half hour
CARD = "4242 4242 4242 4242"
# The charts' plot area: 44 px left of it for the value axis, 12 px right (charts.js).
PLOT_LEFT_PX = 44
PLOT_MARGINS_PX = 44 + 12
BUYER = {
    "email": "mia@example.com",
    "name": "Mia Buyer",
    "address": {
        "line1": "1 Market St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    },
}


async def _buy_and_pay(mia: RoomClient, show_id: str, variant_id: str, pin_id: int) -> str:
    status, body = await mia.call(
        "POST",
        f"/api/shows/{show_id}/buy",
        {"variant_id": variant_id, "request_id": uuid.uuid4().hex, "pin_id": pin_id},
    )
    assert status == 201, body
    status, body = await mia.call("POST", f"/api/checkouts/{body['checkout']['id']}/order", BUYER)
    assert status == 201, body
    order_id: str = body["order"]["id"]
    status, paid = await mia.call(
        "POST",
        f"/api/payments/dummy/{body['payment']['payment_id']}/confirm",
        {"card_number": CARD},
    )
    assert status == 200, paid
    return order_id


async def _half_hour_show(api: Api, server: TestServer) -> tuple[str, dict[str, Any]]:
    """Ada's live show: Mia buys twice from the pin (one refunded), viewers came and went over
    half an hour. Returns the show id and its analytics once everything is recorded."""
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Wool scarf", {"sku": "SCARF-1", "price_minor": 2500, "currency": "USD", "stock": 10}
    )
    show_id, _key = await create_show(api, "Scarf hour", [product["id"]])
    app = server.app
    await app[SERVICES].live.lifecycle.went_live(show_id)
    async with AsyncExitStack() as stack:
        mia = RoomClient(server)
        stack.push_async_callback(mia.session.close)
        status, body = await mia.call("PUT", "/api/viewer", {"display_name": "Mia"})
        assert status == 200, body
        await stack.enter_async_context(room(mia, show_id))
        pin = await api(
            "POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201
        )
        orders = [
            await _buy_and_pay(mia, show_id, product["variants"][0]["id"], pin["pin"]["id"])
            for _ in range(2)
        ]
        await api("POST", f"/api/orders/{orders[0]}/refund")
    db = app[SERVICES].storage.database
    async with db.transaction() as conn:
        # Half an hour of show before what was just done, and the viewers it had.
        await conn.execute(
            "UPDATE shows SET live_at = live_at - ? WHERE id = ?", (LIVE_FOR_SECONDS, show_id)
        )
        row = await conn.fetchone("SELECT live_at FROM shows WHERE id = ?", (show_id,))
        assert row is not None
        live_at = float(row[0])
        for n in range(AUDIENCE):
            start = live_at + n * (LIVE_FOR_SECONDS / AUDIENCE) * 0.8
            await conn.execute(
                "INSERT INTO watch_sessions (id, show_id, audience_key, process_id, started_at,"
                " seen_at, ended_at, replay) VALUES (?, ?, ?, 'earlier', ?, ?, ?, 0)",
                (
                    uuid.uuid4().hex,
                    show_id,
                    f"visitor:earlier-{n}",
                    start,
                    start + 600,
                    start + 600,
                ),
            )
    report: dict[str, Any] = {}

    async def recorded() -> bool:
        nonlocal report
        report = await api("GET", f"/api/shows/{show_id}/analytics")
        return bool(report["orders"]["refunded"] == 1 and report["viewers"]["buyers"] == 1)

    await poll_until(recorded, 15, "the show's figures to be recorded")
    return show_id, report


async def _console(
    browser: Browser, device: ContextOptions, locale: str, errors: list[str]
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(**device, locale=locale)
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401,))
    return context, page


async def _open_analytics(page: Page, base_url: str, show_id: str) -> None:
    await page.goto(f"{base_url}/console")
    await page.fill("#login-email", "ada@example.com")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#nav:not([hidden])")
    await page.goto(f"{base_url}/console/shows/{show_id}/analytics")
    await page.wait_for_selector("#analytics-body:not([hidden]) .chart-svg")


def _clock(ms: int) -> str:
    total = round(ms / 1000)
    return f"{total // 60}:{total % 60:02d}"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}".rstrip("0").rstrip(".") + "%"


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_analytics_page_shows_trustworthy_figures_and_readable_charts(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    show_id, report = await _half_hour_show(api, server)
    points = report["chart"]["points"]
    bucket_ms = report["chart"]["bucket_seconds"] * 1000
    assert 0 < report["conversion"] <= 1
    errors: list[str] = []

    context, page = await _console(browser, LAPTOP, "en-US", errors)
    await _open_analytics(page, base_url, show_id)

    def tile(name: str) -> Locator:
        return page.locator(f'[data-figure="{name}"] strong')

    await expect(tile("buyers")).to_have_text("1")
    await expect(tile("conversion")).to_have_text(_percent(report["conversion"]))
    await expect(tile("revenue")).to_have_text("$50.00")
    await expect(tile("refunded")).to_have_text("$25.00")
    await expect(page.locator('[data-figure="refunded"] .tile-label')).to_have_text(
        "Refunded (orders: 1)"
    )
    await expect(tile("net")).to_have_text("$25.00")
    await expect(page.locator("#analytics-pins td").nth(7)).to_have_text("1")  # the pin's buyers

    viewers = page.locator('[data-chart="viewers"]')
    await expect(viewers.locator(".chart-unit")).to_have_text("viewers")
    ticks = await viewers.locator(".chart-tick").all_text_contents()
    assert "0:00" in ticks, ticks
    assert "10:00" in ticks, ticks
    assert "20:00" in ticks, ticks
    peak = max(point["viewers_peak"] for point in points)
    at = next(p["offset_ms"] for p in points if p["viewers_peak"] == peak)
    await expect(viewers.locator(".chart-peak-label")).to_have_text(f"Peak {peak} at {_clock(at)}")
    for name, unit in [
        ("likes", "likes"),
        ("chat", "messages"),
        ("buy_taps", "taps"),
        ("orders", "orders"),
    ]:
        await expect(page.locator(f'[data-chart="{name}"] .chart-unit')).to_have_text(unit)

    # Values by keyboard: the chart takes focus, Home and the arrows walk its buckets.
    await viewers.locator("svg").focus()
    await page.keyboard.press("Home")
    first = points[0]
    tip = viewers.locator(".chart-tip")
    await expect(tip).to_have_text(
        f"0:00\u2013{_clock(bucket_ms)} · peak {first['viewers_peak']}, average"
        f" {_format_average(first['viewers_average'])} viewers"
    )
    await page.keyboard.press("ArrowRight")
    await expect(tip).to_contain_text(f"{_clock(bucket_ms)}\u2013{_clock(2 * bucket_ms)}")
    # And by pointer: over the bucket where the orders came, the tip counts them.
    index = max(i for i, point in enumerate(points) if point["orders"])
    orders = points[index]["orders"]
    orders_chart = page.locator('[data-chart="orders"] svg')
    await orders_chart.scroll_into_view_if_needed()
    box = await orders_chart.bounding_box()
    assert box is not None
    slot = (box["width"] - PLOT_MARGINS_PX) / len(points)
    x = box["x"] + PLOT_LEFT_PX + (index + 0.5) * slot
    await page.mouse.move(x, box["y"] + box["height"] / 2)
    start = points[index]["offset_ms"]
    counted = f"{orders} order{'' if orders == 1 else 's'}"
    await expect(page.locator('[data-chart="orders"] .chart-tip')).to_have_text(
        f"{_clock(start)}\u2013{_clock(start + bucket_ms)} · {counted}"
    )
    # The same figures as a table.
    await viewers.locator("summary").click()
    await expect(viewers.locator("details tbody tr")).to_have_count(len(points))
    await screenshot(page, "analytics-laptop-en", full_page=True)

    await choose_language(page, "zh-CN")
    await expect(viewers.locator(".chart-unit")).to_have_text("人")
    await expect(page.locator('[data-figure="net"] .tile-label')).to_have_text("净销售额")
    await viewers.locator("svg").focus()
    await page.keyboard.press("End")
    await expect(tip).to_contain_text("最高")
    await screenshot(page, "analytics-laptop-zh")
    await context.close()

    context, page = await _console(browser, PHONE, "zh-CN", errors)
    await _open_analytics(page, base_url, show_id)
    svg = page.locator('[data-chart="viewers"] svg')
    box = await svg.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    size = await page.locator('[data-chart="viewers"] .chart-tick').first.evaluate(
        "(tick) => parseFloat(getComputedStyle(tick).fontSize)"
    )
    assert size >= 10, size  # drawn at the phone's real width: never scaled down
    await page.locator('[data-chart="likes"] svg').tap()
    await expect(page.locator('[data-chart="likes"] .chart-tip')).to_be_visible()
    await screenshot(page, "analytics-phone-zh", full_page=True)
    await context.close()
    assert not errors, errors


def _format_average(value: float) -> str:
    """As the page shows it (at most one decimal)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
