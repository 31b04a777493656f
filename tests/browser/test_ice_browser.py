"""Real Chromium publishes and watches while the relay checks none of the candidates it sends.

With the default `media.allow_private_candidates = false`, every candidate a
browser on this machine offers names one of the machine's own addresses (or
TCP): the relay drops them all and reaches the browsers at the addresses
their own connectivity checks come from (peer-reflexive), on a phone and a
laptop alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from tests.browser.helpers import LAPTOP, PHONE, ContextOptions, collect_errors, go_live, screenshot
from tests.support.services import relay

PLAYING = (
    "() => { const v = document.querySelector('#player');"
    " return v && v.videoWidth > 0 && v.currentTime > 1; }"
)


def refused_total() -> float:
    """Every candidate the relay dropped so far, whatever the reason."""
    total = 0.0
    for family in REGISTRY.collect():
        if family.name == "livesale_media_ice_candidates_refused":
            total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return total


def remote_candidate_types(session: Any) -> set[str]:
    """The kinds of remote candidates a session's ICE transport checks."""
    ice = session.pc.getTransceivers()[0].receiver.transport.transport
    return {candidate.type for candidate in ice.getRemoteCandidates()}


async def watch(browser: Browser, base: str, show_id: str, device: ContextOptions) -> Page:
    context = await browser.new_context(**device)
    page = await context.new_page()
    await page.goto(f"{base}/watch/{show_id}")
    return page


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_browsers_connect_on_their_own_checks_alone(
    server: TestServer, browser: Browser
) -> None:
    app: Any = server.app
    assert app[SERVICES].settings.media.allow_private_candidates is False
    show, stream_key = await app[SERVICES].storage.shows.create("Candidates refused")
    base = str(server.make_url("")).rstrip("/")
    errors: list[str] = []
    before = refused_total()

    host = await go_live(browser, base, show.id, stream_key, errors)
    pages = [await watch(browser, base, show.id, device) for device in (PHONE, LAPTOP)]
    for page in pages:
        collect_errors(page, errors)
        await page.wait_for_function(PLAYING, timeout=30_000)
    await screenshot(pages[0], "ice-phone-viewer-prflx")
    await screenshot(pages[1], "ice-laptop-viewer-prflx")

    media = relay(app)
    # Chromium offered candidates (its host addresses, TCP); the relay checked none.
    assert refused_total() > before
    sessions = [media._publishers[show.id], *media._viewers.values()]
    assert len(sessions) == 3
    for session in sessions:
        assert remote_candidate_types(session) == {"prflx"}
    assert not errors, errors
    await host.close()
