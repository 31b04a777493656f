"""Real Chromium: times the server sends in epoch seconds show right on the pages.

The flash sale's countdown (live, on a phone in Chinese; and in the replay),
the chat's clock times and a mute's end are all read from epoch seconds now.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from livesale.composition.services import SERVICES
from livesale.domain.pins import FlashSale, TimelineKind
from livesale.storage.timeline import TimelineRepository
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    Api,
    collect_errors,
    create_product,
    go_live,
    screenshot,
    sign_up,
)
from tests.support.replay import record_part

SECONDS = 1000  # Playwright timeouts are in milliseconds
SALE = {"sale_price_minor": 1500, "quantity": 3, "per_buyer_limit": 1, "duration_seconds": 60}


async def _countdown_seconds(page: Page) -> int:
    """What the card's flash-sale countdown says, in seconds ("00:58" -> 58)."""
    text = await page.locator("#pin .pin-countdown").inner_text()
    found = re.search(r"(\d+):(\d\d)", text)
    assert found is not None, text
    return int(found.group(1)) * 60 + int(found.group(2))


async def _show_with_a_tee(api: Api) -> tuple[str, str, dict[str, Any]]:
    """Ada's show selling a Tee ($25, 5 in stock): its id, stream key and the product."""
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Tee time", "product_ids": [product["id"]]}, expect=201
    )
    return created["show"]["id"], created["stream_key"], product


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_live_countdown_chat_times_and_a_mute_read_epoch_seconds(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show_id, stream_key, product = await _show_with_a_tee(api)
    await go_live(browser, base_url, show_id, stream_key, errors)
    body = {"product_id": product["id"], "flash_sale": SALE}
    await api("POST", f"/api/shows/{show_id}/pin", json=body, expect=201)

    # A phone in Chinese: the sale price and a countdown from about a minute that goes down.
    phone = await (await browser.new_context(**PHONE, locale="zh-CN")).new_page()
    collect_errors(phone, errors)
    await phone.goto(f"{base_url}/watch/{show_id}")
    card = phone.locator("#pin .pin-card")
    await expect(card).to_have_attribute("data-sale", "true")
    await expect(phone.locator("#pin .pin-countdown")).to_contain_text("后结束")
    first = await _countdown_seconds(phone)
    assert 40 <= first <= 60, first
    await phone.wait_for_function(
        """(first) => {
            const text = document.querySelector('#pin .pin-countdown').textContent;
            const m = text.match(/(\\d+):(\\d\\d)/);
            return m && Number(m[1]) * 60 + Number(m[2]) < first;
        }""",
        arg=first,
        timeout=10 * SECONDS,
    )
    await expect(card.locator(".pin-price .now")).to_contain_text("15.00")
    await screenshot(phone, "times-phone-zh-flash-countdown")

    # A laptop viewer chats: the message's time is now, not 1970.
    laptop = await (await browser.new_context(**LAPTOP, locale="en-US")).new_page()
    collect_errors(laptop, errors)
    await laptop.goto(f"{base_url}/watch/{show_id}")
    await expect(laptop.locator("#pin .pin-card")).to_have_attribute("data-sale", "true")
    assert 40 <= await _countdown_seconds(laptop) <= 60
    await laptop.fill("#name-input", "Mia")
    await laptop.click("#name-form button[type=submit]")
    await laptop.fill("#chat-input", "hello")
    await laptop.click("#chat-send")
    stamp = laptop.locator("#chat .chat-message time.chat-time").first
    await expect(stamp).to_be_visible()
    skew_ms = await stamp.evaluate("(node) => Math.abs(Date.parse(node.dateTime) - Date.now())")
    assert skew_ms < 120 * SECONDS, skew_ms
    shown = await stamp.evaluate(
        "(node) => new Intl.DateTimeFormat('en-US', {hour: '2-digit', minute: '2-digit'})"
        ".format(new Date(node.dateTime))"
    )
    await expect(stamp).to_have_text(shown)
    # The same message in the phone's chat, timed in its own language.
    await expect(phone.locator("#chat .chat-message .chat-text")).to_have_text("hello")

    # Slow mode: the viewer speaks, and a while later tries again from a second
    # tab. The server's refusal says how long is really left (retry_after_ms),
    # which that tab shows, not a whole slow-mode period of its own.
    await api("PUT", f"/api/shows/{show_id}/slow-mode", json={"seconds": 30})
    await expect(laptop.locator("#chat-hint")).to_have_text("Slow mode: one message every 30 s.")
    await laptop.fill("#chat-input", "slowly")
    await laptop.click("#chat-send")
    await expect(laptop.locator("#chat-hint")).to_have_text(
        "Slow mode: wait 27 s.", timeout=10 * SECONDS
    )
    second = await laptop.context.new_page()
    collect_errors(second, errors)
    await second.goto(f"{base_url}/watch/{show_id}")
    await expect(second.locator("#chat-hint")).to_have_text("Slow mode: one message every 30 s.")
    await second.fill("#chat-input", "again")
    await second.click("#chat-send")
    await expect(second.locator("#chat-error")).to_have_text("Slow mode is on: wait a moment.")
    hint = await second.locator("#chat-hint").inner_text()
    waited = re.fullmatch(r"Slow mode: wait (\d+) s\.", hint)
    assert waited is not None, hint
    assert int(waited.group(1)) <= 27, hint
    await expect(second.locator("#chat-send")).to_be_disabled()
    await second.close()
    await api("PUT", f"/api/shows/{show_id}/slow-mode", json={"seconds": 0})

    # Muted by the creator for a minute: the next message is refused, and the
    # page says until when and keeps Send off.
    viewer = await laptop.evaluate("fetch('/api/viewer').then((r) => r.json())")
    mute = {"viewer_id": viewer["viewer"]["id"], "seconds": 60}
    muted = await api("POST", f"/api/shows/{show_id}/mutes", json=mute)
    await laptop.fill("#chat-input", "still here?")
    await laptop.click("#chat-send")
    until = await laptop.evaluate(
        "(s) => new Intl.DateTimeFormat('en-US', {hour: '2-digit', minute: '2-digit'})"
        ".format(new Date(s * 1000))",
        muted["muted_until"],
    )
    await expect(laptop.locator("#chat-hint")).to_have_text(f"You are muted until {until}.")
    await expect(laptop.locator("#chat-send")).to_be_disabled()
    await screenshot(laptop, "times-laptop-en-muted")
    assert errors == []


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_replay_s_flash_countdown_follows_the_video(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    show_id, _key, product = await _show_with_a_tee(api)
    await app[SERVICES].live.lifecycle.went_live(show_id)
    timeline = TimelineRepository(app[SERVICES].storage.database)
    # A 60 s sale pinned at 2 s and unpinned at 4.5 s: in the replay it runs 2 s - 4.5 s.
    sale = FlashSale(1500, "USD", 3, 1, 60)
    await timeline.append(show_id, TimelineKind.PIN, 2_000, product["id"], sale)
    await timeline.append(show_id, TimelineKind.UNPIN, 4_500, product["id"])
    await record_part(app, show_id, seconds=6)
    await api("PATCH", f"/api/shows/{show_id}", json={"replay_flash_sales": True})
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(**PHONE, locale="en-US")).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_function(
        "() => { const v = document.querySelector('#replay');"
        " return v.readyState >= 1 && v.duration > 0; }",
        timeout=30 * SECONDS,
    )
    await page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector('#replay');
            video.pause();
            video.addEventListener('seeked', () => setTimeout(resolve, 0), { once: true });
            video.currentTime = 3.0;
        })"""
    )
    card = page.locator("#pin .pin-card")
    await expect(card).to_have_attribute("data-sale", "true")
    # Paused 1.5 s before the sale's end in the show: the countdown says so and stays.
    await expect(page.locator("#pin .pin-countdown")).to_have_text("Ends in 00:02")
    await expect(card.locator(".pin-price .now")).to_have_text("$15.00")
    await screenshot(page, "times-phone-replay-flash-countdown")
    assert errors == []
