"""Real Chromium: a guest holding the most units allowed at once is told so, in words."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

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

SECONDS = 1000  # Playwright timeouts are in milliseconds
WORDS = {
    "en-US": "You already have as many items reserved as one buyer may hold at once.",
    "zh-CN": "你预留的商品已达到每位买家同时可保留的上限。",
}


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("locale", "device"), [("en-US", LAPTOP), ("zh-CN", PHONE), ("en-US", PHONE)]
)
async def test_a_guest_past_the_cap_on_units_held_is_told_why(
    base_url: str, browser: Browser, api: Api, locale: str, device: dict[str, object]
) -> None:
    errors: list[str] = []
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 30}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Tee time", "product_ids": [product["id"]]}, expect=201
    )
    show_id = created["show"]["id"]
    await go_live(browser, base_url, show_id, created["stream_key"], errors)
    await api("POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201)

    context = await browser.new_context(locale=locale, **device)  # type: ignore[arg-type]
    page = await context.new_page()
    # The refusal is the answer this test provokes.
    collect_errors(page, errors, allow_status=(409,))
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.fill("#name-input", "Mia")
    await page.click("#name-form button[type=submit]")
    await page.wait_for_selector('body[data-role="viewer"]')
    # This guest already holds 10 units (another tab's Buy now: the same cookie).
    held = await page.request.post(
        f"{base_url}/api/shows/{show_id}/buy",
        data={
            "variant_id": product["variants"][0]["id"],
            "quantity": 10,
            "request_id": "tab2-0001",
        },
        headers={"Origin": base_url},
    )
    assert held.status == 201, await held.text()

    await page.locator("#pin button.buy").click()
    if device is PHONE:
        # On a phone the card has only Buy now; the sheet asks the quantity, then buys.
        await page.tap("#sheet-buy")
    # Where the page tells a refusal (the card's alert; on a phone, the sheet's).
    told = page.get_by_role("alert").filter(has_text=WORDS[locale])
    await expect(told.first).to_be_visible(timeout=20 * SECONDS)
    name = f"hold-limit-{locale}-{device['viewport']['width']}"  # type: ignore[index]
    await screenshot(page, name)
    assert [e for e in errors if "409" not in e] == [], errors
