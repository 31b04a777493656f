"""Real Chromium: the console's broadcast does not depend on the page on screen.

The creator goes live from the cockpit, walks around the console, loses the
connection, reloads the tab and logs out; a viewer in another browser profile
keeps decoding frames wherever the show is meant to stay on air.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Dialog, Page, Request

from livesale.composition.services import SERVICES
from tests.browser.cockpit_helpers import (
    SECONDS,
    console_tab,
    decoded_frames,
    frames_keep_coming,
    go_live_in_cockpit,
    open_new_show,
    signed_up_with_products,
    watching,
)
from tests.browser.helpers import LAPTOP, collect_errors, screenshot
from tests.support.polling import poll_until
from tests.support.services import relay

RECONNECTING = "Camera disconnected — reconnecting…"


def _count_whip_offers(page: Page) -> list[str]:
    """Every WHIP POST the page sends (one per publishing attempt)."""
    offers: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and "/whip/" in request.url:
            offers.append(request.url)

    page.on("request", on_request)
    return offers


async def _drop_the_publisher_network(app: Any, show_id: str) -> None:
    """The server's side of the creator's connection stops answering, as on a network loss."""
    # The session is private state; its ICE transport is public aiortc API.
    session = relay(app)._publishers[show_id]
    await session.pc.getTransceivers()[0].receiver.transport.transport.stop()


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_the_show_stays_on_air_while_the_creator_moves_around_the_console(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors)
    await signed_up_with_products(console, "ada@example.com", ["Silk scarf", "Wool hat"])
    show_id = await open_new_show(console, "Scarf hour", ["Silk scarf", "Wool hat"])
    offers = _count_whip_offers(console)
    await go_live_in_cockpit(console)
    viewer = await watching(browser, base_url, show_id, errors)
    await frames_keep_coming(viewer)

    # Every other console page: the dock says LIVE and the viewer keeps decoding.
    for page_name, link in [
        ("orders", '#nav a[href="/console/orders"]'),
        ("products", '#nav a[href="/console/products"]'),
        ("analytics", None),
        ("settings", '#nav a[href="/console/settings"]'),
    ]:
        if link is None:  # a show's analytics opens from its cockpit
            await console.click("#on-air-dock a")
            await console.wait_for_selector("#view-show:not([hidden]) #room-analytics")
            await console.click("#room-analytics")
        else:
            await console.click(link)
        await console.wait_for_selector(f"#view-{page_name}:not([hidden])")
        await console.wait_for_selector('#on-air-dock:not([hidden]) .badge[data-state="live"]')
        assert await console.text_content("#on-air-dock .dock-title") == "Scarf hour"
        before = await decoded_frames(viewer)
        after = await frames_keep_coming(viewer)
        assert after > before, page_name
        assert relay(app).is_live(show_id), page_name
        if page_name == "orders":
            await screenshot(console, "cockpit-dock-on-orders-en")

    # Back to the cockpit from the dock: the same broadcast, never re-published.
    await console.click("#on-air-dock a")
    await console.wait_for_selector('#view-show:not([hidden]) #studio-status[data-state="live"]')
    assert await console.is_hidden("#on-air-dock")
    assert await console.evaluate("document.querySelector('#studio-preview').srcObject.active"), (
        "the cockpit shows the camera that is on air"
    )
    await frames_keep_coming(viewer)
    assert len(offers) == 1, offers
    show = await app[SERVICES].storage.shows.get(show_id)
    assert str(show.status) == "live"
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(240)
async def test_a_dropped_connection_and_a_reload_come_back_on_air_by_themselves(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    # A WHIP retry may meet the old session (409 publisher_exists) before it times out.
    context, console = await console_tab(browser, base_url, errors, allow_status=(401, 409))
    await signed_up_with_products(console, "bo@example.com", ["Lamp"])
    show_id = await open_new_show(console, "Lamps", ["Lamp"])
    await go_live_in_cockpit(console)

    # The network drops while the creator is on the Orders page: the dock says so,
    # then the broadcast comes back without the creator doing anything.
    await console.click('#nav a[href="/console/orders"]')
    await console.wait_for_selector('#on-air-dock:not([hidden]) .badge[data-state="live"]')
    await _drop_the_publisher_network(app, show_id)
    await console.wait_for_selector(
        '#on-air-dock .badge[data-state="reconnecting"]', timeout=30 * SECONDS
    )
    assert await console.text_content("#on-air-dock .dock-problem") == RECONNECTING
    await screenshot(console, "cockpit-dock-reconnecting-en")
    await console.wait_for_selector('#on-air-dock .badge[data-state="live"]', timeout=60 * SECONDS)
    assert await console.text_content("#on-air-dock .dock-problem") == ""
    await poll_until(lambda: relay(app).is_live(show_id), 30, "the publisher back")

    # In the cockpit the same: "reconnecting" while it lasts, gone once connected.
    await console.click("#on-air-dock a")
    await console.wait_for_selector('#studio-status[data-state="live"]')
    await _drop_the_publisher_network(app, show_id)
    await console.wait_for_selector(
        '#studio-status[data-state="reconnecting"]', timeout=30 * SECONDS
    )
    assert await console.text_content("#studio-problem") == RECONNECTING
    await console.wait_for_selector('#studio-status[data-state="live"]', timeout=60 * SECONDS)
    assert await console.text_content("#studio-problem") == ""

    # Reloading the tab asks first; once reloaded the console publishes again by itself.
    dialogs: list[str] = []

    async def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        await dialog.accept()

    console.on("dialog", accept)
    await console.reload()
    assert dialogs == ["beforeunload"]
    await console.wait_for_selector('#studio-status[data-state="live"]', timeout=60 * SECONDS)
    await poll_until(lambda: relay(app).is_live(show_id), 30, "publishing after the reload")
    viewer = await watching(browser, base_url, show_id, errors)
    await frames_keep_coming(viewer)
    await context.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_logging_out_while_live_asks_and_cancel_keeps_the_broadcast(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    errors: list[str] = []
    _context, console = await console_tab(browser, base_url, errors)
    await signed_up_with_products(console, "cy@example.com", ["Vase"])
    show_id = await open_new_show(console, "Vases", ["Vase"])
    await go_live_in_cockpit(console)

    await console.click("#logout")
    await console.wait_for_selector("dialog.confirm[open]")
    assert await console.text_content("dialog.confirm h2") == "You are live"
    await console.click("dialog.confirm button[value=cancel]")
    await console.wait_for_selector("dialog.confirm", state="detached")
    assert await console.is_visible("#nav")
    assert await console.get_attribute("#studio-status", "data-state") == "live"
    assert relay(app).is_live(show_id)

    await console.click("#logout")
    await console.click("dialog.confirm button[value=confirm]")
    await console.wait_for_selector("#view-auth:not([hidden])")
    await poll_until(lambda: not relay(app).is_live(show_id), 30, "the camera off")
    # Logging out is not ending: the show waits for its creator to come back.
    assert str((await app[SERVICES].storage.shows.get(show_id)).status) == "live"
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(180)
async def test_the_standalone_host_page_carries_on_after_a_reload_and_ends_on_one_confirmation(
    server: TestServer, base_url: str, browser: Browser
) -> None:
    app: Any = server.app
    show, stream_key = await app[SERVICES].storage.shows.create("A separate window")
    errors: list[str] = []
    context = await browser.new_context(**LAPTOP, locale="en-US")
    host = await context.new_page()
    collect_errors(host, errors, allow_status=(409,))  # a retry may meet the old session
    await host.goto(f"{base_url}/host/{show.id}#key={stream_key}")
    assert "key=" not in host.url  # out of the address bar at once
    await host.click("#go-live:not([disabled])", timeout=30 * SECONDS)
    await host.wait_for_selector('#status[data-state="live"]', timeout=30 * SECONDS)

    dialogs: list[str] = []

    async def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        await dialog.accept()

    host.on("dialog", accept)
    await host.reload()
    assert dialogs == ["beforeunload"]
    await host.wait_for_selector('#status[data-state="live"]', timeout=60 * SECONDS)
    await poll_until(lambda: relay(app).is_live(show.id), 30, "publishing after the reload")

    await host.click("#end")
    await host.click("dialog.confirm button[value=cancel]")
    await host.wait_for_selector("dialog.confirm", state="detached")
    assert await host.get_attribute("#status", "data-state") == "live"
    assert relay(app).is_live(show.id)
    await host.click("#end")
    await host.click("dialog.confirm button[value=confirm]")
    await host.wait_for_selector('#status[data-state="ended"]', timeout=15 * SECONDS)
    assert str((await app[SERVICES].storage.shows.get(show.id)).status) == "ended"
    assert await host.is_hidden("#go-live")
    assert await host.evaluate("document.querySelector('#preview').srcObject") is None
    assert not errors, errors
