"""Real Chromium: the show page on a phone (390x844, touch) and a laptop (1366x900).

On the phone the video fills the screen and everything floats over it without
covering the controls: Buy, "Tap to unmute", the chat input and the rail's
buttons; purchase toasts sit above the card; a tap on the video gives sound;
the bag lists the whole show and sells a product that is not pinned at its
own price while the pinned one keeps its flash-sale price. On the laptop the
chat is beside the video.
"""

from __future__ import annotations

import itertools

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.helpers import LAPTOP, PHONE, Api, ContextOptions, collect_errors, screenshot
from tests.browser.watch_setup import (
    Box,
    box,
    guest_buys,
    inside,
    live_show_with_a_bag,
    overlap,
    video_content_box,
)

SECONDS = 1000  # Playwright timeouts are in milliseconds
WIDTH, HEIGHT = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
WORDS = {
    "en-US": {"limit": "Limit 1 per buyer", "left": "3 left", "toast": "Bo just bought Mug"},
    "zh-CN": {"limit": "每人限购 1 件", "left": "仅剩 3 件", "toast": "Bo 刚刚买了 Mug"},
}


async def playing(page: Page) -> None:
    """Wait until the live video plays frames."""
    await page.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v.videoWidth > 0 && v.currentTime > 0 && !v.paused; }",
        timeout=60 * SECONDS,
    )


def seconds_left(countdown: str | None) -> int:
    """ "Ends in 09:41" -> 581."""
    assert countdown is not None
    minutes, seconds = countdown.rsplit(" ", 1)[1].split(":")
    return int(minutes) * 60 + int(seconds)


async def controls_clear(page: Page, width: float, height: float) -> dict[str, Box]:
    """Check that Buy, unmute, the chat input and the rail's buttons are all on screen and
    none covers another; returns their boxes."""
    controls = {
        "buy": "#pin button.buy",
        "unmute": "#unmute",
        "chat input": "#chat-input",
        "send": "#chat-send",
        "like": "#like",
        "bag": "#bag-open",
        "share": "#share",
    }
    boxes = {name: await box(page.locator(selector)) for name, selector in controls.items()}
    for name, found in boxes.items():
        assert inside(found, width, height), (name, found)
    for (one, a), (two, b) in itertools.combinations(boxes.items(), 2):
        assert not overlap(a, b), (one, a, two, b)
    return boxes


async def join_chat(page: Page, name: str) -> None:
    """Choose a display name: the chat input appears."""
    await page.fill("#name-input", name)
    await page.locator("#name-form button[type=submit]").tap()
    await expect(page.locator("#chat-input")).to_be_visible()


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_on_a_phone_the_controls_stay_clear_and_a_tap_gives_sound(
    base_url: str, browser: Browser, api: Api, locale: str
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    words = WORDS[locale]
    page = await (await browser.new_context(locale=locale, **PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await playing(page)
    await join_chat(page, "Li")
    await page.fill("#chat-input", "Does it come in blue?")
    await page.locator("#chat-send").tap()
    message = page.locator("#chat .chat-message")
    await expect(message).to_contain_text("Does it come in blue?")
    card = page.locator("#pin .pin-card")
    await expect(card.locator(".pin-limit")).to_have_text(words["limit"])
    await expect(card.locator(".pin-left")).to_have_text(words["left"])
    unmute = page.locator("#unmute")
    await expect(unmute).to_be_visible()

    # The video fills the screen; the landscape camera is letterboxed, never cropped.
    video = await box(page.locator("#player"))
    assert video["width"] == WIDTH, video
    assert video["height"] == HEIGHT, video
    assert await page.eval_on_selector("#player", "v => getComputedStyle(v).objectFit") == "contain"
    picture = await video_content_box(page, "#player")
    assert inside(picture, WIDTH, HEIGHT), picture
    assert picture["width"] == pytest.approx(WIDTH, abs=1), picture

    # Buy, unmute, the chat input and the rail: all on screen, none over another.
    boxes = await controls_clear(page, WIDTH, HEIGHT)
    assert not overlap(await box(card), boxes["chat input"])
    assert not overlap(await box(card), boxes["unmute"])
    assert not overlap(await box(card), await box(message))  # the chat reads below the card

    # Someone else buys: the toast shows above the card, inside the screen.
    await guest_buys(base_url, show.show_id, show.mug["variants"][0]["id"], "Bo")
    toast = page.locator("#toasts .toast")
    await expect(toast).to_have_text(words["toast"])
    await toast.evaluate("t => Promise.all(t.getAnimations().map((a) => a.finished))")  # slid in
    toast_box, card_box = await box(toast), await box(card)
    assert toast_box["y"] + toast_box["height"] <= card_box["y"], (toast_box, card_box)
    assert inside(toast_box, WIDTH, HEIGHT), toast_box
    await screenshot(page, f"watch-phone-live-{locale}")

    # A tap on the picture, away from every control, turns the sound on.
    assert await page.eval_on_selector("#player", "v => v.muted") is True
    await page.touchscreen.tap(WIDTH / 2, boxes["unmute"]["y"] + boxes["unmute"]["height"] + 60)
    await page.wait_for_function("() => !document.querySelector('#player').muted")
    await expect(unmute).to_be_hidden()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_phone_held_sideways_keeps_the_controls_clear(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    sideways: ContextOptions = {**PHONE, "viewport": {"width": HEIGHT, "height": WIDTH}}
    page = await (await browser.new_context(locale="en-US", **sideways)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await playing(page)
    await join_chat(page, "Li")
    await page.fill("#chat-input", "Nice")
    await page.locator("#chat-send").tap()
    await expect(page.locator("#chat .chat-message")).to_contain_text("Nice")
    await controls_clear(page, HEIGHT, WIDTH)
    card = await box(page.locator("#pin .pin-card"))
    assert card["x"] + card["width"] <= (await box(page.locator("#like")))["x"]
    stage = await box(page.locator("#stage"))
    assert (stage["y"], stage["height"]) == (0, WIDTH), stage  # nothing pushed the video up
    await screenshot(page, "watch-phone-sideways")
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_bag_sheet_sells_the_whole_show_each_at_its_price(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    page = await (await browser.new_context(locale="en-US", **PHONE)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await join_chat(page, "Li")
    bag_button = page.locator("#bag-open")
    await expect(bag_button.locator("#bag-count")).to_have_text("2")
    await bag_button.tap()

    sheet = page.locator("dialog#bag")
    await expect(sheet).to_be_visible()
    tee = sheet.locator(f'.bag-item[data-product-id="{show.tee["id"]}"]')
    mug = sheet.locator(f'.bag-item[data-product-id="{show.mug["id"]}"]')
    await expect(sheet.locator(".bag-item")).to_have_count(2)
    # The pinned Tee keeps its flash-sale price, countdown and limit; the Mug its own price.
    await expect(tee.locator(".pin-flag")).to_have_text("Flash sale")
    await expect(tee.locator(".pin-price .now")).to_have_text("$19.00")
    await expect(tee.locator(".pin-price .was")).to_have_text("$25.00")
    # Its countdown is the card's.
    await expect(tee.locator(".pin-countdown")).to_contain_text("Ends in 09:")
    bag_left = seconds_left(await tee.locator(".pin-countdown").text_content())
    card_left = seconds_left(await page.locator("#pin .pin-countdown").text_content())
    assert abs(bag_left - card_left) <= 1, (bag_left, card_left)
    await expect(tee.locator(".pin-left")).to_have_text("3 left")
    await expect(mug.locator(".pin-price .now")).to_have_text("$12.00")
    await expect(mug.locator(".pin-left")).to_have_text("9 left")
    sheet_box = await box(sheet)
    assert inside(sheet_box, WIDTH, HEIGHT), sheet_box
    assert sheet_box["y"] > 0, sheet_box
    await screenshot(page, "watch-phone-bag")

    # Buy the Mug (not pinned): its price, and the room's stock follows the hold.
    await mug.locator("button.buy").tap()
    checkout = page.locator("dialog#checkout")
    await expect(checkout.locator("#checkout-title")).to_have_text("Mug")
    await expect(checkout.locator(".choose-price")).to_have_text("$12.00")
    await page.locator("#sheet-buy").tap()
    await expect(checkout.locator(".order-total strong")).to_have_text("$12.00")
    await expect(checkout.locator(".sheet-timer")).to_contain_text("Reserved for you for")
    await expect(mug.locator(".pin-left")).to_have_text("8 left")
    await screenshot(page, "watch-phone-checkout")
    lines = await api("GET", f"/api/shows/{show.show_id}/stock")
    levels = {m["product_id"]: m["variants"] for m in lines["stock"]}
    assert levels[show.mug["id"]] == {show.mug["variants"][0]["id"]: 8}
    assert levels[show.tee["id"]] == {show.tee["variants"][0]["id"]: 5}
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_on_a_laptop_chat_sits_beside_the_video_and_the_bag_is_a_side_panel(
    base_url: str, browser: Browser, api: Api
) -> None:
    errors: list[str] = []
    show = await live_show_with_a_bag(api, browser, base_url, errors)
    page = await (await browser.new_context(locale="en-US", **LAPTOP)).new_page()
    collect_errors(page, errors)
    await page.goto(f"{base_url}/watch/{show.show_id}")
    await playing(page)
    video, chat = await box(page.locator("#player")), await box(page.locator(".chat-panel"))
    assert chat["x"] >= video["x"] + video["width"], (video, chat)
    card = await box(page.locator("#pin .pin-card"))
    assert card["x"] >= video["x"] + video["width"]
    assert card["y"] + card["height"] <= chat["y"]
    for control in ("#unmute", "#like", "#bag-open", "#share"):
        assert inside(await box(page.locator(control)), 1366, 900), control
    await screenshot(page, "watch-laptop-live")

    await page.click("#bag-open")
    panel = await box(page.locator("dialog#bag"))
    assert panel["x"] + panel["width"] == pytest.approx(1366, abs=1)
    assert panel["height"] >= 880
    await expect(page.locator("dialog#bag .bag-item")).to_have_count(2)
    await screenshot(page, "watch-laptop-bag")
    assert not errors, errors
