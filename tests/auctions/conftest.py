"""Fixtures for auction tests: a second app instance, and a server with a short payment window."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import Client, sign_up

PAYMENT_SECONDS = 1


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """Instance 2: another process in spirit, same Redis and SQLite file."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


@pytest.fixture
async def hurried(settings: Settings) -> AsyncIterator[TestServer]:
    """An app whose auction winners have PAYMENT_SECONDS to pay."""
    shop = dataclasses.replace(settings.shop, auction_payment_seconds=PAYMENT_SECONDS)
    test_server = TestServer(create_app(dataclasses.replace(settings, shop=shop)))
    async with test_server:
        yield test_server


@pytest.fixture
async def hurried_alice(hurried: TestServer) -> AsyncIterator[Client]:
    """Alice, signed in on the hurried app."""
    async with TestClient(hurried) as client:
        await sign_up(client, "alice@example.com", display_name="Alice")
        yield client
