"""Real Chromium: a ban follows the person to a new cookie, and everyone is told in words.

The creator bans a guest from the chat in the console (laptop) and reads
that new guests from the same network are held too; the guest, on a phone,
starts over with fresh cookies and a new name, and the chat says it is
closed to their network, in English and in Chinese.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, BrowserContext, expect

from tests.browser.helpers import LAPTOP, PASSWORD, PHONE, collect_errors, screenshot

SECONDS = 1000  # Playwright timeouts are in milliseconds
WORDS = {
    "en-US": {
        "ban": "Ban Mallory from your shows",
        "banned": "Mallory is banned. New guests from the same network cannot chat in your "
        "shows for a while either.",
        "closed": "Chat is closed to your network in this creator's shows.",
    },
    "zh-CN": {
        "ban": "在你的直播中封禁 Mallory",
        "banned": "Mallory 已被封禁。同一网络的新访客在一段时间内也无法在你的直播中聊天。",
        "closed": "此主播的直播已对你所在的网络关闭聊天。",
    },
}


async def _creator_with_a_show(context: BrowserContext, base_url: str) -> str:
    """Sign Ada up in this browser (its cookies) and make a show; its id."""
    headers = {"Origin": base_url}
    body = {"email": "ada@example.com", "password": PASSWORD, "display_name": "Ada"}
    signed = await context.request.post(f"{base_url}/api/auth/signup", data=body, headers=headers)
    assert signed.status == 201, await signed.text()
    made = await context.request.post(
        f"{base_url}/api/shows", data={"title": "Tee time"}, headers=headers
    )
    assert made.status == 201, await made.text()
    show_id: str = (await made.json())["show"]["id"]
    return show_id


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_a_banned_guest_with_new_cookies_finds_the_chat_closed(
    base_url: str, browser: Browser, locale: str
) -> None:
    errors: list[str] = []
    words = WORDS[locale]
    creator = await browser.new_context(locale=locale, **LAPTOP)
    show_id = await _creator_with_a_show(creator, base_url)
    console = await creator.new_page()
    collect_errors(console, errors)
    await console.goto(f"{base_url}/console/shows/{show_id}")
    await console.wait_for_selector('#room-status[data-status="open"]')

    phone = await browser.new_context(locale=locale, **PHONE)
    guest = await phone.new_page()
    banned_errors: list[str] = []  # the banned page may try the room again: refused, 403
    collect_errors(guest, banned_errors)
    await guest.goto(f"{base_url}/watch/{show_id}")
    await guest.fill("#name-input", "Mallory")
    await guest.locator("#name-form button[type=submit]").tap()
    await guest.fill("#chat-input", "cheap followers at spam.example")
    await guest.locator("#chat-send").tap()

    # On a laptop a message's moderation buttons show under the pointer.
    await console.locator("#chat .chat-message", has_text="cheap followers").hover()
    await console.get_by_role("button", name=words["ban"]).click()
    await expect(console.locator("#chat-hint")).to_have_text(words["banned"])
    await screenshot(console, f"ban-follows-creator-{locale}")
    await phone.close()

    # Fresh cookies, a new name, the same network.
    again = await browser.new_context(locale=locale, **PHONE)
    page = await again.new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.fill("#name-input", "Not Mallory")
    await page.locator("#name-form button[type=submit]").tap()
    await page.fill("#chat-input", "I am back")
    await page.locator("#chat-send").tap()
    await expect(page.locator("#chat-error")).to_have_text(words["closed"])
    await expect(console.locator("#chat .chat-message", has_text="I am back")).to_have_count(0)
    # A tapped pill button leaves no tinted square behind it on a phone.
    highlight = await page.locator("#chat-send").evaluate(
        "button => getComputedStyle(button).webkitTapHighlightColor"
    )
    assert highlight == "rgba(0, 0, 0, 0)"
    await screenshot(page, f"ban-follows-guest-{locale}")
    await again.close()
    await creator.close()
    assert errors == []
    assert all("Unexpected response code: 403" in e for e in banned_errors), banned_errors
