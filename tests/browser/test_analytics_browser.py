"""Real Chromium: a viewer watches (and reloads), the creator reads the show's analytics."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    PASSWORD,
    Api,
    choose_language,
    collect_errors,
    create_product,
    create_show,
    sign_up,
)
from tests.support.polling import poll_until

SECONDS = 1000  # Playwright timeouts are in milliseconds


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_console_draws_the_figures_and_a_reload_is_the_same_viewer(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    errors: list[str] = []
    await sign_up(api, "ada@example.com", "Ada")
    product = await create_product(
        api, "Silk scarf", {"sku": "SCARF-1", "price_minor": 1999, "currency": "EUR", "stock": 5}
    )
    show_id, _key = await create_show(api, "Scarf hour", [product["id"]])
    await server.app[SERVICES].live.lifecycle.went_live(show_id)

    audience = await browser.new_context(locale="en-US")
    viewer = await audience.new_page()
    collect_errors(viewer, errors)
    await viewer.goto(f"{base_url}/watch/{show_id}")
    await viewer.wait_for_selector('#room-status[data-status="open"]')
    await api("POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201)
    # A reload opens a new room connection from the same browser: one unique viewer.
    await viewer.reload()
    await viewer.wait_for_selector('#room-status[data-status="open"]')

    sessions = 0

    async def two_sessions_recorded() -> bool:
        nonlocal sessions
        row = await server.app[SERVICES].storage.database.fetchone(
            "SELECT COUNT(*) FROM watch_sessions WHERE show_id = ?", (show_id,)
        )
        sessions = 0 if row is None else int(row[0])
        return sessions == 2

    await poll_until(two_sessions_recorded, 10, "both room connections to be recorded")
    report = await api("GET", f"/api/shows/{show_id}/analytics")
    assert report["viewers"]["unique"] == 1
    assert [pin["title"] for pin in report["pins"]] == ["Silk scarf"]

    creator = await browser.new_context(locale="en-US")
    console = await creator.new_page()
    collect_errors(console, errors, allow_status=(401,))
    await console.goto(f"{base_url}/console")
    await console.fill("#login-email", "ada@example.com")
    await console.fill("#login-password", PASSWORD)
    await console.click("#login-form button[type=submit]")
    await console.wait_for_selector("#nav:not([hidden])")
    await console.goto(f"{base_url}/console/shows/{show_id}")
    await console.click("#room-analytics")
    await console.wait_for_selector("#view-analytics:not([hidden]) #analytics-body:not([hidden])")
    assert console.url.endswith(f"/console/shows/{show_id}/analytics")
    assert await console.text_content("#analytics-title") == "Scarf hour"
    await expect(console.locator('[data-figure="unique"] strong')).to_have_text("1")
    await expect(console.locator('[data-figure="peak"] strong')).to_have_text("1")
    await expect(console.locator('[data-figure="replay_unique"] strong')).to_have_text("0")
    row = console.locator("#analytics-pins tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("td").first).to_have_text("Silk scarf")
    assert await console.locator('[data-chart="viewers"] svg polyline').count() == 2
    assert await console.get_attribute("#analytics-json", "href") == (
        f"/api/shows/{show_id}/analytics"
    )
    # Switching the language re-labels the figures in place.
    await choose_language(console, "zh-CN")
    await expect(console.locator('[data-figure="unique"] .tile-label')).to_have_text("观看人数")
    await audience.close()
    await creator.close()
    assert not errors, errors
