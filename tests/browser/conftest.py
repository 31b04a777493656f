"""Browser fixtures: the whole app on a real port, Debian's Chromium, error collection."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from aioice import ice as aioice_ice
from playwright.async_api import Browser, async_playwright

from livesale.app import create_app
from livesale.config import Settings
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_mdns_state() -> None:
    """Forget aioice's mDNS resolver state before each test.

    aioice keeps it per thread, with a lock bound to the event loop that made
    it; Chromium's `.local` candidates create it, and a test whose loop closes
    while the lock is held would leave every later test's offers unusable.
    """
    vars(aioice_ice._mdns).clear()


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    """The whole app on a real TCP port, as a browser needs it (cheap argon2 for speed)."""
    auth = dataclasses.replace(
        settings.auth, password_time_cost=1, password_memory_kib=8, password_parallelism=1
    )
    app = create_app(dataclasses.replace(settings, auth=auth))
    test_server = TestServer(app, host="127.0.0.1")
    async with test_server:
        yield test_server


@pytest.fixture
def base_url(server: TestServer) -> str:
    """The server's origin, e.g. http://127.0.0.1:12345."""
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, driven by Playwright (no downloaded browser)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """`await api(method, path, json=...)` -> the JSON body, as a creator signed in via cookies."""
    async with ClientSession(base_url, cookie_jar=CookieJar(unsafe=True)) as session:

        async def call(method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
            headers = {"Origin": base_url, **kwargs.pop("headers", {})}
            async with session.request(method, path, headers=headers, **kwargs) as response:
                body = await response.read()
                assert response.status == expect, body
                return await response.json() if body else None

        yield call
