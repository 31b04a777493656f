"""Real Chromium: the home page's search on a phone and a laptop, in English and Chinese —
a product found by a Chinese word, a show by its tag, the category filter, the address, the
empty state, and what people wrote shown as text."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import LAPTOP, PHONE, Api, collect_errors, screenshot, sign_up

HOSTILE_NAME = '<img src=x onerror="window.pwned=1">Mia'


async def _seed(api: Api, server: TestServer) -> dict[str, Any]:
    """Mia's live show tagged 'glow' carrying a lipstick set, and an unrelated mug."""
    await sign_up(api, "mia@example.com", HOSTILE_NAME)
    variant = {"sku": "LIP-SET", "price_minor": 12900, "currency": "CNY", "stock": 20}
    lipstick = await api(
        "POST",
        "/api/products",
        json={
            "title": "哑光口红套装",
            "category": "beauty",
            "tags": ["哑光"],
            "variants": [variant],
        },
        expect=201,
    )
    mug = {"sku": "MUG", "price_minor": 900, "currency": "EUR", "stock": 5}
    await api(
        "POST",
        "/api/products",
        json={"title": "Enamel mug", "category": "home", "variants": [mug]},
        expect=201,
    )
    body = {
        "title": "Friday night drop",
        "category": "beauty",
        "tags": ["Glow", "新品"],
        "product_ids": [lipstick["product"]["id"]],
    }
    show = (await api("POST", "/api/shows", json=body, expect=201))["show"]
    await server.app[SERVICES].live.lifecycle.went_live(show["id"])
    return {"show": show["id"], "product": lipstick["product"]["id"]}


async def _search(page: Page, text: str) -> None:
    box = page.locator("#search-input")
    await box.fill(text)
    await expect(page.locator("#search-heading")).to_contain_text(text, timeout=10_000)


async def test_search_on_a_phone_finds_a_product_by_a_chinese_word_and_a_show_by_a_tag(
    api: Api, server: TestServer, base_url: str, browser: Browser
) -> None:
    seeded = await _seed(api, server)
    context = await browser.new_context(**PHONE, locale="zh-CN")
    page = await context.new_page()
    errors: list[str] = []
    collect_errors(page, errors)
    await page.goto(base_url)
    await expect(page.locator("#search-input")).to_have_attribute(
        "placeholder", "搜索直播、商品、主播"
    )
    await page.locator("#search-input").tap()

    await _search(page, "口红")
    product = page.locator(f'.result[data-product-id="{seeded["product"]}"]')
    await expect(product).to_be_visible()
    await expect(product).to_contain_text("哑光口红套装")
    await expect(product.locator(".category-chip")).to_have_text("美妆")
    await expect(page.locator("#live-shows")).to_be_hidden()  # results replace the lists
    assert "q=%E5%8F%A3%E7%BA%A2" in page.url
    await screenshot(page, "search-phone-zh-product")

    await _search(page, "glow")
    card = page.locator(f'#search-results .show-card[data-show-id="{seeded["show"]}"]')
    await expect(card).to_be_visible()
    await expect(card.locator(".badge")).to_have_attribute("data-state", "live")
    # The creator's hostile name is text, never markup.
    await expect(card.locator(".creator")).to_have_text(HOSTILE_NAME)
    assert await page.evaluate("window.pwned") is None
    await screenshot(page, "search-phone-zh-show")

    # The result opens the show.
    await card.locator(".card-link").tap()
    await page.wait_for_url(f"**/watch/{seeded['show']}", timeout=10_000)
    await page.go_back()
    await expect(page.locator("#search-input")).to_have_value("glow", timeout=10_000)

    await _search(page, "没有这个东西")
    await expect(page.locator("#search-results .empty-note")).to_contain_text("没有与")
    await screenshot(page, "search-phone-zh-empty")

    # Clearing the box brings the lists back.
    await page.locator("#search-input").fill("")
    await expect(page.locator("#live-shows")).to_be_visible(timeout=10_000)
    await expect(page.locator("#search-results")).to_be_hidden()
    assert errors == []
    await context.close()


async def test_search_on_a_laptop_with_the_category_filter_and_the_keyboard(
    api: Api, server: TestServer, base_url: str, browser: Browser
) -> None:
    seeded = await _seed(api, server)
    context = await browser.new_context(**LAPTOP, locale="en-US")
    page = await context.new_page()
    errors: list[str] = []
    collect_errors(page, errors)
    await page.goto(base_url)
    await page.keyboard.press("Tab")  # past the brand link to the search box, by keyboard
    await page.locator("#search-input").focus()
    await page.keyboard.type("mia")
    await page.keyboard.press("Enter")
    await expect(page.locator("#search-heading")).to_have_text("Results for “mia”")
    creators = page.locator('.result-group[data-kind="creators"] .result')
    await expect(creators).to_have_count(1)
    await expect(creators).to_contain_text(HOSTILE_NAME)
    shows = page.locator('.result-group[data-kind="shows"] .show-card')
    await expect(shows).to_have_count(1)  # by its creator's name
    await screenshot(page, "search-laptop-en-creator")

    await _search(page, "mu")
    await page.select_option("#search-category", "home")
    mug = page.locator('.result-group[data-kind="products"] .result')
    await expect(mug).to_have_count(1)
    await expect(mug).to_contain_text("Enamel mug")
    await expect(mug).to_contain_text("€9.00")
    assert "category=home" in page.url
    await page.select_option("#search-category", "beauty")
    await expect(page.locator("#search-results .empty-note")).to_be_visible()
    await screenshot(page, "search-laptop-en-filter")

    # Back returns to the previous filter; Escape leaves the search.
    await page.go_back()
    await expect(page.locator("#search-category")).to_have_value("home", timeout=10_000)
    await expect(mug).to_have_count(1)
    await page.locator("#search-input").press("Escape")
    await expect(page.locator("#live-shows")).to_be_visible()
    await expect(page.locator(f'#live-shows [data-show-id="{seeded["show"]}"]')).to_be_visible()
    assert errors == []
    await context.close()
