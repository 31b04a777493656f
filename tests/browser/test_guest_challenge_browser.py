"""Real Chromium on a phone: past its address's free guests, the watch page solves the challenge.

The address (127.0.0.1, shared with the test's own guests) has used its free
guest identities, so `PUT /api/viewer` answers 429 challenge_required; the
page shows "Checking your browser…", solves the proof of work with WebCrypto,
sends the name again and the guest chats and buys as usual. The creator's
console login does the same past the login throttle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import BaseTestServer, TestServer
from playwright.async_api import Browser, Page, Response, expect
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.config import AuthSettings, Settings
from tests.browser.helpers import LAPTOP, PASSWORD, PHONE, Api, collect_errors, screenshot, sign_up
from tests.browser.watch_setup import live_show_with_a_bag

SECONDS = 1000  # Playwright timeouts are in milliseconds
CHECKING = {"en-US": "Checking your browser…", "zh-CN": "正在检查您的浏览器…"}
# Every "Checking your browser…" note the page shows, however briefly, is recorded.
RECORD_NOTES = """
window.challengeNotes = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      if (node.classList && node.classList.contains("challenge-note")) {
        window.challengeNotes.push(node.textContent);
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[BaseTestServer]:
    """The whole app with the default cost of a guest identity (cheap argon2 for speed)."""
    defaults = AuthSettings()
    auth = dataclasses.replace(
        settings.auth,
        password_time_cost=1,
        password_memory_kib=8,
        password_parallelism=1,
        guest_creations_per_address_per_hour=defaults.guest_creations_per_address_per_hour,
        guest_free_creations_per_address_per_hour=defaults.guest_free_creations_per_address_per_hour,
    )
    app = create_app(dataclasses.replace(settings, auth=auth))
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


async def use_up_free_guests(base_url: str) -> None:
    """Other guests from the same address (a household, or a bot) take the free ones."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        for number in range(AuthSettings().guest_free_creations_per_address_per_hour):
            async with session.put(
                f"{base_url}/api/viewer",
                json={"display_name": f"Housemate {number}"},
                headers={"Origin": base_url},
            ) as response:
                assert response.status == 200, await response.text()
        async with session.put(
            f"{base_url}/api/viewer",
            json={"display_name": "One more"},
            headers={"Origin": base_url},
        ) as response:
            assert (await response.json())["error"]["code"] == "challenge_required"


def refusals(page: Page) -> list[str]:
    """`status method path` of every 429/403 the page gets, as they come."""
    seen: list[str] = []

    def on_response(response: Response) -> None:
        if response.status in (403, 429):
            path = response.url.split("//", 1)[1].split("/", 1)[1]
            seen.append(f"{response.status} {response.request.method} /{path}")

    page.on("response", on_response)
    return seen


def solved(purpose: str) -> float:
    return REGISTRY.get_sample_value("livesale_challenges_solved_total", {"purpose": purpose}) or 0


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_on_a_phone_the_page_solves_the_challenge_then_the_guest_chats_and_buys(
    base_url: str, browser: Browser, api: Api, locale: str
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    await use_up_free_guests(base_url)
    solved_before = solved("guest")

    context = await browser.new_context(locale=locale, **PHONE)
    await context.add_init_script(RECORD_NOTES)
    page = await context.new_page()
    page_errors: list[str] = []
    # The one expected refusal: the first PUT /api/viewer asks for the challenge.
    collect_errors(page, page_errors, allow_status=(429,))
    refused = refusals(page)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await page.fill("#name-input", "Li")
    await page.locator("#name-form button[type=submit]").tap()
    await expect(page.locator("#chat-input")).to_be_visible(timeout=60 * SECONDS)

    assert refused == ["429 PUT /api/viewer"]
    assert await page.evaluate("window.challengeNotes") == [CHECKING[locale]]
    await expect(page.locator(".challenge-note")).to_have_count(0)  # gone once solved
    assert solved("guest") == solved_before + 1
    await expect(page.locator("#name-current")).to_have_text("Li")

    # The new guest chats...
    await page.fill("#chat-input", "Is the mug dishwasher safe?")
    await page.locator("#chat-send").tap()
    await expect(page.locator("#chat .chat-message")).to_contain_text("Is the mug dishwasher safe?")
    # ...and buys: Buy now on the pinned Tee reserves it for them.
    await page.locator("#pin button.buy").tap()
    await page.locator("#sheet-buy").tap()
    checkout = page.locator("dialog#checkout")
    await expect(checkout.locator(".sheet-timer")).to_be_visible()
    lines = await api("GET", f"/api/shows/{show.show_id}/stock")
    levels = {m["product_id"]: m["variants"] for m in lines["stock"]}
    assert levels[show.tee["id"]] == {show.tee["variants"][0]["id"]: 4}
    await screenshot(page, f"guest-challenge-phone-{locale}")
    assert refused == ["429 PUT /api/viewer"]
    assert not page_errors, page_errors
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_past_the_login_throttle_the_console_checks_the_browser_and_signs_in(
    base_url: str, browser: Browser, api: Api
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    context = await browser.new_context(locale="en-US", **LAPTOP)
    await context.add_init_script(RECORD_NOTES)
    page = await context.new_page()
    page_errors: list[str] = []
    collect_errors(page, page_errors, allow_status=(401, 429))
    refused = refusals(page)
    await page.goto(f"{base_url}/console")
    free = AuthSettings().login_free_failures
    for _ in range(free):
        await page.fill("#login-email", "ada@example.com")
        await page.fill("#login-password", "not the password")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#auth-error")).not_to_be_empty()
        await expect(page.locator("#login-form button[type=submit]")).to_be_enabled()
    solved_before = solved("login")

    # The throttle has tripped: the right password gets through after the check, no wait.
    await page.fill("#login-email", "ada@example.com")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-form")).to_be_hidden(timeout=60 * SECONDS)
    assert refused == ["429 POST /api/auth/login"]
    assert await page.evaluate("window.challengeNotes") == [CHECKING["en-US"]]
    assert solved("login") == solved_before + 1
    await screenshot(page, "login-challenge-console")
    assert not page_errors, page_errors
