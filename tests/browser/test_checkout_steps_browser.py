"""Real Chromium: the checkout sheet's steps, one after the other, as the machine drives them.

On a phone (390x844, touch) and a laptop (1366x900), in English and Chinese: Buy
now, (the phone's variant and quantity,) a display name, the shipping details
with the hold's countdown; closing there gives the held unit back to the room
(the card counts it again), which another browser cannot do for her; Buy now
again goes straight to the details (the name is known), then the payment and the
confirmation. Each step is photographed.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import LAPTOP, PHONE, Api, collect_errors, screenshot
from tests.browser.watch_setup import live_show_with_a_bag

SECONDS = 1000  # Playwright timeouts are in milliseconds
CARD = "4242 4242 4242 4242"
TYPED = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "62701",
}
WORDS = {
    "en-US": {"left": "3 left", "held": "2 left", "title": "Checkout", "thanks": "Thank you"},
    "zh-CN": {"left": "仅剩 3 件", "held": "仅剩 2 件", "title": "结账", "thanks": "谢谢"},
}


async def press(page: Page, selector: str, phone: bool) -> None:
    """A tap on the phone, a click on the laptop."""
    if phone:
        await page.locator(selector).tap()
    else:
        await page.click(selector)


async def at_step(page: Page, step: str) -> None:
    """The sheet is open on `step`."""
    sheet = page.locator("dialog#checkout")
    await expect(sheet).to_have_attribute("data-step", step, timeout=30 * SECONDS)
    await expect(sheet).to_be_visible()


async def buy_now(page: Page, phone: bool) -> None:
    """Buy now on the pinned card (and, on a phone, Buy now in the sheet's choose step)."""
    await press(page, "#pin button.buy", phone)
    if phone:
        await at_step(page, "choose")
        await press(page, "#sheet-buy", phone)


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("device", ["phone", "laptop"])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_the_checkout_sheet_walks_its_steps_and_gives_a_closed_hold_back(
    base_url: str, browser: Browser, api: Api, device: str, locale: str
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    words = WORDS[locale]
    phone = device == "phone"
    context = await browser.new_context(locale=locale, **(PHONE if phone else LAPTOP))
    page = await context.new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    left = page.locator("#pin .pin-left")
    await expect(left).to_have_text(words["left"])
    name = f"checkout-{device}-{locale}"

    await press(page, "#pin button.buy", phone)
    if phone:
        await at_step(page, "choose")
        await expect(page.locator("#checkout-title")).to_have_text("Tee")  # the product's title
        await screenshot(page, f"{name}-1-choose")
        await press(page, "#sheet-buy", phone)
    await at_step(page, "name")
    await screenshot(page, f"{name}-2-name")
    await page.fill("#checkout-viewer-name", "Mia")
    async with page.expect_response(lambda response: response.url.endswith("/buy")) as bought:
        await press(page, "#checkout .name-step button[type=submit]", phone)
    checkout_id = (await (await bought.value).json())["checkout"]["id"]

    await at_step(page, "details")
    await expect(page.locator("#checkout-title")).to_have_text(words["title"])
    await expect(page.locator("#checkout .sheet-timer")).to_be_visible()
    await expect(left).to_have_text(words["held"])  # the unit is held for Mia
    await screenshot(page, f"{name}-3-details")
    # Another guest (their own cookie and name) cannot give Mia's hold back.
    intruder = await browser.new_context(locale=locale, **LAPTOP)
    other = await intruder.new_page()
    await other.goto(f"{base_url}/watch/{show.show_id}")
    await other.fill("#name-input", "Bo")
    await other.click("#name-form button[type=submit]")
    await expect(other.locator("#chat-input")).to_be_visible()
    status = await other.evaluate(
        "id => fetch(`/api/checkouts/${id}`, {method: 'DELETE'}).then((r) => r.status)",
        checkout_id,
    )
    assert status in (403, 404), status
    await intruder.close()
    await expect(page.locator("#checkout .sheet-timer")).to_be_visible()
    await expect(left).to_have_text(words["held"])
    await press(page, "#checkout .sheet-close", phone)
    await expect(page.locator("dialog#checkout")).to_be_hidden()
    await expect(left).to_have_text(words["left"], timeout=30 * SECONDS)  # and given back

    await buy_now(page, phone)
    await at_step(page, "details")  # the name is known now
    for selector, value in TYPED.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await press(page, "#checkout .checkout-form button[type=submit]", phone)
    await at_step(page, "pay")
    await page.fill("#pay-card", CARD)
    await screenshot(page, f"{name}-4-pay")
    await press(page, "#checkout button.pay", phone)
    await at_step(page, "done")
    await expect(page.locator("#checkout .order-status")).to_have_attribute(
        "data-status", "paid", timeout=30 * SECONDS
    )
    await expect(page.locator("#checkout-title")).to_contain_text(words["thanks"])
    await screenshot(page, f"{name}-5-done")
    await press(page, "#checkout .actions button.primary", phone)
    await expect(page.locator("dialog#checkout")).to_be_hidden()
    assert errors == []
