"""Real Chromium: the host page goes live over WHIP and a watch page plays it over WHEP."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser

from livesale.composition.services import SERVICES
from tests.browser.helpers import collect_errors
from tests.support.services import relay


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_host_goes_live_and_a_viewer_plays(server: TestServer, browser: Browser) -> None:
    app: Any = server.app
    show, stream_key = await app[SERVICES].storage.shows.create("Browser show")
    base = str(server.make_url("")).rstrip("/")
    errors: list[str] = []

    host = await browser.new_page()
    collect_errors(host, errors)
    await host.goto(f"{base}/host/{show.id}#key={stream_key}")
    await host.locator("#go-live").click()
    await host.wait_for_selector('#status[data-state="live"]', timeout=30_000)
    assert "LIVE" in (await host.locator("#status").text_content() or "")

    viewer = await browser.new_page()
    collect_errors(viewer, errors)
    await viewer.goto(f"{base}/watch/{show.id}")
    await viewer.wait_for_function(
        "() => { const v = document.querySelector('#player');"
        " return v && v.videoWidth > 0 && v.currentTime > 0; }",
        timeout=30_000,
    )
    first = await viewer.evaluate("document.querySelector('#player').currentTime")
    await viewer.wait_for_function(
        f"() => document.querySelector('#player').currentTime > {first} + 1",
        timeout=15_000,
    )
    width = await viewer.evaluate("document.querySelector('#player').videoWidth")
    assert width > 0
    media = relay(app)
    assert media.is_live(show.id)
    assert media.viewer_count(show.id) == 1

    # The creator ends the show: the viewer's page says so, the show is ended.
    await host.locator("#end").click()
    await host.locator("dialog.confirm button[value=confirm]").click()
    await host.wait_for_selector('#status[data-state="ended"]', timeout=15_000)
    ended = await app[SERVICES].storage.shows.get(show.id)
    assert str(ended.status) == "ended"
    assert media.peer_connection_count() == 0
    await viewer.wait_for_selector(
        '#state[data-state="offline"], #state[data-state="ended"]', timeout=20_000
    )
    assert not errors, errors
