"""Real Chromium: Spanish from `Accept-Language`, Spanish formats, and the switch remembered.

A Spanish browser gets the home page in Spanish with dates, relative times,
plural counts and prices in Spanish formats; switching to Arabic turns the page
right to left at once, and the choice survives reloads and new pages: the server
renders the next page in it (from the `livesale_lang` cookie) before any script.
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Browser, expect

from tests.browser.helpers import PHONE, Api, choose_language, collect_errors, screenshot
from tests.browser.watch_setup import live_show_with_a_bag

DAY = 24 * 3600
# Spanish short month names as CLDR writes them ("sept" in Spain and Latin America alike).
SPANISH_MONTHS = (
    "ene",
    "feb",
    "mar",
    "abr",
    "may",
    "jun",
    "jul",
    "ago",
    "sept",
    "oct",
    "nov",
    "dic",
)


def noon_utc_in_two_days() -> int:
    """Epoch seconds of 12:00 UTC two calendar days from today (UTC)."""
    today = int(time.time()) // DAY * DAY
    return today + 2 * DAY + 12 * 3600


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_spanish_browser_gets_spanish_words_dates_and_prices(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    starts_at = noon_utc_in_two_days()
    await api(
        "POST", "/api/shows", json={"title": "Vintage", "scheduled_at": starts_at}, expect=201
    )
    context = await browser.new_context(locale="es-ES", timezone_id="UTC", **PHONE)
    page = await context.new_page()
    collect_errors(page, errors)
    response = await page.goto(base_url)
    assert response is not None
    assert '<html lang="es" dir="ltr">' in await response.text()
    await expect(page.locator("#live-heading")).to_have_text("En vivo ahora")
    await expect(page.locator("#upcoming-heading")).to_have_text("Próximamente")
    # The host's own page is not a viewer: nobody watches yet, in Spanish plural.
    await expect(page.locator("#live-shows .chip.viewers")).to_have_text("0 personas mirando")
    upcoming = page.locator("#upcoming-shows .when")
    month = SPANISH_MONTHS[time.gmtime(starts_at).tm_mon - 1]
    await expect(upcoming.locator("time")).to_contain_text(f" {month}")
    await expect(upcoming.locator("time")).to_contain_text("12:00")
    await expect(upcoming.locator(".hint-rel")).to_have_text("pasado mañana")
    await screenshot(page, "locales-home-phone-es", full_page=True)

    await page.goto(f"{base_url}/watch/{show.show_id}")
    price = page.locator("#pin .pin-price .now")
    await expect(price).to_have_text("19,00\u00a0US$")
    await expect(page.locator("#pin button.buy")).to_have_text("Comprar ahora")
    await expect(page.locator("#pin .pin-left")).to_have_text("Quedan 3")
    await screenshot(page, "locales-watch-phone-es")
    await context.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_the_choice_comes_from_the_browser_and_the_switch_is_remembered(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    context = await browser.new_context(locale="es-MX")
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401,))  # the console asks who is logged in
    await page.goto(base_url)
    await expect(page.locator("#live-heading")).to_have_text("En vivo ahora")
    assert await page.input_value("header.bar select.lang-switch") == "es"
    # Each language is offered by its own name.
    names = await page.locator("header.bar select.lang-switch option").all_text_contents()
    assert names == ["English", "中文", "Español", "العربية"]

    await choose_language(page, "ar")
    await expect(page.locator("#live-heading")).to_have_text("مباشر الآن")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"

    # Reloaded, and on another page: the server already renders Arabic, right to left.
    for path in ("/", "/console"):
        response = await page.goto(base_url + path)
        assert response is not None
        assert '<html lang="ar" dir="rtl">' in await response.text(), path
    await expect(page.locator("#tab-login")).to_have_text("تسجيل الدخول")
    # With the page's storage cleared the cookie still remembers.
    await page.evaluate("localStorage.clear()")
    await page.goto(base_url)
    await expect(page.locator("#live-heading")).to_have_text("مباشر الآن")

    await choose_language(page, "en")
    assert await page.get_attribute("html", "dir") == "ltr"
    response = await page.goto(base_url)
    assert response is not None
    assert '<html lang="en">' in await response.text()
    await expect(page.locator("#live-heading")).to_have_text("Live now")
    await context.close()
    assert not errors, errors
