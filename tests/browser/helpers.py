"""Helpers for browser tests: collecting page errors, setting up creators, going live."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypedDict

from playwright.async_api import Browser, ConsoleMessage, Page, Response, ViewportSize

Api = Callable[..., Awaitable[Any]]
PASSWORD = "correct horse battery"


def collect_errors(page: Page, errors: list[str], allow_status: tuple[int, ...] = ()) -> None:
    """Append console errors, page exceptions and failed responses of `page` to `errors`."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _expected_status_log(message.text, allow_status):
            errors.append(message.text)
        elif message.type == "warning" and message.text.startswith("i18n:"):
            errors.append(message.text)  # a string without a translation

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.status not in allow_status:
            errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def _expected_status_log(text: str, allow_status: tuple[int, ...]) -> bool:
    # Chromium logs every failed fetch ("Failed to load resource: ... 401"); those
    # the page expects (asking who is signed in) are not errors.
    return any(f"status of {status}" in text for status in allow_status)


async def sign_up(api: Api, email: str, display_name: str) -> None:
    """Sign a creator up through `api`, whose session then keeps the cookie."""
    body = {"email": email, "password": PASSWORD, "display_name": display_name}
    await api("POST", "/api/auth/signup", json=body, expect=201)


async def create_product(
    api: Api, title: str, variant: dict[str, Any], description: str = ""
) -> dict[str, Any]:
    """A product with one variant, made through `api`."""
    body = {"title": title, "description": description, "variants": [variant]}
    product: dict[str, Any] = (await api("POST", "/api/products", json=body, expect=201))["product"]
    return product


async def create_show(api: Api, title: str, product_ids: list[str]) -> tuple[str, str]:
    """A show with `product_ids` in its bag, made through `api`: its id and stream key."""
    body = {"title": title, "product_ids": product_ids}
    created = await api("POST", "/api/shows", json=body, expect=201)
    return str(created["show"]["id"]), str(created["stream_key"])


async def go_live(
    browser: Browser, base_url: str, show_id: str, stream_key: str, errors: list[str]
) -> Page:
    """Open the host page with the stream key and go live with the fake camera."""
    host = await browser.new_page()
    collect_errors(host, errors)
    await host.goto(f"{base_url}/host/{show_id}#key={stream_key}")
    await host.click("#go-live:not([disabled])", timeout=30_000)
    await host.wait_for_selector('#status[data-state="live"]', timeout=30_000)
    return host


class ContextOptions(TypedDict, total=False):
    """The `Browser.new_context` options a test passes as `**PHONE` or `**LAPTOP`."""

    viewport: ViewportSize
    device_scale_factor: float
    is_mobile: bool
    has_touch: bool


PHONE: ContextOptions = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
LAPTOP: ContextOptions = {"viewport": {"width": 1366, "height": 900}}


def screenshot_path(name: str) -> str:
    """Where a test keeps a screenshot to look at: `<output>/screenshots/<name>.png`.

    The folder is `LIVESALE_TEST_OUTPUT` (default `test-output/`, ignored by git).
    """
    folder = Path(os.environ.get("LIVESALE_TEST_OUTPUT", "test-output")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.png")


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save what `page` shows now under `screenshot_path(name)`."""
    await page.screenshot(path=screenshot_path(name), full_page=full_page)


async def choose_language(page: Page, language: str) -> None:
    """Pick `language` ("en", "zh-CN", "es", "ar") in the page header's language switch."""
    await page.select_option("header.bar select.lang-switch", language)
