"""Real Chromium: the creator starts an auction from the console, two phones bid, one wins
and pays with the dummy gateway, the other sees they were outbid."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    collect_errors,
    create_product,
    create_show,
    screenshot,
    sign_up,
)
from tests.support.auctions import time_passes

SECONDS = 1000  # Playwright timeouts are in milliseconds


async def _phone_bidder(
    browser: Browser, url: str, locale: str, name: str, errors: list[str]
) -> Page:
    context = await browser.new_context(locale=locale, **PHONE)
    page = await context.new_page()
    collect_errors(page, errors)
    await page.goto(url)
    await page.fill("#name-input", name)
    await page.click("#name-form button[type=submit]")
    await page.wait_for_selector('body[data-role="viewer"]')
    return page


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_two_phones_bid_one_wins_and_pays(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Vintage camera", {"sku": "CAM-1", "price_minor": 8000, "currency": "USD", "stock": 2}
    )
    show_id, _key = await create_show(api, "Camera night", [product["id"]])
    await server.app[SERVICES].live.lifecycle.went_live(show_id)

    # The creator starts the auction from the console: the form has the defaults.
    console = await (await browser.new_context(locale="en-US", **LAPTOP)).new_page()
    collect_errors(console, errors, allow_status=(401,))
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "ada@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")
    await console.goto(f"{base_url}/console/shows/{show_id}")
    await console.click('#room-bag button[data-action="auction"]')
    form = console.locator("#room-auction form.auction-form")
    await expect(form.locator('input[name="seconds"]')).to_have_value("30")
    await form.locator('input[name="start"]').fill("20.00")
    await form.locator('input[name="seconds"]').fill("60")
    await screenshot(console, "auction-console-form")
    await form.locator("button[type=submit]").click()
    live = console.locator("#room-auction .auction-live")
    await expect(live).to_have_attribute("data-status", "open")
    await expect(live.locator(".auction-price")).to_have_text("Starting bid $20.00")

    url = f"{base_url}/watch/{show_id}"
    mia = await _phone_bidder(browser, url, "en-US", "Mia", errors)
    li = await _phone_bidder(browser, url, "zh-CN", "Li", errors)
    mia_card, li_card = mia.locator("#auction .auction-card"), li.locator("#auction .auction-card")
    await expect(mia_card.locator(".auction-price")).to_have_text("Starting bid $20.00")
    await expect(mia_card.locator(".auction-clock")).to_contain_text("Ends in 00:")
    await expect(li_card.locator(".auction-quick")).to_have_text("出价 US$20.00")

    # Mia takes the start price; Li answers with the next step; Mia is outbid.
    await mia_card.locator(".auction-quick").tap()
    await expect(mia_card).to_have_attribute("data-mine", "leading")
    await expect(mia_card.locator(".auction-state")).to_have_text("You're winning")
    await expect(li_card.locator(".auction-price")).to_have_text("US$20.00 · Mia")
    await expect(li_card.locator(".auction-quick")).to_have_text("出价 US$22.00")
    await li_card.locator(".auction-quick").tap()
    await expect(li_card.locator(".auction-state")).to_have_text("你目前领先")
    await expect(mia_card).to_have_attribute("data-mine", "outbid")
    await expect(mia_card.locator(".auction-state")).to_have_text("Outbid: bid again to win")
    await screenshot(mia, "auction-phone-outbid-en")

    # Li starts typing a maximum; the bids of others redraw her card, not her typing.
    await li_card.locator(".auction-max-input").fill("30")
    # Mia sets a private maximum: she leads at one step over Li, her maximum unseen.
    await mia_card.locator(".auction-max-input").fill("40")
    await mia_card.locator(".auction-max button[type=submit]").tap()
    await expect(mia_card.locator(".auction-state")).to_have_text("You're winning")
    await expect(li_card.locator(".auction-price")).to_have_text("US$24.00 · Mia")
    await expect(li_card).to_have_attribute("data-mine", "outbid")
    await expect(li_card.locator(".auction-state")).to_have_text("已被超过：再出价才能赢")  # noqa: RUF001
    assert "40.00" not in (await li_card.inner_text())
    await expect(li_card.locator(".auction-max-input")).to_have_value("30")
    await screenshot(li, "auction-phone-outbid-zh")
    await expect(live.locator(".auction-price")).to_have_text("$24.00 · Mia")
    # A laptop that only watches sees the same price and leader, and no bidder's maximum.
    laptop = await (await browser.new_context(locale="en-US", **LAPTOP)).new_page()
    collect_errors(laptop, errors)
    await laptop.goto(url)
    watching = laptop.locator("#auction .auction-card")
    await expect(watching.locator(".auction-price")).to_have_text("$24.00 · Mia")
    await expect(watching.locator(".auction-quick")).to_have_text("Bid $26.00")
    assert "40.00" not in (await watching.inner_text())
    await screenshot(laptop, "auction-laptop-watching")

    # The end comes: Mia wins at 24.00 and the sheet opens to pay; Li lost.
    await time_passes(server.app, {"id": await _auction_id(mia), "show_id": show_id}, 60)
    await expect(li_card.locator(".auction-state")).to_have_text("这件被别人拍走了。")
    sheet = mia.locator("dialog#checkout")
    await expect(sheet).to_be_visible(timeout=15 * SECONDS)
    await expect(sheet.locator(".order-total strong")).to_have_text("$24.00")
    await screenshot(mia, "auction-phone-won-sheet")
    for selector, value in {
        "#checkout-email": "mia@example.com",
        "#checkout-name": "Mia Buyer",
        "#checkout-address-line1": "1 Market Street",
        "#checkout-address-city": "Springfield",
        "#checkout-address-postal_code": "12345",
    }.items():
        await mia.fill(selector, value)
    await mia.select_option("#checkout-address-country", "US")
    await mia.tap("#checkout .checkout-form button[type=submit]")
    await mia.fill("#pay-card", "4242 4242 4242 4242")
    await mia.tap("#checkout button.pay")
    await expect(sheet.locator(".order-status")).to_have_attribute("data-status", "paid")
    await screenshot(mia, "auction-phone-paid")
    await screenshot(li, "auction-phone-lost-zh")
    await expect(live.locator(".auction-state")).to_contain_text("Won by Mia at $24.00")
    await screenshot(console, "auction-console-result")
    assert not errors, errors


async def _auction_id(page: Page) -> str:
    auction_id = await page.get_attribute("#auction .auction-card", "data-auction-id")
    assert auction_id is not None
    return auction_id
