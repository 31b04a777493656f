"""Real Chromium: field errors in words, on the field they concern, in English and Chinese."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    ContextOptions,
    choose_language,
    collect_errors,
    create_product,
    screenshot,
    sign_up,
)

SECONDS = 1000  # Playwright timeouts are in milliseconds
LOCALES = {"en": "en-US", "zh": "zh-CN"}
# What each language says, worded by the page from the server's field, reason and limits.
WORDS = {
    "en": {
        "price_row": "Variant 2 (TEE-M): Price must be at least $0.01.",
        "title_required": "Title is required.",
        "email_taken": "An account with this email already exists.",
        "postal_code": "Use only letters, digits, spaces and “-”.",
        "email_format": "Enter an email address like name@example.com.",
        "sale_price": "Sale price must be below $25.00.",
    },
    "zh": {
        "price_row": "规格 2（TEE-M）：价格不能小于 US$0.01。",  # noqa: RUF001
        "title_required": "请填写标题。",
        "email_taken": "该邮箱已注册。",
        "postal_code": "只能包含字母、数字、空格和“-”。",
        "email_format": "请输入有效的邮箱地址，例如 name@example.com。",  # noqa: RUF001
        "sale_price": "售价必须低于 US$25.00。",
    },
}


async def _context(browser: Browser, lang: str, device: ContextOptions) -> BrowserContext:
    context = await browser.new_context(locale=LOCALES[lang], **device)
    # The page's language is the stored choice (the switch), whatever the browser says.
    stored = "zh-CN" if lang == "zh" else "en"
    await context.add_init_script(f"localStorage.setItem('livesale:lang', '{stored}')")
    return context


async def _signed_up_console(browser: Browser, base_url: str, lang: str, errors: list[str]) -> Page:
    context = await _context(browser, lang, LAPTOP)
    response = await context.request.post(
        f"{base_url}/api/auth/signup",
        data={"email": f"{lang}@example.com", "password": PASSWORD, "display_name": "Ada"},
        headers={"Origin": base_url},
    )
    assert response.status == 201
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(400,))
    return page


async def _error_under(page: Page, selector: str) -> str:
    """The text of the message an input points at with aria-describedby."""
    described = await page.get_attribute(selector, "aria-describedby")
    assert described, f"{selector} points at no message"
    texts = [await page.text_content(f"#{name}") or "" for name in described.split()]
    return " ".join(text for text in texts if text)


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_bad_second_variant_is_marked_on_its_row_and_cleared_on_edit(
    base_url: str, browser: Browser, lang: str
) -> None:
    errors: list[str] = []
    words = WORDS[lang]
    page = await _signed_up_console(browser, base_url, lang, errors)
    await page.goto(f"{base_url}/console/products/new")
    await page.wait_for_selector("#view-product:not([hidden]) #variant-list .variant")

    # The page's own check: an empty title, in the page's words (no browser bubble).
    await page.click("#product-save")
    await expect(page.locator("#product-title")).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#product-title") == words["title_required"]
    assert await page.evaluate("document.activeElement.id") == "product-title"
    await page.fill("#product-title", "Tee")
    assert await page.get_attribute("#product-title", "aria-invalid") is None

    # Row 1 is fine; row 2's price is 0, which only the server refuses.
    rows = page.locator("#variant-list .variant")
    await rows.nth(0).locator(".v-sku").fill("TEE-S")
    await rows.nth(0).locator(".v-price").fill("19.99")
    await rows.nth(0).locator(".v-stock").fill("5")
    await page.click("#add-variant")
    await rows.nth(1).locator(".v-sku").fill("TEE-M")
    await rows.nth(1).locator(".v-price").fill("0")
    await rows.nth(1).locator(".v-stock").fill("5")
    async with page.expect_response("**/api/products") as answer:
        await page.click("#product-save")
    assert (await answer.value).status == 400

    bad_price = rows.nth(1).locator(".v-price")
    await expect(bad_price).to_have_attribute("aria-invalid", "true")
    assert (
        await _error_under(page, "#variant-list .variant:nth-child(2) .v-price")
        == words["price_row"]
    )
    await expect(bad_price).to_be_focused()
    assert await rows.nth(0).locator(".v-price").get_attribute("aria-invalid") is None
    assert await page.text_content("#product-error") == ""  # said on the field, not twice
    # The message is under the row, whose inputs stay in line.
    box = await bad_price.bounding_box()
    sku = await rows.nth(1).locator(".v-sku").bounding_box()
    message = await page.locator("#variant-list .variant:nth-child(2) .field-error").bounding_box()
    assert box is not None
    assert sku is not None
    assert message is not None
    assert abs(box["y"] - sku["y"]) < 1
    assert message["y"] >= box["y"] + box["height"] - 1
    assert message["width"] > box["width"]
    await screenshot(page, f"field-error-variant-row-{lang}")

    # Editing the input takes the mark and its message away; a good price saves.
    await bad_price.fill("1.00")
    assert await bad_price.get_attribute("aria-invalid") is None
    assert await page.locator("#variant-list .field-error:not(:empty)").count() == 0
    await page.click("#product-save")
    await page.wait_for_selector('#product-list .row:has-text("Tee")')
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_a_field_error_follows_a_language_switch(base_url: str, browser: Browser) -> None:
    errors: list[str] = []
    page = await _signed_up_console(browser, base_url, "en", errors)
    await page.goto(f"{base_url}/console/shows/new")
    await page.wait_for_selector("#view-show-new:not([hidden])")
    await page.click("#show-form button[type=submit]")
    await expect(page.locator("#show-title")).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#show-title") == WORDS["en"]["title_required"]
    await choose_language(page, "zh-CN")
    assert await _error_under(page, "#show-title") == WORDS["zh"]["title_required"]
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_signing_up_with_a_taken_email_marks_the_email_field(
    base_url: str, browser: Browser, api: Api, lang: str
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    errors: list[str] = []
    context = await _context(browser, lang, LAPTOP)
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401, 409))
    await page.goto(f"{base_url}/console")
    await page.click("#tab-signup")
    await page.fill("#signup-name", "Someone else")
    await page.fill("#signup-email", "ada@example.com")
    await page.fill("#signup-password", "another long password")
    await page.click("#signup-form button[type=submit]")

    email = page.locator("#signup-email")
    await expect(email).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#signup-email") == WORDS[lang]["email_taken"]
    await expect(email).to_be_focused()
    assert await page.get_attribute("#signup-password", "aria-invalid") is None
    await screenshot(page, f"field-error-signup-{lang}")
    await email.fill("ada2@example.com")
    assert await email.get_attribute("aria-invalid") is None
    assert await email.get_attribute("aria-describedby") is None
    assert await page.locator("#signup-form .field-error:not(:empty)").count() == 0
    assert not errors, errors


async def _checkout_form(
    browser: Browser, base_url: str, server: TestServer, api: Api, lang: str, errors: list[str]
) -> Page:
    """A phone viewer with a name, Buy now tapped on a live show's pin: the checkout form."""
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Tee time", "product_ids": [product["id"]]}, expect=201
    )
    show_id = created["show"]["id"]
    await server.app[SERVICES].live.lifecycle.went_live(show_id)
    await api("POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201)

    context = await _context(browser, lang, PHONE)
    named = await context.request.put(
        f"{base_url}/api/viewer", data={"display_name": "Mia"}, headers={"Origin": base_url}
    )
    assert named.status == 200
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(400,))
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.tap("#pin button.buy")
    await page.tap("#sheet-buy")  # on a phone the sheet asks the quantity first
    await expect(page.locator("#checkout-email")).to_be_visible(timeout=15 * SECONDS)
    await page.fill("#checkout-email", "mia@example.com")
    await page.fill("#checkout-name", "Mia Buyer")
    await page.fill("#checkout-address-line1", "1 Market Street")
    await page.fill("#checkout-address-city", "Springfield")
    await page.select_option("#checkout-address-country", "US")
    return page


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_checkout_marks_a_bad_postal_code_and_a_bad_email(
    base_url: str, browser: Browser, server: TestServer, api: Api, lang: str
) -> None:
    errors: list[str] = []
    page = await _checkout_form(browser, base_url, server, api, lang, errors)
    submit = page.locator("#checkout .checkout-form button[type=submit]")

    # A postal code with a "#": marked before anything is sent.
    postal = page.locator("#checkout-address-postal_code")
    await postal.fill("12#45")
    await submit.tap()
    await expect(postal).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#checkout-address-postal_code") == WORDS[lang]["postal_code"]
    await expect(postal).to_be_focused()
    await screenshot(page, f"field-error-checkout-{lang}")
    await postal.fill("12345")
    assert await postal.get_attribute("aria-invalid") is None

    # An email the browser accepts but the server does not: the server's answer marks it.
    email = page.locator("#checkout-email")
    await email.fill("mia@example")
    async with page.expect_response("**/order") as answer:
        await submit.tap()
    assert (await answer.value).status == 400
    await expect(email).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#checkout-email") == WORDS[lang]["email_format"]
    await email.fill("mia@example.com")
    assert await email.get_attribute("aria-invalid") is None
    await submit.tap()
    await expect(page.locator("#pay-card")).to_be_visible(timeout=15 * SECONDS)
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_too_high_sale_price_is_worded_as_money(
    base_url: str, browser: Browser, server: TestServer, api: Api, lang: str
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Tee", {"sku": "TEE-1", "price_minor": 2500, "currency": "USD", "stock": 5}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Sale", "product_ids": [product["id"]]}, expect=201
    )
    show_id = created["show"]["id"]
    await server.app[SERVICES].live.lifecycle.went_live(show_id)
    sale = {"sale_price_minor": 2500, "quantity": 3, "per_buyer_limit": 1, "duration_seconds": 60}
    refused = await api(
        "POST",
        f"/api/shows/{show_id}/pin",
        json={"product_id": product["id"], "flash_sale": sale},
        expect=400,
    )
    error = refused["error"]

    errors: list[str] = []
    page = await (await _context(browser, lang, LAPTOP)).new_page()
    collect_errors(page, errors, allow_status=(401,))
    await page.goto(f"{base_url}/console")
    worded = await page.evaluate(
        """async (error) => {
          const m = await import('/static/js/field-errors.js');
          const http = await import('/static/js/http.js');
          const form = document.createElement('form');
          const price = document.createElement('input');
          form.append(price);
          document.body.append(form);
          const fields = m.bindFieldErrors({ form, fields: m.flashSaleFields({ price }) });
          const taken = fields.show(error);
          const under = price.nextElementSibling.textContent;
          return { text: http.errorText(error), taken, under };
        }""",
        error,
    )
    assert worded == {"text": WORDS[lang]["sale_price"], "taken": True, "under": worded["text"]}
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_chat_times_follow_a_switch_to_chinese(
    base_url: str, browser: Browser, api: Api
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    show = (await api("POST", "/api/shows", json={"title": "Chat"}, expect=201))["show"]
    errors: list[str] = []
    page = await (await _context(browser, "en", PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show['id']}")
    await page.fill("#name-input", "Mia")
    await page.tap("#name-form button[type=submit]")
    # On a phone the status over the video hides once connected: it is attached, not shown.
    await page.wait_for_selector('#room-status[data-status="open"]', state="attached")
    await page.fill("#chat-input", "Hello")
    await page.tap("#chat-form button[type=submit]")
    time = page.locator(".chat-message .chat-time").first
    await expect(time).to_have_text(re.compile(r"\d\d:\d\d\s?[AP]M"))

    await choose_language(page, "zh-CN")
    expected = await time.evaluate(
        "(el) => new Intl.DateTimeFormat('zh-CN', {hour: '2-digit', minute: '2-digit'})"
        ".format(new Date(el.dateTime))"
    )
    await expect(time).to_have_text(expected)
    assert "M" not in (await time.text_content() or "")
    await choose_language(page, "en")
    await expect(time).to_have_text(re.compile(r"\d\d:\d\d\s?[AP]M"))
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_what_a_person_typed_is_shown_in_a_field_error_as_text(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = await _signed_up_console(browser, base_url, "en", errors)
    await page.goto(f"{base_url}/console/products/new")
    await page.wait_for_selector("#view-product:not([hidden]) #variant-list .variant")
    sku = "<img src=x onerror=window.pwned=1>"
    await page.fill("#product-title", "Tee")
    await page.fill("#variant-list .v-sku", sku)
    await page.fill("#variant-list .v-price", "5")
    async with page.expect_response("**/api/products") as answer:
        await page.click("#product-save")
    assert (await answer.value).status == 400
    message = page.locator("#variant-list .field-error")
    await expect(message).to_have_text(
        f"Variant 1 ({sku}): Use up to 64 letters, digits, “.”, “_” or “-” for the SKU (no spaces)."
    )
    assert await message.locator("img").count() == 0
    assert await page.evaluate("window.pwned") is None
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_a_too_long_blocked_word_marks_the_list(base_url: str, browser: Browser) -> None:
    errors: list[str] = []
    page = await _signed_up_console(browser, base_url, "zh", errors)
    await page.goto(f"{base_url}/console/settings")
    await page.wait_for_selector("#view-settings:not([hidden])")
    await page.fill("#words", "ok\n" + "x" * 51)
    async with page.expect_response("**/api/blocked-words") as answer:
        await page.click("#words-form button[type=submit]")
    assert (await answer.value).status == 400
    await expect(page.locator("#words")).to_have_attribute("aria-invalid", "true")
    assert await _error_under(page, "#words") == "每个屏蔽词最多 50 个字符。"
    await page.fill("#words", "ok")
    await page.click("#words-form button[type=submit]")
    await expect(page.locator("#notice")).to_be_visible()
    assert await page.get_attribute("#words", "aria-invalid") is None
    assert not errors, errors
