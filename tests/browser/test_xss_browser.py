"""Real Chromium: markup in chat, display names and product text stays inert text."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.browser.helpers import (
    PASSWORD,
    Api,
    collect_errors,
    create_product,
    create_show,
    go_live,
    sign_up,
)

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=1</script>"
# The guest's name: the creator is called IMG, which no guest may take in her room.
VIEWER = f"{IMG} fan"


async def _assert_inert(page: Page) -> None:
    """Nothing ran and no element was made from the payloads."""
    assert await page.evaluate("typeof window.__xss") == "undefined"
    assert await page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    scripts = "[...document.scripts].filter((s) => s.textContent.includes('__xss')).length"
    assert await page.evaluate(scripts) == 0


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_markup_in_chat_names_and_products_is_shown_as_text(
    base_url: str, browser: Browser, api: Api
) -> None:
    await sign_up(api, "eve@example.com", IMG)
    product = await create_product(
        api, IMG, {"sku": "X-1", "price_minor": 500, "currency": "USD", "stock": 5}, SCRIPT
    )
    show_id, stream_key = await create_show(api, f"{SCRIPT} show", [product["id"]])
    errors: list[str] = []

    # Live from the host page with the stream key.
    host = await go_live(browser, base_url, show_id, stream_key, errors)

    # A viewer named with markup says markup in the chat.
    viewer = await (await browser.new_context()).new_page()
    collect_errors(viewer, errors)
    await viewer.goto(f"{base_url}/watch/{show_id}")
    await viewer.fill("#name-input", VIEWER)
    await viewer.click("#name-form button[type=submit]")
    await viewer.wait_for_selector('body[data-role="viewer"]')
    for text in (IMG, SCRIPT):
        await viewer.fill("#chat-input", text)
        await viewer.click("#chat-send")
        await viewer.wait_for_function(
            "(text) => [...document.querySelectorAll('#chat .chat-text')]"
            ".some((node) => node.textContent === text)",
            arg=text,
        )
    await api("POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201)
    await viewer.wait_for_selector("#pin .pin-card")

    assert await viewer.text_content("#title") == f"{SCRIPT} show"
    assert await viewer.text_content("#pin .pin-title") == IMG
    assert await viewer.text_content("#pin .pin-desc") == SCRIPT
    assert await viewer.text_content("#name-current") == VIEWER
    names = await viewer.locator("#chat .chat-name").all_text_contents()
    assert names.count(VIEWER) == 2
    await _assert_inert(viewer)

    # The creator's console shows the same text, inert, with moderation buttons.
    console = await (await browser.new_context()).new_page()
    collect_errors(console, errors, allow_status=(401,))
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "eve@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")
    assert await console.text_content("#me") == IMG
    await console.goto(f"{base_url}/console/shows/{show_id}")
    await console.wait_for_selector('#room-status[data-status="open"]')
    await console.wait_for_selector("#chat .chat-message >> nth=1")
    texts = await console.locator("#chat .chat-text").all_text_contents()
    assert texts == [IMG, SCRIPT]
    assert await console.text_content("#room-pin .pin-title") == IMG
    assert await console.text_content("#room-bag .row strong") == IMG
    assert await console.locator("#chat .chat-message button").count() >= 2
    await _assert_inert(console)

    # The home page lists the live show by its literal title.
    home = await browser.new_page()
    collect_errors(home, errors)
    await home.goto(base_url)
    await home.wait_for_selector("#live-shows .show-card")
    assert await home.text_content("#live-shows .title") == f"{SCRIPT} show"
    await _assert_inert(home)
    await _assert_inert(host)
    assert not errors, errors
