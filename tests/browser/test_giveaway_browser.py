"""Real Chromium: a giveaway started in the console, entered and won on a phone, claimed with
the shipping form; a second phone (in Chinese) sees the winner and checks the draw."""

from __future__ import annotations

import hashlib

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import LAPTOP, PASSWORD, PHONE, collect_errors, go_live, screenshot

SECONDS = 1000  # Playwright timeouts are in milliseconds
ADDRESS = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Winner",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "62701",
}


async def _creator_live_with_a_tee(
    context: BrowserContext, browser: Browser, base_url: str, errors: list[str]
) -> str:
    """Sign Ada up in `context`, make a Tee (3 in stock) and a show with it, go live; its id."""
    headers = {"Origin": base_url}

    async def call(path: str, body: dict[str, object]) -> dict[str, object]:
        response = await context.request.post(f"{base_url}{path}", data=body, headers=headers)
        assert response.status == 201, await response.text()
        answer: dict[str, object] = await response.json()
        return answer

    await call(
        "/api/auth/signup",
        {"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"},
    )
    variant = {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 3}
    product = (await call("/api/products", {"title": "Tee", "variants": [variant]}))["product"]
    assert isinstance(product, dict)
    created = await call("/api/shows", {"title": "Tee time", "product_ids": [product["id"]]})
    show, key = created["show"], created["stream_key"]
    assert isinstance(show, dict)
    assert isinstance(key, str)
    await go_live(browser, base_url, str(show["id"]), key, errors)
    return str(show["id"])


async def _phone(
    browser: Browser, base_url: str, show_id: str, locale: str, errors: list[str]
) -> Page:
    page = await (await browser.new_context(locale=locale, **PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show_id}")
    return page


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_phone_viewer_enters_wins_and_claims_and_another_checks_the_draw(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    creator = await browser.new_context(locale="en-US", **LAPTOP)
    show_id = await _creator_live_with_a_tee(creator, browser, base_url, errors)
    console = await creator.new_page()
    collect_errors(console, errors)
    await console.goto(f"{base_url}/console/shows/{show_id}")
    await console.wait_for_selector('#room-status[data-status="open"]')

    # Two phones watch: one in Chinese, and Mia, who has no name yet.
    li = await _phone(browser, base_url, show_id, "zh-CN", errors)
    mia = await _phone(browser, base_url, show_id, "en-US", errors)
    await expect(li.locator("#room-status")).to_have_attribute("data-status", "open")
    await expect(mia.locator("#room-status")).to_have_attribute("data-status", "open")

    # The creator starts a 30 s giveaway from the bag, with rules; the room hears of it.
    await console.locator('#room-bag button[data-action="giveaway"]').click()
    dialog = console.locator("dialog.giveaway-start")
    await expect(dialog).to_be_visible()
    await dialog.locator("#giveaway-duration").select_option("30")
    await dialog.locator("#giveaway-rules").fill("One entry each.\nShipped free.")
    await screenshot(console, "giveaway-console-start")
    await dialog.locator("button[type=submit]").click()
    panel = console.locator(".giveaway-panel")
    await expect(panel.locator(".giveaway-clock")).to_contain_text("Ends in")

    card = mia.locator("#giveaway")
    await expect(card.locator(".giveaway-rules")).to_have_text("One entry each.\nShipped free.")
    await expect(card.locator(".giveaway-clock")).to_contain_text("Ends in 00:")
    await expect(li.locator("#giveaway .giveaway-count")).to_have_text("已有 0 人参与")
    await card.locator(".giveaway-name").fill("Mia")
    await card.locator(".giveaway-enter").tap()
    await expect(card.locator(".giveaway-in")).to_have_text("You're in (entry 000001)")
    await screenshot(mia, "giveaway-phone-entered")

    # The second phone (in Chinese) and the console see the count grow.
    await expect(li.locator("#giveaway .giveaway-count")).to_have_text("已有 1 人参与")
    await screenshot(li, "giveaway-phone-zh-open")
    await expect(panel.locator(".giveaway-count")).to_have_text("1 entered")

    # When the clock reaches zero the creator draws; the only entrant wins.
    draw = panel.locator("button.giveaway-draw")
    await expect(draw).to_be_visible(timeout=45 * SECONDS)
    await draw.click()
    await expect(panel.locator(".giveaway-result")).to_have_text("Winner: Mia")
    await screenshot(console, "giveaway-console-drawn")

    await expect(card.locator(".giveaway-result")).to_have_text("You won! Claim it")
    await expect(li.locator("#giveaway .giveaway-result")).to_have_text("中奖者：Mia")  # noqa: RUF001 (the page is in Chinese)

    # The winner claims with the shipping form: no payment, the order opens.
    await card.locator(".giveaway-claim-open").tap()
    claim = mia.locator("dialog.giveaway-claim")
    await expect(claim).to_be_visible()
    for selector, value in ADDRESS.items():
        await claim.locator(selector).fill(value)
    await claim.locator("#checkout-address-country").select_option("US")
    await screenshot(mia, "giveaway-phone-claim-form")
    await claim.locator("button[type=submit]").tap()
    await mia.wait_for_url("**/orders/*")
    await expect(mia.locator("#order-status")).to_have_attribute("data-status", "paid")
    await expect(mia.locator("body")).to_contain_text("A giveaway prize: there is nothing to pay.")
    await screenshot(mia, "giveaway-phone-order", full_page=True)

    # The Chinese viewer checks the draw in the browser: seed against hash, winner recomputed.
    await li.locator("#giveaway .giveaway-check-open").tap()
    verdict = li.locator("dialog.giveaway-check .giveaway-verdict")
    await expect(verdict).to_have_attribute("data-ok", "true")
    await expect(verdict).to_contain_text("验证通过")
    await screenshot(li, "giveaway-phone-zh-check")
    # ...and the seed shown there hashes to the one published at the start.
    codes = await li.locator("dialog.giveaway-check code").all_text_contents()
    seed_hash, seed = codes[0], codes[1]
    assert hashlib.sha256(seed.encode()).hexdigest() == seed_hash

    # The console's orders list it as a giveaway prize, and the panel knows it was claimed.
    row = console.locator("#room-orders .order-row").first
    await expect(row).to_contain_text("giveaway prize", timeout=15 * SECONDS)
    await expect(panel.locator(".giveaway-claim-state")).to_contain_text("claimed")
    await screenshot(console, "giveaway-console-claimed", full_page=True)
    assert errors == []
