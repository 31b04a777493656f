"""Real Chromium with a virtual authenticator: a guest who bought makes an account with a
passkey alone and still sees the order; the same passkey (synced to a laptop) signs in
there; once removed from the account it opens nothing.

Browsers refuse IP addresses as a passkey's relying party, so this server's public
URL is `http://localhost:<port>` (a secure context without TLS).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.app import create_app
from livesale.config import Settings
from tests.browser.account_setup import (
    BUY_AS_GUEST,
    order_is_shown,
    passkeys_on,
    virtual_authenticator,
)
from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    collect_errors,
    screenshot,
    sign_up,
)
from tests.browser.watch_setup import live_show_with_a_bag
from tests.support.clients import cheap_auth
from tests.support.processes import free_port


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    """The app on a free port whose public URL is on localhost (a passkey's relying party)."""
    port = free_port("127.0.0.1")
    public = dataclasses.replace(settings.server, public_url=f"http://localhost:{port}")
    app = create_app(cheap_auth(dataclasses.replace(settings, server=public)))
    test_server = TestServer(app, host="127.0.0.1", port=port)
    async with test_server:
        yield test_server


@pytest.fixture
def base_url(server: TestServer) -> str:
    """http://localhost:<port>, as the browser must call it."""
    return f"http://localhost:{server.port}"


@pytest.mark.browser
@pytest.mark.timeout(300)
async def test_a_guest_makes_an_account_with_a_passkey_and_signs_in_with_it_elsewhere(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    phone = await browser.new_context(locale="en-US", **PHONE)
    page = await phone.new_page()
    collect_errors(page, errors)
    authenticator, phone_key = await virtual_authenticator(phone, page)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    order: dict[str, Any] = await page.evaluate(
        BUY_AS_GUEST, {"showId": show.show_id, "variantId": show.tee["variants"][0]["id"]}
    )

    await page.click("#account-open")
    await screenshot(page, "passkey-create-phone")
    async with page.expect_navigation():
        await page.click("#account-passkey")
    held = await passkeys_on(authenticator, phone_key)
    assert len(held) == 1
    assert held[0]["isResidentCredential"] is True
    assert held[0]["rpId"] == "localhost"
    await page.click("#account-open")
    await expect(page.locator(".account-who")).to_have_text("Signed in with a passkey")
    await expect(page.locator("#account-passkeys li")).to_have_count(1)
    await screenshot(page, "passkey-signed-in-phone")
    await order_is_shown(page, base_url, order["id"])
    # An email and a password added later, for devices without the passkey.
    await page.goto(base_url)
    await page.click("#account-open")
    await page.click("#account-add-email")
    await page.fill("#account-email", "mia@example.com")
    await page.fill("#account-password", "a long enough passphrase")
    async with page.expect_navigation():
        await page.click("#account-submit")
    await page.click("#account-open")
    await expect(page.locator(".account-who")).to_contain_text("mia@example.com")
    await page.keyboard.press("Escape")

    # The passkey synced to a laptop (copied between the two virtual authenticators).
    laptop = await browser.new_context(locale="en-US", **LAPTOP)
    other = await laptop.new_page()
    collect_errors(other, errors, allow_status=(401, 403, 404))
    synced, laptop_key = await virtual_authenticator(laptop, other)
    await synced.send(
        "WebAuthn.addCredential", {"authenticatorId": laptop_key, "credential": held[0]}
    )
    await other.goto(f"{base_url}/orders/{order['id']}")
    await expect(other.locator("#order")).to_be_hidden()
    await other.goto(base_url)
    await other.click("#account-open")
    await other.click("#account-switch")
    async with other.expect_navigation():
        await other.click("#account-passkey")
    await order_is_shown(other, base_url, order["id"])

    # Removed from the account on the phone, the passkey opens nothing any more.
    await page.goto(base_url)
    await page.click("#account-open")
    await page.click(".account-remove-passkey")
    await expect(page.locator("#account-passkeys li.muted")).to_have_text("No passkeys yet.")
    await other.goto(base_url)
    await other.click("#account-open")
    await other.click("#account-sign-out")
    await other.wait_for_url(f"{base_url}/")
    await other.click("#account-open")
    await other.click("#account-switch")
    await other.click("#account-passkey")
    await expect(other.locator("dialog.account-dialog .error")).to_contain_text(
        "That passkey did not work here"
    )
    await screenshot(other, "passkey-removed-laptop")
    assert errors == []


@pytest.mark.browser
@pytest.mark.timeout(300)
async def test_a_creator_adds_a_passkey_in_the_console_and_signs_in_with_it(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    await sign_up(api, "ada@example.com", "Ada")
    laptop = await browser.new_context(locale="zh-CN", **LAPTOP)
    console = await laptop.new_page()
    collect_errors(console, errors, allow_status=(401,))
    authenticator, key = await virtual_authenticator(laptop, console)
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "ada@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")

    await console.goto(f"{base_url}/console/settings")
    await expect(console.locator("#console-passkeys li.muted")).to_have_text("还没有通行密钥。")
    await console.click("#console-add-passkey")
    await expect(console.locator("#console-passkeys li.row")).to_have_count(1)
    assert len(await passkeys_on(authenticator, key)) == 1
    await screenshot(console, "passkey-console-settings-zh")

    await console.click("#logout")
    await console.wait_for_selector("#view-auth:not([hidden])")
    await console.click("#login-passkey")
    await console.wait_for_selector("#nav:not([hidden])")
    assert errors == [], errors
