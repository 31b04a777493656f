"""Real Chromium: a returning buyer goes from Buy now to paid in a few taps plus the card.

The first purchase types everything; the next ones start from the checkout
form filled with this browser's last order (its guest cookie, nobody else's):
Buy now, Buy now in the sheet (phones choose the variant and quantity there),
Continue, the card number, Pay. Every trusted click on the page is counted.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import LAPTOP, PHONE, Api, collect_errors, screenshot
from tests.browser.watch_setup import box, inside, live_show_with_a_bag

SECONDS = 1000  # Playwright timeouts are in milliseconds
CARD = "4242 4242 4242 4242"
TYPED = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "62701",
}
COUNT_TAPS = """() => {
    window.taps = 0;
    document.addEventListener("click", (event) => { if (event.isTrusted) window.taps += 1; }, true);
}"""


async def open_show(context: BrowserContext, url: str, errors: list[str]) -> Page:
    """The show page with its pinned card, counting taps from now on."""
    page = await context.new_page()
    collect_errors(page, errors)
    await page.goto(url)
    await expect(page.locator("#pin button.buy")).to_be_enabled()
    await page.evaluate(COUNT_TAPS)
    return page


async def paid(page: Page) -> None:
    """The sheet's confirmation says the order is paid."""
    status = page.locator("#checkout .order-status")
    await expect(status).to_have_attribute("data-status", "paid", timeout=30 * SECONDS)


@pytest.mark.browser
@pytest.mark.timeout(300)
async def test_a_returning_buyer_pays_in_four_taps_on_a_phone_and_three_on_a_laptop(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    # The Mug pinned at its regular price: a buyer may buy it again and again.
    await api(
        "POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.mug["id"]}, expect=201
    )
    url = f"{base_url}/watch/{show.show_id}"

    # First purchase on a laptop: a display name, then every field typed.
    laptop = await browser.new_context(locale="en-US", **LAPTOP)
    page = await open_show(laptop, url, errors)
    await page.click("#pin button.buy")
    await page.fill("#checkout-viewer-name", "Mia")
    await page.click("#checkout .name-step button[type=submit]")
    await expect(page.locator("#checkout-email")).to_have_value("")  # nothing saved yet
    for selector, value in TYPED.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await page.click("#checkout .checkout-form button[type=submit]")
    await page.fill("#pay-card", CARD)
    await page.click("#checkout button.pay")
    await paid(page)
    await page.close()

    # Back on the phone (the same browser's guest cookie): 4 taps and the card.
    phone = await browser.new_context(
        locale="en-US", storage_state=await laptop.storage_state(), **PHONE
    )
    page = await open_show(phone, url, errors)
    await page.locator("#pin button.buy").tap()
    await page.locator("#sheet-buy").tap()
    for selector, value in TYPED.items():
        await expect(page.locator(selector)).to_have_value(value)
    await expect(page.locator("#checkout-address-country")).to_have_value("US")
    # In short, with Continue in reach: the fields open only on Change.
    saved = page.locator("#checkout .saved-details")
    await expect(saved).to_contain_text("Mia Buyer")
    await expect(saved).to_contain_text("1 Market Street")
    await expect(saved).to_contain_text("mia@example.com")
    await expect(page.locator("#checkout-email")).to_be_hidden()
    assert inside(await box(page.locator("#checkout .checkout-form button[type=submit]")), 390, 844)
    await screenshot(page, "watch-phone-returning-buyer")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await page.fill("#pay-card", CARD)
    await page.locator("#checkout button.pay").tap()
    await paid(page)
    assert await page.evaluate("() => window.taps") == 4
    await expect(page.locator("#checkout .sheet-body")).not_to_contain_text("null")
    await screenshot(page, "watch-phone-paid")

    # And on the laptop again: 3 clicks and the card.
    page = await open_show(laptop, url, errors)
    await page.click("#pin button.buy")
    await expect(page.locator("#checkout-name")).to_have_value("Mia Buyer")
    await page.click("#checkout .checkout-form button[type=submit]")
    await page.fill("#pay-card", CARD)
    await page.click("#checkout button.pay")
    await paid(page)
    assert await page.evaluate("() => window.taps") == 3

    orders = await api("GET", f"/api/orders?show_id={show.show_id}")
    assert [(o["status"], o["email"]) for o in orders["orders"]] == [
        ("paid", "mia@example.com")
    ] * 3
    assert not errors, errors
