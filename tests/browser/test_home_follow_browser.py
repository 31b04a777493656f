"""Real Chromium: a guest follows a creator from a home card (choosing a name on the creator's
page on the way), every card of that creator on the page says so at once, the creator's page
says "Following" and the follower count went up; a creator sees no Follow on their own cards;
on a phone and a laptop, in English and Chinese."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Locator, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    choose_language,
    collect_errors,
    screenshot,
    sign_up,
)


async def _creator_with_shows(api: Api, server: TestServer, name: str) -> str:
    """`name` signs up with a live show and an upcoming one; returns their id."""
    await sign_up(api, f"{name.lower()}@example.com", name)
    creator_id: str = (await api("GET", "/api/auth/me"))["creator"]["id"]
    live = await api("POST", "/api/shows", json={"title": f"{name} live"}, expect=201)
    await server.app[SERVICES].live.lifecycle.went_live(live["show"]["id"])
    later = {"title": f"{name} tomorrow", "scheduled_at": time.time() + 86_400}
    await api("POST", "/api/shows", json=later, expect=201)
    await api("POST", "/api/auth/logout", expect=204)
    return creator_id


def _follows_of(page: Page, creator_id: str) -> Locator:
    """Every Follow button on the home page's live and upcoming cards of `creator_id`."""
    return page.locator(
        f'#live-shows .follow-button[data-creator-id="{creator_id}"],'
        f' #upcoming-shows .follow-button[data-creator-id="{creator_id}"]'
    )


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= (page.viewport_size or {"width": 0})["width"], width


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_following_from_a_home_card(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    ada = await _creator_with_shows(api, server, "Ada")
    ben = await _creator_with_shows(api, server, "Ben")
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        phone = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(phone.close)
        page = await phone.new_page()
        collect_errors(page, errors, allow_status=(401,))  # following before choosing a name
        await page.goto(base_url)
        adas = _follows_of(page, ada)
        await expect(adas).to_have_count(2)  # her live card and her upcoming card
        for button in await adas.all():
            await expect(button).to_have_text("Follow")
        await _no_sideways_scroll(page)
        await screenshot(page, "home-follow-phone-en")

        # A newcomer taps Follow on Ada's live card: her page asks for a name, then follows.
        await page.locator(f'#live-shows .follow-button[data-creator-id="{ada}"]').tap()
        await page.wait_for_url(f"{base_url}/creators/{ada}#follow")
        row = page.locator("#creator-follow")
        await expect(row.locator(".follow-name input")).to_be_focused()
        await screenshot(page, "home-follow-name-phone-en")
        await row.locator(".follow-name input").fill("Mia")
        await row.locator(".follow-name button").tap()
        await expect(row.locator(".follow-button")).to_have_text("Following")
        await expect(row.locator(".followers")).to_have_text("1 follower")
        assert (await api("GET", f"/api/creators/{ada}/follow"))["followers"] == 1

        # Back home, both of Ada's cards say so; unfollowing on one turns both back at once.
        await page.goto(base_url)
        for button in await adas.all():
            await expect(button).to_have_text("Following")
            await expect(button).to_have_attribute("aria-pressed", "true")
        await adas.nth(1).tap()
        for button in await adas.all():
            await expect(button).to_have_text("Follow")
        assert (await api("GET", f"/api/creators/{ada}/follow"))["followers"] == 0
        # Following Ben on his upcoming card changes his cards only (and the For you row's).
        bens = _follows_of(page, ben)
        await bens.nth(1).tap()
        for button in await bens.all():
            await expect(button).to_have_text("Following")
        for button in await page.locator(f'#foryou-shows [data-creator-id="{ben}"]').all():
            await expect(button).to_have_text("Following")
        for button in await adas.all():
            await expect(button).to_have_text("Follow")
        await screenshot(page, "home-follow-ben-phone-en")
        await _no_sideways_scroll(page)
        # Right to left, the control follows the name on its left; Spanish words it too.
        await choose_language(page, "ar")
        await expect(bens.first).to_have_text("تتابعه")
        await expect(adas.first).to_have_text("متابعة")
        name_box = await page.locator("#live-shows .byline .creator").first.bounding_box()
        button_box = await page.locator("#live-shows .byline .follow-button").first.bounding_box()
        assert name_box
        assert button_box
        assert button_box["x"] < name_box["x"]
        await _no_sideways_scroll(page)
        await screenshot(page, "home-follow-phone-ar")
        await choose_language(page, "es")
        await expect(bens.first).to_have_text("Siguiendo")
        await choose_language(page, "en")

        # His page says "Following", and his follower count went up.
        await page.goto(f"{base_url}/creators/{ben}")
        await expect(page.locator("#creator-follow .follow-button")).to_have_text("Following")
        assert (await api("GET", f"/api/creators/{ben}/follow"))["followers"] == 1

        # The same cards in Chinese on a laptop, for another guest who follows nobody.
        laptop = await browser.new_context(**LAPTOP, locale="zh-CN")
        stack.push_async_callback(laptop.close)
        other = await laptop.new_page()
        collect_errors(other, errors)
        await other.goto(base_url)
        await expect(_follows_of(other, ben)).to_have_count(2)
        for button in await _follows_of(other, ben).all():
            await expect(button).to_have_text("关注")
        await screenshot(other, "home-follow-laptop-zh")
        await choose_language(other, "en")
        await expect(_follows_of(other, ada).first).to_have_text("Follow")
        await screenshot(other, "home-follow-laptop-en")

        # Ben, signed in on his own browser, sees no Follow on his own cards.
        own = await browser.new_context(**LAPTOP, locale="en-US")
        stack.push_async_callback(own.close)
        mine = await own.new_page()
        collect_errors(mine, errors, allow_status=(401,))
        await mine.goto(f"{base_url}/console")
        await mine.fill("#login-email", "ben@example.com")
        await mine.fill("#login-password", PASSWORD)
        await mine.click("#login-form button[type=submit]")
        await expect(mine.locator("#me-followers")).to_have_text("1 follower")
        await mine.goto(base_url)
        await expect(_follows_of(mine, ada)).to_have_count(2)
        await expect(_follows_of(mine, ada).first).to_be_visible()
        for button in await _follows_of(mine, ben).all():
            await expect(button).to_be_hidden()
    assert not errors, errors
