"""Real Chromium: the replay on a phone sells the whole bag at regular prices.

The replay's own video controls stay clear (the rail moves above them, the
card and chapters below the video); the bag lists every product of the show
at its regular price, and buying one from it sends the show offset of the
replay without a pin.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Request, expect

from livesale.composition.services import SERVICES
from livesale.domain.pins import FlashSale, TimelineKind
from livesale.storage.timeline import TimelineRepository
from tests.browser.helpers import PHONE, Api, collect_errors, create_product, screenshot, sign_up
from tests.browser.watch_setup import box, overlap
from tests.support.replay import record_part

SECONDS = 1000  # Playwright timeouts are in milliseconds
CONTROLS_PX = 48  # the height of the browser's own control bar at the video's bottom


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_replay_bag_sells_at_regular_prices_with_the_replay_offset(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    await sign_up(api, "ada@example.com", "Ada")
    tee = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    mug = await create_product(
        api, "Mug", {"sku": "MUG-1", "price_minor": 1200, "currency": "USD", "stock": 9}
    )
    body = {"title": "Tee time", "product_ids": [tee["id"], mug["id"]]}
    show_id = (await api("POST", "/api/shows", json=body, expect=201))["show"]["id"]
    await app[SERVICES].live.lifecycle.went_live(show_id)
    timeline = TimelineRepository(app[SERVICES].storage.database)
    sale = FlashSale(1500, "USD", 3, 1, 60)
    await timeline.append(show_id, TimelineKind.PIN, 1_000, tee["id"], sale)
    await timeline.append(show_id, TimelineKind.UNPIN, 5_000, tee["id"])
    await record_part(app, show_id, seconds=6)
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US", **PHONE)).new_page()
    collect_errors(page, errors)
    buys: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(f"/api/shows/{show_id}/buy"):
            buys.append(json.loads(request.post_data or "{}"))

    page.on("request", on_request)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_selector('body[data-replay="true"]')
    await page.wait_for_function(
        "() => document.querySelector('#replay').duration > 0", timeout=30 * SECONDS
    )
    await page.evaluate("() => { const v = document.querySelector('#replay'); v.currentTime = 2; }")
    card = page.locator("#pin .pin-card")
    await expect(card).to_be_visible()

    # The video's control bar is clear of the rail and the card.
    video = await box(page.locator("#replay"))
    controls = {**video, "y": video["y"] + video["height"] - CONTROLS_PX, "height": CONTROLS_PX}
    for selector in ("#bag-open", "#share"):
        assert not overlap(await box(page.locator(selector)), controls), selector
    assert (await box(card))["y"] >= video["y"] + video["height"]
    assert await page.locator("#like").is_hidden()  # hearts are for the live
    await screenshot(page, "watch-phone-replay")

    await page.locator("#bag-open").tap()
    sheet = page.locator("dialog#bag")
    await expect(sheet.locator(".bag-item")).to_have_count(2)
    tee_row = sheet.locator(f'.bag-item[data-product-id="{tee["id"]}"]')
    mug_row = sheet.locator(f'.bag-item[data-product-id="{mug["id"]}"]')
    await expect(tee_row.locator(".pin-price .now")).to_have_text("$25.00")  # no live sale here
    await expect(tee_row.locator(".pin-flag")).to_have_count(0)
    await expect(mug_row.locator(".pin-left")).to_have_text("9 left")

    await mug_row.locator("button.buy").tap()
    await page.locator("#sheet-buy").tap()  # the variant and quantity step
    await page.fill("#checkout-viewer-name", "Mia")
    await page.locator("#checkout .name-step button[type=submit]").tap()  # then it holds
    checkout = page.locator("dialog#checkout")
    await expect(checkout.locator(".order-total strong")).to_have_text("$12.00")
    await expect(checkout.locator(".order-line-title")).to_have_text("Mug")
    # The request: the replay's show offset, no pin (the bag is not the pinned card).
    assert buys, buys
    assert "pin_id" not in buys[-1], buys
    assert isinstance(buys[-1]["replay_offset_ms"], int)
    assert buys[-1]["replay_offset_ms"] >= 0
    assert buys[-1]["variant_id"] == mug["variants"][0]["id"]
    assert not errors, errors
