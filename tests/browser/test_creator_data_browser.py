"""Real Chromium: a creator downloads their own data from the console's Settings at
1366x900 (the file is theirs), and a second try within the hour says why it waits, in
Chinese on a phone; the card mirrors in Arabic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    choose_language,
    collect_errors,
    create_product,
    screenshot,
    sign_up,
)

EMAIL = "ada@example.com"


async def signed_in_settings(context: BrowserContext, base_url: str, errors: list[str]) -> Page:
    """The console's Settings, signed in as Ada."""
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401, 429))
    await page.goto(f"{base_url}/console")
    await page.fill("#login-email", EMAIL)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#nav:not([hidden])")
    await page.goto(f"{base_url}/console/settings")
    await page.wait_for_selector("#console-download-data")
    return page


@pytest.mark.browser
async def test_a_creator_downloads_their_data_from_the_console(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    await sign_up(api, EMAIL, "Ada")
    variant = {"sku": "SCARF-1", "price_minor": 2500, "currency": "USD", "stock": 3}
    product = await create_product(api, "Merino scarf", variant)

    laptop = await browser.new_context(locale="en-US", **LAPTOP)
    page = await signed_in_settings(laptop, base_url, errors)
    await expect(page.locator("#console-download-data")).to_have_text("Download my data")
    async with page.expect_download() as download_info:
        await page.click("#console-download-data")
    downloaded = await download_info.value
    assert downloaded.suggested_filename == "livesale-my-shop-data.json"
    data = json.loads(Path(await downloaded.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert [p["id"] for p in data["products"]] == [product["id"]]
    await expect(page.locator("#data-error")).to_have_text("")
    await screenshot(page, "console-data-laptop", full_page=True)
    await laptop.close()

    # Within the hour, on a phone in Chinese: no file, and the reason in the page's language.
    phone = await browser.new_context(locale="zh-CN", **PHONE)
    page = await signed_in_settings(phone, base_url, errors)
    await expect(page.locator("#console-download-data")).to_have_text("下载我的数据")
    await page.click("#console-download-data")
    await expect(page.locator("#data-error")).to_have_text("请求太频繁，请稍慢一点。")  # noqa: RUF001 (the page's Chinese)
    await page.locator("#data-error").scroll_into_view_if_needed()
    await screenshot(page, "console-data-phone-zh")
    # In Arabic the card mirrors (the page is right to left).
    await choose_language(page, "ar")
    await expect(page.locator("#data-heading")).to_have_text("بياناتك")
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    await expect(page.locator("#data-error")).to_have_text("طلبات كثيرة جدًا. تمهّل قليلًا.")
    # The lists drawn before the switch are said again too.
    no_passkeys = page.locator("#console-passkeys li.muted")
    await expect(no_passkeys).to_have_text("لا توجد مفاتيح مرور بعد.")
    await page.locator("#console-download-data").scroll_into_view_if_needed()
    await screenshot(page, "console-data-phone-ar")
    await phone.close()
    assert errors == [], errors
