"""Real Chromium: past the per-address search limit the home page says so in words, and the
next search after the window works again."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from livesale.config import SearchSettings, Settings
from tests.browser.helpers import LAPTOP, collect_errors, screenshot

RATE = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two searches a minute."""
    return dataclasses.replace(settings, search=SearchSettings(requests_per_minute=RATE))


async def test_the_limit_is_shown_as_an_error_and_lifts(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    context = await browser.new_context(**LAPTOP, locale="en-US")
    page = await context.new_page()
    errors: list[str] = []
    collect_errors(page, errors, allow_status=(429,))
    await page.goto(base_url)
    box = page.locator("#search-input")
    await box.fill("one")
    await box.press("Enter")
    await expect(page.locator("#search-results .empty-note")).to_contain_text("one")
    # Typing may have sent one search or two (a pause, then Enter): the rest of the
    # minute's allowance is used up in Redis, so the next one is refused whatever.
    redis = server.app[SERVICES].storage.redis
    [counter] = [key async for key in redis.scan_iter("livesale:rate:search:*")]
    await redis.set(counter, RATE, keepttl=True)
    await box.fill("three")
    await box.press("Enter")
    alert = page.locator('#search-results [role="alert"]')
    await expect(alert).to_have_text(
        "Search did not work (Too many requests. Slow down a little.)."
    )
    await screenshot(page, "search-laptop-en-limited")

    await redis.delete(*[key async for key in redis.scan_iter("livesale:rate:search:*")])
    await box.fill("four")
    await box.press("Enter")
    await expect(page.locator("#search-results .empty-note")).to_contain_text("four")
    await expect(alert).to_have_count(0)
    assert errors == []
    await context.close()
