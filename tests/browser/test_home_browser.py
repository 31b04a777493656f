"""Real Chromium: the home page's live, upcoming and past shows, and a creator's page, on a
phone and a laptop, in English and Chinese, in the reader's own time zone."""

from __future__ import annotations

import re
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

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
from tests.room.helpers import Browser as RoomClient
from tests.room.helpers import room
from tests.support.replay import record_part

PAST_SHOWS = 13  # one more than a page: "More" brings the last one


def _noon_utc_in_two_days() -> float:
    """A start time whose local hour differs by zone: 12:00 UTC, two days from now."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=2, hours=12)).timestamp()


async def _seed(api: Api, server: TestServer) -> dict[str, Any]:
    """Ada's live show, an upcoming one at a known instant, and past shows with replays."""
    await sign_up(api, "ada@example.com", "Ada")
    me = (await api("GET", "/api/auth/me"))["creator"]
    app = server.app
    past = []
    for n in range(PAST_SHOWS):
        show = await api("POST", "/api/shows", json={"title": f"Archive {n + 1}"}, expect=201)
        show_id = show["show"]["id"]
        await app[SERVICES].live.lifecycle.went_live(show_id)
        await record_part(app, show_id, seconds=1)
        await app[SERVICES].live.lifecycle.end(show_id)
        past.append(show_id)
    live = (await api("POST", "/api/shows", json={"title": "Knitwear live"}, expect=201))["show"]
    await app[SERVICES].live.lifecycle.went_live(live["id"])
    starts_at = _noon_utc_in_two_days()
    upcoming = await api(
        "POST", "/api/shows", json={"title": "Vintage hour", "scheduled_at": starts_at}, expect=201
    )
    return {
        "creator": me,
        "live": live["id"],
        "upcoming": upcoming["show"]["id"],
        "starts_at": starts_at,
        "past": past,
    }


async def _watchers(stack: AsyncExitStack, server: TestServer, show_id: str) -> None:
    """The creator's console and two viewers in the live show's room."""
    console = RoomClient(server)
    stack.push_async_callback(console.session.close)
    status, body = await console.call(
        "POST", "/api/auth/login", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert status == 200, body
    await stack.enter_async_context(room(console, show_id))
    for _ in range(2):
        viewer = RoomClient(server)
        stack.push_async_callback(viewer.session.close)
        await stack.enter_async_context(room(viewer, show_id))


def _local_start(starts_at: float, zone: str, pattern: str) -> str:
    return datetime.fromtimestamp(starts_at, ZoneInfo(zone)).strftime(pattern).lstrip("0")


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= (page.viewport_size or {"width": 0})["width"], width


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_home_lists_live_upcoming_and_past_shows_in_the_readers_zone(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    seeded = await _seed(api, server)
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        await _watchers(stack, server, seeded["live"])

        # A phone in Shanghai, in English.
        phone = await browser.new_context(**PHONE, locale="en-US", timezone_id="Asia/Shanghai")
        page = await phone.new_page()
        collect_errors(page, errors)
        await page.goto(base_url)
        live_card = page.locator('#live-shows [data-kind="live"]')
        await expect(live_card).to_have_count(1)
        # Two viewers: the creator's own console is not one.
        await expect(live_card.locator(".chip.viewers")).to_have_text("2 watching", timeout=15_000)
        upcoming = page.locator('#upcoming-shows [data-kind="upcoming"]')
        await expect(upcoming.locator(".title")).to_have_text("Vintage hour")
        when = await upcoming.locator("time").text_content()
        assert when is not None
        expected = _local_start(seeded["starts_at"], "Asia/Shanghai", "%I:%M %p")
        assert expected == "8:00 PM"
        assert expected in when, when
        assert "GMT+8" in when, when
        assert await upcoming.locator("time").get_attribute("datetime") == (
            datetime.fromtimestamp(seeded["starts_at"], UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        )
        await expect(upcoming.locator(".hint-rel")).to_have_text(
            re.compile(r"^(tomorrow|in \d days)$")
        )
        await expect(page.locator("#upcoming-zone")).to_contain_text("Asia/Shanghai")

        past = page.locator('#past-shows [data-kind="past"]')
        await expect(past).to_have_count(12)
        ids = [await card.get_attribute("data-show-id") for card in await past.all()]
        assert ids == list(reversed(seeded["past"]))[:12]  # the one that ended last first
        await expect(past.first.locator(".chip.length")).to_have_text(re.compile(r"^0:0[1-2]$"))
        await expect(past.first.locator(".badge")).to_have_text("REPLAY")
        # Two cards a row on a phone, and nothing wider than the screen.
        first, second = [await past.nth(i).bounding_box() for i in range(2)]
        assert first
        assert second
        assert first["y"] == second["y"]
        assert first["x"] < second["x"]
        await _no_sideways_scroll(page)
        await screenshot(page, "home-phone-en")
        await page.click("#past-more")
        await expect(past).to_have_count(PAST_SHOWS)
        await expect(page.locator("#past-more")).to_be_hidden()
        assert await past.last.get_attribute("data-show-id") == seeded["past"][0]

        # A card opens the show; the creator's name opens the creator's page.
        href = await past.first.locator(".card-link").get_attribute("href")
        assert href == f"/watch/{seeded['past'][-1]}"
        await live_card.locator(".creator").click()
        await page.wait_for_url(f"{base_url}/creators/{seeded['creator']['id']}")
        await expect(page.locator("#creator-name")).to_have_text("Ada")
        await phone.close()

        # A laptop in New York, in Chinese.
        laptop = await browser.new_context(**LAPTOP, locale="zh-CN", timezone_id="America/New_York")
        page = await laptop.new_page()
        collect_errors(page, errors)
        await page.goto(base_url)
        await expect(page.locator("#past-heading")).to_have_text("往期直播")
        await expect(page.locator("#live-shows .chip.viewers")).to_have_text(
            "2 人在看", timeout=15_000
        )
        when = await page.locator("#upcoming-shows time").text_content()
        hour = _local_start(seeded["starts_at"], "America/New_York", "%H:%M")  # 7:00 or 8:00
        assert re.search(rf"\b0?{hour}\b", when or ""), (hour, when)
        assert "GMT-" in (when or "")
        await expect(page.locator("#past-shows .badge").first).to_have_text("回放")
        await expect(page.locator("#past-shows .show-card")).to_have_count(12)
        await screenshot(page, "home-laptop-zh")
        # Switching the language re-words the cards in place.
        await choose_language(page, "en")
        await expect(page.locator("#live-shows .chip.viewers")).to_have_text("2 watching")
        await _no_sideways_scroll(page)
        await laptop.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_a_creators_page_lists_their_shows_and_an_unknown_one_says_so(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    seeded = await _seed(api, server)
    creator_id = seeded["creator"]["id"]
    now = time.time()
    for title, starts_at in [("Running late", now - 600), ("Half an hour", now + 1800)]:
        body = {"title": title, "scheduled_at": starts_at}
        await api("POST", "/api/shows", json=body, expect=201)
    errors: list[str] = []
    laptop = await browser.new_context(**LAPTOP, locale="en-US", timezone_id="Asia/Shanghai")
    page = await laptop.new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/creators/{creator_id}")
    await expect(page.locator("#creator-name")).to_have_text("Ada")
    assert await page.title() == "Ada · livesale"
    await expect(page.locator('#live-shows [data-kind="live"] .title')).to_have_text(
        "Knitwear live"
    )
    upcoming = page.locator("#upcoming-shows .show-card")
    await expect(upcoming.locator(".title")).to_have_text(
        ["Running late", "Half an hour", "Vintage hour"]
    )
    await expect(upcoming.first.locator(".hint-rel")).to_have_text("Starting soon")
    await expect(upcoming.nth(1).locator(".hint-rel")).to_have_text(
        re.compile(r"^in (29|30) minutes$")
    )
    await expect(upcoming.nth(2).locator("time")).to_contain_text("8:00 PM")
    await expect(page.locator("#past-shows .show-card")).to_have_count(12)
    # On their own page the cards do not repeat the creator's name.
    assert await page.locator(".show-card .creator").count() == 0
    await page.click("#past-more")
    await expect(page.locator("#past-shows .show-card")).to_have_count(PAST_SHOWS)
    await screenshot(page, "creator-laptop-en")
    # Nothing private reached the page.
    assert "ada@example.com" not in await page.content()
    await laptop.close()

    phone = await browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await phone.new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/creators/{creator_id}")
    await expect(page.locator("#upcoming-shows time").last).to_contain_text("20:00")
    await expect(page.locator("#upcoming-heading")).to_have_text("即将开播")
    await _no_sideways_scroll(page)
    await screenshot(page, "creator-phone-zh")
    # An unknown creator: a 404, and the page says so in the reader's language.
    missing_errors: list[str] = []
    missing = await phone.new_page()
    collect_errors(missing, missing_errors, allow_status=(404,))
    response = await missing.goto(f"{base_url}/creators/nobody")
    assert response is not None
    assert response.status == 404
    await expect(missing.locator("#error")).to_have_text("没有这位主播。")
    assert await missing.locator("#creator-body").is_hidden()
    await phone.close()
    assert not errors, errors
    assert not missing_errors, missing_errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_an_empty_home_says_so_in_each_section(base_url: str, browser: Browser) -> None:
    errors: list[str] = []
    context = await browser.new_context(**PHONE, locale="en-US")
    page = await context.new_page()
    collect_errors(page, errors)
    await page.goto(base_url)
    await expect(page.locator("#live-empty")).to_be_visible()
    await expect(page.locator("#upcoming-empty")).to_be_visible()
    await expect(page.locator("#past-empty")).to_have_text("No replays yet.")
    await expect(page.locator("#past-more")).to_be_hidden()
    await expect(page.locator("#upcoming-zone")).to_be_hidden()
    await context.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_markup_in_a_creators_name_and_titles_stays_text(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    name = "<img src=x onerror=window.__xss=1>Eve"
    title = "<script>window.__xss=1</script>Drop"
    await sign_up(api, "eve@example.com", name)
    me = (await api("GET", "/api/auth/me"))["creator"]
    show = (await api("POST", "/api/shows", json={"title": title}, expect=201))["show"]
    await server.app[SERVICES].live.lifecycle.went_live(show["id"])
    errors: list[str] = []
    context = await browser.new_context(**PHONE, locale="en-US")
    page = await context.new_page()
    collect_errors(page, errors)
    for path, where in [("/", "#live-shows"), (f"/creators/{me['id']}", "#creator-name")]:
        await page.goto(f"{base_url}{path}")
        await expect(page.locator(where)).to_contain_text(name)
        if path == "/":
            await expect(page.locator("#live-shows .card-link")).to_have_text(title)
        assert await page.evaluate("typeof window.__xss") == "undefined"
        assert await page.locator('img[src="x"]').count() == 0
    await context.close()
    assert not errors, errors
