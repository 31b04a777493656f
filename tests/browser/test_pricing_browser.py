"""Real Chromium: a coupon typed at checkout on a phone, and combined shipping on two orders.

Ada ships for $5 an order and $1 an item and gives the code SAVE5 ($5 off). Mia,
on a phone, buys the pinned Tee ($19 flash sale) with the code typed in lower
case: before paying she sees the items, the coupon and the shipping; she pays
with the dummy gateway and the confirmation shows the same. She then buys the
Mug from the next pin: its shipping is $1, "combined with your order …", in
the sheet and on her order page. A wrong code is refused in words, under the
form. Ada sees both orders' prices in the console and the code's figures on
the Shipping & coupons page (laptop).
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import LAPTOP, PASSWORD, PHONE, Api, collect_errors, screenshot
from tests.browser.watch_setup import live_show_with_a_bag

SECONDS = 1000  # Playwright timeouts are in milliseconds
CARD = "4242 4242 4242 4242"
TYPED = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "62701",
}
WORDS = {
    "en-US": {
        "discount": "Coupon SAVE5",
        "combined": "Combined with your order",
        "not_found": "No such coupon code at this shop.",
    },
    "zh-CN": {
        "discount": "优惠券 SAVE5",
        "combined": "与你的订单",
        "not_found": "本店没有这个优惠券码。",
    },
    # Right to left: the price rows and the coupon field mirror.
    "ar": {
        "discount": "القسيمة \u2068SAVE5\u2069",  # a value in Arabic text is isolated
        "combined": "مدمج مع طلبك",
        "not_found": "لا يوجد هذا الرمز في هذا المتجر.",
    },
}


async def at_step(page: Page, step: str) -> None:
    """The sheet is open on `step`."""
    sheet = page.locator("dialog#checkout")
    await expect(sheet).to_have_attribute("data-step", step, timeout=30 * SECONDS)
    await expect(sheet).to_be_visible()


async def buy_pinned(page: Page) -> None:
    """Tap Buy now on the pinned card, then Buy now in the sheet's choose step."""
    await page.locator("#pin button.buy").tap()
    await at_step(page, "choose")
    await page.locator("#sheet-buy").tap()


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN", "ar"])
async def test_a_coupon_and_combined_shipping_on_a_phone(
    base_url: str, browser: Browser, api: Api, locale: str
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    words = WORDS[locale]
    await api(
        "PUT",
        "/api/shipping-profile",
        json={"currency": "USD", "flat_minor": 500, "per_item_minor": 100, "countries": ["US"]},
    )
    await api(
        "POST",
        "/api/coupons",
        json={"code": "SAVE5", "kind": "fixed", "value": 500, "currency": "USD"},
        expect=201,
    )
    context = await browser.new_context(locale=locale, **PHONE)
    page = await context.new_page()
    # The wrong code is refused (404 coupon_not_found): the page words it, not an error.
    collect_errors(page, errors, allow_status=(404,))
    await page.goto(f"{base_url}/watch/{show.show_id}")
    name = f"pricing-phone-{locale}"

    await buy_pinned(page)
    await at_step(page, "name")
    await page.fill("#checkout-viewer-name", "Mia")
    await page.locator("#checkout .name-step button[type=submit]").tap()
    await at_step(page, "details")
    for selector, value in TYPED.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await page.fill("#checkout-coupon", "nope5")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await expect(page.locator("#checkout .checkout-form p.error")).to_have_text(words["not_found"])
    await screenshot(page, f"{name}-1-wrong-code")
    await page.fill("#checkout-coupon", "save5")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await at_step(page, "pay")
    summary = page.locator("#checkout .checkout-summary")
    # $19.00 Tee, $5.00 off, $6.00 shipping (the first order: $5 + $1 an item): $20.00.
    await expect(summary.locator(".order-discount")).to_contain_text(words["discount"])
    await expect(summary.locator(".order-discount .order-price-amount")).to_contain_text("5.00")
    await expect(summary.locator(".order-shipping .order-price-amount")).to_contain_text("6.00")
    await expect(summary.locator(".order-total strong")).to_contain_text("20.00")
    await page.fill("#pay-card", CARD)
    await screenshot(page, f"{name}-2-pay")
    await page.locator("#checkout button.pay").tap()
    await at_step(page, "done")
    done = page.locator("#checkout")
    await expect(done.locator(".order-status")).to_have_attribute(
        "data-status", "paid", timeout=30 * SECONDS
    )
    await expect(done.locator(".order-discount")).to_contain_text(words["discount"])
    await expect(done.locator(".order-total strong")).to_contain_text("20.00")
    await screenshot(page, f"{name}-3-paid")
    await page.locator("#checkout .actions button.primary").tap()
    await expect(page.locator("dialog#checkout")).to_be_hidden()

    # The Mug is pinned next: the second order joins the first one's parcel.
    await api(
        "POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.mug["id"]}, expect=201
    )
    await expect(page.locator("#pin .pin-title")).to_have_text("Mug", timeout=30 * SECONDS)
    await buy_pinned(page)
    await at_step(page, "details")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await at_step(page, "pay")
    shipping = page.locator("#checkout .checkout-summary .order-shipping")
    await expect(shipping).to_contain_text(words["combined"])
    await expect(shipping.locator(".order-price-amount")).to_contain_text("1.00")
    await expect(page.locator("#checkout .checkout-summary .order-total strong")).to_contain_text(
        "13.00"
    )
    await screenshot(page, f"{name}-4-combined")
    await page.fill("#pay-card", CARD)
    await page.locator("#checkout button.pay").tap()
    await at_step(page, "done")
    await expect(page.locator("#checkout .order-status")).to_have_attribute(
        "data-status", "paid", timeout=30 * SECONDS
    )
    # The buyer's order page says the same.
    link = await page.locator("#checkout .actions a").get_attribute("href")
    assert link is not None
    await page.goto(f"{base_url}{link}")
    await expect(page.locator("#order-lines .order-shipping")).to_contain_text(words["combined"])
    await expect(page.locator("#order-lines .order-total strong")).to_contain_text("13.00")
    await screenshot(page, f"{name}-5-order-page")
    await context.close()

    # Ada, on a laptop in the same language: the orders' prices and the code's figures.
    console = await browser.new_context(locale=locale, **LAPTOP)
    seller = await console.new_page()
    collect_errors(seller, errors, allow_status=(401,))  # asks who is signed in first
    await seller.goto(f"{base_url}/console")
    await seller.fill("#login-email", "ada@example.com")
    await seller.fill("#login-password", PASSWORD)
    await seller.click("#login-form button[type=submit]")
    await seller.wait_for_selector("#nav:not([hidden])")
    orders = await api("GET", f"/api/orders?show_id={show.show_id}")
    combined = next(o for o in orders["orders"] if o["shipping_combined_with"])
    await seller.goto(f"{base_url}/console/orders/{combined['id']}")
    await expect(seller.locator("#detail-totals dd.shipping")).to_contain_text(
        combined["shipping_combined_with"]
    )
    await screenshot(seller, f"pricing-console-order-{locale}")
    await seller.goto(f"{base_url}/console/pricing")
    row = seller.locator("#coupons li[data-code=SAVE5]")
    await expect(row.locator(".coupon-stats")).to_contain_text("20.00")
    await expect(seller.locator("#shipping-flat")).to_have_value("5.00")
    await screenshot(seller, f"pricing-console-coupons-{locale}", full_page=True)
    # The same page on a phone-sized window: the forms and the list still fit.
    await seller.set_viewport_size({"width": 390, "height": 844})
    await expect(row.locator(".coupon-stats")).to_be_visible()
    width = await seller.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    await screenshot(seller, f"pricing-console-coupons-narrow-{locale}", full_page=True)
    await console.close()
    assert errors == []
