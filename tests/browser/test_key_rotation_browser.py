"""Real Chromium: a new stream key while live can hang up whoever broadcasts with the old one.

The creator chooses in a dialog; the console's own broadcast, hung up with the
rest, comes back by itself on the new key and the show stays live.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.cockpit_helpers import (
    SECONDS,
    console_tab,
    go_live_in_cockpit,
    open_new_show,
    page_api,
    signed_up_with_products,
)
from tests.browser.helpers import screenshot

pytestmark = pytest.mark.browser

WORDS = {
    "en-US": ("Make a new stream key?", "New key and hang up", "Cancel"),
    "zh-CN": ("生成新的推流密钥？", "生成新密钥并断开", "取消"),  # noqa: RUF001
}

# Every state the studio's badge goes through, kept by the page for the test to read.
RECORD_STATES = """() => {
  window.studioStates = [];
  const badge = document.querySelector('#studio-status');
  new MutationObserver(() => window.studioStates.push(badge.dataset.state))
    .observe(badge, {attributes: true, attributeFilter: ['data-state']});
}"""


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_a_new_key_hangs_up_the_old_broadcast_and_ours_comes_back(
    browser: Browser, base_url: str, locale: str
) -> None:
    errors: list[str] = []
    context, page = await console_tab(browser, base_url, errors, locale=locale)
    await signed_up_with_products(page, f"rotate-{locale}@example.com", ["Silk tie"])
    await page.goto(f"{base_url}/console/shows")
    show_id = await open_new_show(page, "Keys", ["Silk tie"])
    await go_live_in_cockpit(page)
    title, hang_up, cancel = WORDS[locale]

    # Cancel changes nothing: no new key, the broadcast untouched.
    await page.click("#key-rotate")
    dialog = page.locator("dialog.confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("h2")).to_have_text(title)
    await screenshot(page, f"cockpit-key-rotation-{locale}")
    await dialog.get_by_role("button", name=cancel).click()
    await expect(dialog).to_have_count(0)
    assert await page.is_hidden("#key-box")

    await page.evaluate(RECORD_STATES)
    await page.click("#key-rotate")
    await dialog.get_by_role("button", name=hang_up).click()
    # The new key is shown once; our broadcast was hung up and came back with it.
    await page.wait_for_selector("#key-box:not([hidden])")
    new_key = await page.input_value("#key-value")
    assert new_key
    await page.wait_for_function(
        "() => window.studioStates.includes('reconnecting')", timeout=30 * SECONDS
    )
    await page.wait_for_selector('#studio-status[data-state="live"]', timeout=30 * SECONDS)
    show = await page_api(page, "GET", f"/api/shows/{show_id}")
    assert (show["status"], show["live"]) == ("live", True)
    assert errors == [], errors
    await context.close()
