"""Real Chromium: the replay of an ended show plays, its product card comes back, and sells."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, WebSocket, expect

from livesale.composition.services import SERVICES
from livesale.domain.pins import FlashSale, TimelineKind
from livesale.storage.activity import ActivityRepository
from livesale.storage.orders import OrderRepository
from livesale.storage.timeline import TimelineRepository
from tests.browser.helpers import PASSWORD, Api, collect_errors, create_product, sign_up
from tests.support.replay import record_part

SECONDS = 1000  # Playwright timeouts are in milliseconds
PIN_AT_MS = 2_000
UNPIN_AT_MS = 4_500
ADDRESS = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "12345",
}


async def _show_with_a_tee(api: Api, server: TestServer) -> tuple[str, dict[str, Any]]:
    """Ada's live show selling a Tee ($25, 5 in stock)."""
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Tee time", "product_ids": [product["id"]]}, expect=201
    )
    show_id: str = created["show"]["id"]
    await server.app[SERVICES].live.lifecycle.went_live(show_id)
    return show_id, product


async def _seek(page: Page, seconds: float) -> None:
    """Seek the replay and wait until the page has handled `seeked` (its card follows)."""
    await page.evaluate(
        """(seconds) => new Promise((resolve) => {
            const video = document.querySelector('#replay');
            // Registered after the page's own listener, so that one has run.
            video.addEventListener('seeked', () => setTimeout(resolve, 0), { once: true });
            video.currentTime = seconds;
        })""",
        seconds,
    )


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_replay_plays_shows_the_pin_at_its_moment_and_sells_at_the_regular_price(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    show_id, product = await _show_with_a_tee(api, server)
    timeline = TimelineRepository(app[SERVICES].storage.database)
    # Pinned live as a flash sale; the show keeps flash prices to the live (the default).
    sale = FlashSale(1500, "USD", 3, 1, 60)
    pin = await timeline.append(show_id, TimelineKind.PIN, PIN_AT_MS, product["id"], sale)
    await timeline.append(show_id, TimelineKind.UNPIN, UNPIN_AT_MS, product["id"])
    await record_part(app, show_id, seconds=6)
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(page, errors)
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    await page.goto(f"{base_url}/watch/{show_id}")

    # The replay replaces the ended state: its video loads and can be sought.
    await page.wait_for_selector('body[data-replay="true"]')
    await page.wait_for_function(
        "() => { const v = document.querySelector('#replay');"
        " return v.readyState >= 1 && v.duration > 0; }",
        timeout=30 * SECONDS,
    )
    assert await page.locator("#player").is_hidden()
    assert await page.locator("#message").is_hidden()
    await expect(page.locator("#state")).to_have_text("REPLAY")
    await page.wait_for_selector('#room-status[data-status="open"]')
    assert ["replay=1" in socket.url for socket in sockets] == [True]

    chapter = page.locator("#chapter-list button.chapter")
    await expect(chapter).to_have_count(1)
    await expect(chapter.locator(".chapter-title")).to_have_text("Tee")
    await expect(chapter.locator(".chapter-time")).to_have_text("0:02")

    # Before the pin's moment there is no card; at it, the card; after the unpin, none.
    card = page.locator("#pin .pin-card")
    await _seek(page, 1.0)
    await expect(card).to_have_count(0)
    await _seek(page, 3.0)
    await expect(card).to_be_visible()
    await _seek(page, 5.0)
    await expect(card).to_have_count(0)

    # The chapter jumps back to the pin: the card, at the regular price, with the note.
    await chapter.click()
    await expect(card).to_be_visible()
    await page.evaluate("document.querySelector('#replay').pause()")
    time_now = await page.evaluate("document.querySelector('#replay').currentTime")
    assert PIN_AT_MS / 1000 <= time_now < UNPIN_AT_MS / 1000
    await expect(chapter).to_have_attribute("aria-current", "true")
    await expect(card.locator(".pin-title")).to_have_text("Tee")
    await expect(card.locator(".pin-price .now")).to_have_text("$25.00")
    await expect(card.locator(".pin-note")).to_have_text(
        "Replay price: the live flash sale has ended"
    )
    assert await card.get_attribute("data-sale") == "false"

    # Buy from the card: a name first, then the checkout sheet as in the live.
    await page.click("#pin button.buy")
    sheet = page.locator("dialog#checkout")
    await expect(sheet.locator("#checkout-title")).to_have_text("Your display name")
    await page.fill("#checkout-viewer-name", "Mia")
    await page.click("#checkout .name-step button[type=submit]")
    await expect(page.locator("#checkout-email")).to_be_visible()
    await expect(sheet.locator(".order-total strong")).to_have_text("$25.00")
    for selector, value in ADDRESS.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await page.click("#checkout .checkout-form button[type=submit]")
    await page.fill("#pay-card", "4242 4242 4242 4242")
    await page.click("#checkout button.pay")
    status = sheet.locator(".order-status")
    await expect(status).to_have_attribute("data-status", "paid")
    await expect(sheet.locator("#checkout-title")).to_have_text("Thank you!")

    # The order line: the regular price, bought from the replay's pin.
    [order] = (await api("GET", f"/api/orders?show_id={show_id}"))["orders"]
    assert order["status"] == "paid"
    assert [(line["unit_price_minor"], line["sale_id"]) for line in order["lines"]] == [
        (2500, None)
    ]
    stored = await OrderRepository(app[SERVICES].storage.database).get(order["id"])
    assert stored is not None
    assert stored.lines[0].pin_id == pin.id
    await app[SERVICES].storage.activity.flush()
    counts = await ActivityRepository(
        app[SERVICES].storage.database, app[SERVICES].settings.analytics
    ).counts(show_id)
    assert {(c.kind, c.pin_id) for c in counts} == {
        ("replay_buy_tap", pin.id),
        ("replay_hold", pin.id),
    }
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_an_ended_show_without_a_replay_keeps_the_ended_state(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    show_id, _product = await _show_with_a_tee(api, server)
    await server.app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(page, errors)  # the show says it has no replay: nothing asks for one
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_selector('#room-status[data-status="open"]')
    await expect(page.locator("#state")).to_have_attribute("data-state", "ended")
    await expect(page.locator("#message")).to_have_text("This show has ended. Thanks for watching!")
    assert await page.locator("#message").is_visible()
    assert await page.locator("#replay").is_hidden()
    assert await page.locator("#chapters").is_hidden()
    assert await page.locator("#replay-offer").is_hidden()
    assert await page.get_attribute("body", "data-replay") is None
    assert not [url for url in asked if url.endswith("/replay")]
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_a_viewer_who_stays_to_the_end_is_offered_the_replay(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    show_id, _product = await _show_with_a_tee(api, server)
    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(page, errors)
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_selector('#room-status[data-status="open"]')
    await page.wait_for_selector('body[data-status="live"]')  # no video yet: "offline"

    # The show ends; its recording is finished a moment later.
    await app[SERVICES].live.lifecycle.end(show_id)
    await expect(page.locator("#state")).to_have_attribute("data-state", "ended")
    await record_part(app, show_id, seconds=4)
    offer = page.locator("#replay-offer")
    await expect(offer).to_be_visible(timeout=15 * SECONDS)
    await offer.click()
    await page.wait_for_selector('body[data-replay="true"]')
    await page.wait_for_function(
        "() => document.querySelector('#replay').duration > 0", timeout=30 * SECONDS
    )
    await expect(offer).to_be_hidden()
    # The room was opened again as the replay's, so its viewer counts there.
    await page.wait_for_selector('#room-status[data-status="open"]')
    assert ["replay=1" in socket.url for socket in sockets] == [False, True]
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_the_console_sets_the_replay_flags_and_deletes_the_replay(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    show_id, _product = await _show_with_a_tee(api, server)
    _part, path = await record_part(app, show_id, seconds=2)
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    console = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(console, errors, allow_status=(401,))  # asks who is signed in first
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "ada@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")
    await console.goto(f"{base_url}/console/shows/{show_id}")

    record = console.locator("#show-record")
    flash = console.locator("#show-replay-flash")
    await expect(record).to_be_checked()
    await expect(record).to_be_disabled()  # the show is over: nothing left to record
    await expect(flash).not_to_be_checked()
    await flash.check()
    await expect(console.locator("#notice")).to_have_text("Saved.")
    shown = await api("GET", f"/api/shows/{show_id}")
    assert (shown["record"], shown["replay_flash_sales"]) == (True, True)

    # Delete replay: the first click asks, the second deletes.
    delete = console.locator("#replay-delete")
    await expect(delete).to_have_text("Delete replay")
    await delete.click()
    await expect(delete).to_have_text("Click again to delete the replay")
    assert path.is_file()
    await delete.click()
    await expect(console.locator("#notice")).to_have_text("Replay deleted.")
    await expect(delete).to_be_hidden()
    assert not path.exists()
    await api("GET", f"/api/shows/{show_id}/replay", expect=404)
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_the_parts_play_in_turn_and_a_chapter_jumps_into_a_later_part(
    server: TestServer, base_url: str, browser: Browser, api: Api
) -> None:
    app: Any = server.app
    show_id, product = await _show_with_a_tee(api, server)
    # The creator's connection dropped between 3 s and 10 s: two parts.
    first, _ = await record_part(app, show_id, offset_ms=0, seconds=3)
    second, _ = await record_part(app, show_id, offset_ms=10_000, seconds=3)
    timeline = TimelineRepository(app[SERVICES].storage.database)
    await timeline.append(show_id, TimelineKind.PIN, 11_000, product["id"])
    await timeline.append(show_id, TimelineKind.UNPIN, 12_500, product["id"])
    await app[SERVICES].live.lifecycle.end(show_id)

    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_function(
        "(id) => { const v = document.querySelector('#replay');"
        " return v.currentSrc.endsWith('/replays/' + id) && v.readyState >= 1; }",
        arg=first.id,
        timeout=30 * SECONDS,
    )
    chapter = page.locator("#chapter-list button.chapter")
    await expect(chapter.locator(".chapter-time")).to_have_text("0:11")

    # From the first part, a click on the chapter goes to 11 s: 1 s into the second.
    card = page.locator("#pin .pin-card")
    await expect(card).to_have_count(0)
    await chapter.click()
    await expect(card).to_be_visible()
    # The card follows the target at once; the video gets there once the part loaded.
    await page.wait_for_function(
        "(id) => { const v = document.querySelector('#replay');"
        " return v.currentSrc.endsWith('/replays/' + id) && v.currentTime >= 1.0; }",
        arg=second.id,
        timeout=30 * SECONDS,
    )
    await page.evaluate("document.querySelector('#replay').pause()")
    playing = await page.evaluate(
        "(() => { const v = document.querySelector('#replay');"
        " return [v.currentSrc, v.currentTime]; })()"
    )
    assert playing[0].endswith(f"/replays/{second.id}")
    assert 1.0 <= playing[1] < 2.5

    # Afresh, near the end of the first part, playing: the second part follows by itself.
    await page.reload()
    await page.wait_for_function(
        "(id) => { const v = document.querySelector('#replay');"
        " return v.currentSrc.endsWith('/replays/' + id) && v.readyState >= 1; }",
        arg=first.id,
        timeout=30 * SECONDS,
    )
    await _seek(page, 2.5)
    await page.evaluate("document.querySelector('#replay').play()")
    await page.wait_for_function(
        "(id) => { const v = document.querySelector('#replay');"
        " return v.currentSrc.endsWith('/replays/' + id) && v.currentTime > 0 && !v.paused; }",
        arg=second.id,
        timeout=30 * SECONDS,
    )
    assert not errors, errors
