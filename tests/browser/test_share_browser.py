"""Real Chromium: sharing a scheduled show from a phone.

Without the Web Share API the link goes to the clipboard with a visible
"Link copied"; when the clipboard refuses, the link is shown selected to copy
by hand. The waiting room keeps its countdown and the share button.
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import PHONE, Api, collect_errors, screenshot, sign_up
from tests.browser.watch_setup import box, inside

# A browser without navigator.share (most desktops): the page must copy instead.
NO_WEB_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
# A browser whose clipboard says no (denied permission, an insecure page).
CLIPBOARD_REFUSES = (
    "Clipboard.prototype.writeText = () =>"
    " Promise.reject(new DOMException('refused', 'NotAllowedError'));"
)


async def scheduled_show(api: Api) -> dict[str, str]:
    """A show of Ada's starting in an hour."""
    await sign_up(api, "ada@example.com", "Ada")
    body = {"title": "Spring drop", "scheduled_at": time.time() + 3600}
    show: dict[str, str] = (await api("POST", "/api/shows", json=body, expect=201))["show"]
    return show


async def waiting_room(
    browser: Browser, url: str, locale: str, errors: list[str], *scripts: str
) -> Page:
    """The show page on a phone, before the live, with `scripts` run in it first."""
    context = await browser.new_context(locale=locale, **PHONE)
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    for script in scripts:
        await context.add_init_script(script)
    page = await context.new_page()
    collect_errors(page, errors)
    await page.goto(url)
    await expect(page.locator("#countdown")).to_be_visible()
    return page


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_share_copies_the_link_or_shows_it_to_copy_by_hand(
    base_url: str, browser: Browser, api: Api
) -> None:
    show = await scheduled_show(api)
    url = f"{base_url}/watch/{show['id']}"
    errors: list[str] = []

    page = await waiting_room(browser, url, "en-US", errors, NO_WEB_SHARE)
    share = page.locator("#share")
    assert inside(await box(share), 390, 844)
    await share.tap()
    note = page.locator("#share-note")
    await expect(note).to_have_text("Link copied")
    assert await page.evaluate("() => navigator.clipboard.readText()") == show["watch_url"]
    await screenshot(page, "watch-phone-scheduled-share")
    await expect(note).to_be_hidden()  # a moment later

    page = await waiting_room(browser, url, "zh-CN", errors, NO_WEB_SHARE, CLIPBOARD_REFUSES)
    await page.locator("#share").tap()
    note = page.locator("#share-note")
    await expect(note).to_contain_text("复制此链接")
    link = note.locator("input.share-link")
    await expect(link).to_have_value(show["watch_url"])
    await expect(link).to_be_focused()
    selected = await link.evaluate(
        "(input) => input.value.slice(input.selectionStart, input.selectionEnd)"
    )
    assert selected == show["watch_url"]
    await note.locator("button").tap()
    await expect(note).to_be_hidden()
    assert not errors, errors
