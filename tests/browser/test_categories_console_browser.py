"""Real Chromium: a creator gives a product and a show a category and tags in the console, on a
phone in Chinese; a refused tag is named under its input; the home card shows the category."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.helpers import PHONE, Api, collect_errors, screenshot


async def test_category_and_tags_in_the_console_forms_on_a_phone(
    api: Api, base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    context = await browser.new_context(**PHONE, locale="zh-CN")
    console = await context.new_page()
    collect_errors(console, errors, allow_status=(400, 401))
    await console.goto(f"{base_url}/console")
    await console.click("#tab-signup")
    await console.fill("#signup-name", "Ada")
    await console.fill("#signup-email", "ada@example.com")
    await console.fill("#signup-password", "correct horse battery staple")
    await console.click("#signup-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")

    await console.goto(f"{base_url}/console/products/new")
    await expect(console.locator("#product-category")).to_have_value("other")
    await expect(console.locator('#product-category option[value="beauty"]')).to_have_text("美妆")
    await console.fill("#product-title", "哑光口红")
    await console.select_option("#product-category", "beauty")
    await console.fill("#product-tags", "Matte\uff0c礼物, matte, " + "x" * 31)
    await console.fill("#variant-list .v-sku", "LIP-1")
    await console.fill("#variant-list .v-price", "129")
    await console.fill("#variant-list .v-currency", "CNY")
    await console.fill("#variant-list .v-stock", "5")
    await console.click("#product-save")
    # A Chinese comma separates tags too. The 31-character tag is refused by the
    # server and named under the tags input.
    await expect(console.locator("#product-tags")).to_have_attribute("aria-invalid", "true")
    await expect(console.locator("#product-tags-error")).to_contain_text("30")
    await screenshot(console, "categories-phone-zh-product-error")

    await console.fill("#product-tags", "Matte\uff0c礼物, matte")
    await console.click("#product-save")
    row = console.locator('#product-list .row:has-text("哑光口红")')
    await row.wait_for()
    products = await api("GET", "/api/products", expect=401)  # the api client is not signed in
    assert products["error"]["code"] == "not_signed_in"
    await row.locator("a.row-main").click()
    await expect(console.locator("#product-category")).to_have_value("beauty")
    await expect(console.locator("#product-tags")).to_have_value("matte, 礼物")
    await screenshot(console, "categories-phone-zh-product")

    await console.goto(f"{base_url}/console/shows/new")
    await console.fill("#show-title", "周五上新")
    await console.select_option("#show-category", "beauty")
    await console.fill("#show-tags", "新品, Glow")
    await screenshot(console, "categories-phone-zh-show-form")
    await console.click("#show-form button[type=submit]")
    await console.wait_for_selector("#view-show:not([hidden]) #key-box:not([hidden])")
    show_id = console.url.rstrip("/").rsplit("/", 1)[-1]
    show = await api("GET", f"/api/shows/{show_id}")
    assert (show["category"], show["tags"]) == ("beauty", ["新品", "glow"])

    home = await context.new_page()
    collect_errors(home, errors)
    await home.goto(base_url)
    card = home.locator(f'#upcoming-shows [data-show-id="{show_id}"]')
    await expect(card.locator(".category-chip")).to_have_text("美妆")
    await screenshot(home, "categories-phone-zh-home")
    assert [e for e in errors if "400" not in e] == []
    await context.close()
