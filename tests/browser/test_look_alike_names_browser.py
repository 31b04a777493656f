"""Real Chromium: a look-alike name is refused in words a person reads, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import LAPTOP, PHONE, Api, collect_errors, screenshot, sign_up

SECONDS = 1000  # Playwright timeouts are in milliseconds
WORDS = {
    "en": {
        "invisible": "Name contains invisible or direction-control characters (such as a "
        "zero-width space). Type it again without them.",
        "host_name": "Your name looks like the host's. Change your name to chat.",
    },
    "zh": {
        "invisible": "名字包含不可见字符或文字方向控制字符（例如零宽空格）。请去掉后重新输入。",  # noqa: RUF001
        "host_name": "你的名字与主播的太像了。请改名后再发言。",
    },
}


async def _room_knows_name(page: Page, name: str) -> None:
    """Wait until the room connection opened after choosing `name` is up.

    The page shows the name and starts a new room connection in one step, so
    once the name shows, an open room is the new connection.
    """
    await expect(page.locator("#name-current")).to_have_text(name, timeout=10 * SECONDS)
    # On a phone the status over the video hides once connected: attached, not shown.
    await page.wait_for_selector('#room-status[data-status="open"]', state="attached")


@pytest.mark.browser
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("lang", "device", "device_name"),
    [("en", PHONE, "phone"), ("zh", PHONE, "phone"), ("en", LAPTOP, "laptop")],
)
async def test_a_guest_cannot_pass_for_the_host(
    base_url: str, browser: Browser, api: Api, lang: str, device: dict[str, Any], device_name: str
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    show = (await api("POST", "/api/shows", json={"title": "Spring drop"}, expect=201))["show"]
    context = await browser.new_context(locale="zh-CN" if lang == "zh" else "en-US", **device)
    stored = "zh-CN" if lang == "zh" else "en"
    await context.add_init_script(f"localStorage.setItem('livesale:lang', '{stored}')")
    page = await context.new_page()
    errors: list[str] = []
    collect_errors(page, errors, allow_status=(400,))
    await page.goto(f"{base_url}/watch/{show['id']}")

    # "Ada" and a zero-width space: refused under the name field, in words.
    await page.fill("#name-input", "Ada\u200b")
    await page.locator("#name-form button[type=submit]").click()
    await expect(page.locator("#name-input-error")).to_have_text(
        WORDS[lang]["invisible"], timeout=10 * SECONDS
    )
    await expect(page.locator("#name-form")).to_be_visible()
    await screenshot(page, f"look-alike-name-invisible-{lang}-{device_name}")

    # "Ada" with a Cyrillic capital A is a valid name, but not in Ada's own room.
    await page.fill("#name-input", "\u0410da")
    await page.locator("#name-form button[type=submit]").click()
    await _room_knows_name(page, "\u0410da")
    await page.fill("#chat-input", "Buy from my link instead")
    await page.locator("#chat-form button[type=submit]").click()
    await expect(page.locator("#chat-error")).to_have_text(
        WORDS[lang]["host_name"], timeout=10 * SECONDS
    )
    await expect(page.locator("#chat .chat-message")).to_have_count(0)
    await screenshot(page, f"look-alike-name-host-{lang}-{device_name}")

    # Changing the name is the way out: the same message then goes through.
    await page.locator("#name-change").click()
    await page.fill("#name-input", "Ada's fan")
    await page.locator("#name-form button[type=submit]").click()
    await _room_knows_name(page, "Ada's fan")
    await page.fill("#chat-input", "Hello")
    await page.locator("#chat-form button[type=submit]").click()
    await expect(page.locator("#chat .chat-message")).to_have_count(1, timeout=10 * SECONDS)
    await expect(page.locator("#chat .chat-message")).to_contain_text("Ada's fan")
    assert not errors, errors
    await context.close()
