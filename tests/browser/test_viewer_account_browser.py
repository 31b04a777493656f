"""Real Chromium: a guest who bought makes an account on a phone, and a laptop signs in to it.

The guest's order stays theirs once the account exists (the account owns the
guest's id), and a second browser that signs in sees it too; signing out there
leaves the phone signed in. The menu is also driven in Chinese and Arabic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.browser.account_setup import BUY_AS_GUEST, order_is_shown
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    Api,
    choose_language,
    collect_errors,
    screenshot,
)
from tests.browser.watch_setup import live_show_with_a_bag

SECONDS = 1000
EMAIL = "mia@example.com"
PASSWORD = "a long enough passphrase"


@pytest.mark.browser
@pytest.mark.timeout(300)
async def test_a_guest_keeps_its_order_in_an_account_and_signs_in_elsewhere(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    phone = await browser.new_context(locale="en-US", **PHONE)
    page = await phone.new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    order: dict[str, Any] = await page.evaluate(
        BUY_AS_GUEST, {"showId": show.show_id, "variantId": show.tee["variants"][0]["id"]}
    )

    # Account → Create account: email and password; the page reloads as the person.
    await page.click("#account-open")
    await expect(page.locator("dialog.account-dialog")).to_be_visible()
    await page.fill("#account-email", EMAIL)
    await page.fill("#account-password", "short")
    await page.click("#account-submit")
    # The browser's own check, in the server's words, before anything is sent.
    await expect(page.locator("#account-password")).to_have_attribute("aria-invalid", "true")
    await page.fill("#account-password", PASSWORD)
    await screenshot(page, "account-create-phone")
    async with page.expect_navigation():
        await page.click("#account-submit")
    await page.click("#account-open")
    await expect(page.locator(".account-who")).to_contain_text(EMAIL)
    await screenshot(page, "account-signed-in-phone")
    await order_is_shown(page, base_url, order["id"])

    # A laptop that never bought: the order is not its own until it signs in.
    laptop = await browser.new_context(locale="zh-CN", **LAPTOP)
    other = await laptop.new_page()
    collect_errors(other, errors, allow_status=(401, 403, 404))
    await other.goto(base_url)
    await other.click("#account-open")
    await other.click("#account-switch")
    await expect(other.locator("#account-title")).to_have_text("登录")
    await other.fill("#account-email", EMAIL)
    await other.fill("#account-password", "wrong password!")
    await other.click("#account-submit")
    await expect(other.locator("dialog.account-dialog .error")).to_contain_text("密码")
    await other.fill("#account-password", PASSWORD)
    await screenshot(other, "account-sign-in-laptop-zh")
    async with other.expect_navigation():
        await other.click("#account-submit")
    await order_is_shown(other, base_url, order["id"])

    # Signing the laptop out ends its session only.
    await other.goto(base_url)
    await other.click("#account-open")
    async with other.expect_navigation():
        await other.click("#account-sign-out")
    await other.goto(f"{base_url}/orders/{order['id']}")
    await expect(other.locator("#order")).to_be_hidden()
    await order_is_shown(page, base_url, order["id"])

    # In Arabic the sheet reads right to left.
    await page.goto(base_url)
    await choose_language(page, "ar")
    await page.click("#account-open")
    await expect(page.locator(".account-who")).to_contain_text(EMAIL)
    await screenshot(page, "account-signed-in-phone-ar")

    # Back in English: download everything, then delete the account (confirmed).
    # A page of its own: the refusal (409) and, once deleted, the order page's 401 are expected.
    await page.close()
    page = await phone.new_page()
    collect_errors(page, errors, allow_status=(401, 409))
    await page.goto(base_url)
    await choose_language(page, "en")
    await page.click("#account-open")
    async with page.expect_download() as download_info:
        await page.click("#account-download")
    downloaded = await download_info.value
    data = json.loads(Path(await downloaded.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert [kept["id"] for kept in data["orders"]] == [order["id"]]
    # Paid and not shipped yet: the account stays until the order is settled.
    await page.click("#account-delete")
    await screenshot(page, "account-delete-confirm-phone")
    await page.click("dialog.confirm button[value=confirm]")
    await expect(page.locator(".account-data-section .error")).to_contain_text("still on its way")
    await api("POST", f"/api/orders/{order['id']}/fulfil", json={"carrier": "UPS"}, expect=200)
    await page.click("#account-delete")
    async with page.expect_navigation():
        await page.click("dialog.confirm button[value=confirm]")
    await page.click("#account-open")
    await expect(page.locator("#account-title")).to_have_text("Create account")
    await page.goto(f"{base_url}/orders/{order['id']}")
    await expect(page.locator("#order")).to_be_hidden()
    assert errors == [], errors
