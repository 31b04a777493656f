"""Helpers for browser tests: collecting page errors, polling page state."""

from __future__ import annotations

from playwright.async_api import ConsoleMessage, Page, Response


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
