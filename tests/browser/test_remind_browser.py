"""Real Chromium: a guest taps "Remind me" on an upcoming card (choosing a name on the show's
page on the way), the card and the show page keep it, the creator's console counts it and
another guest sees no count; on a phone and a laptop, in English and Chinese."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from tests.browser.cockpit_helpers import console_tab, page_api
from tests.browser.helpers import (
    PASSWORD,
    PHONE,
    choose_language,
    collect_errors,
    screenshot,
)

SLOW = 20_000  # ms: lists refresh every 10 s


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_guest_is_reminded_and_the_creator_sees_how_many(
    base_url: str, browser: Browser, server: TestServer
) -> None:
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        context, console = await console_tab(browser, base_url, errors)
        stack.push_async_callback(context.close)
        signup = {"email": "ben@example.com", "password": PASSWORD, "display_name": "Ben"}
        await page_api(console, "POST", "/api/auth/signup", signup)
        body = {"title": "Friday Drop", "scheduled_at": time.time() + 7200}
        show_id = (await page_api(console, "POST", "/api/shows", body))["show"]["id"]

        phone = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(phone.close)
        page = await phone.new_page()
        # A newcomer's first tap is refused (no guest yet): that 401 is expected.
        collect_errors(page, errors, allow_status=(401,))
        await page.goto(base_url)
        card = page.locator(f'#upcoming-shows .show-card[data-show-id="{show_id}"]')
        remind = card.locator(".remind-button")
        await expect(remind).to_have_text("Remind me")
        await expect(remind).to_have_attribute("aria-pressed", "false")
        await screenshot(page, "remind-home-phone-en")
        # Mia has no name yet: the tap opens the show's page, which asks for one.
        await remind.tap()
        await page.wait_for_url(f"**/watch/{show_id}#remind")
        await expect(page.locator("#name-input")).to_be_focused()
        await page.locator("#name-input").fill("Mia")
        await page.locator("#name-form button[type=submit]").tap()
        on_page = page.locator("#remind .remind-button")
        await expect(on_page).to_be_visible()
        await expect(on_page).to_have_text("Remind me")
        await on_page.tap()
        await expect(on_page).to_have_text("Reminder set")
        await expect(on_page).to_have_attribute("aria-pressed", "true")
        await screenshot(page, "remind-watch-phone-en")

        # The card remembers it, and taking it back is one tap.
        await page.goto(base_url)
        await expect(remind).to_have_text("Reminder set")
        await remind.tap()
        await expect(remind).to_have_text("Remind me")
        await remind.tap()
        await expect(remind).to_have_text("Reminder set")
        await choose_language(page, "zh-CN")
        await expect(remind).to_have_text("已设提醒")
        await screenshot(page, "remind-home-phone-zh")
        # The creator's page offers the same state.
        creator_id = (await page_api(console, "GET", "/api/auth/me"))["creator"]["id"]
        await page.goto(f"{base_url}/creators/{creator_id}")
        await expect(page.locator(".show-card .remind-button")).to_have_text("已设提醒")

        # Ben's console: how many will be reminded, in both languages.
        await console.goto(f"{base_url}/console/shows")
        count = console.locator(f'#show-list .row[data-id="{show_id}"] .reminders')
        await expect(count).to_have_text("1 will be reminded")
        await screenshot(console, "remind-console-laptop-en")
        await choose_language(console, "zh-CN")
        await expect(count).to_have_text("1 人将收到提醒")

        # Another guest sees no count, only their own state.
        other = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(other.close)
        leo = await other.new_page()
        collect_errors(leo, errors)
        await leo.goto(f"{base_url}/watch/{show_id}")
        state = await leo.evaluate(
            "async (id) => (await fetch(`/api/shows/${id}/reminder`)).json()", show_id
        )
        assert state == {"reminded": False, "reminders": None, "own": False}

        # Once the show is live the button goes: there is nothing left to remind of.
        await server.app[SERVICES].live.lifecycle.went_live(show_id)
        await page.goto(f"{base_url}/watch/{show_id}")
        await expect(page.locator("#remind")).to_be_hidden(timeout=SLOW)
    assert errors == []
