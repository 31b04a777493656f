"""Helpers for the cockpit tests: a signed-in console tab, a show opened in it, a viewer."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.helpers import LAPTOP, PASSWORD, collect_errors

SECONDS = 1000  # Playwright timeouts are in milliseconds
CONSOLE_STATUS = (401,)  # the console asks who is signed in before the sign-up


async def console_tab(
    browser: Browser,
    base_url: str,
    errors: list[str],
    *,
    locale: str = "en-US",
    allow_status: tuple[int, ...] = CONSOLE_STATUS,
) -> tuple[BrowserContext, Page]:
    """A laptop-sized console tab (clipboard allowed) whose errors land in `errors`."""
    context = await browser.new_context(**LAPTOP, locale=locale)
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = await context.new_page()
    collect_errors(page, errors, allow_status=allow_status)
    await page.goto(f"{base_url}/console")
    await page.wait_for_selector("#view-auth:not([hidden])")
    return context, page


async def page_api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """Call the API from the page, with its cookie and Origin, as the console does."""
    return await page.evaluate(
        """async ([method, path, body]) => {
             const init = {method, headers: {"Content-Type": "application/json"}};
             if (body !== null) { init.body = JSON.stringify(body); }
             const response = await fetch(path, init);
             const text = await response.text();
             if (!response.ok) { throw new Error(`${response.status} ${text}`); }
             return text ? JSON.parse(text) : null;
           }""",
        [method, path, body],
    )


async def signed_up_with_products(
    page: Page, email: str, titles: list[str], *, price_minor: int = 2500
) -> list[str]:
    """Sign the console tab's creator up and give them one-variant products; their ids."""
    await page_api(
        page,
        "POST",
        "/api/auth/signup",
        {"email": email, "password": PASSWORD, "display_name": email.split("@")[0].title()},
    )
    ids = []
    for n, title in enumerate(titles):
        variant = {"sku": f"SKU-{n}", "price_minor": price_minor, "currency": "USD", "stock": 12}
        body = {"title": title, "description": "", "variants": [variant]}
        ids.append((await page_api(page, "POST", "/api/products", body))["product"]["id"])
    return ids


async def open_new_show(page: Page, title: str, products: list[str]) -> str:
    """Create a show from the console's form with `products` ticked; its cockpit opens."""
    await page.goto(page.url.split("/console")[0] + "/console/shows/new")
    await page.wait_for_selector("#view-show-new:not([hidden]) #bag-picker .pick")
    await page.fill("#show-title", title)
    for product in products:
        await page.check(f'#bag-picker .pick:has-text("{product}") input[type=checkbox]')
    await page.click("#show-form button[type=submit]")
    await page.wait_for_selector("#view-show:not([hidden]) #cockpit-grid:not([hidden])")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


async def go_live_in_cockpit(page: Page) -> None:
    """Press Go live in the cockpit's studio and wait until the show is live."""
    await page.click("#go-live:not([disabled])", timeout=30 * SECONDS)
    await page.wait_for_selector('#studio-status[data-state="live"]', timeout=30 * SECONDS)
    await page.wait_for_selector('#room-state[data-state="live"]', timeout=30 * SECONDS)


async def watching(browser: Browser, base_url: str, show_id: str, errors: list[str]) -> Page:
    """A viewer in their own browser profile, playing the show page's video."""
    context = await browser.new_context(locale="en-US")
    viewer = await context.new_page()
    collect_errors(viewer, errors)
    await viewer.goto(f"{base_url}/watch/{show_id}")
    await viewer.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v && v.getVideoPlaybackQuality().totalVideoFrames > 0; }",
        timeout=30 * SECONDS,
    )
    return viewer


async def decoded_frames(viewer: Page) -> int:
    """How many video frames the viewer's player has decoded so far."""
    frames: int = await viewer.evaluate(
        "document.querySelector('#player').getVideoPlaybackQuality().totalVideoFrames"
    )
    return frames


async def frames_keep_coming(viewer: Page, more: int = 15, timeout: float = 10) -> int:
    """Wait (with a deadline) until the viewer decoded `more` new frames; the new count."""
    start = await decoded_frames(viewer)
    await viewer.wait_for_function(
        "n => document.querySelector('#player').getVideoPlaybackQuality().totalVideoFrames >= n",
        arg=start + more,
        timeout=timeout * SECONDS,
    )
    return await decoded_frames(viewer)


async def inside_viewport(page: Page, selector: str) -> bool:
    """True when the element is visible and wholly inside the window (no scrolling)."""
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    if box is None or size is None or box["width"] == 0 or box["height"] == 0:
        return False
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )
