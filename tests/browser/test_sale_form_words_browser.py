"""Real Chromium: the cockpit's flash-sale form speaks of the thing, next to the field.

A sale price at or above the regular price is refused by the server; the
cockpit words it with the product's price as money ("Sale price must be below
$25.00"), marks the price input and clears the mark as soon as it is edited.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.cockpit_helpers import (
    SECONDS,
    console_tab,
    go_live_in_cockpit,
    open_new_show,
    signed_up_with_products,
)
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

EXPECTED = {
    "en-US": ("Sale price", "$25.00", "Enter the sale price like 9.99."),
    "zh-CN": ("售价", "US$25.00", "请输入类似 9.99 的秒杀价。"),
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_sale_price_error_is_worded_on_its_field(
    browser: Browser, base_url: str, locale: str
) -> None:
    errors: list[str] = []
    # The pin route's 400 is the answer under test; the console's sign-in check is a 401.
    context, page = await console_tab(
        browser, base_url, errors, locale=locale, allow_status=(400, 401)
    )
    await signed_up_with_products(page, f"sale-{locale}@example.com", ["Linen shirt"])
    await page.goto(f"{base_url}/console/shows")
    await open_new_show(page, "Words", ["Linen shirt"])
    await go_live_in_cockpit(page)

    label, regular, bad_format = EXPECTED[locale]
    await page.click('#room-bag .row [data-action="sale"]', timeout=10 * SECONDS)
    await page.wait_for_selector("#sale-form:not([hidden])")

    # Not a price at all: caught in the page, on the price field.
    await page.fill("#sale-price", "abc")
    await page.click("#sale-form button[type=submit]")
    await page.wait_for_selector('#sale-price[aria-invalid="true"]')
    described = await page.get_attribute("#sale-price", "aria-describedby")
    assert described
    assert await page.text_content(f"#{described}") == bad_format

    # At the regular price: refused by the server, worded with the price as money.
    await page.fill("#sale-price", "25")
    await page.wait_for_selector("#sale-price:not([aria-invalid])")  # editing cleared it
    await page.click("#sale-form button[type=submit]")
    await page.wait_for_selector('#sale-price[aria-invalid="true"]')
    described = await page.get_attribute("#sale-price", "aria-describedby")
    assert described
    words = await page.text_content(f"#{described}")
    assert words is not None
    assert label in words, words
    assert regular in words, words
    assert "flash_sale" not in words
    assert "minor" not in words
    assert await page.evaluate("document.activeElement.id") == "sale-price"
    await screenshot(page, f"cockpit-sale-error-{locale}")

    # Fixing it starts the sale; the error goes away with the form.
    await page.fill("#sale-price", "19.99")
    await page.wait_for_selector("#sale-price:not([aria-invalid])")
    await page.click("#sale-form button[type=submit]")
    await page.wait_for_selector("#sale-form", state="hidden")
    await page.wait_for_selector("#room-pin .pin-card[data-sale='true']")
    assert errors == [], errors
    await context.close()
