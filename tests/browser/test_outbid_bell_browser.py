"""Real Chromium: a bidder on a phone is outbid, the bell rings without a reload and words it
(the product's title as text), a bidding war stays one notification ("and 1 more"), and
tapping it opens the show; the other bidder is told only of the time she lost the lead;
English and Chinese."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.cockpit_helpers import page_api
from tests.browser.helpers import (
    PHONE,
    Api,
    choose_language,
    collect_errors,
    create_product,
    create_show,
    screenshot,
    sign_up,
)
from tests.room.helpers import Browser as RoomClient

SECONDS = 1000  # Playwright timeouts are in milliseconds


async def _bid(page: Page, show_id: str, auction_id: str, amount: int) -> None:
    path = f"/api/shows/{show_id}/auctions/{auction_id}/bids"
    body = await page_api(page, "POST", path, {"amount_minor": amount})
    assert body["bid"]["outcome"] == "leading"


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_an_outbid_bidder_hears_it_in_the_bell(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    await sign_up(api, "ada@example.com", "Ada")
    variant = {"sku": "CAM-1", "price_minor": 8000, "currency": "USD", "stock": 2}
    product = await create_product(api, "Vintage <b>camera</b>", variant)
    show_id, _key = await create_show(api, "Camera night", [product["id"]])
    await server.app[SERVICES].live.lifecycle.went_live(show_id)
    start = {"variant_id": product["variants"][0]["id"], "start_price_minor": 1000}
    started = await api("POST", f"/api/shows/{show_id}/auctions", json=start, expect=201)
    auction_id = started["auction"]["id"]
    async with AsyncExitStack() as stack:
        context = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(context.close)
        mia = await context.new_page()
        collect_errors(mia, errors)
        await mia.goto(f"{base_url}/watch/{show_id}")
        await mia.fill("#name-input", "Mia")
        await mia.click("#name-form button[type=submit]")
        bell = mia.locator("header.bar .bell")
        await expect(bell).to_have_attribute("data-unread", "0")
        await _bid(mia, show_id, auction_id, 1000)

        noor = RoomClient(server)
        stack.push_async_callback(noor.session.close)
        assert (await noor.call("PUT", "/api/viewer", {"display_name": "Noor"}))[0] == 200
        bids = f"/api/shows/{show_id}/auctions/{auction_id}/bids"
        assert (await noor.call("POST", bids, {"amount_minor": 1100}))[0] == 201
        await expect(bell).to_have_attribute("data-unread", "1", timeout=5 * SECONDS)
        # Mia bids again and is outbid again: still one unread, counting the second.
        await _bid(mia, show_id, auction_id, 1200)
        assert (await noor.call("POST", bids, {"amount_minor": 1300}))[0] == 201
        await bell.tap()
        items = mia.locator(".bell-list li")
        await expect(items.locator(".bell-more")).to_have_text("and 1 more", timeout=5 * SECONDS)
        await expect(items).to_have_count(1)
        await expect(bell).to_have_attribute("data-unread", "1")
        text = items.first.locator(".bell-text")
        await expect(text).to_have_text("Someone bid higher on Vintage <b>camera</b>")
        await screenshot(mia, "outbid-bell-phone-en")
        await choose_language(mia, "zh-CN")
        await expect(text).to_have_text("有人对 Vintage <b>camera</b> 出了更高的价")
        await screenshot(mia, "outbid-bell-phone-zh")
        # Noor, who leads now, was told once: when Mia's 12.00 took the lead from her.
        status, inbox = await noor.call("GET", "/api/notifications")
        assert status == 200
        assert [(item["kind"], item["more"]) for item in inbox["items"]] == [("outbid", 0)]
        await items.first.locator("a").tap()
        await mia.wait_for_url(f"{base_url}/watch/{show_id}")
        await expect(mia.locator("header.bar .bell")).to_have_attribute("data-unread", "0")
    assert errors == []
