"""An attacker hammering an account cannot lock its owner out.

What broke: five wrong passwords from anywhere locked the real owner out of
logging in (the throttle counted failures per account only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import DEFAULT_PASSWORD, Client, explicit_dummy, origin, sign_up
from tests.support.clocks import FakeClock

EMAIL = "owner@example.com"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
FREE = 5
ACCOUNT_FREE = 12


@asynccontextmanager
async def proxied_app(
    settings: Settings, clock: FakeClock, **auth_changes: Any
) -> AsyncIterator[Client]:
    """The app behind a trusted proxy (the test client), so each request names its address."""
    auth = dataclasses.replace(settings.auth, login_free_failures=FREE, **auth_changes)
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    proxied = explicit_dummy(dataclasses.replace(settings, auth=auth, server=server))
    async with TestClient(TestServer(create_app(proxied))) as c:
        c.app[SERVICES].accounts.login_throttle.clock = clock
        await sign_up(c, email=EMAIL)
        c.session.cookie_jar.clear()
        yield c


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """The app with the default account ceiling."""
    async with proxied_app(settings, clock) as c:
        yield c


@pytest.fixture
async def low_ceiling(settings: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """The app with a low account ceiling, so tests reach it quickly."""
    async with proxied_app(settings, clock, login_account_free_failures=ACCOUNT_FREE) as c:
        yield c


async def login(client: Client, password: str, address: str) -> int:
    response = await client.post(
        "/api/auth/login",
        json={"email": EMAIL, "password": password},
        headers={**origin(client), "X-Forwarded-For": address},
    )
    client.session.cookie_jar.clear()
    return response.status


async def test_the_owner_logs_in_while_another_address_hammers_the_account(
    client: Client,
) -> None:
    statuses = [await login(client, f"guess {i}", ATTACKER) for i in range(FREE + 5)]
    assert statuses == [401] * FREE + [429] * 5
    # The owner, on an address that never failed, is not held up by any of that.
    assert await login(client, DEFAULT_PASSWORD, OWNER) == 200


async def _guesses_from_many_addresses(client: Client, first: int) -> None:
    """ACCOUNT_FREE guesses, each from an address of its own (none near its own limit)."""
    for i in range(first, first + ACCOUNT_FREE):
        assert await login(client, "guess", f"192.0.2.{i}") == 401


async def test_many_addresses_together_meet_the_account_ceiling_but_known_ones_do_not(
    low_ceiling: Client, clock: FakeClock
) -> None:
    client = low_ceiling
    # The owner has logged in from home before: that address is known to the account.
    assert await login(client, DEFAULT_PASSWORD, OWNER) == 200
    await _guesses_from_many_addresses(client, 1)
    # Past the account's ceiling a new address must wait, even with the right password...
    assert await login(client, "guess", "192.0.2.200") == 429
    assert await login(client, DEFAULT_PASSWORD, "192.0.2.201") == 429
    # ...while the owner's known address still gets in at once.
    assert await login(client, DEFAULT_PASSWORD, OWNER) == 200

    # The ceiling slows new addresses down; it does not lock them out.
    await _guesses_from_many_addresses(client, 100)
    assert await login(client, DEFAULT_PASSWORD, "192.0.2.201") == 429
    clock.advance(1)
    assert await login(client, DEFAULT_PASSWORD, "192.0.2.201") == 200
