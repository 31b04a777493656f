"""Real Chromium: a guest follows a creator on their page (choosing a name on the way), the
home page's "For you" row puts that creator first and says why, a watch links creators
("Viewers of ... also watched"), and the switch turns learning off and stays off; on a phone
and a laptop, in English and Chinese."""

from __future__ import annotations

import dataclasses
import re
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from livesale.composition.services import SERVICES
from livesale.config import Settings
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
from tests.room.helpers import Browser as RoomClient
from tests.room.helpers import room

SLOW = 20_000  # ms: the home page refreshes every 10 s


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every watch is learnt from, and each feed reads the shows anew."""
    feed = dataclasses.replace(settings.feed, min_watch_seconds=0.0, shared_cache_seconds=0.0)
    return dataclasses.replace(settings, feed=feed)


async def _creator(api: Api, server: TestServer, name: str, title: str, *, live: bool) -> str:
    """`name` signs up (the api's cookies become theirs) with one show; returns their id."""
    await sign_up(api, f"{name.lower()}@example.com", name)
    creator_id: str = (await api("GET", "/api/auth/me"))["creator"]["id"]
    show = await api("POST", "/api/shows", json={"title": title}, expect=201)
    if live:
        await server.app[SERVICES].live.lifecycle.went_live(show["show"]["id"])
    await api("POST", "/api/auth/logout", expect=204)
    return creator_id


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= (page.viewport_size or {"width": 0})["width"], width


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_for_you_follows_learns_and_can_be_switched_off(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    await _creator(api, server, "Ada", "Knitwear live", live=True)
    ben = await _creator(api, server, "Ben", "Friday Drop", live=False)
    await _creator(api, server, "Cleo", "Cleo's ceramics", live=True)
    shows = {s["title"]: s["id"] for s in (await api("GET", "/api/shows"))["shows"]}
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        # Leo, another guest, watched Ada's and Cleo's shows: their audiences are linked.
        leo = RoomClient(server)
        stack.push_async_callback(leo.session.close)
        assert (await leo.call("PUT", "/api/viewer", {"display_name": "Leo"}))[0] == 200
        for title in ("Knitwear live", "Cleo's ceramics"):
            async with room(leo, shows[title]):
                pass

        phone = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(phone.close)
        page = await phone.new_page()
        collect_errors(page, errors, allow_status=(401,))
        # A newcomer's row: what is popular and new, and no switch (nothing learnt yet).
        await page.goto(base_url)
        row = page.locator("#foryou-shows .show-card")
        await expect(row).to_have_count(3)
        await expect(page.locator("#foryou-heading")).to_have_text("For you")
        await expect(page.locator("#foryou-switch")).to_be_hidden()
        await expect(row.locator(".reason").first).to_have_text(re.compile("Popular now|New"))

        # Mia follows Ben on his page: she has no name yet, so the page asks for one.
        await page.goto(f"{base_url}/creators/{ben}")
        follow = page.locator(".follow-button")
        await expect(follow).to_have_text("Follow")
        await expect(page.locator(".followers")).to_have_text("0 followers")
        await follow.tap()
        await page.locator(".follow-name input").fill("Mia")
        await page.locator(".follow-name button").tap()
        await expect(follow).to_have_text("Following")
        await expect(follow).to_have_attribute("aria-pressed", "true")
        await expect(page.locator(".followers")).to_have_text("1 follower")
        await screenshot(page, "foryou-creator-follow-phone-en")

        # Mia watches Ada's show for a moment.
        await page.goto(f"{base_url}/watch/{shows['Knitwear live']}")
        await expect(page.locator("#chat-input")).to_be_visible()
        await page.goto(base_url)
        first = row.first
        await expect(first.locator(".title")).to_have_text("Friday Drop")
        await expect(first.locator(".reason")).to_have_text("You follow Ben")
        cleo = row.filter(has=page.locator(".title", has_text="Cleo's ceramics"))
        await expect(cleo.locator(".reason")).to_have_text(
            "Viewers of Knitwear live also watched", timeout=SLOW
        )
        await expect(page.locator("#foryou-toggle")).to_be_checked()
        await _no_sideways_scroll(page)
        await screenshot(page, "foryou-home-phone-en")

        # The same row in Chinese, the names inserted as they are.
        await choose_language(page, "zh-CN")
        await expect(page.locator("#foryou-heading")).to_have_text("为你推荐")
        await expect(first.locator(".reason")).to_have_text("你关注了Ben")
        await expect(cleo.locator(".reason")).to_have_text("看过《Knitwear live》的观众也在看")
        await screenshot(page, "foryou-home-phone-zh")
        # Arabic, right to left: the row starts at the right edge.
        await choose_language(page, "ar")
        # The name is isolated (first-strong isolate ... pop) inside the Arabic sentence.
        await expect(first.locator(".reason")).to_have_text("أنت تتابع \u2068Ben\u2069")
        first_box = await first.bounding_box()
        second_box = await row.nth(1).bounding_box()
        assert first_box
        assert second_box
        assert first_box["x"] > second_box["x"]
        await screenshot(page, "foryou-home-phone-ar")
        await choose_language(page, "en")

        # Off: popularity and recency only, and it stays off after a reload.
        await page.locator("#foryou-toggle").tap()
        await expect(page.locator("#foryou-off")).to_be_visible()
        await expect(row.locator('.reason[data-reason="following"]')).to_have_count(0)
        await expect(row.locator('.reason[data-reason="also_watched"]')).to_have_count(0)
        await page.reload()
        await expect(page.locator("#foryou-toggle")).not_to_be_checked()
        await expect(row).to_have_count(3)
        await expect(row.locator('.reason[data-reason="following"]')).to_have_count(0)
        await screenshot(page, "foryou-home-off-phone-en")

        # The watch page's header follows the show's creator too.
        cleo_show = shows["Cleo's ceramics"]
        await page.goto(f"{base_url}/watch/{cleo_show}")
        header_follow = page.locator("#follow .follow-button")
        await expect(header_follow).to_have_text("Follow")
        await header_follow.tap()
        await expect(header_follow).to_have_text("Following")
        await _no_sideways_scroll(page)
        await screenshot(page, "foryou-watch-follow-phone-en")
        await header_follow.tap()
        await expect(header_follow).to_have_text("Follow")

        # Another guest on a laptop sees their own row: nobody they follow.
        laptop = await browser.new_context(**LAPTOP, locale="en-US")
        stack.push_async_callback(laptop.close)
        other = await laptop.new_page()
        collect_errors(other, errors)
        await other.goto(base_url)
        await expect(other.locator("#foryou-shows .show-card")).to_have_count(3)
        await expect(other.locator('#foryou-shows .reason[data-reason="following"]')).to_have_count(
            0
        )
        await screenshot(other, "foryou-home-laptop-en")
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_a_creator_sees_their_followers_and_no_button_to_follow_themself(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    ben = await _creator(api, server, "Ben", "Friday Drop", live=False)
    for name in ("Mia", "Leo"):
        guest = RoomClient(server)
        try:
            assert (await guest.call("PUT", "/api/viewer", {"display_name": name}))[0] == 200
            assert (await guest.call("PUT", f"/api/creators/{ben}/follow"))[0] == 200
        finally:
            await guest.session.close()
    errors: list[str] = []
    context = await browser.new_context(**LAPTOP, locale="zh-CN")
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401,))  # the console asks who is signed in first
    await page.goto(f"{base_url}/console")
    await page.fill("#login-email", "ben@example.com")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#me-followers")).to_have_text("2 位粉丝")
    await screenshot(page, "foryou-console-followers-laptop-zh")
    # On his own page: the count, and no button to follow himself.
    await page.goto(f"{base_url}/creators/{ben}")
    await expect(page.locator(".followers")).to_have_text("2 位粉丝")
    await expect(page.locator(".follow-button")).to_be_hidden()
    await context.close()
    assert not errors, errors
