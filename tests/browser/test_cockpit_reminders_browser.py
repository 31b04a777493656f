"""Real Chromium at 1366x900: an upcoming show's cockpit says how many guests will be
reminded (English and Chinese); another creator's cockpit of it shows no count; once the
show is live the count goes."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from tests.browser.cockpit_helpers import console_tab, page_api
from tests.browser.helpers import PASSWORD, choose_language, screenshot
from tests.room.helpers import Browser as RoomClient


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_cockpit_of_an_upcoming_show_says_how_many_will_be_reminded(
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
        for name in ("Mia", "Leo"):
            guest = RoomClient(server)
            stack.push_async_callback(guest.session.close)
            assert (await guest.call("PUT", "/api/viewer", {"display_name": name}))[0] == 200
            assert (await guest.call("PUT", f"/api/shows/{show_id}/reminder"))[0] == 200

        await console.goto(f"{base_url}/console/shows/{show_id}")
        count = console.locator("#room-reminders")
        await expect(count).to_have_text("2 will be reminded")
        await expect(console.locator("#room-title")).to_have_text("Friday Drop")
        await screenshot(console, "cockpit-reminders-laptop-en")
        await choose_language(console, "zh-CN")
        await expect(count).to_have_text("2 人将收到提醒")
        await screenshot(console, "cockpit-reminders-laptop-zh")
        await choose_language(console, "en")

        # Another creator opening the same cockpit address sees no count (nor the show).
        other_context, other = await console_tab(browser, base_url, errors)
        stack.push_async_callback(other_context.close)
        signup = {"email": "eve@example.com", "password": PASSWORD, "display_name": "Eve"}
        await page_api(other, "POST", "/api/auth/signup", signup)
        await other.goto(f"{base_url}/console/shows/{show_id}")
        await expect(other.locator("#cockpit-error")).not_to_be_empty()
        await expect(other.locator("#room-reminders")).to_be_hidden()

        # Live: nothing is left to remind of, and the count goes.
        await server.app[SERVICES].live.lifecycle.went_live(show_id)
        await expect(console.locator("#room-state")).to_have_attribute("data-state", "live")
        await expect(count).to_be_hidden()
    assert errors == []
