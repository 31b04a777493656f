"""Real Chromium: a show's giveaway is in its replay's chapter list, with its winner, and a tap
jumps the video to the moment it started."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from livesale.domain.pins import TimelineKind
from livesale.storage.timeline import TimelineRepository
from tests.browser.helpers import PHONE, Api, collect_errors, create_product, screenshot, sign_up
from tests.support.polling import poll
from tests.support.replay import record_part

SECONDS = 1000  # Playwright timeouts are in milliseconds


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_replay_lists_the_giveaway_and_jumps_to_it(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    await sign_up(api, "ada@example.com", "Ada")
    tee = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    body = {"title": "Tee time", "product_ids": [tee["id"]]}
    show_id = (await api("POST", "/api/shows", json=body, expect=201))["show"]["id"]
    await app[SERVICES].live.lifecycle.went_live(show_id)
    timeline = TimelineRepository(app[SERVICES].storage.database)
    await timeline.append(show_id, TimelineKind.PIN, 3_000, tee["id"])
    start = {"variant_id": tee["variants"][0]["id"], "duration_seconds": 10, "rules": ""}
    giveaway = (await api("POST", f"/api/shows/{show_id}/giveaways", json=start, expect=201))[
        "giveaway"
    ]
    async with ClientSession(base_url, cookie_jar=CookieJar(unsafe=True)) as guest:
        headers = {"Origin": base_url}
        async with guest.put("/api/viewer", json={"display_name": "Mia"}, headers=headers) as r:
            assert r.status == 200
        path = f"/api/shows/{show_id}/giveaways/{giveaway['id']}"
        async with guest.post(f"{path}/entries", headers=headers) as r:
            assert r.status == 201

    async def drawn() -> bool:
        if time.time() * 1000 < giveaway["ends_at_ms"]:
            return False
        await api("POST", f"/api/shows/{show_id}/giveaways/{giveaway['id']}/draw")
        return True

    await poll(drawn, 30, "the giveaway's entries to close")
    await record_part(app, show_id, seconds=6)
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US", **PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_selector('body[data-replay="true"]')
    await page.wait_for_function(
        "() => document.querySelector('#replay').duration > 0", timeout=30 * SECONDS
    )
    chapter = page.locator("#chapter-list button.giveaway-chapter")
    await expect(chapter).to_contain_text("Tee · Winner: Mia")
    # The giveaway started before the pin at 3 s: it comes first.
    await expect(page.locator("#chapter-list li").first).to_contain_text("Giveaway")
    await page.evaluate("() => { document.querySelector('#replay').currentTime = 5; }")
    await chapter.tap()
    await page.wait_for_function("() => document.querySelector('#replay').currentTime < 2")
    await screenshot(page, "giveaway-replay-chapters", full_page=True)
    assert errors == []
