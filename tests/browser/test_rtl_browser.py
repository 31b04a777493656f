"""Real Chromium: the Arabic show page on a phone is mirrored, and a purchase completes in it.

The page arrives right to left (the server sets `<html lang="ar" dir="rtl">` from
`Accept-Language`), the rail of share, bag and hearts moves to the left edge, the
home link to the right, the chat's Send sits at the left end of its input and
text aligns right; the video itself is not mirrored. A buyer then buys the
pinned Tee through the checkout sheet, in Arabic, and pays with the dummy
gateway; names and prices inside Arabic sentences are isolated.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    ContextOptions,
    collect_errors,
    screenshot,
)
from tests.browser.watch_setup import box, guest_buys, inside, live_show_with_a_bag, overlap

SECONDS = 1000  # Playwright timeouts are in milliseconds
WIDTH, HEIGHT = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
# First-strong isolate and pop: around each value put into an Arabic sentence.
FSI, PDI = "\u2068", "\u2069"
DETAILS = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "62701",
}


async def at_step(page: Page, step: str) -> None:
    """The checkout sheet is open on `step`."""
    sheet = page.locator("dialog#checkout")
    await expect(sheet).to_have_attribute("data-step", step, timeout=30 * SECONDS)
    await expect(sheet).to_be_visible()


async def arabic_money(page: Page, amount: float) -> str:
    """How the page's Arabic locale writes `amount` US dollars."""
    worded: str = await page.evaluate(
        "(amount) => new Intl.NumberFormat('ar', {style: 'currency', currency: 'USD'})"
        ".format(amount)",
        amount,
    )
    return worded


@pytest.mark.browser
@pytest.mark.timeout(300)
async def test_the_arabic_phone_watch_page_is_mirrored_and_sells(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    page = await (await browser.new_context(locale="ar", **PHONE)).new_page()
    collect_errors(page, errors)
    response = await page.goto(f"{base_url}/watch/{show.show_id}")
    assert response is not None
    # Right to left from the first byte, before any script ran.
    assert '<html lang="ar" dir="rtl">' in await response.text()
    await page.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v.videoWidth > 0 && v.currentTime > 0 && !v.paused; }",
        timeout=60 * SECONDS,
    )
    await page.fill("#name-input", "Li")
    await page.locator("#name-form button[type=submit]").tap()
    await expect(page.locator("#chat-input")).to_be_visible()
    await expect(page.locator("#chat-input")).to_have_attribute("placeholder", "قل شيئًا…")
    await page.fill("#chat-input", "Does it come in blue?")
    await page.locator("#chat-send").tap()
    message = page.locator("#chat .chat-message").first
    await expect(message).to_contain_text("Does it come in blue?")
    card = page.locator("#pin .pin-card")
    await expect(card.locator("button.buy")).to_have_text("اشترِ الآن")
    three = await page.evaluate("new Intl.NumberFormat('ar').format(3)")
    await expect(card.locator(".pin-left")).to_have_text(f"تبقّت {FSI}{three}{PDI} قطع")
    assert await page.eval_on_selector("html", "h => getComputedStyle(h).direction") == "rtl"

    # Mirrored: the rail of share, bag and hearts on the left edge, the home link on the right.
    for control in ("#like", "#share", "#bag-open"):
        found = await box(page.locator(control))
        assert found["x"] + found["width"] <= WIDTH / 3, (control, found)
    brand = await box(page.locator("header.bar a.brand"))
    assert brand["x"] >= WIDTH / 2, brand
    # The chat's Send at the left end of its input; text starts at the right.
    send, field = await box(page.locator("#chat-send")), await box(page.locator("#chat-input"))
    assert send["x"] + send["width"] <= field["x"], (send, field)
    line, author = await box(message), await box(message.locator(".chat-name"))
    assert author["x"] + author["width"] == pytest.approx(line["x"] + line["width"], abs=16)
    # The card reads from the right: its picture first, Buy at the left end.
    whole, buy = await box(card), await box(card.locator("button.buy"))
    picture = await box(card.locator(".pin-image"))
    assert picture["x"] + picture["width"] == pytest.approx(whole["x"] + whole["width"], abs=24)
    assert buy["x"] == pytest.approx(whole["x"], abs=24)
    flag = await box(card.locator(".pin-flag"))
    assert flag["x"] + flag["width"] <= picture["x"]
    # The video is a picture, not text: never flipped.
    assert await page.eval_on_selector("#player", "v => getComputedStyle(v).transform") == "none"
    player = await box(page.locator("#player"))
    assert (player["x"], player["width"]) == (0, WIDTH)
    # Nothing covers anything else, and all of it is on screen.
    controls = ["#pin button.buy", "#chat-input", "#chat-send", "#like", "#bag-open", "#share"]
    boxes = {selector: await box(page.locator(selector)) for selector in controls}
    for selector, found in boxes.items():
        assert inside(found, WIDTH, HEIGHT), (selector, found)
        for other, seen in boxes.items():
            assert other == selector or not overlap(found, seen), (selector, other)
    assert await page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH

    # Someone buys the Mug: the purchase toast isolates the Latin name and title.
    await guest_buys(base_url, show.show_id, show.mug["variants"][0]["id"], "Bo")
    toast = page.locator("#toasts .toast")
    await expect(toast).to_have_text(f"اشترى {FSI}Bo{PDI} للتو {FSI}Mug{PDI}")
    await screenshot(page, "rtl-watch-phone-ar-live")

    # Li buys the pinned Tee in Arabic and pays with a test card.
    await page.locator("#pin button.buy").tap()
    await at_step(page, "choose")
    await page.locator("#sheet-buy").tap()
    await at_step(page, "details")  # the chat name is known
    await expect(page.locator("#checkout-title")).to_have_text("الدفع")
    for selector, value in DETAILS.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await screenshot(page, "rtl-watch-phone-ar-checkout-details")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await at_step(page, "pay")
    await page.fill("#pay-card", "4242 4242 4242 4242")
    pay = page.locator("#checkout button.pay")
    await expect(pay).to_have_text(f"ادفع {FSI}{await arabic_money(page, 19)}{PDI}")
    await screenshot(page, "rtl-watch-phone-ar-checkout-pay")
    await pay.tap()
    await at_step(page, "done")
    status = page.locator("#checkout .order-status")
    await expect(status).to_have_attribute("data-status", "paid", timeout=30 * SECONDS)
    await expect(page.locator("#checkout-title")).to_contain_text("شكرًا لك!")
    await expect(page.locator("#checkout .order-total strong")).to_have_text(
        await arabic_money(page, 19)
    )
    await screenshot(page, "rtl-watch-phone-ar-checkout-done")
    # Her order's page, in Arabic too (the same browser, which holds the buyer's cookie).
    async with page.context.expect_page() as opened:  # the order opens in its own tab
        await page.locator("#checkout a", has_text="عرض الطلب").tap()
    page = await opened.value
    collect_errors(page, errors)
    await expect(page.locator("header.bar h1")).to_have_text("طلبك")
    await expect(page.locator(".order-total strong").first).to_have_text(
        await arabic_money(page, 19)
    )
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    await screenshot(page, "rtl-order-phone-ar", full_page=True)
    orders = await api("GET", f"/api/orders?show_id={show.show_id}&status=paid")
    assert sorted(o["name"] for o in orders["orders"]) == ["Bo", "Mia Buyer"]
    assert not errors, errors


# Each page of the site, with what shows it has rendered its content.
PUBLIC_PAGES = {
    "home": ("/", "#live-shows .show-card"),
    "creator": ("/creators/{creator}", "#creator-name"),
    "watch": ("/watch/{show}", "#pin .pin-card"),
}
CONSOLE_PAGES = {
    "console-shows": ("/console/shows", "#view-shows:not([hidden])"),
    "console-room": ("/console/shows/{show}", "#view-show:not([hidden]) #room-pin .pin-card"),
    "console-products": ("/console/products", "#view-products:not([hidden])"),
    "console-product": ("/console/products/{product}", "#view-product:not([hidden])"),
    "console-orders": (
        "/console/orders",
        "#view-orders:not([hidden]) .order-row, #view-orders:not([hidden]) tr",
    ),
    "console-order": ("/console/orders/{order}", "#view-order:not([hidden])"),
    "console-packing": (
        "/console/shows/{show}/packing-list",
        "#view-packing:not([hidden]) .packing-parcel",
    ),
    "console-settings": ("/console/settings", "#view-settings:not([hidden])"),
}


@pytest.mark.browser
@pytest.mark.timeout(420)
@pytest.mark.parametrize("device", ["phone", "laptop"])
async def test_every_page_in_arabic_is_right_to_left_and_fits(
    base_url: str, browser: Browser, api: Api, device: str
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    order = await guest_buys(base_url, show.show_id, show.mug["variants"][0]["id"], "Bo")
    creator = (await api("GET", "/api/auth/me"))["creator"]
    ids = {
        "show": show.show_id,
        "creator": creator["id"],
        "product": show.tee["id"],
        "order": order["id"],
    }
    options: ContextOptions = PHONE if device == "phone" else LAPTOP
    width = options["viewport"]["width"]
    context = await browser.new_context(locale="ar-EG", **options)
    page = await context.new_page()
    collect_errors(page, errors, allow_status=(401,))
    for name, (path, ready) in PUBLIC_PAGES.items():
        await page.goto(base_url + path.format(**ids))
        await page.locator(ready).first.wait_for()
        await screenshot(page, f"rtl-{name}-{device}-ar", full_page=name != "watch")
        await _right_to_left_and_fits(page, width, name)
    await page.goto(f"{base_url}/console")
    await page.fill("#login-email", "ada@example.com")
    await page.fill("#login-password", PASSWORD)
    await page.locator("#login-form button[type=submit]").click()
    await page.wait_for_selector("#nav:not([hidden])")
    for name, (path, ready) in CONSOLE_PAGES.items():
        await page.goto(base_url + path.format(**ids))
        await page.locator(ready).first.wait_for()
        await screenshot(page, f"rtl-{name}-{device}-ar", full_page=True)
        await _right_to_left_and_fits(page, width, name)
    await context.close()
    assert not errors, errors


async def _right_to_left_and_fits(page: Page, width: float, name: str) -> None:
    """The page is Arabic, right to left, and nothing pushes it wider than the screen."""
    assert await page.get_attribute("html", "dir") == "rtl", name
    assert await page.get_attribute("html", "lang") == "ar", name
    assert await page.evaluate("document.scrollingElement.scrollWidth") <= width, name
    # The header starts at the right: the brand (or the console's heading) is on the right half.
    first = await box(page.locator("header.bar > *").first)
    assert first["x"] + first["width"] / 2 > width / 2, (name, first)
