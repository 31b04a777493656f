"""Real Chromium at 1366x900: the live cockpit is one screen, in English and Chinese.

Its controls follow the show's state, End show asks once, the share link is
copied, another creator gets nothing to run, and a new creator gets from an
empty console to live with two products in fewer than 20 clicks.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page

from livesale.composition.services import SERVICES
from tests.browser.cockpit_helpers import (
    SECONDS,
    console_tab,
    go_live_in_cockpit,
    inside_viewport,
    open_new_show,
    page_api,
    signed_up_with_products,
)
from tests.browser.helpers import LAPTOP, PASSWORD, collect_errors, screenshot
from tests.support.polling import poll_until
from tests.support.services import relay

MAX_CLICKS_TO_LIVE = 20

WORDS = {
    "en-US": {
        "go_live": "Go live",
        "end": "End show",
        "end_title": "End the show?",
        "end_body": "Ends the show for everyone watching; it cannot go live again.",
        "share": "Copy share link",
        "copied": "Link copied ✓",
        "pin": "Pin",
    },
    "zh-CN": {
        "go_live": "开始直播",
        "end": "结束直播",
        "end_title": "结束直播？",  # noqa: RUF001 (Chinese punctuation)
        "end_body": "所有观众的直播都会结束，且本场无法再次开播。",  # noqa: RUF001
        "share": "复制分享链接",
        "copied": "链接已复制 ✓",
        "pin": "置顶",
    },
}


async def _count(page: Page, selector: str) -> int:
    return await page.locator(selector).count()


async def _page_scrolls(page: Page) -> bool:
    return bool(
        await page.evaluate("document.scrollingElement.scrollHeight > window.innerHeight + 1")
    )


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_the_cockpit_fits_one_laptop_screen_and_shows_only_what_works_now(
    server: TestServer, base_url: str, browser: Browser, locale: str
) -> None:
    app: Any = server.app
    words = WORDS[locale]
    lang = locale.split("-")[0]
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors, locale=locale)
    await signed_up_with_products(console, f"{lang}@example.com", ["Silk scarf", "Wool hat"])
    show_id = await open_new_show(console, "Scarf hour", ["Silk scarf", "Wool hat"])

    # Scheduled: the preview and Go live, above the fold; no End show, pins or sales yet.
    await console.wait_for_selector("#go-live:not([disabled])", timeout=30 * SECONDS)
    assert await inside_viewport(console, "#go-live")
    assert await inside_viewport(console, "#studio-preview")
    assert await console.text_content("#go-live") == words["go_live"]
    assert await console.is_hidden("#room-end")
    assert await _count(console, "#room-bag .row") == 2
    assert await _count(console, "#room-bag button") == 0
    assert await console.is_visible("#key-rotate")
    assert await console.is_visible("#bag-hint")
    assert not await _page_scrolls(console)

    # Live: preview, bag with pins, chat, orders and the viewer count on one screen.
    await go_live_in_cockpit(console)
    assert await console.is_hidden("#go-live")
    assert await console.text_content("#room-end") == words["end"]
    assert await console.is_hidden("#bag-hint")
    pin = console.locator('#room-bag .row:has-text("Silk scarf") button[data-action="pin"]')
    assert await pin.text_content() == words["pin"]
    await pin.click()
    await console.wait_for_selector("#room-pin .pin-card")
    await console.wait_for_selector('#room-bag button[data-action="unpin"]')
    for selector in [
        "#studio-preview",
        "#studio-status",
        "#room-end",
        "#room-share",
        "#room-viewers",
        "#room-pin .pin-card",
        '#room-bag .row:has-text("Wool hat") button[data-action="pin"]',
        '#room-bag .row:has-text("Wool hat") button[data-action="sale"]',  # Flash sale…
        "#chat",
        "#chat-input",
        "#chat-send",
        "#room-orders-heading",
        "#room-orders-all",
        "#key-rotate",
    ]:
        assert await inside_viewport(console, selector), selector
    assert not await _page_scrolls(console)

    # Copy share link: the show page's absolute address, and the button says so.
    await console.click("#room-share")
    await console.wait_for_function(
        "text => document.querySelector('#room-share').textContent === text", arg=words["copied"]
    )
    copied = await console.evaluate("navigator.clipboard.readText()")
    assert copied == f"{base_url}/watch/{show_id}"
    await console.wait_for_function(
        "text => document.querySelector('#room-share').textContent === text",
        arg=words["share"],
        timeout=10 * SECONDS,
    )
    await screenshot(console, f"cockpit-live-{lang}")

    # End show asks once, saying what happens; Cancel keeps the show live.
    await console.click("#room-end")
    await console.wait_for_selector("dialog.confirm[open]")
    assert await console.text_content("dialog.confirm h2") == words["end_title"]
    assert await console.text_content("dialog.confirm p") == words["end_body"]
    assert await console.text_content("dialog.confirm button[value=confirm]") == words["end"]
    await screenshot(console, f"cockpit-end-dialog-{lang}")
    await console.click("dialog.confirm button[value=cancel]")
    await console.wait_for_selector("dialog.confirm", state="detached")
    assert await console.get_attribute("#room-state", "data-state") == "live"
    assert str((await app[SERVICES].storage.shows.get(show_id)).status) == "live"
    assert relay(app).is_live(show_id)

    await console.click("#room-end")
    await console.click("dialog.confirm button[value=confirm]")
    await console.wait_for_selector('#room-state[data-state="ended"]', timeout=15 * SECONDS)
    assert await _count(console, "dialog.confirm") == 0  # one question, not two
    assert str((await app[SERVICES].storage.shows.get(show_id)).status) == "ended"

    # Ended: no studio, pins, sales, key or End show; replay settings, orders, analytics remain.
    for gone in ["#studio-card", "#go-live", "#key-rotate", "#room-end", "#bag-edit"]:
        assert await console.is_hidden(gone), gone
    assert await _count(console, "#room-bag button") == 0
    assert await _count(console, "#room-pin .pin-card") == 0
    for kept in ["#replay-box[open] #show-record", "#room-orders-heading", "#room-analytics"]:
        assert await console.is_visible(kept), kept
    await poll_until(lambda: not relay(app).is_live(show_id), 15, "the broadcast over")
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_a_new_creator_goes_live_with_two_products_in_fewer_than_20_clicks(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors)
    clicks: list[str] = []

    async def click(selector: str) -> None:
        await console.click(selector, timeout=30 * SECONDS)
        clicks.append(selector)

    async def tick(selector: str) -> None:
        await console.check(selector)
        clicks.append(selector)

    # Typing is not a click; every click and tick is counted.
    await click("#tab-signup")
    await console.fill("#signup-name", "Dee")
    await console.fill("#signup-email", "dee@example.com")
    await console.fill("#signup-password", PASSWORD)
    await click("#signup-form button[type=submit]")
    await click('#nav a[href="/console/products"]')
    for n, (title, price) in enumerate([("Silk scarf", "25.00"), ("Wool hat", "18.50")]):
        await click('#view-products a[href="/console/products/new"]')
        await console.fill("#product-title", title)
        await console.fill("#variant-list .v-sku", f"SKU-{n}")
        await console.fill("#variant-list .v-price", price)
        await console.fill("#variant-list .v-stock", "10")
        await click("#product-save")
        await console.wait_for_selector(f'#product-list .row:has-text("{title}")')
    await click('#nav a[href="/console/shows"]')
    await click('#view-shows a[href="/console/shows/new"]')
    await console.fill("#show-title", "Scarf hour")
    await tick('#bag-picker .pick:has-text("Silk scarf") input[type=checkbox]')
    await tick('#bag-picker .pick:has-text("Wool hat") input[type=checkbox]')
    await click("#show-form button[type=submit]")
    await click("#go-live:not([disabled])")
    await console.wait_for_selector('#room-state[data-state="live"]', timeout=30 * SECONDS)

    show_id = console.url.rstrip("/").rsplit("/", 1)[-1]
    show = await app[SERVICES].storage.shows.get(show_id)
    assert str(show.status) == "live"
    assert len(await app[SERVICES].live.shows.bag(show_id)) == 2
    print(f"sign-up to live with two products: {len(clicks)} clicks")
    assert len(clicks) < MAX_CLICKS_TO_LIVE, clicks
    assert len(clicks) == 13, clicks  # the count the README gives
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_another_creator_gets_no_cockpit_for_a_show_that_is_not_theirs(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    _context, owner = await console_tab(browser, base_url, errors)
    await signed_up_with_products(owner, "own@example.com", ["Lamp"])
    show_id = await open_new_show(owner, "Lamps", ["Lamp"])

    intruder_context = await browser.new_context(**LAPTOP, locale="en-US")
    intruder = await intruder_context.new_page()
    collect_errors(intruder, errors, allow_status=(401, 403))
    await intruder.goto(f"{base_url}/console")
    await signed_up_with_products(intruder, "other@example.com", [])
    await intruder.goto(f"{base_url}/console/shows/{show_id}")
    await intruder.wait_for_function(
        "() => document.querySelector('#cockpit-error').textContent !== ''"
    )
    assert await intruder.text_content("#cockpit-error") == "Only the owner can change this."
    for hidden in ["#cockpit-grid", "#room-end", "#room-share", "#go-live"]:
        assert await intruder.is_hidden(hidden), hidden
    # The API refuses the intruder all the same, and nothing of the owner's changed.
    refused = await intruder.evaluate(
        "id => fetch(`/api/shows/${id}/end`, {method: 'POST'}).then((r) => r.status)", show_id
    )
    assert refused == 403
    body = await page_api(owner, "GET", f"/api/shows/{show_id}")
    assert body["status"] == "scheduled"
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_cockpit_follows_a_show_put_live_from_another_window(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors)
    await signed_up_with_products(console, "eve@example.com", ["Lamp"])
    show_id = await open_new_show(console, "Lamps", ["Lamp"])
    stream_key = await console.input_value("#key-value")
    assert await console.is_visible("#bag-hint")  # "Pin products once you are live."
    assert await _count(console, "#room-bag button") == 0

    # The creator goes live from the standalone host page, in another window.
    window = await browser.new_context(**LAPTOP)
    host = await window.new_page()
    collect_errors(host, errors)
    await host.goto(f"{base_url}/host/{show_id}#key={stream_key}")
    await host.click("#go-live:not([disabled])", timeout=30 * SECONDS)
    await host.wait_for_selector('#status[data-state="live"]', timeout=30 * SECONDS)

    # The open cockpit follows without a reload: LIVE, End show, pins; the hint is gone.
    await console.wait_for_selector('#room-state[data-state="live"]', timeout=15 * SECONDS)
    await console.wait_for_selector("#room-end:not([hidden])")
    assert await console.is_hidden("#bag-hint")
    await console.click('#room-bag button[data-action="pin"]')
    await console.wait_for_selector("#room-pin .pin-card")
    assert await console.text_content("#room-error") == ""
    assert relay(app).is_live(show_id)
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_a_tab_without_the_key_asks_for_it_and_says_when_it_is_wrong(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    # The WHIP endpoint answers the wrong key with 401 unauthorized.
    _context, console = await console_tab(browser, base_url, errors, allow_status=(401,))
    [lamp] = await signed_up_with_products(console, "fay@example.com", ["Lamp"])
    body = {"title": "Lamps", "product_ids": [lamp]}
    created = await page_api(console, "POST", "/api/shows", body)
    show_id = created["show"]["id"]
    await console.goto(f"{base_url}/console/shows/{show_id}")  # made elsewhere: no key here
    await console.wait_for_selector("#studio-key-field:not([hidden])")
    assert await console.is_hidden("#key-box")

    await console.click("#go-live:not([disabled])", timeout=30 * SECONDS)
    assert await console.text_content("#studio-problem") == "Paste the show's stream key first."
    await console.fill("#studio-key", "not-the-key")
    await console.click("#go-live")
    await console.wait_for_selector('#studio-status[data-state="error"]', timeout=30 * SECONDS)
    assert await console.text_content("#studio-problem") == "Wrong stream key."
    assert await console.is_visible("#studio-key-field")

    await console.fill("#studio-key", created["stream_key"])
    await console.click("#go-live")
    await console.wait_for_selector('#studio-status[data-state="live"]', timeout=30 * SECONDS)
    assert await console.text_content("#studio-problem") == ""  # the old notice is gone
    assert await console.is_hidden("#studio-key-field")
    assert relay(app).is_live(show_id)
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_while_on_air_another_shows_cockpit_points_back_to_the_live_one(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors)
    await signed_up_with_products(console, "gus@example.com", ["Lamp"])
    live_id = await open_new_show(console, "Lamps tonight", ["Lamp"])
    await go_live_in_cockpit(console)

    # Creating the next show keeps this one on air; its cockpit offers no second Go live.
    await console.click('#nav a[href="/console/shows"]')
    await console.click('#view-shows a[href="/console/shows/new"]')
    await console.fill("#show-title", "Lamps tomorrow")
    await console.click("#show-form button[type=submit]")
    await console.wait_for_selector("#studio-elsewhere:not([hidden])")
    assert await console.text_content("#studio-elsewhere-text") == (
        "You are on air in “Lamps tonight”. End that show before going live with this one."
    )
    assert await console.is_hidden("#go-live")
    assert await console.is_visible('#on-air-dock .badge[data-state="live"]')
    await console.click("#studio-elsewhere-link")
    await console.wait_for_selector('#view-show:not([hidden]) #studio-status[data-state="live"]')
    assert console.url.endswith(f"/console/shows/{live_id}")
    assert relay(app).is_live(live_id)
    assert not errors, errors
