"""Fixtures for shop tests: a live show with a product in its bag, a second shop process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import Buyers, Client, cheap_auth, guests_of
from tests.support.world import LiveShop, open_live_shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@pytest.fixture
async def shop(alice: Client) -> LiveShop:
    """Alice's live show with 10 units of one product."""
    return await open_live_shop(alice)


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """A second shop process in spirit: its own app on the same Redis and SQLite file."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


@pytest.fixture
async def buyers2(server2: TestServer) -> AsyncIterator[Buyers]:
    """Make guest buyers of the second process."""
    async with guests_of(server2) as make:
        yield make
