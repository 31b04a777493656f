"""Real Chromium and a real aiortc publisher: the host drops and comes back mid-show.

The publisher (a phone held upright: a portrait picture) goes away without a
WHIP DELETE; the phone viewer is told "The host is reconnecting…" (not that
the show is offline), and when a new publisher comes the same page, on the
same WHEP session, plays new frames again without a reload. The portrait
picture is letterboxed, whole, inside the phone's screen.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from aiortc import RTCSessionDescription
from playwright.async_api import Browser, Page, Request, expect

from tests.browser.helpers import PHONE, Api, collect_errors, screenshot, sign_up
from tests.browser.watch_setup import box, inside, video_content_box
from tests.support.peers import TestPublisher, wait_for
from tests.support.services import relay

SECONDS = 1000  # Playwright timeouts are in milliseconds
PORTRAIT = (240, 320)
WIDTH, HEIGHT = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
WORDS = {
    "en-US": {"away": "The host is reconnecting…", "badge": "RECONNECTING", "live": "● LIVE"},
    "zh-CN": {"away": "主播正在重新连接…", "badge": "重新连接中", "live": "● 直播中"},
}


async def publish(server: TestServer, base_url: str, show_id: str, key: str) -> TestPublisher:
    """An aiortc publisher sending a portrait picture over WHIP, once the relay has its media."""
    publisher = TestPublisher(keyframe_every=30, audio=False, size=PORTRAIT)
    offer = await publisher.offer()
    headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {key}"}
    async with (
        ClientSession() as http,
        http.post(f"{base_url}/whip/{show_id}", data=offer, headers=headers) as response,
    ):
        answer = await response.text()
        assert response.status == 201, answer
    await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    media: Any = relay(server.app)
    await wait_for(lambda: media.is_live(show_id), 30, "the publisher's media at the relay")
    return publisher


async def frames(page: Page) -> int:
    """Video frames the page has decoded so far."""
    count: int = await page.eval_on_selector(
        "#player", "v => v.getVideoPlaybackQuality().totalVideoFrames"
    )
    return count


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_viewers_see_the_host_reconnecting_and_the_video_resumes_without_a_reload(
    server: TestServer, base_url: str, browser: Browser, api: Api, locale: str
) -> None:
    await sign_up(api, "ada@example.com", "Ada")
    created = await api("POST", "/api/shows", json={"title": "Upright"}, expect=201)
    show_id, key = created["show"]["id"], created["stream_key"]
    words = WORDS[locale]
    first = await publish(server, base_url, show_id, key)

    errors: list[str] = []
    page = await (await browser.new_context(locale=locale, **PHONE)).new_page()
    collect_errors(page, errors)
    whep_posts: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and "/whep/" in request.url:
            whep_posts.append(request.url)

    page.on("request", on_request)
    await page.goto(f"{base_url}/watch/{show_id}")
    await page.wait_for_function(
        "([w, h]) => { const v = document.querySelector('#player');"
        " return v.videoWidth === w && v.videoHeight === h && v.currentTime > 0; }",
        arg=list(PORTRAIT),
        timeout=60 * SECONDS,
    )
    state = page.locator("#state")
    await expect(state).to_have_text(words["live"])

    # The portrait picture: the stage is the whole screen, the picture whole inside it.
    assert await page.eval_on_selector("#player", "v => getComputedStyle(v).objectFit") == "contain"
    stage = await box(page.locator("#stage"))
    assert (stage["width"], stage["height"]) == (WIDTH, HEIGHT), stage
    picture = await video_content_box(page, "#player")
    assert inside(picture, WIDTH, HEIGHT), picture
    assert picture["width"] == pytest.approx(WIDTH, abs=1)
    assert picture["height"] == pytest.approx(WIDTH * PORTRAIT[1] / PORTRAIT[0], abs=1)

    # The creator's network drops: no DELETE. Viewers hear the host is reconnecting.
    await page.evaluate("() => { window.stayedOnThePage = true; }")
    await first.close()
    message = page.locator("#message")
    await expect(message).to_have_text(words["away"], timeout=30 * SECONDS)
    await expect(message).to_be_visible()
    await expect(state).to_have_text(words["badge"])
    assert await state.get_attribute("data-state") != "offline"
    await screenshot(page, f"watch-phone-host-reconnecting-{locale}")

    # The creator is back: new frames on the same page and WHEP session.
    second = await publish(server, base_url, show_id, key)
    try:
        before = await frames(page)
        await page.wait_for_function(
            "(before) => document.querySelector('#player')"
            ".getVideoPlaybackQuality().totalVideoFrames > before + 30",
            arg=before,
            timeout=60 * SECONDS,
        )
        await expect(state).to_have_text(words["live"], timeout=30 * SECONDS)
        await expect(message).to_be_hidden()
        assert await page.evaluate("() => window.stayedOnThePage === true")  # no reload
        assert len(whep_posts) == 1, whep_posts  # the session was kept, not started over
    finally:
        await second.close()
    assert not errors, errors
