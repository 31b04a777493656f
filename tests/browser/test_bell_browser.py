"""Real Chromium: a follower taps Follow and Remind me on the creator's page (choosing a name
on the way), the creator goes live and the follower's bell shows it within 2 s without a
reload; the panel words it, opens the show and marks it read; a hostile second guest's bell
stays empty; on a phone and a laptop, in English and Chinese."""

from __future__ import annotations

import json
import time
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from livesale.composition.services import SERVICES
from tests.browser.helpers import (
    LAPTOP,
    PHONE,
    Api,
    choose_language,
    collect_errors,
    screenshot,
    sign_up,
)
from tests.support.polling import poll_until

TWO_SECONDS = 2_000  # ms


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_bell_rings_within_2_s_of_a_go_live(
    base_url: str, browser: Browser, api: Api, server: TestServer
) -> None:
    await sign_up(api, "ben@example.com", "Ben")
    ben = (await api("GET", "/api/auth/me"))["creator"]["id"]
    body = {"title": "Friday Drop", "scheduled_at": time.time() + 7200}
    show_id = (await api("POST", "/api/shows", json=body, expect=201))["show"]["id"]
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        phone = await browser.new_context(**PHONE, locale="en-US")
        stack.push_async_callback(phone.close)
        page = await phone.new_page()
        collect_errors(page, errors, allow_status=(401,))  # the first Follow, before a name
        await page.goto(f"{base_url}/creators/{ben}")
        bell = page.locator("header.bar .bell")
        await expect(bell).to_be_hidden()  # no guest yet: nothing to tell
        await page.locator(".follow-button").tap()
        await page.locator(".follow-name input").fill("Mia")
        await page.locator(".follow-name button").tap()
        await expect(page.locator(".follow-button")).to_have_text("Following")
        await page.locator(".show-card .remind-button").tap()
        await expect(page.locator(".show-card .remind-button")).to_have_text("Reminder set")
        await expect(bell).to_be_visible()
        await expect(bell).to_have_attribute("data-unread", "0")

        # Leo, a second guest on a laptop, follows nobody: his bell stays quiet.
        laptop = await browser.new_context(**LAPTOP, locale="zh-CN")
        stack.push_async_callback(laptop.close)
        leo = await laptop.new_page()
        collect_errors(leo, errors)
        await leo.goto(f"{base_url}/watch/{show_id}")
        await leo.locator("#name-input").fill("Leo")
        await leo.locator("#name-form button[type=submit]").click()
        await expect(leo.locator("header.bar .bell")).to_be_visible()

        await server.app[SERVICES].live.lifecycle.went_live(show_id)
        await expect(bell).to_have_attribute("data-unread", "1", timeout=TWO_SECONDS)
        await expect(bell.locator(".bell-count")).to_have_text("1")
        await expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
        await bell.tap()
        item = page.locator(".bell-list li").first
        # Mia follows Ben and asked for a reminder: one notification, as reminded.
        await expect(page.locator(".bell-list li")).to_have_count(1)
        await expect(item).to_have_attribute("data-read", "false")
        await expect(item.locator(".bell-text")).to_have_text("Friday Drop by Ben is live now")
        await screenshot(page, "bell-panel-phone-en")
        await choose_language(page, "zh-CN")
        await expect(item.locator(".bell-text")).to_have_text("Ben 的《Friday Drop》开播了")
        await screenshot(page, "bell-panel-phone-zh")
        await item.locator("a").tap()
        await page.wait_for_url(f"**/watch/{show_id}")
        await expect(page.locator("header.bar .bell")).to_have_attribute("data-unread", "0")
        await expect(leo.locator("header.bar .bell")).to_have_attribute("data-unread", "0")
        await leo.locator("header.bar .bell").click()
        await expect(leo.locator(".bell-empty")).to_be_visible()
        await screenshot(leo, "bell-empty-laptop-zh")
    assert errors == []


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_service_worker_words_a_push_in_the_device_language(
    base_url: str, browser: Browser
) -> None:
    """Headless Chromium has no vendor push service, so the subscription itself cannot be
    made here; the worker is registered from the bell and a push is handed to it through
    the DevTools protocol, as the browser would after its push service delivered one."""
    errors: list[str] = []
    context = await browser.new_context(**PHONE, locale="zh-CN")
    try:
        await context.grant_permissions(["notifications"], origin=base_url)
        page = await context.new_page()
        collect_errors(page, errors)
        await page.goto(base_url)
        await page.evaluate(
            """async () => {
                 await fetch('/api/viewer', {method: 'PUT', headers: {'Content-Type':
                   'application/json'}, body: JSON.stringify({display_name: 'Mia'})});
               }"""
        )
        await page.reload()
        await page.locator("header.bar .bell").tap()
        await page.locator(".bell-panel summary").tap()
        device = page.locator(".bell-push input")
        await device.tap()
        # No push service behind this Chromium: the page says so instead of failing.
        await expect(page.locator(".bell-push-note")).to_have_text("此浏览器无法接收推送通知。")
        await screenshot(page, "bell-push-unavailable-phone-zh")
        scope = await page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
        assert scope == f"{base_url}/"
        cdp = await context.new_cdp_session(page)
        versions: list[dict[str, object]] = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated", lambda e: versions.extend(e["registrations"])
        )
        await cdp.send("ServiceWorker.enable")
        await poll_until(
            lambda: any(r["scopeURL"] == f"{base_url}/" for r in versions), 10, "the worker"
        )
        registration = next(r for r in versions if r["scopeURL"] == f"{base_url}/")
        payload = {
            "id": "ntf_1",
            "kind": "reminder_live",
            "params": {"show_id": "s1", "title": "Friday Drop", "creator": "Ben"},
            "lang": "zh-CN",
        }
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": base_url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(payload),
            },
        )
        shown = await page.evaluate(
            """async () => {
                 const registration = await navigator.serviceWorker.ready;
                 for (let i = 0; i < 100; i++) {
                   const found = await registration.getNotifications();
                   if (found.length) {
                     return found.map((n) => ({title: n.title, body: n.body, tag: n.tag,
                                               url: n.data.url}));
                   }
                   await new Promise((resolve) => setTimeout(resolve, 50));
                 }
                 return [];
               }"""
        )
        assert shown == [
            {
                "title": "通知",
                "body": "Ben 的《Friday Drop》开播了",
                "tag": "ntf_1",
                "url": "/watch/s1",
            }
        ]
    finally:
        await context.close()
    # Chromium's own console line for a refused subscription in a throwaway profile.
    assert [e for e in errors if "does not support the Push API" not in e] == []
