"""Real Chromium: a dropped room connection comes back by itself, from a fresh snapshot."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, WebSocketRoute

from tests.browser.helpers import Api, collect_errors, create_product, go_live, sign_up

DEADLINE_SECONDS = 10.0


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_the_room_reconnects_and_shows_what_happened_meanwhile(
    base_url: str, browser: Browser, api: Api
) -> None:
    await sign_up(api, "bo@example.com", "Bo")
    product = await create_product(
        api, "Lamp", {"sku": "L-1", "price_minor": 4200, "currency": "GBP", "stock": 3}
    )
    created = await api(
        "POST", "/api/shows", json={"title": "Lamps", "product_ids": [product["id"]]}, expect=201
    )
    show_id = created["show"]["id"]
    errors: list[str] = []
    await go_live(browser, base_url, show_id, created["stream_key"], errors)

    # Every room connection of the viewer goes through this route; the second one
    # reaches the server only after the pin, so only its snapshot can carry it.
    routes: list[WebSocketRoute] = []
    pinned = asyncio.Event()

    async def route(socket: WebSocketRoute) -> None:
        routes.append(socket)
        if len(routes) > 1:
            await pinned.wait()
        socket.connect_to_server()

    viewer = await browser.new_page()
    collect_errors(viewer, errors)
    await viewer.route_web_socket(re.compile(r".*/api/shows/[^/]+/events(\?.*)?$"), route)
    await viewer.goto(f"{base_url}/watch/{show_id}")
    await viewer.wait_for_selector('#room-status[data-status="open"]')
    assert await viewer.locator("#pin .pin-card").count() == 0

    await routes[0].close(code=1012, reason="server restart")
    deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
    while len(routes) < 2:  # the page opens a new connection after its backoff
        assert asyncio.get_running_loop().time() < deadline, "no reconnect"
        await asyncio.sleep(0.05)
    await api("POST", f"/api/shows/{show_id}/pin", json={"product_id": product["id"]}, expect=201)
    pinned.set()

    await viewer.wait_for_selector("#pin .pin-card", timeout=DEADLINE_SECONDS * 1000)
    assert await viewer.text_content("#pin .pin-price .now") == "£42.00"
    await viewer.wait_for_selector('#room-status[data-status="open"]')
    assert len(routes) == 2
    assert not errors, errors
