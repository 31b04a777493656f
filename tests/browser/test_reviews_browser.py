"""Real Chromium: a buyer who paid reviews with a photo on a phone; the next pin of that
product shows the rating to another viewer; a non-buyer is refused with a clear message;
the shop replies and decides on a reported review in the console."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import (
    LAPTOP,
    PASSWORD,
    PHONE,
    Api,
    choose_language,
    collect_errors,
    screenshot,
)
from tests.browser.watch_setup import box, live_show_with_a_bag
from tests.catalogue.images import make_image

SECONDS = 1000  # Playwright timeouts are in milliseconds
CHECKOUT = {
    "#checkout-email": "mia@example.com",
    "#checkout-name": "Mia Buyer",
    "#checkout-address-line1": "1 Market Street",
    "#checkout-address-city": "Springfield",
    "#checkout-address-postal_code": "12345",
}


async def _buy_the_pin_on_a_phone(page: Page) -> str:
    """A name in the chat, Buy now on the pinned product (the phone's choose step), the
    address, a test card: the order page's path."""
    await page.fill("#name-input", "Mia")
    await page.locator("#name-form button[type=submit]").tap()
    await page.locator("#pin button.buy").tap()
    await page.locator("#sheet-buy").tap()
    for selector, value in CHECKOUT.items():
        await page.fill(selector, value)
    await page.select_option("#checkout-address-country", "US")
    await page.locator("#checkout .checkout-form button[type=submit]").tap()
    await page.fill("#pay-card", "4242 4242 4242 4242")
    await page.locator("#checkout button.pay").tap()
    sheet = page.locator("dialog#checkout")
    await expect(sheet.locator(".order-status")).to_have_attribute("data-status", "paid")
    href = await sheet.locator("a[href^='/orders/']").get_attribute("href")
    assert href is not None
    return href


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_paid_buyer_reviews_with_a_photo_and_the_next_pin_shows_it(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)

    # Leo watches on a laptop in Chinese: the Tee has no rating yet.
    leo = await (await browser.new_context(locale="zh-CN", **LAPTOP)).new_page()
    collect_errors(leo, errors, allow_status=(403,))  # his refusal below is a 403
    await leo.goto(f"{base_url}/watch/{show.show_id}")
    await expect(leo.locator("#pin .pin-title")).to_have_text("Tee")
    await expect(leo.locator("#pin .rating")).to_have_count(0)

    # Mia buys the pinned Tee on her phone and pays with a test card.
    phone = await browser.new_context(locale="en-US", **PHONE)
    mia = await phone.new_page()
    collect_errors(mia, errors)
    await mia.goto(f"{base_url}/watch/{show.show_id}")
    order_path = await _buy_the_pin_on_a_phone(mia)

    # Her order page has "Write a review" for the Tee: four stars, words, a photo.
    await mia.goto(f"{base_url}{order_path}")
    section = mia.locator("#order-reviews")
    await expect(section).to_be_visible()
    await section.get_by_role("button", name="Write a review").tap()
    await section.locator('.star-choice[data-stars="4"]').tap()
    await section.locator("textarea").fill("Soft and warm.\n<b>Not bold</b>")
    await section.locator("input[type=file]").set_input_files(
        {"name": "tee.png", "mimeType": "image/png", "buffer": make_image("PNG", (120, 90))}
    )
    await screenshot(mia, "reviews-phone-form", full_page=True)
    await section.get_by_role("button", name="Post review").tap()
    review = section.locator("article.review")
    await expect(review).to_have_attribute("data-stars", "4")
    await expect(review.locator(".review-author")).to_have_text("Mia")
    # A person's text stays text: the markup shows as typed, no element is made of it.
    await expect(review.locator(".review-text")).to_have_text("Soft and warm.\n<b>Not bold</b>")
    assert await review.locator(".review-text b").count() == 0
    await expect(review.locator(".review-photo img")).to_have_count(1)
    await expect(section.get_by_role("button", name="Edit your review")).to_be_visible()
    await screenshot(mia, "reviews-phone-written", full_page=True)

    # Leo, watching since before the review, gets the rating with the next pin of the Tee.
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.mug["id"]},
              expect=201)  # fmt: skip
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.tee["id"]},
              expect=201)  # fmt: skip
    rating = leo.locator("#pin .rating")
    await expect(rating.locator(".rating-average")).to_have_text("4.0")
    await expect(rating.locator(".rating-count")).to_have_text("（1）")  # noqa: RUF001
    await screenshot(leo, "reviews-laptop-zh-pin")

    # The rating opens the buyers' reviews; the photo opens larger.
    await rating.click()
    sheet = leo.locator("dialog#reviews")
    await expect(sheet).to_be_visible()
    await expect(sheet.locator("#reviews-title")).to_have_text("Tee 的评价")
    await expect(sheet.locator(".review-author")).to_have_text("Mia")
    await sheet.locator(".review-photo").click()
    await expect(leo.locator("dialog.photo-viewer img")).to_be_visible()
    await screenshot(leo, "reviews-laptop-zh-photo")
    await leo.keyboard.press("Escape")
    await screenshot(leo, "reviews-laptop-zh-sheet")

    # Leo never bought the Tee: "Write a review" says why he cannot, in his language.
    await sheet.get_by_role("button", name="写评价").click()
    await expect(sheet.locator(".reviews-refusal")).to_have_text(
        "只有购买过此商品的买家才能评价，你还没有购买。"  # noqa: RUF001
    )
    await screenshot(leo, "reviews-laptop-zh-refused")

    # On Mia's phone the room's pin shows it too, and the bag has the rating per product.
    await mia.goto(f"{base_url}/watch/{show.show_id}")
    await expect(mia.locator("#pin .rating .rating-average")).to_have_text("4.0")
    await screenshot(mia, "reviews-phone-pin")
    await mia.locator("#bag-open").tap()
    tee_row = mia.locator(f'.bag-item[data-product-id="{show.tee["id"]}"]')
    await expect(tee_row.locator(".rating-average")).to_have_text("4.0")
    mug_row = mia.locator(f'.bag-item[data-product-id="{show.mug["id"]}"]')
    await expect(mug_row.locator(".rating")).to_have_count(0)
    await screenshot(mia, "reviews-phone-bag")
    assert errors == []


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_shop_replies_and_decides_on_a_reported_review(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    mia = await (await browser.new_context(locale="en-US", **PHONE)).new_page()
    collect_errors(mia, errors)
    await mia.goto(f"{base_url}/watch/{show.show_id}")
    order_path = await _buy_the_pin_on_a_phone(mia)
    await mia.goto(f"{base_url}{order_path}")
    section = mia.locator("#order-reviews")
    await section.get_by_role("button", name="Write a review").tap()
    await section.locator('.star-choice[data-stars="2"]').tap()
    await section.get_by_role("button", name="Post review").tap()
    await expect(section.locator("article.review")).to_have_attribute("data-stars", "2")

    # Leo reports it from the reviews sheet; it disappears for others.
    leo = await (await browser.new_context(locale="en-US", **PHONE)).new_page()
    collect_errors(leo, errors)
    await leo.goto(f"{base_url}/watch/{show.show_id}")
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.tee["id"]},
              expect=201)  # fmt: skip
    await leo.locator("#pin .rating").tap()
    sheet = leo.locator("dialog#reviews")
    await expect(sheet.locator("article.review")).to_have_count(1)
    # A guest name first: reporting needs one, like chat.
    await leo.evaluate(
        "() => fetch('/api/viewer', {method: 'PUT', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify({display_name: 'Leo'})})"
    )
    await sheet.get_by_role("button", name="Report").tap()
    await expect(sheet.get_by_role("button", name="Reported. Thank you")).to_be_disabled()
    # Mia still sees hers, and is told why others do not.
    await mia.reload()
    await expect(section.locator(".review-standing")).to_contain_text("Someone reported")

    # Ada's console: the reported queue, a reply, Restore.
    console = await (await browser.new_context(locale="en-US", **LAPTOP)).new_page()
    collect_errors(console, errors, allow_status=(401,))  # asks who is signed in first
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "ada@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")
    await console.click('#nav a[href="/console/reviews"]')
    await console.select_option("#reviews-filter", "reported")
    item = console.locator("#review-list .console-review")
    await expect(item).to_have_count(1)
    await expect(item.locator(".review-standing")).to_have_text("Reported: hidden until you decide")
    await item.locator("textarea").fill("Sorry it ran small. Write to us for a swap.")
    await item.get_by_role("button", name="Reply").click()
    await expect(item.locator(".review-reply .review-text")).to_have_text(
        "Sorry it ran small. Write to us for a swap."
    )
    await screenshot(console, "reviews-console-reported")
    await item.get_by_role("button", name="Restore").click()
    await expect(item.locator(".review-standing")).to_have_text("Shown to buyers")
    await expect(item.locator(".order-review-title")).to_have_text("Tee")
    await screenshot(console, "reviews-console-restored")
    # The same in Chinese, switched in place.
    await choose_language(console, "zh-CN")
    await expect(item.locator(".review-standing")).to_have_text("对买家可见")
    await expect(item.get_by_role("button", name="删除")).to_be_visible()
    await screenshot(console, "reviews-console-zh")

    # Shown again, with the shop's reply, on the next pin.
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.mug["id"]},
              expect=201)  # fmt: skip
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.tee["id"]},
              expect=201)  # fmt: skip
    await leo.keyboard.press("Escape")
    await leo.locator("#pin .rating").tap()
    await expect(sheet.locator(".review-reply .review-text")).to_have_text(
        "Sorry it ran small. Write to us for a swap."
    )
    await screenshot(leo, "reviews-phone-sheet")
    assert errors == []


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_in_arabic_on_a_phone_the_review_form_and_sheet_are_mirrored(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    page = await (await browser.new_context(locale="ar", **PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    order_path = await _buy_the_pin_on_a_phone(page)
    await page.goto(f"{base_url}{order_path}")
    assert await page.get_attribute("html", "dir") == "rtl"
    section = page.locator("#order-reviews")
    await section.get_by_role("button", name="اكتب مراجعة").tap()
    stars = section.locator(".star-choice")
    # Right to left: the first star (one) is at the right, the fifth at the left.
    first, fifth = await box(stars.nth(0)), await box(stars.nth(4))
    assert first["x"] > fifth["x"], (first, fifth)
    await stars.nth(4).tap()
    await section.locator("textarea").fill("ممتاز")
    await screenshot(page, "reviews-phone-ar-form", full_page=True)
    await section.get_by_role("button", name="انشر المراجعة").tap()
    await expect(section.locator("article.review")).to_have_attribute("data-stars", "5")

    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.mug["id"]},
              expect=201)  # fmt: skip
    await api("POST", f"/api/shows/{show.show_id}/pin", json={"product_id": show.tee["id"]},
              expect=201)  # fmt: skip
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await page.locator("#pin .rating").tap()
    sheet = page.locator("dialog#reviews")
    # The product name is isolated (FSI ... PDI) inside the Arabic sentence.
    await expect(sheet.locator("#reviews-title")).to_have_text("مراجعات \u2068Tee\u2069")
    # The close button sits at the start of the head, which is its left in Arabic.
    close, title = (
        await box(sheet.locator(".sheet-close")),
        await box(sheet.locator("#reviews-title")),
    )
    assert close["x"] < title["x"], (close, title)
    author = await box(sheet.locator(".review-author"))
    stars_shown = await box(sheet.locator(".review-stars"))
    assert stars_shown["x"] > author["x"], (stars_shown, author)
    await screenshot(page, "reviews-phone-ar-sheet")
    assert errors == []
